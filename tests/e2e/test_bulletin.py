"""Through the real browser, an EIG files this week's bulletin and
a coach sees it in the trends after the deadline. The clock moves through SUIVI_FAKE_NOW
(`live_app.start(fake_now=...)`), never by sleeping."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from lib.auth import DEMO_PASSWORD
from lib.clock import iso_week_of, today_local, week_deadline
from lib.seed import CURRENT_DEFIS
from tests.e2e.conftest import choose, login, rerun, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.journey]
PARIS = ZoneInfo("Europe/Paris")
PRIORITY = "Priorité e2e : tester le parcours d'inscription avec 5 agents"


def this_week() -> tuple[dt.datetime, dt.datetime]:
    """Monday 9:00 of the seeded data's current week, and one minute after its deadline."""
    today = today_local()  # lib.seed dates the demo data from the app's today
    monday = today - dt.timedelta(days=today.weekday())
    deadline = week_deadline(*iso_week_of(monday))
    return dt.datetime.combine(monday, dt.time(9, 0), tzinfo=PARIS), deadline + dt.timedelta(minutes=1)


def test_eig_files_the_bulletin_and_a_coach_sees_it_in_the_trends_after_the_deadline(live_app, new_page):
    before, after = this_week()
    live_app.start(fake_now=before.isoformat())
    page = new_page()
    login(page, live_app.base_url, "eig.lea", DEMO_PASSWORD)
    rerun(page, page.get_by_role("link", name="Bulletin de la semaine"))
    page.get_by_text("À remplir avant le").wait_for()
    page.get_by_text("😀 excellente").click()
    page.get_by_label("Priorité de la semaine").fill(PRIORITY)
    page.get_by_label("Hauts et bas").fill("Hauts : démo réussie. Bas : API lente.")
    page.get_by_role("button", name="Enregistrer le bulletin").click()
    page.get_by_text("enregistré").first.wait_for()
    screenshot(page, "bulletin-filed")

    # Same database, clock one minute past the deadline: the week is closed and published.
    live_app.start(fake_now=after.isoformat())
    closed = new_page()
    login(closed, live_app.base_url, "eig.lea", DEMO_PASSWORD)
    rerun(closed, closed.get_by_role("link", name="Bulletin de la semaine"))
    closed.get_by_text("est close").wait_for()
    closed.get_by_text(PRIORITY).wait_for()  # read-only now

    coach = new_page()
    login(coach, live_app.base_url, "coach.claire", DEMO_PASSWORD)
    rerun(coach, coach.get_by_role("link", name="Rétrospectives"))
    rerun(coach, coach.get_by_role("tab", name="Toute la promotion"))
    coach.get_by_text("Humeur par défi et par semaine").wait_for()
    screenshot(coach, "retrospectives-coach")
    # The bulletin's full text, in Léa's défi's list of bulletins by month.
    choose(coach, "Défi", CURRENT_DEFIS[0].name)
    rerun(coach, coach.get_by_role("tab", name="Par défi"))
    coach.get_by_role("tabpanel", name="Par défi").get_by_text(PRIORITY).wait_for()

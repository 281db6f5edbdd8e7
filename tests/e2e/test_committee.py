"""Through the real browser: a coach schedules a committee, writes
notes with two actions, publishes the report and validates the phase; the EIG then sees
the report and their action on the home page; a sponsor sees the report only after
publication. The clock is set through SUIVI_FAKE_NOW: the committee is held this morning."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from lib.auth import DEMO_PASSWORD
from lib.clock import today_local
from lib.i18n import t
from lib.seed import CURRENT_DEFIS
from tests.e2e.conftest import choose, login, open_logged_in, rerun, screenshot, settle

pytestmark = [pytest.mark.browser, pytest.mark.journey]
PARIS = ZoneInfo("Europe/Paris")
DEFI = CURRENT_DEFIS[0].name  # eig.lea, porteur.marc and sponsor.anne are on this défi
REPORT = "Rapport e2e : la phase a tenu ses promesses, l'équipe passe à l'échelle."
EIG_ACTION = "Action e2e : documenter l'API pour les partenaires"
COACH_ACTION = "Action e2e : organiser la démo au comité de direction"


def open_committees(page) -> None:  # noqa: ANN001
    """Select the défi in the sidebar (coaches see the whole promotion), open the committee page."""
    rerun(page, page.get_by_role("link", name="Comités d'évaluation"))
    settle(page)
    if DEFI not in page.get_by_label("Défi", exact=True).first.inner_text():
        choose(page, "Défi", DEFI)
    page.get_by_role("tab", name="Dossier de comité").wait_for()


def assert_no_banner(page) -> None:  # noqa: ANN001
    """Nobody but the coach herself saved: no « someone saved another version » anywhere."""
    assert t("edit.newer_version") not in page.inner_text("body")


def add_action(page, description: str, owner: str) -> None:  # noqa: ANN001
    form = page.locator('[data-testid="stForm"]:visible')
    form.get_by_label("Action", exact=True).fill(description)
    choose(page, "Responsable", owner)
    form.get_by_role("button", name="Ajouter l'action").click()
    page.get_by_text(f"{description} · {owner}").wait_for()  # in the list of statuses to update
    settle(page)


def test_coach_holds_the_committee_and_the_team_reads_the_published_report(live_app, new_page):
    today = today_local()  # the seed dates the demo data from the app's today
    live_app.start(fake_now=dt.datetime.combine(today, dt.time(17, 0), tzinfo=PARIS).isoformat())

    coach = new_page()
    login(coach, live_app.base_url, "coach.claire", DEMO_PASSWORD)
    open_committees(coach)

    # Schedule the current phase's committee this morning, with the default participants.
    coach.get_by_text("planifiez-le ci-dessous").wait_for()
    coach.get_by_role("spinbutton", name="jour, Date du comité").click()  # lib/ui/chrome.py names it in French
    coach.keyboard.type(f"{today:%d%m%Y}")  # day, month, year: each segment moves to the next
    # A click outside closes the calendar, which covers the button in a six-week month (Escape
    # would also undo the date typed).
    coach.get_by_role("heading", name="Comités d'évaluation").first.click()
    expect(coach.locator("#stFloatingOverlayPortal [role=gridcell]")).to_have_count(0)
    coach.get_by_role("button", name="Planifier le comité").click()
    coach.get_by_text("Comité prévu le").wait_for()
    settle(coach)

    # Notes.
    coach.get_by_label("Succès").fill("Premiers utilisateurs conquis dans deux directions.")
    coach.get_by_label("Difficultés").fill("Accès aux données de production encore lent.")
    coach.get_by_label("Orientation").fill("Passer à l'échelle nationale.")
    choose(coach, "Atteinte des objectifs", "3 · largement")
    coach.get_by_role("button", name="Enregistrer les notes").click()
    coach.get_by_text(t("committees.notes.saved")).wait_for()
    settle(coach)

    # She adds a guest: schedule, notes and report share the committee's version, and her own
    # saves never say that someone saved meanwhile (through the report's publication, below).
    coach.get_by_text(t("committees.schedule.edit")).click()
    coach.get_by_role("textbox", name=t("committees.schedule.guests")).fill("Directrice du numérique")
    rerun(coach, coach.get_by_role("button", name=t("committees.schedule.update")))
    coach.get_by_text(t("committees.schedule.saved")).wait_for()
    assert_no_banner(coach)

    # Two decided actions, one for the EIG, one for the coach.
    rerun(coach, coach.get_by_role("tab", name="Actions"))
    add_action(coach, EIG_ACTION, "Léa Moreau")
    add_action(coach, COACH_ACTION, "Claire Dubois")

    # The report, first as a draft.
    rerun(coach, coach.get_by_role("tab", name="Rapport d'évaluation"))
    coach.get_by_role("textbox", name="Rapport d'évaluation").fill(REPORT)
    coach.get_by_role("button", name="Enregistrer le brouillon").click()
    coach.get_by_text("Rapport enregistré.").wait_for()
    settle(coach)
    assert_no_banner(coach)

    # The sponsor does not see the draft.
    sponsor = new_page()
    login(sponsor, live_app.base_url, "sponsor.anne", DEMO_PASSWORD)
    open_committees(sponsor)
    rerun(sponsor, sponsor.get_by_role("tab", name="Rapport d'évaluation"))
    sponsor.get_by_text("n'est pas encore publié").wait_for()
    assert REPORT not in sponsor.inner_text("body")

    # Publish, then validate the phase.
    coach.get_by_role("button", name="Publier le rapport").click()
    coach.get_by_text("Rapport publié le").wait_for()
    settle(coach)
    assert_no_banner(coach)
    rerun(coach, coach.get_by_role("tab", name="Comité", exact=True))
    assert_no_banner(coach)
    coach.get_by_role("button", name="Valider la phase").click()
    coach.get_by_text("Phase validée par le comité le").wait_for()
    screenshot(coach, "committee-coach")

    # The EIG sees the report and their action on the home page.
    eig = new_page()
    login(eig, live_app.base_url, "eig.lea", DEMO_PASSWORD)
    eig.get_by_text(EIG_ACTION).first.wait_for()
    eig.get_by_text(REPORT).first.wait_for()
    screenshot(eig, "home-eig-after-committee")

    # Now the sponsor reads it.
    open_logged_in(sponsor, sponsor.url)  # a reload runs logged out until the cookie logs her in again
    open_committees(sponsor)
    rerun(sponsor, sponsor.get_by_role("tab", name="Rapport d'évaluation"))
    sponsor.get_by_text(REPORT).wait_for()

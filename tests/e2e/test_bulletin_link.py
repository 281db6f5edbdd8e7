"""From the reminder to the filed bulletin in one click, in Chromium, through a real SMTP server:
an EIG opens the personal link of the mail they received, lands signed in on this week's
bulletin of their défi, files it, and stays signed in; the link used again, another person's link
in their browser, and the link of a deactivated account are refused in French, without a form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import NamedTuple
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest

from lib import auth, digest, formats, mail, users
from lib.clock import iso_week_of, today_local
from lib.schemas import UserIn
from tests.e2e.conftest import LiveApp, account, mailing_app, services_on, settle, wait_until
from tests.mail import Inbox, link_in, parts

pytestmark = pytest.mark.browser
PARIS = ZoneInfo("Europe/Paris")


def monday_morning() -> dt.datetime:
    """Monday 9:00 of the seeded data's current week: a weekday before its deadline."""
    today = today_local()  # lib.seed dates the demo data from the app's today
    return dt.datetime.combine(today - dt.timedelta(days=today.weekday()), dt.time(9, 0), tzinfo=PARIS)


@pytest.fixture(scope="module")
def reminded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveApp, dict[str, Reminder]]]:
    """The demo app on Monday morning, and the reminders mailed then: each EIG's personal
    link, on the live app's address (the mail carries SUIVI_APP_URL's)."""
    now = monday_morning()
    with mailing_app(tmp_path_factory.mktemp("e2e"), fake_now=now.isoformat()) as (app, inbox):
        with services_on(app.database_url):
            mail.send(digest.reminders(now))
        yield app, links(app, inbox)


class Reminder(NamedTuple):
    defi: str
    link: str


def links(app: LiveApp, inbox: Inbox) -> dict[str, Reminder]:
    """Each recipient's défi (the subject names it) and personal link."""
    out = {}
    for recipients, message in inbox.messages():
        token = parse_qs(urlparse(link_in(parts(message)[0], "bulletin")).query)["bulletin"][0]
        defi = message["Subject"].rsplit(" du défi ", 1)[1]
        out[recipients[0]] = Reminder(defi, f"{app.base_url}/?bulletin={token}")
    return out


def reminded_eigs(mailed: dict[str, Reminder]) -> list[str]:
    """The EIGs reminded, three at least: the one who files, and one for each test that needs
    someone else's link."""
    addresses = sorted(mailed)
    assert len(addresses) >= 3
    return addresses


def refused(page, link: str, words: str) -> None:  # noqa: ANN001
    page.goto(link)
    page.get_by_text(words).wait_for()
    settle(page)
    assert page.get_by_label("Identifiant").count() == 0 and page.get_by_label("Priorité de la semaine").count() == 0


def test_from_the_mailed_link_to_the_filed_bulletin_then_the_link_is_spent(reminded, new_page):
    app, mailed = reminded
    defi, link = mailed[reminded_eigs(mailed)[0]]
    page = new_page()
    page.goto(link)
    page.get_by_role("heading", name=f"Bulletin de la semaine · {defi}").wait_for()
    page.get_by_text("À remplir avant le").wait_for()
    settle(page)
    assert "bulletin=" not in page.url  # the spent token left the address bar
    page.get_by_text("😀 excellente").click()
    page.get_by_label("Priorité de la semaine").fill("Priorité du rappel : un clic et c'est rempli")
    page.get_by_label("Hauts et bas").fill("Hauts : le lien du rappel. Bas : rien.")
    page.get_by_role("button", name="Enregistrer le bulletin").click()
    page.get_by_text(f"Bulletin de la {formats.iso_week(*iso_week_of(monday_morning().date()))} enregistré").wait_for()
    wait_until(page, lambda: any(c["name"] == auth.COOKIE_NAME for c in page.context.cookies()), 20)
    page.reload()  # the login cookie keeps her signed in
    page.get_by_role("button", name="Se déconnecter", exact=True).wait_for()

    # Another person's link, in Léa's browser: refused, and left for its owner.
    refused(page, mailed[reminded_eigs(mailed)[1]].link, "Ce lien est celui d'une autre personne")

    used = new_page()
    refused(used, link, "Ce lien a déjà servi")


def test_the_link_of_a_deactivated_account_signs_nobody_in(reminded, new_page):
    app, mailed = reminded
    address = reminded_eigs(mailed)[-1]
    login = address.split("@")[0]
    with services_on(app.database_url):
        row = users.list_users(account("admin"), login).set_index("login").loc[login]
        users.update_user(account("admin"), int(row["id"]), UserIn(login=login, display_name=row["display_name"],
                                                                   email=row["email"], role=row["role"]),
                          active=False, expected_version=int(row["version"]))
    refused(new_page(), mailed[address].link, "Ce lien n'est pas valide")

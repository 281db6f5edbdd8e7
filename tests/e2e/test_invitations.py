"""Invitations and resets in Chromium, through a real SMTP server: an admin invites, the
person opens the mailed link, chooses a password and logs in; a used, replaced or expired
link is refused in French; "Mot de passe oublié ?" mails a link that works."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import pytest

from lib import invitations
from lib.auth import DEMO_PASSWORD
from lib.clock import now_utc
from tests.e2e.conftest import (
    LiveApp,
    account,
    login,
    mailing_app,
    open_logged_in,
    rerun,
    services_on,
    settle,
)
from tests.mail import Inbox, link_in, parts

pytestmark = pytest.mark.browser
NEW_PASSWORD = "une phrase de passe pour le test"


@pytest.fixture(scope="module")
def mail_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveApp, Inbox]]:
    with mailing_app(tmp_path_factory.mktemp("e2e")) as served:
        yield served


def opened(app: LiveApp, message) -> str:  # noqa: ANN001
    """The mailed link, on the live app's address (the mail carries SUIVI_APP_URL's)."""
    token = parse_qs(urlparse(link_in(parts(message)[0], "jeton")).query)["jeton"][0]
    return f"{app.base_url}/?jeton={token}"


def choose(page, password: str) -> None:  # noqa: ANN001
    page.get_by_label("Nouveau mot de passe").fill(password)
    page.get_by_label("Confirmez le mot de passe").fill(password)
    page.get_by_role("button", name="Enregistrer le mot de passe").click()


def test_invite_read_the_mail_choose_a_password_and_log_in(mail_app, new_page):
    app, inbox = mail_app
    with services_on(app.database_url):
        first = invitations.overview(account("admin"))
    person = first[first["active"]].iloc[0]  # the admin page's picker opens on this person
    admin = new_page()
    login(admin, app.base_url, "admin", DEMO_PASSWORD)
    open_logged_in(admin, f"{app.base_url}/admin")
    admin.get_by_text("Invitations", exact=True).click()  # an expander: opening it runs nothing
    send = admin.get_by_role("button", name="Envoyer l'invitation")
    send.wait_for()
    rerun(admin, send)  # the click is followed to its run's end, not assumed
    admin.get_by_text(f"Invitation envoyée à {person.email}.").wait_for()
    [(recipients, message)] = inbox.messages()[-1:]
    assert recipients == [person.email]

    page = new_page()
    page.goto(opened(app, message))
    page.get_by_text(f"identifiant {person.login}").wait_for()
    settle(page)
    choose(page, person.login)  # the login itself is refused
    page.get_by_text("Le mot de passe ne peut pas être votre identifiant.").wait_for()
    choose(page, NEW_PASSWORD)
    page.get_by_text("Votre mot de passe est enregistré").wait_for()
    page.get_by_role("button", name="Aller à la connexion").click()
    page.get_by_role("button", name="Se connecter").wait_for()
    settle(page)
    login(page, app.base_url, person.login, NEW_PASSWORD)
    assert f"Bonjour {person.display_name}" in page.inner_text("body")

    used = new_page()
    used.goto(opened(app, message))
    used.get_by_text("Ce lien a déjà servi").wait_for()
    assert used.get_by_label("Nouveau mot de passe").count() == 0


def test_a_replaced_or_expired_link_is_refused_in_french(mail_app, new_page):
    app, inbox = mail_app
    with services_on(app.database_url):
        invitations.invite(account("admin"), account("porteur.marc").id)
        invitations.invite(account("admin"), account("porteur.marc").id)
        invitations.invite(account("admin"), account("sponsor.anne").id, now=now_utc() - dt.timedelta(days=8))
    replaced, _, expired = (message for _, message in inbox.messages()[-3:])
    page = new_page()
    page.goto(opened(app, replaced))
    page.get_by_text("Ce lien a été remplacé par un lien plus récent").wait_for()
    page.goto(opened(app, expired))
    page.get_by_text("Ce lien a expiré le").wait_for()
    settle(page)
    assert page.get_by_label("Nouveau mot de passe").count() == 0


def test_forgotten_password_mails_a_link_that_resets_it(mail_app, new_page):
    app, inbox = mail_app
    page = new_page()
    page.goto(app.base_url)
    settle(page)
    page.get_by_role("button", name="Mot de passe oublié ?").click()
    page.get_by_label("Votre adresse électronique").fill("coach.karim@example.org")
    before = len(inbox.messages())
    page.get_by_role("button", name="Recevoir un lien").click()
    page.get_by_text("Si un compte actif correspond à cette adresse").wait_for()
    inbox.wait_for(before + 1)  # the mail leaves after the answer
    [(recipients, message)] = inbox.messages()[-1:]
    assert recipients == ["coach.karim@example.org"]
    page.goto(opened(app, message))
    page.get_by_text("identifiant coach.karim").wait_for()
    settle(page)
    choose(page, NEW_PASSWORD)
    page.get_by_text("Votre mot de passe est enregistré").wait_for()
    login(page, app.base_url, "coach.karim", NEW_PASSWORD)

"""Invitations and password resets by email, through a real SMTP server (aiosmtpd), on
SQLite and PostgreSQL: the link works once, for a while, and a newer link replaces it;
"Mot de passe oublié ?" answers alike for any address and is rate-limited."""

from __future__ import annotations

import datetime as dt
import re
import threading
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from lib import auth, db, invitations, mail, users
from lib.config import get_settings
from lib.errors import PermissionDenied, ServiceError
from lib.i18n import t
from lib.models import PasswordToken
from lib.schemas import ChosenPasswordIn, UserIn
from tests.conftest import ANY, said
from tests.fixtures import PASSWORD
from tests.mail import link_in, parts
from tests.pg import free_port

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
NEW_PASSWORD = "une phrase de passe assez longue"
CLIENT = "203.0.113.7"


def token_of(message) -> str:  # noqa: ANN001
    text, _ = parts(message)
    return parse_qs(urlparse(link_in(text, "jeton")).query)["jeton"][0]


def chosen(login: str, password: str = NEW_PASSWORD, confirmation: str | None = None) -> ChosenPasswordIn:
    return ChosenPasswordIn(login=login, password=password, confirmation=password if confirmation is None
                            else confirmation)


def refusal(token: str, at: dt.datetime) -> str:
    with pytest.raises(invitations.TokenRefused) as refused:
        invitations.open_link(token, now=at)
    return str(refused.value)


def test_an_invitation_mails_a_link_that_sets_the_password_once(world, inbox):
    assert invitations.invite(world.coach, world.eig.id, now=T0) == "eig@example.org"
    [(recipients, message)] = inbox.messages()
    assert recipients == ["eig@example.org"] and message["To"] == "eig@example.org"
    assert message["Subject"] == t("mail.invitation.subject")
    text, html = parts(message)
    link = link_in(text, "jeton")
    assert link.startswith("https://suivi.example.org/?jeton=")
    assert f'href="{link}"' in html and t("mail.invitation.action") in html
    assert "Votre identifiant : eig." in text and "jusqu'au lundi 30/11/2026 à 10:00" in text
    token = token_of(message)
    with db.reading() as s:  # only the hash is stored
        assert token not in {row.token_hash for row in s.scalars(select(PasswordToken))}
    assert invitations.open_link(token, now=T0).login == "eig"
    assert invitations.choose_password(token, chosen("eig"), now=T0 + dt.timedelta(days=1)) == "eig"
    assert auth.check_login("eig", NEW_PASSWORD, CLIENT, now=T0 + dt.timedelta(days=1)).ok
    assert not auth.check_login("eig", PASSWORD, CLIENT, now=T0 + dt.timedelta(days=1)).ok
    assert refusal(token, T0 + dt.timedelta(days=1)) == t("password.refused.used")
    with pytest.raises(invitations.TokenRefused, match=said("password.refused.used")):
        invitations.choose_password(token, chosen("eig", "encore une autre phrase"), now=T0 + dt.timedelta(days=1))


def test_an_invitation_expires_after_seven_days(world, inbox):
    invitations.invite(world.coach, world.eig.id, now=T0)
    token = token_of(inbox.messages()[0][1])
    assert invitations.open_link(token, now=T0 + dt.timedelta(days=7, seconds=-1)).login == "eig"
    message = refusal(token, T0 + dt.timedelta(days=7))
    assert message == t("password.refused.expired", date="lundi 30/11/2026 à 10:00")
    with pytest.raises(invitations.TokenRefused, match=re.escape(message)):
        invitations.choose_password(token, chosen("eig"), now=T0 + dt.timedelta(days=8))


def test_a_newer_invitation_voids_the_earlier_link(world, inbox):
    invitations.invite(world.coach, world.eig.id, now=T0)
    invitations.invite(world.coach, world.eig.id, now=T0 + dt.timedelta(hours=1))
    first, second = (token_of(m) for _, m in inbox.messages())
    assert refusal(first, T0 + dt.timedelta(hours=2)) == t("password.refused.voided")
    assert invitations.choose_password(second, chosen("eig"), now=T0 + dt.timedelta(hours=2)) == "eig"


def test_choosing_a_password_ends_the_accounts_sessions(world, inbox):
    invitations.invite(world.coach, world.eig.id, now=T0)
    before = auth.session_epoch("eig")
    invitations.choose_password(token_of(inbox.messages()[0][1]), chosen("eig"), now=T0)
    assert auth.session_epoch("eig") == before + 1
    assert auth.actor_for_login("eig", before) is None


@pytest.mark.parametrize(("password", "confirmation", "message"), [
    ("onze-signes", None, "au moins 12 caractères"),
    (auth.DEMO_PASSWORD, None, "comptes de démonstration"),
    ("nina.nouvelle", None, "votre identifiant"),
    ("NINA.NOUVELLE ", None, "votre identifiant"),
    (NEW_PASSWORD, NEW_PASSWORD + "!", "pas identiques"),
])
def test_the_chosen_password_rules(password, confirmation, message):
    with pytest.raises(ValidationError, match=message):
        chosen("nina.nouvelle", password, confirmation)
    assert chosen("nina.nouvelle", "douze-signes").password == "douze-signes"


def test_a_link_sets_only_its_own_accounts_password(world, inbox):
    invitations.invite(world.coach, world.eig.id, now=T0)
    with pytest.raises(invitations.TokenRefused, match=said("password.refused.invalid")):
        invitations.choose_password(token_of(inbox.messages()[0][1]), chosen("eig2"), now=T0)
    assert refusal("pas-un-jeton", T0) == t("password.refused.invalid")
    assert refusal("", T0) == t("password.refused.invalid")


def test_a_deactivated_accounts_link_opens_nothing(world, inbox):
    invitations.invite(world.coach, world.eig.id, now=T0)
    users.update_user(world.admin, world.eig.id, UserIn(login="eig", display_name="Léa EIG", email="eig@example.org"),
                      active=False, expected_version=1)
    assert refusal(token_of(inbox.messages()[0][1]), T0) == t("password.refused.invalid")


def test_only_staff_invite_and_only_admins_invite_staff(world, inbox):
    with pytest.raises(PermissionDenied):
        invitations.invite(world.eig, world.eig2.id, now=T0)
    with pytest.raises(PermissionDenied):
        invitations.invite(world.coach, world.admin.id, now=T0)
    invitations.invite(world.admin, world.coach.id, now=T0)
    assert [r for r, _ in inbox.messages()] == [["coach@example.org"]]


def test_an_account_created_without_a_password_waits_for_its_invitation(world, inbox):
    user_id = users.create_user(world.coach, UserIn(login="nina.nouvelle", display_name="Nina Nouvelle",
                                                    email="nina@example.org"))
    assert not auth.check_login("nina.nouvelle", "", CLIENT, now=T0).ok
    invitations.invite(world.coach, user_id, now=T0)
    invitations.choose_password(token_of(inbox.messages()[0][1]), chosen("nina.nouvelle"), now=T0)
    assert auth.check_login("nina.nouvelle", NEW_PASSWORD, CLIENT, now=T0).ok


def test_the_overview_shows_invitations_and_who_never_logged_in(world, inbox):
    invitations.invite(world.coach, world.eig.id, now=T0)
    invitations.invite(world.coach, world.eig2.id, now=T0)
    invitations.choose_password(token_of(inbox.messages()[0][1]), chosen("eig"), now=T0)
    auth.check_login("eig", NEW_PASSWORD, CLIENT, now=T0 + dt.timedelta(minutes=5))
    rows = invitations.overview(world.coach, now=T0 + dt.timedelta(days=8)).set_index("login")
    assert rows.loc["eig", "state"] == "used" and rows.loc["eig", "last_login"] == T0 + dt.timedelta(minutes=5)
    assert rows.loc["eig2", "state_label"] == t("token_state.expired") and rows.loc["eig2", "invited_at"] == T0
    assert pd.isna(rows.loc["eig2", "last_login"])
    assert rows.loc["porteur", "state_label"] == t("token_state.none")
    with pytest.raises(PermissionDenied):
        invitations.overview(world.eig)


def test_a_reset_link_works_one_hour_once(world, inbox):
    invitations.request_reset(" EIG@example.org ", CLIENT, now=T0)
    [(recipients, message)] = inbox.messages()
    assert recipients == ["eig@example.org"]
    assert message["Subject"] == t("mail.reset.subject")
    token = token_of(message)
    assert refusal(token, T0 + dt.timedelta(hours=1)).startswith("Ce lien a expiré")
    invitations.choose_password(token, chosen("eig"), now=T0 + dt.timedelta(minutes=59))
    assert refusal(token, T0 + dt.timedelta(minutes=59)) == t("password.refused.used")


def test_a_reset_request_answers_before_its_mail_is_sent(world, inbox, monkeypatch):
    release, received = threading.Event(), inbox.handle_DATA

    async def held_until_released(*args):  # noqa: ANN002, ANN202 - aiosmtpd hook
        release.wait(timeout=10)
        return await received(*args)

    monkeypatch.setattr(inbox, "handle_DATA", held_until_released)
    invitations.request_reset("eig@example.org", CLIENT, now=T0)
    assert inbox.envelopes == []  # answered while the server still holds the message
    release.set()
    [(recipients, message)] = inbox.messages()
    assert recipients == ["eig@example.org"] and invitations.open_link(token_of(message), now=T0).login == "eig"


def test_a_reset_mail_the_smtp_server_refuses_is_logged_and_the_link_kept(world, monkeypatch, caplog):
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(free_port()))  # nobody listens there
    get_settings.cache_clear()
    invitations.request_reset("eig@example.org", CLIENT, now=T0)
    mail.wait_until_sent()
    get_settings.cache_clear()
    assert "password reset mail not sent" in caplog.text
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(PasswordToken).where(PasswordToken.used_at.is_(None),
                                                                             PasswordToken.voided_at.is_(None))) == 1


def test_a_reset_for_an_unknown_or_deactivated_address_sends_nothing_and_says_nothing(world, inbox):
    assert invitations.request_reset("personne@example.org", CLIENT, now=T0) is None
    assert invitations.request_reset("inactive@example.org", CLIENT, now=T0) is None
    assert inbox.messages() == []


def test_resets_are_limited_per_address_and_per_client(world, inbox):
    for n in range(invitations.RESETS_PER_ADDRESS + 2):
        invitations.request_reset("eig@example.org", f"198.51.100.{n}", now=T0 + dt.timedelta(minutes=n))
    assert len(inbox.messages()) == invitations.RESETS_PER_ADDRESS
    # One client asking for many addresses is stopped too, whether they exist or not.
    for n in range(invitations.RESETS_PER_CLIENT - 1):
        invitations.request_reset(f"inconnu{n}@example.org", CLIENT, now=T0)
    invitations.request_reset("eig2@example.org", CLIENT, now=T0)
    invitations.request_reset("porteur@example.org", CLIENT, now=T0)
    assert [r for r, _ in inbox.messages()][-1] == ["eig2@example.org"]
    # The window slides: an hour later, the person can ask again.
    invitations.request_reset("eig@example.org", CLIENT, now=T0 + dt.timedelta(hours=2))
    assert [r for r, _ in inbox.messages()][-1] == ["eig@example.org"]


def test_an_invitation_the_smtp_server_refuses_is_not_recorded(world, monkeypatch):
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(free_port()))  # nobody listens there
    get_settings.cache_clear()
    with pytest.raises(ServiceError, match=said("admin.invitations.send_failed", reason=ANY)):
        invitations.invite(world.coach, world.eig.id, now=T0)
    get_settings.cache_clear()
    assert invitations.overview(world.coach, now=T0).set_index("login").loc["eig", "state"] == "none"

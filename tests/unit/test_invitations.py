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

from lib import auth, db, invitations, outbox, users
from lib.config import get_settings
from lib.errors import Conflict, PermissionDenied, ServiceError
from lib.i18n import t
from lib.models import AuditEvent, DefiRole, GlobalRole, OutboxMessage, PasswordToken, User
from lib.schemas import ChosenPasswordIn, MembershipIn, PasswordIn, UserIn
from tests.conftest import ANY, said
from tests.fixtures import PASSWORD
from tests.mail import link_in, parts, smtp_server
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


def test_a_reset_mail_the_smtp_server_refuses_waits_in_the_outbox_and_leaves_later(world, monkeypatch):
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(free_port()))  # nobody listens there
    get_settings.cache_clear()
    invitations.request_reset("eig@example.org", CLIENT, now=T0)
    outbox.settle()
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(PasswordToken).where(PasswordToken.used_at.is_(None),
                                                                             PasswordToken.voided_at.is_(None))) == 1
        [waiting] = s.scalars(select(OutboxMessage)).all()
        assert (waiting.kind, waiting.state, waiting.attempts) == ("reset", "pending", 1)
        assert "ConnectionRefusedError" in waiting.last_error
    with smtp_server() as (inbox, port):
        monkeypatch.setenv("SMTP_PORT", str(port))
        get_settings.cache_clear()
        assert outbox.deliver(now=T0 + outbox.BACKOFF[0]).sent == 1
        [(recipients, message)] = inbox.messages()
    get_settings.cache_clear()
    assert invitations.open_link(token_of(message), now=T0).login == "eig"


def test_a_link_mail_once_sent_keeps_no_token_in_the_outbox(world, inbox):
    invitations.invite(world.coach, world.eig.id, now=T0)
    invitations.request_reset("eig2@example.org", CLIENT, now=T0)
    tokens = [token_of(message) for _, message in inbox.messages()]
    with db.reading() as s:
        sent = s.scalars(select(OutboxMessage)).all()
    assert [(m.kind, m.state) for m in sent] == [("invitation", "sent"), ("reset", "sent")]
    assert all(m.body_text is None and m.body_html is None for m in sent)
    assert not any(token in repr(vars(m)) for m in sent for token in tokens)


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


def test_an_invitation_the_smtp_server_refuses_says_so_and_leaves_later(world, monkeypatch):
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(free_port()))  # nobody listens there
    get_settings.cache_clear()
    with pytest.raises(ServiceError, match=said("admin.invitations.send_failed", reason=ANY)):
        invitations.invite(world.coach, world.eig.id, now=T0)
    assert invitations.overview(world.coach, now=T0).set_index("login").loc["eig", "state"] == "pending"
    with smtp_server() as (inbox, port):
        monkeypatch.setenv("SMTP_PORT", str(port))
        get_settings.cache_clear()
        assert outbox.deliver(now=T0 + outbox.BACKOFF[0]).sent == 1
        [(recipients, message)] = inbox.messages()
    get_settings.cache_clear()
    assert recipients == ["eig@example.org"] and invitations.open_link(token_of(message), now=T0).login == "eig"


def edit_eig(world, **changes: object) -> None:  # noqa: ANN001
    """An admin edits Léa's account on the admin page (its current version)."""
    row = users.list_users(world.admin, "eig").set_index("login").loc["eig"]
    fields = {"login": "eig", "display_name": row["display_name"], "email": row["email"], "role": row["role"],
              **changes}
    users.update_user(world.admin, world.eig.id, UserIn(**fields), active=True, expected_version=int(row["version"]))


@pytest.mark.parametrize("change", [
    lambda world: edit_eig(world, email="lea.eig@ministere.gouv.fr"),
    lambda world: users.reset_password(world.admin, world.eig.id, PasswordIn(password="nouveau-mot-1")),
    lambda world: edit_eig(world, role=GlobalRole.COACH),
    lambda world: auth.end_sessions(world.eig),
], ids=["email-corrected", "password-reset-by-admin", "made-a-coach", "logout-everywhere"])
@pytest.mark.parametrize("purpose", ["invitation", "reset"])
def test_a_change_of_the_account_voids_its_pending_link(world, inbox, change, purpose):
    if purpose == "invitation":
        invitations.invite(world.coach, world.eig.id, now=T0)
    else:
        invitations.request_reset("eig@example.org", CLIENT, now=T0)
    token = token_of(inbox.messages()[0][1])
    change(world)
    with db.reading() as s:
        last = s.scalar(select(func.max(AuditEvent.id)))
    assert refusal(token, T0) == t("password.refused.changed")
    with pytest.raises(invitations.TokenRefused, match=said("password.refused.changed")):
        invitations.choose_password(token, chosen("eig"), now=T0)
    with db.reading() as s:
        refused = s.execute(select(AuditEvent.action, AuditEvent.entity_id, AuditEvent.after)
                            .where(AuditEvent.id > last)).all()
    assert refused == [("password_link_refused", world.eig.id, {"reason": "changed"})] * 2
    assert not auth.check_login("eig", NEW_PASSWORD, CLIENT, now=T0).ok


def test_a_change_that_is_no_access_change_keeps_the_link(world, inbox):
    invitations.invite(world.coach, world.eig.id, now=T0)
    edit_eig(world, display_name="Léa Martin", email="EIG@Example.org")  # the same address, typed otherwise
    assert invitations.open_link(token_of(inbox.messages()[0][1]), now=T0).display_name == "Léa Martin"


@pytest.mark.parametrize(("typed", "message"), [
    ("victime<attaquant@evil.example>", said("validation.email")),
    ("Victime <attaquant@evil.example>", said("validation.email")),
    (f"coach.{chr(0x212A)}arim@example.org", said("validation.email_spelling", code="U+212A")),
    ("nina@exemple", said("validation.email")),
])
def test_an_address_is_a_plain_address_in_its_normal_form(typed, message):
    with pytest.raises(ValidationError, match=message):
        UserIn(login="nina.nouvelle", display_name="Nina", email=typed)
    assert UserIn(login="nina.nouvelle", display_name="Nina", email=" Nina.Nouvelle@Exemple.GOUV.fr ").email == \
        "nina.nouvelle@exemple.gouv.fr"
    assert UserIn(login="nina.nouvelle", display_name="Nina", email="Élodie@exemple.fr").email == "Élodie@exemple.fr"


def test_a_stored_address_that_is_not_plain_receives_nothing(world, inbox):
    """A row written before addresses were checked by email-validator: the display name
    around another address never sends the invitation there."""
    with db.transaction() as s:
        s.get(User, world.eig.id).email = "victime<attaquant@evil.example>"
    with pytest.raises(Conflict, match=said("admin.invitations.bad_email", email="victime<attaquant@evil.example>")):
        invitations.invite(world.coach, world.eig.id, now=T0)
    invitations.request_reset("victime<attaquant@evil.example>", CLIENT, now=T0)
    invitations.request_reset("attaquant@evil.example", CLIENT, now=T0)
    assert inbox.messages() == []


def test_a_reset_asked_with_a_kelvin_sign_sends_nothing(world, inbox):
    users.create_user(world.admin, UserIn(login="coach.karim", display_name="Karim", email="coach.karim@example.org",
                                          role=GlobalRole.COACH))
    invitations.request_reset(f"coach.{chr(0x212A)}arim@example.org", CLIENT, now=T0)
    assert inbox.messages() == []
    invitations.request_reset("Coach.Karim@example.org", CLIENT, now=T0)
    assert [r for r, _ in inbox.messages()] == [["coach.karim@example.org"]]


# --- A whole promotion at once ---------------------------------------------------------------


def newcomer(world, login: str, defi_id: int, role: GlobalRole = GlobalRole.MEMBER, **account) -> int:  # noqa: ANN001
    """An account as a roster import makes it (no password), on the team of `defi_id`."""
    user_id = users.create_user(world.admin, UserIn(login=login, display_name=login.title(),
                                                    email=f"{login}@example.org", role=role, **account))
    users.add_membership(world.admin, MembershipIn(user_id=user_id, defi_id=defi_id, role=DefiRole.EIG))
    return user_id


@pytest.fixture
def promotion_of_newcomers(world):  # noqa: ANN001, ANN201
    """Three never-invited people in the promotion (Nina, Oscar, Rose; returns Rose's id), and
    others who must not be invited."""
    newcomer(world, "nina", world.alpha_id)
    newcomer(world, "oscar", world.beta_id)
    newcomer(world, "gina.ancienne", world.gamma_id)  # another promotion
    newcomer(world, "paul.passe", world.alpha_id, password="un-mot-de-passe")  # has a password
    gone = newcomer(world, "ines.partie", world.beta_id)
    users.update_user(world.admin, gone, UserIn(login="ines.partie", display_name="Ines.Partie",
                                                email="ines.partie@example.org"), active=False, expected_version=1)
    return newcomer(world, "rose", world.alpha_id)


def test_inviting_a_promotion_mails_everyone_there_never_invited_once(world, inbox, promotion_of_newcomers):
    invitations.invite(world.coach, promotion_of_newcomers, now=T0)  # Rose, already
    assert invitations.never_invited(world.coach, world.promotion_id) == 2
    report = invitations.invite_promotion(world.coach, world.promotion_id, now=T0)
    assert (report.sent, report.failed) == (["Nina", "Oscar"], {})
    assert [r for r, _ in inbox.messages()][1:] == [["nina@example.org"], ["oscar@example.org"]]
    assert invitations.open_link(token_of(inbox.messages()[1][1]), now=T0).login == "nina"
    assert invitations.never_invited(world.coach, world.promotion_id) == 0
    with pytest.raises(Conflict, match=said("admin.invitations.promotion_nobody")):
        invitations.invite_promotion(world.coach, world.promotion_id, now=T0)
    assert len(inbox.messages()) == 3  # nobody mailed twice
    with db.reading() as s:
        batch = s.scalars(select(AuditEvent).where(AuditEvent.entity == "promotion",
                                                   AuditEvent.action == "invite")).all()
        assert [(e.user_id, e.entity_id, e.after) for e in batch] == [
            (world.coach.id, world.promotion_id, {"sent": 2, "failed": 0})]


def test_the_invitations_overview_lists_one_promotion(world, promotion_of_newcomers):
    logins = set(invitations.overview(world.coach, now=T0, promotion_id=world.other_promotion_id)["login"])
    assert logins == {"gamma.eig", "gina.ancienne"}


def test_coaches_invite_a_promotions_members_and_admins_its_staff_too(world, inbox):
    newcomer(world, "nina", world.alpha_id)
    newcomer(world, "claude.coach", world.alpha_id, role=GlobalRole.COACH)
    assert invitations.never_invited(world.coach, world.promotion_id) == 1
    assert invitations.invite_promotion(world.coach, world.promotion_id, now=T0).sent == ["Nina"]
    assert invitations.never_invited(world.admin, world.promotion_id) == 1
    assert invitations.invite_promotion(world.admin, world.promotion_id, now=T0).sent == ["Claude.Coach"]


@pytest.mark.parametrize("player", ["eig", "sponsor", "porteur", "outsider", "inactive"])
def test_only_staff_invite_a_promotion(world, inbox, player, promotion_of_newcomers):
    with pytest.raises(PermissionDenied):
        invitations.invite_promotion(getattr(world, player), world.promotion_id, now=T0)
    with pytest.raises(PermissionDenied):
        invitations.never_invited(getattr(world, player), world.promotion_id)
    assert inbox.messages() == []


def test_a_mail_refused_for_one_person_loses_none_of_the_others(world, monkeypatch, promotion_of_newcomers):
    with smtp_server(refused=frozenset({"nina@example.org"})) as (server, port):
        monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("SMTP_PORT", str(port))
        get_settings.cache_clear()
        report = invitations.invite_promotion(world.coach, world.promotion_id, now=T0)
    get_settings.cache_clear()
    assert report.sent == ["Oscar", "Rose"]
    assert [r for r, _ in server.messages()] == [["oscar@example.org"], ["rose@example.org"]]
    [(reason, names)] = report.failed.items()
    assert names == ["Nina"] and re.fullmatch(said("admin.invitations.send_failed", reason=ANY), reason)
    rows = invitations.overview(world.coach, now=T0).set_index("login")
    assert (rows.loc["nina", "state"], rows.loc["oscar", "state"]) == ("pending", "pending")
    assert invitations.never_invited(world.coach, world.promotion_id) == 0  # Nina's mail waits in the outbox
    with db.reading() as s:
        [waiting] = s.scalars(select(OutboxMessage).where(OutboxMessage.state == "pending")).all()
    assert waiting.recipient == "nina@example.org" and "550" in waiting.last_error


def test_a_promotion_whose_mails_all_fail_is_refused_with_the_reason(world, monkeypatch, promotion_of_newcomers):
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(free_port()))  # nobody listens there
    get_settings.cache_clear()
    with pytest.raises(ServiceError, match="Pour Nina, Oscar, Rose : Le courriel n'est pas parti"):
        invitations.invite_promotion(world.coach, world.promotion_id, now=T0)
    get_settings.cache_clear()
    assert invitations.never_invited(world.coach, world.promotion_id) == 0
    with db.reading() as s:
        assert len(s.scalars(select(OutboxMessage).where(OutboxMessage.state == "pending")).all()) == 3
    with db.reading() as s:
        assert s.scalars(select(AuditEvent).where(AuditEvent.entity == "promotion")).all() == []

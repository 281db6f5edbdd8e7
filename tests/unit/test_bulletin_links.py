"""The reminder's personal link to the week's bulletin, on SQLite and PostgreSQL, mailed through
a real SMTP server (aiosmtpd): each EIG gets their own link, which signs them in once, until the
week's deadline, while their account stays as it was; a newer reminder replaces it; an admin
turns the links off for a promotion; every use and refusal is audited."""

from __future__ import annotations

import datetime as dt
import threading
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from lib import auth, db, digest, invitations, users
from lib.errors import PermissionDenied
from lib.i18n import t
from lib.models import AuditEvent, PasswordToken
from lib.schemas import UserIn
from tests.conftest import said, set_clock
from tests.mail import link_in, parts

PARIS = ZoneInfo("Europe/Paris")
THURSDAY = dt.datetime(2026, 11, 19, 9, 30, tzinfo=PARIS)
FRIDAY = dt.datetime(2026, 11, 20, 9, 30, tzinfo=PARIS)
DEADLINE = dt.datetime(2026, 11, 20, 15, 0, tzinfo=PARIS)


def tokens(at: dt.datetime) -> dict[str, str]:
    """Build the reminders at `at`; each recipient's token."""
    out = {}
    for email in digest.reminders(at):
        url = link_in(parts(email.message)[0], invitations.BULLETIN_PARAM)
        out[email.recipients[0]] = parse_qs(urlparse(url).query)[invitations.BULLETIN_PARAM][0]
    return out


def refusal(token: str, at: dt.datetime, signed_in: str | None = None) -> str:
    with pytest.raises(invitations.BulletinLinkRefused) as refused:
        invitations.use_bulletin_link(token, signed_in, now=at)
    return str(refused.value)


def events(action: str) -> list[tuple[int | None, dict | None]]:
    with db.reading() as s:
        return [(e.entity_id, e.after) for e in s.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                                          .order_by(AuditEvent.id))]


def test_each_eig_is_mailed_a_personal_link_that_signs_them_in_once(world, inbox, monkeypatch):
    set_clock(monkeypatch, THURSDAY)
    assert digest.main(["remind", "--send"]) == 0
    mailed = {recipients[0]: message for recipients, message in inbox.messages()}
    assert sorted(mailed) == ["beta.eig@example.org", "eig2@example.org", "eig@example.org"]
    message = mailed["eig@example.org"]
    assert message["To"] == "eig@example.org"  # a personal mail, not a group one
    text, html = parts(message)
    link = link_in(text, invitations.BULLETIN_PARAM)
    assert link.startswith("https://suivi.example.org/?bulletin=") and f'href="{link}"' in html
    assert t("digest.remind.personal", deadline="vendredi 20/11/2026 à 15:00") in text
    assert link_in(parts(mailed["eig2@example.org"])[0], invitations.BULLETIN_PARAM) != link
    token = parse_qs(urlparse(link).query)["bulletin"][0]
    with db.reading() as s:  # only the hash is stored
        assert token not in set(s.scalars(select(PasswordToken.token_hash)))

    opened = invitations.use_bulletin_link(token, None, now=THURSDAY)
    assert (opened.actor.login, opened.defi_id, opened.promotion_id) == ("eig", world.alpha_id, world.promotion_id)
    assert opened.session_epoch == auth.session_epoch("eig")
    assert auth.actor_for_login("eig", opened.session_epoch) == opened.actor
    assert refusal(token, THURSDAY) == t("bulletin_link.refused.used")
    assert sorted((who, after["defi_id"]) for who, after in events("bulletin_link_issued")) == sorted([
        (world.eig.id, world.alpha_id), (world.eig2.id, world.alpha_id), (world.beta_eig.id, world.beta_id)])
    assert events("login_bulletin_link") == [(world.eig.id, {"defi_id": world.alpha_id})]
    assert events("login_bulletin_link_refused") == [(world.eig.id, {"reason": "used"})]


def test_the_link_works_until_the_weeks_deadline(world):
    token = tokens(THURSDAY)["eig@example.org"]
    assert refusal(token, DEADLINE) == t("bulletin_link.refused.expired", date="vendredi 20/11/2026 à 15:00")
    assert invitations.use_bulletin_link(token, None, now=DEADLINE - dt.timedelta(seconds=1)).actor.login == "eig"


def test_fridays_reminder_replaces_thursdays_link_and_no_other(world, inbox):
    invitations.invite(world.coach, world.eig.id, now=THURSDAY)  # a pending invitation, by email
    thursday = tokens(THURSDAY)["eig@example.org"]
    friday = tokens(FRIDAY)["eig@example.org"]
    assert refusal(thursday, FRIDAY) == t("bulletin_link.refused.voided")
    invitation = parse_qs(urlparse(link_in(parts(inbox.messages()[0][1])[0], "jeton")).query)["jeton"][0]
    assert invitations.open_link(invitation, now=FRIDAY).login == "eig"  # the invitation still holds
    invitations.request_reset("eig@example.org", None, now=FRIDAY)  # and a password link voids no bulletin link
    assert invitations.use_bulletin_link(friday, None, now=FRIDAY).actor.login == "eig"


def edit_eig(world, active: bool = True, **changes: object) -> None:  # noqa: ANN001
    """An admin edits Léa's account on the admin page (its current version)."""
    row = users.list_users(world.admin, "eig").set_index("login").loc["eig"]
    fields = {"login": "eig", "display_name": row["display_name"], "email": row["email"], "role": row["role"],
              **changes}
    users.update_user(world.admin, world.eig.id, UserIn(**fields), active=active, expected_version=int(row["version"]))


@pytest.mark.parametrize(("change", "reason"), [
    (lambda world: auth.end_sessions(world.eig), "changed"),  # « Se déconnecter partout »
    (lambda world: edit_eig(world, email="lea.eig@ministere.gouv.fr"), "changed"),
    (lambda world: edit_eig(world, active=False), "invalid"),
], ids=["sessions_ended", "email_changed", "deactivated"])
def test_a_change_of_the_account_voids_its_link(world, change, reason):
    token = tokens(THURSDAY)["eig@example.org"]
    change(world)
    assert refusal(token, THURSDAY) == t(f"bulletin_link.refused.{reason}")
    assert events("login_bulletin_link_refused") == [(world.eig.id, {"reason": reason})]
    assert events("login_bulletin_link") == []


def test_an_eig_who_left_the_team_is_not_signed_in(world):
    token = tokens(THURSDAY)["eig@example.org"]
    membership = users.list_memberships(world.admin, world.promotion_id).set_index("login").loc["eig", "id"]
    users.remove_membership(world.admin, int(membership))
    assert refusal(token, THURSDAY) == t("bulletin_link.refused.not_eig")


def test_a_browser_signed_in_to_another_account_leaves_the_link_unspent(world):
    token = tokens(THURSDAY)["eig@example.org"]
    assert refusal(token, THURSDAY, signed_in="eig2") == t("bulletin_link.refused.other_account")
    assert invitations.use_bulletin_link(token, "eig", now=THURSDAY).actor.login == "eig"  # her own browser


def test_a_bulletin_link_sets_no_password_and_a_password_link_signs_nobody_in(world, inbox):
    bulletin = tokens(THURSDAY)["eig@example.org"]
    with pytest.raises(invitations.TokenRefused, match=said("password.refused.invalid")):
        invitations.open_link(bulletin, now=THURSDAY)
    invitations.invite(world.coach, world.eig.id, now=THURSDAY)
    password = parse_qs(urlparse(link_in(parts(inbox.messages()[0][1])[0], "jeton")).query)["jeton"][0]
    assert refusal(password, THURSDAY) == t("bulletin_link.refused.invalid")
    assert invitations.use_bulletin_link(bulletin, None, now=THURSDAY).actor.login == "eig"


def test_two_clicks_at_once_sign_in_once(world):
    token = tokens(THURSDAY)["eig@example.org"]
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def click() -> None:
        start.wait()
        try:
            outcomes.append(invitations.use_bulletin_link(token, None, now=THURSDAY).actor.login)
        except invitations.BulletinLinkRefused as refused:
            outcomes.append(refused.reason)

    clicks = [threading.Thread(target=click) for _ in range(2)]
    for thread in clicks:
        thread.start()
    for thread in clicks:
        thread.join()
    assert sorted(outcomes) == ["eig", "used"]


def test_links_turned_off_for_a_promotion_void_the_mailed_ones_and_reminders_link_to_the_login(world):
    token = tokens(THURSDAY)["eig@example.org"]
    with pytest.raises(PermissionDenied):
        invitations.set_bulletin_links(world.coach, world.promotion_id, False)
    assert invitations.bulletin_links_on(world.admin, world.promotion_id)
    invitations.set_bulletin_links(world.admin, world.promotion_id, False, now=THURSDAY)
    assert not invitations.bulletin_links_on(world.admin, world.promotion_id)
    assert events("bulletin_links") == [(world.promotion_id, {"bulletin_links": False})]
    assert refusal(token, THURSDAY) == t("bulletin_link.refused.voided")
    with db.reading() as s:
        issued = s.scalar(select(func.count()).select_from(PasswordToken))
    emails = digest.reminders(FRIDAY)
    text = parts(emails[0].message)[0]
    assert "/bulletin\n" in text and "?bulletin=" not in text
    assert t("digest.remind.personal", deadline="vendredi 20/11/2026 à 15:00") not in text
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(PasswordToken)) == issued  # none issued
    invitations.set_bulletin_links(world.admin, world.promotion_id, True, now=FRIDAY)
    assert refusal(token, FRIDAY) == t("bulletin_link.refused.voided")  # turning on again revives none


def test_a_dry_run_shows_the_reminders_and_issues_no_link(world, inbox, monkeypatch, capsys):
    set_clock(monkeypatch, THURSDAY)
    assert digest.main(["remind"]) == 0
    assert capsys.readouterr().out.count(t("digest.remind.link_on_sending")) == 3
    assert inbox.messages() == []
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(PasswordToken)) == 0

"""ProConnect identities open one active account, never a new one: the account bound to the
provider's subject, else the one with the verified address in its normal form, then bound to
that subject. A sign-in issued before the account's sessions were last ended opens nothing.
Every refusal is audited. On SQLite and PostgreSQL. (The flow that brings these identities:
test_proconnect_flow.py.)"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from lib import auth, db, invitations, privacy, users
from lib.clock import now_utc
from lib.i18n import t
from lib.models import AuditEvent, GlobalRole, User
from lib.schemas import PasswordIn, UserIn

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
CLIENT = "203.0.113.7"
KELVIN = "\u212a"


def claims(email: str | None, sub: str | None = "anne-sub", verified: object = True,
           issued: dt.datetime | None = None) -> dict:
    """An identity's claims as lib/proconnect.py passes them, issued a minute before the app's clock."""
    return {"sub": sub, "email": email, "email_verified": verified,
            "iat": int((issued or now_utc() - dt.timedelta(minutes=1)).timestamp())}


def refusals_since(last_event: int) -> list[tuple[str, int | None, str]]:
    with db.reading() as s:
        return [(e.action, e.entity_id, (e.after or {}).get("reason"))
                for e in s.scalars(select(AuditEvent).where(AuditEvent.id > last_event).order_by(AuditEvent.id))]


def last_event_id() -> int:
    with db.reading() as s:
        return s.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0


def edit(world, login: str, **changes: object) -> None:  # noqa: ANN001
    """An admin edits the account `login` on the admin page (its current version)."""
    row = users.list_users(world.admin, login).set_index("login").loc[login]
    fields = {"login": login, "display_name": row["display_name"], "email": row["email"],
              "role": GlobalRole(row["role"]), "active": bool(row["active"]), **changes}
    active = fields.pop("active")
    users.update_user(world.admin, int(row["id"]), UserIn(**fields), active=active,
                      expected_version=int(row["version"]))


def test_a_verified_email_opens_its_account_whatever_the_ascii_case(world):
    outcome = auth.provider_login(claims(" Sponsor@EXAMPLE.org"), CLIENT, now=T0)
    assert outcome == auth.ProviderOutcome(login="sponsor", session_epoch=0)
    rows = invitations.overview(world.coach).set_index("login")
    assert rows.loc["sponsor", "last_login"] == T0  # counts as a connection


def test_the_kelvin_sign_is_not_the_letter_k(world):
    karim = users.create_user(world.admin, UserIn(login="coach.karim", display_name="Karim",
                                                  email="coach.karim@example.org", role=GlobalRole.COACH))
    last = last_event_id()
    outcome = auth.provider_login(claims(f"coach.{KELVIN}arim@example.org"), CLIENT, now=T0)
    assert outcome.login is None and "aucun compte actif" in outcome.refusal
    assert refusals_since(last) == [("login_proconnect_refused", None, "unknown")]
    assert auth.provider_login(claims("Coach.Karim@example.org"), CLIENT, now=T0).login == "coach.karim"
    assert users.list_users(world.admin, "karim").set_index("id").loc[karim, "email"] == "coach.karim@example.org"


def test_an_unknown_or_deactivated_email_is_refused_and_no_account_is_created(world):
    last = last_event_id()
    for n, email in enumerate(("personne@example.org", "inactive@example.org")):
        outcome = auth.provider_login(claims(email, sub=f"sub-{n}"), CLIENT, now=T0)
        assert outcome.login is None
        assert f"ProConnect vous a identifié·e comme {email}" in outcome.refusal
        assert "demandez à votre coach EIG" in outcome.refusal
    with db.reading() as s:
        active = set(s.scalars(select(User.login).where(User.active.is_(True))))
    assert active == {"admin", "coach", "eig", "eig2", "porteur", "sponsor", "beta.eig", "gamma.eig", "outsider"}
    assert refusals_since(last) == [("login_proconnect_refused", None, "unknown")] * 2


@pytest.mark.parametrize(("identity", "reason"), [
    (claims("sponsor@example.org", verified=False), "unverified"),
    (claims("sponsor@example.org", verified=None), "unverified"),
    (claims(None), "unverified"),
    (claims("sponsor@example.org", sub=None), "no_subject"),
    ({**claims("sponsor@example.org"), "iat": "hier"}, "no_subject"),
])
def test_an_unverified_or_incomplete_identity_is_refused_and_audited(world, identity, reason):
    last = last_event_id()
    outcome = auth.provider_login(identity, CLIENT, now=T0)
    assert outcome.login is None and "n'a pas confirmé" in outcome.refusal
    assert refusals_since(last) == [("login_proconnect_refused", None, reason)]


def test_two_active_accounts_with_one_email_open_neither(world):
    edit(world, "eig2", email="EIG@example.org")
    outcome = auth.provider_login(claims("eig@example.org"), CLIENT, now=T0)
    assert outcome.login is None and "Plusieurs comptes actifs" in outcome.refusal


def test_the_first_sign_in_binds_the_subject_and_later_ones_match_on_it(world):
    assert auth.provider_login(claims("sponsor@example.org"), CLIENT, now=T0).login == "sponsor"
    # The provider now gives another address for the same person (a new ministry): the subject decides.
    assert auth.provider_login(claims("anne@ministere.gouv.fr"), CLIENT, now=T0).login == "sponsor"
    with db.reading() as s:
        bound = s.scalars(select(AuditEvent.after).where(AuditEvent.action == "login_proconnect")
                          .order_by(AuditEvent.id)).all()
    assert [event["bound"] for event in bound] == [True, False]


def test_an_account_bound_to_another_subject_is_refused_and_audited(world):
    auth.provider_login(claims("sponsor@example.org"), CLIENT, now=T0)
    last = last_event_id()
    outcome = auth.provider_login(claims("sponsor@example.org", sub="intrus-sub"), CLIENT, now=T0)
    assert outcome.login is None
    assert outcome.refusal == t("login.proconnect.bound_elsewhere", email="sponsor@example.org")
    assert refusals_since(last) == [("login_proconnect_refused", world.sponsor.id, "bound_elsewhere")]


def test_a_subject_bound_to_a_deactivated_account_opens_no_other(world):
    auth.provider_login(claims("sponsor@example.org"), CLIENT, now=T0)
    edit(world, "sponsor", active=False)
    last = last_event_id()
    outcome = auth.provider_login(claims("eig@example.org"), CLIENT, now=T0)
    assert outcome.login is None
    assert refusals_since(last) == [("login_proconnect_refused", world.sponsor.id, "bound_inactive")]


def test_an_address_change_of_the_account_unbinds_it(world):
    """The binding was made on the old address, maybe a stranger's: after an admin corrects the
    address, the subject opens nothing until a sign-in with the new address binds again."""
    auth.provider_login(claims("sponsor@example.org"), CLIENT, now=T0)
    edit(world, "sponsor", email="anne.sponsor@ministere.gouv.fr")
    later = now_utc() + dt.timedelta(seconds=1)
    assert auth.provider_login(claims("sponsor@example.org", issued=later), CLIENT, now=T0).login is None
    assert auth.provider_login(claims("anne.sponsor@ministere.gouv.fr", sub="vraie-anne", issued=later), CLIENT,
                               now=T0).login == "sponsor"


@pytest.mark.parametrize("change", [
    lambda world: auth.end_sessions(world.sponsor),
    lambda world: users.reset_password(world.admin, world.sponsor.id, PasswordIn(password="nouveau-mot-1")),
    lambda world: edit(world, "sponsor", role=GlobalRole.COACH),
    lambda world: (edit(world, "sponsor", active=False), edit(world, "sponsor", active=True)),
], ids=["logout-everywhere", "password-reset", "role-change", "deactivated-then-reactivated"])
def test_a_sign_in_older_than_the_end_of_the_accounts_sessions_opens_nothing(world, change):
    signed_in = claims("sponsor@example.org", issued=now_utc() - dt.timedelta(minutes=1))
    assert auth.provider_login(signed_in, CLIENT, now=T0).login == "sponsor"
    change(world)
    last = last_event_id()
    outcome = auth.provider_login(signed_in, CLIENT, now=T0)  # the same identity, replayed
    assert outcome.login is None
    assert outcome.refusal == t("login.proconnect.sessions_ended")
    assert refusals_since(last) == [("login_proconnect_refused", world.sponsor.id, "sessions_ended")]
    again = claims("sponsor@example.org", issued=now_utc() + dt.timedelta(seconds=1))
    assert auth.provider_login(again, CLIENT, now=T0).login == "sponsor"  # a new sign-in opens it


def test_anonymising_an_account_unbinds_its_subject(world):
    auth.provider_login(claims("sponsor@example.org"), CLIENT, now=T0)
    privacy.anonymise_person(world.admin, world.sponsor.id, now=T0)
    with db.reading() as s:
        assert s.get(User, world.sponsor.id).provider_subject is None

"""Administration services: validation, duplicates, stale edits, audit."""

import datetime as dt

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from lib import db, users
from lib.auth import ActiveAccounts, check_password
from lib.errors import Conflict, PermissionDenied, StaleEdit
from lib.models import AuditEvent, DefiPhase, DefiRole, GlobalRole, PhaseTemplate
from lib.schemas import DefiIn, MembershipIn, MembershipsIn, PasswordIn, PromotionIn, UserIn
from tests.conftest import said


def new_user(login: str = "nina.nouvelle", password: str | None = "secret-123") -> UserIn:
    return UserIn(login=login, display_name="Nina Nouvelle", email="nina@example.org", password=password)


def test_created_user_can_log_in_with_a_bcrypt_hash_never_the_plaintext(world):
    users.create_user(world.coach, new_user())
    entry = ActiveAccounts()["nina.nouvelle"]
    assert entry["password"].startswith("$2") and "secret-123" not in entry["password"]
    assert check_password("secret-123", entry["password"])


def test_duplicate_login_is_refused_clearly(world):
    with pytest.raises(Conflict, match=said("admin.users.duplicate_login", login="eig")):
        users.create_user(world.admin, new_user(login="eig"))


def test_invalid_inputs_get_french_messages():
    with pytest.raises(ValidationError) as exc:
        UserIn(login="A B", display_name="", email="nope", password="court")
    messages = " ".join(e["msg"] for e in exc.value.errors())
    assert "identifiant" in messages and "obligatoire" in messages
    assert "Adresse électronique invalide" in messages and "8 caractères" in messages


def test_stale_user_edit_is_refused_and_nothing_is_overwritten(world):
    listing = users.list_users(world.coach).set_index("login")
    version = int(listing.loc["eig", "version"])
    edit = UserIn(login="eig", display_name="Léa Renommée", email="lea@example.org")
    users.update_user(world.coach, world.eig.id, edit, True, version)
    stale = UserIn(login="eig", display_name="Écrasement", email="lea@example.org")
    with pytest.raises(StaleEdit):
        users.update_user(world.admin, world.eig.id, stale, True, version)
    assert users.list_users(world.coach).set_index("login").loc["eig", "display_name"] == "Léa Renommée"


def test_deactivated_user_disappears_from_login_credentials(world):
    version = int(users.list_users(world.coach).set_index("login").loc["eig2", "version"])
    users.update_user(world.coach, world.eig2.id,
                      UserIn(login="eig2", display_name="Hugo EIG", email="h@example.org"), False, version)
    assert "eig2" not in ActiveAccounts()
    assert "inactive" not in ActiveAccounts()
    assert "eig2" not in ActiveAccounts(only="eig2")  # a logged-in run finds no one left to act


def test_a_logged_in_run_reads_its_own_account_only(world):
    mine, anyone = ActiveAccounts(only="eig"), ActiveAccounts()
    assert "eig" in mine and "eig2" not in mine and "coach" not in mine
    assert all(login in anyone for login in ("eig", "eig2", "coach"))


def test_coach_cannot_deactivate_themself(world):
    with pytest.raises(Conflict):
        users.update_user(world.coach, world.coach.id, UserIn(login="coach", display_name="C", email="c@e.org",
                                                               role=GlobalRole.COACH), False, 1)


def test_password_reset_replaces_the_hash(world):
    users.reset_password(world.admin, world.eig.id, PasswordIn(password="tout-nouveau"))
    assert check_password("tout-nouveau", ActiveAccounts()["eig"]["password"])


def test_membership_duplicates_are_refused(world):
    with pytest.raises(Conflict):
        users.add_membership(world.coach, MembershipIn(user_id=world.eig.id, defi_id=world.alpha_id,
                                                       role=DefiRole.PORTEUR))
    users.add_membership(world.coach, MembershipIn(user_id=world.outsider.id, defi_id=world.alpha_id,
                                                   role=DefiRole.SPONSOR))
    teams = users.list_memberships(world.coach, world.promotion_id)
    assert "Omar Dehors" in set(teams["user"])


def test_new_promotion_gets_the_programme_phases_and_defis_get_planned_windows(world):
    promotion_id = users.create_promotion(world.coach, PromotionIn(name="EIG 10", start_date=dt.date(2027, 1, 31)))
    defi_id = users.create_defi(world.coach, DefiIn(promotion_id=promotion_id, name="Nouveau défi",
                                                    administration="Ministère neuf (fictif)"))
    with db.reading() as s:
        months = s.scalars(select(PhaseTemplate.months).where(PhaseTemplate.promotion_id == promotion_id)
                           .order_by(PhaseTemplate.number)).all()
        windows = s.execute(select(DefiPhase.planned_start, DefiPhase.planned_end)
                            .where(DefiPhase.defi_id == defi_id).order_by(DefiPhase.planned_start)).all()
        audits = s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.entity == "defi"))
    assert months == [2, 3, 3, 2]
    assert windows[0] == (dt.date(2027, 1, 31), dt.date(2027, 3, 31))
    assert windows[-1][1] == dt.date(2027, 11, 30)  # 10 months, clamped to the month's end
    assert audits == 1


def test_duplicate_defi_name_in_a_promotion_is_refused_whatever_the_case(world):
    with pytest.raises(Conflict, match=said("admin.defis.duplicate", name="ALPHA")):
        users.create_defi(world.coach, DefiIn(promotion_id=world.promotion_id, name="ALPHA", administration="X"))
    users.create_defi(world.coach, DefiIn(promotion_id=world.other_promotion_id, name="Alpha", administration="X"))


def test_several_people_join_a_defi_at_once_or_nobody_does(world):
    with pytest.raises(Conflict, match="Léa EIG"):
        users.add_memberships(world.coach, MembershipsIn(user_ids=[world.outsider.id, world.eig.id],
                                                         defi_id=world.alpha_id, role=DefiRole.SPONSOR))
    teams = users.list_memberships(world.coach, world.promotion_id)
    assert "Omar Dehors" not in set(teams["user"])  # all or nothing: one transaction
    ids = users.add_memberships(world.coach, MembershipsIn(user_ids=[world.outsider.id, world.beta_eig.id],
                                                           defi_id=world.alpha_id, role=DefiRole.SPONSOR))
    assert len(ids) == 2
    teams = users.list_memberships(world.coach, world.promotion_id)
    alpha = teams[teams["defi"] == "Alpha"]
    assert {"Omar Dehors", "Bruno Beta"} <= set(alpha["user"])
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)
                        .where(AuditEvent.entity == "membership", AuditEvent.entity_id.in_(ids))) == 2
    with pytest.raises(ValidationError, match=said("validation.memberships_empty")):
        MembershipsIn(user_ids=[], defi_id=world.alpha_id, role=DefiRole.EIG)
    for login in ("eig", "porteur", "sponsor"):
        with pytest.raises(PermissionDenied):
            users.add_memberships(getattr(world, login), MembershipsIn(
                user_ids=[world.gamma_eig.id], defi_id=world.alpha_id, role=DefiRole.EIG))


def test_users_search_ignores_accents_and_case_and_needs_every_word(world):
    assert list(users.list_users(world.coach, "LEA")["login"]) == ["eig"]
    assert list(users.list_users(world.coach, "omar dehors")["login"]) == ["outsider"]
    assert list(users.list_users(world.coach, "omar beta")["login"]) == []
    assert len(users.list_users(world.coach, "  ")) == len(users.list_users(world.coach))
    with pytest.raises(PermissionDenied):
        users.list_users(world.eig, "lea")

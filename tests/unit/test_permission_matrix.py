"""The permission matrix (docs/design.md, Permissions), walked for every role — member and
non-member of the défi — and every action, against the database-backed checks and,
where a service exists, against the service itself."""

from __future__ import annotations

import datetime as dt

import pytest

from lib import privacy, users
from lib.config import ROOT
from lib.errors import PermissionDenied
from lib.models import GlobalRole
from lib.permissions import Action, Capacity, capacity, matrix_markdown, require
from lib.schemas import DefiIn, PasswordIn, PromotionIn, UserIn

# The table of docs/design.md, Permissions, written out independently of lib/permissions.py.
# Columns: staff (coach/admin), EIG, porteur, sponsor of the défi, member of another
# défi of the promotion, anyone else logged in.
ALL = {"staff", "eig", "porteur", "sponsor", "promotion", "outsider"}
TEAM = {"staff", "eig", "porteur", "sponsor"}
EXPECTED: dict[Action, set[str]] = {
    Action.READ_JOURNAL: TEAM,
    Action.WRITE_JOURNAL: {"staff", "eig"},
    Action.EDIT_ANY_JOURNAL_ENTRY: {"staff"},
    Action.READ_CARNET: {"staff", "eig"},
    Action.READ_ANY_CARNET: {"staff"},
    Action.WRITE_CARNET: {"eig"},
    Action.READ_BULLETIN_UNPUBLISHED: {"staff", "eig"},
    Action.READ_BULLETIN_PUBLISHED: ALL - {"outsider"},
    Action.READ_HELP_ANSWERS: TEAM,
    Action.WRITE_BULLETIN: {"eig"},
    Action.READ_PHASES: TEAM,
    Action.TICK_OBJECTIVE: {"staff", "eig", "porteur"},
    Action.WRITE_PHASES: {"staff"},
    Action.READ_COMMITTEE: TEAM,
    Action.WRITE_COMMITTEE: {"staff"},
    Action.UPDATE_OWN_ACTION: {"eig", "porteur"},
    Action.READ_REPORT_DRAFT: {"staff"},
    Action.READ_REPORT_PUBLISHED: TEAM,
    Action.WRITE_REPORT: {"staff"},
    Action.READ_INDICATORS: TEAM,
    Action.WRITE_INDICATORS: {"staff", "eig"},
}

# Who plays each column towards the défi Alpha of the test world.
PLAYERS = {
    "admin": "staff", "coach": "staff", "eig": "eig", "eig2": "eig", "porteur": "porteur",
    "sponsor": "sponsor", "beta_eig": "promotion", "gamma_eig": "outsider", "outsider": "outsider",
    "inactive": "outsider",
}


def test_expected_table_covers_every_action():
    assert set(EXPECTED) == set(Action)


def test_design_document_shows_the_matrix_of_the_code():
    """The table in docs/design.md is what `python -m lib.permissions` prints from MATRIX."""
    design = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    table = design.split("<!-- permission-matrix:start", 1)[1].split("\n", 1)[1]
    table = table.split("<!-- permission-matrix:end -->", 1)[0]
    assert table == matrix_markdown(), "run `python -m lib.permissions` and paste its table into docs/design.md"


@pytest.mark.parametrize("player", sorted(PLAYERS))
def test_capacity_is_read_from_memberships(world, player):
    from lib import db

    with db.reading() as s:
        assert capacity(s, getattr(world, player), world.alpha_id) == Capacity(PLAYERS[player])


@pytest.mark.parametrize("player", sorted(PLAYERS))
def test_matrix_on_alpha(world, player):
    """Every action for every player: allowed exactly where docs/design.md says."""
    from lib import db

    actor = getattr(world, player)
    column = PLAYERS[player]
    outcomes = {}
    with db.reading() as s:
        for action in Action:
            try:
                require(s, actor, action, world.alpha_id)
                outcomes[action] = True
            except PermissionDenied:
                outcomes[action] = False
    assert outcomes == {action: column in allowed for action, allowed in EXPECTED.items()}


@pytest.mark.parametrize("player", sorted(PLAYERS))
def test_administration_services_follow_the_matrix(world, player):
    """Users, promotions and défis are managed by coaches and admins only."""
    actor = getattr(world, player)
    allowed = PLAYERS[player] == "staff"
    calls = [
        lambda: users.list_users(actor),
        lambda: users.list_memberships(actor, world.promotion_id),
        lambda: users.create_promotion(actor, PromotionIn(name=f"P {player}", start_date=dt.date(2027, 1, 4))),
        lambda: users.create_defi(actor, DefiIn(promotion_id=world.promotion_id, name=f"Défi {player}",
                                                administration="Ministère des Tests (fictif)")),
    ]
    for call in calls:
        if allowed:
            call()
        else:
            with pytest.raises(PermissionDenied):
                call()


@pytest.mark.parametrize("player", sorted(PLAYERS))
def test_personal_data_is_exported_and_anonymised_by_admins_only(world, player):
    """A person's whole export and their anonymisation: admins only, not coaches."""
    actor = getattr(world, player)
    calls = [lambda: privacy.export_person(actor, world.eig2.id),
             lambda: privacy.anonymise_person(actor, world.eig2.id)]
    for call in calls:
        if player == "admin":
            call()
        else:
            with pytest.raises(PermissionDenied):
                call()


# Account actions, by the global role of the account acted on: admins manage every
# account, coaches members only, everyone else none.
MEMBER, COACH, ADMIN = GlobalRole.MEMBER, GlobalRole.COACH, GlobalRole.ADMIN
ACCOUNT_ACTIONS = {  # action: (role of the account before, role after)
    "create_member": (None, MEMBER), "create_coach": (None, COACH), "create_admin": (None, ADMIN),
    "edit_member": (MEMBER, MEMBER), "edit_coach": (COACH, COACH),
    "promote_member_to_coach": (MEMBER, COACH), "promote_member_to_admin": (MEMBER, ADMIN),
    "demote_coach_to_member": (COACH, MEMBER), "demote_admin_to_coach": (ADMIN, COACH),
    "deactivate_member": (MEMBER, MEMBER), "deactivate_coach": (COACH, COACH),
    "reset_password_member": (MEMBER, MEMBER), "reset_password_coach": (COACH, COACH),
    "reset_password_admin": (ADMIN, ADMIN),
}


def _account_action(world, actor, action: str) -> None:  # noqa: ANN001
    before, after = ACCOUNT_ACTIONS[action]
    if before is None:
        users.create_user(actor, UserIn(login=f"nouveau.{after}", display_name="Nouveau", email="n@example.org",
                                        role=after, password="un-mot-de-passe"))
        return
    # Every account acted on is a fresh one, created by an admin with the role `before`.
    target = users.create_user(world.admin, UserIn(login=f"cible.{before}", display_name="Cible",
                                                   email="c@example.org", role=before, password="un-mot-de-passe"))
    if action.startswith("reset_password"):
        users.reset_password(actor, target, PasswordIn(password="tout-nouveau"))
    else:
        users.update_user(actor, target, UserIn(login=f"cible.{before}", display_name="Cible modifiée",
                                                email="c@example.org", role=after),
                          not action.startswith("deactivate"), 1)


@pytest.mark.parametrize("action", sorted(ACCOUNT_ACTIONS))
@pytest.mark.parametrize("player", ["admin", "coach", "eig", "sponsor", "outsider"])
def test_only_admins_manage_staff_accounts_and_coaches_manage_members(world, player, action):
    actor = getattr(world, player)
    before, after = ACCOUNT_ACTIONS[action]
    allowed = player == "admin" or (player == "coach" and after == MEMBER and before in (None, MEMBER))
    if allowed:
        _account_action(world, actor, action)
    else:
        with pytest.raises(PermissionDenied):
            _account_action(world, actor, action)


def test_a_new_account_gets_the_least_role_by_default():
    assert UserIn(login="nouveau", display_name="N", email="n@example.org").role is GlobalRole.MEMBER


def test_every_action_of_the_matrix_is_asked_by_a_service():
    """A row nothing asks is a rule nobody enforces: each action is named in a service of lib/."""
    services = "\n".join(path.read_text(encoding="utf-8") for path in sorted((ROOT / "lib").glob("*.py"))
                         if path.name != "permissions.py")
    assert [a for a in Action if f"Action.{a.name}" not in services] == []

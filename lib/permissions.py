"""Who may read or write what: the matrix of docs/design.md (Permissions), as data.

A user's *capacity* towards a défi is derived from the database (global role,
membership, promotion); `MATRIX` says which actions each capacity allows. Services
call `require()` before doing anything and hand pages the answers they need (a page
never derives a right from a role). Rules about ownership (an EIG edits their *own*
journal entries) are checked by the services with `owns_or_may()` on top of the matrix (`db.load`'s `allow`).
"""

from __future__ import annotations

import enum

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import Session

from lib.errors import PermissionDenied
from lib.i18n import t
from lib.models import Defi, DefiRole, GlobalRole, Membership, User


class Actor(BaseModel):
    """The acting user, as every service receives it."""

    model_config = ConfigDict(frozen=True)

    id: int
    login: str
    display_name: str
    role: GlobalRole
    active: bool = True

    @property
    def is_staff(self) -> bool:
        """Coaches and admins run the programme and follow every défi."""
        return self.role in (GlobalRole.COACH, GlobalRole.ADMIN)

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(id=user.id, login=user.login, display_name=user.display_name, role=user.role, active=user.active)


class Capacity(enum.StrEnum):
    """The columns of the permission matrix."""

    STAFF = "staff"  # coach or admin
    EIG = "eig"
    PORTEUR = "porteur"
    SPONSOR = "sponsor"
    PROMOTION = "promotion"  # member of another défi of the same promotion
    OUTSIDER = "outsider"  # anyone else logged in


class Action(enum.StrEnum):
    """The rows of the permission matrix, one per thing a service does."""

    READ_JOURNAL = "journal.read"
    WRITE_JOURNAL = "journal.write"  # EIGs: their own entries only
    EDIT_ANY_JOURNAL_ENTRY = "journal.edit_any"
    READ_CARNET = "carnet.read"  # EIGs: their own only
    READ_ANY_CARNET = "carnet.read_any"  # every EIG's carnet of the défi
    WRITE_CARNET = "carnet.write"  # EIGs: their own only
    READ_BULLETIN_UNPUBLISHED = "bulletin.read_unpublished"  # the week in progress, before its deadline
    READ_BULLETIN_PUBLISHED = "bulletin.read_published"
    READ_HELP_ANSWERS = "bulletin.read_help_answers"  # coaches' answers: the défi's team, not the promotion
    WRITE_BULLETIN = "bulletin.write"
    READ_PHASES = "phases.read"
    TICK_OBJECTIVE = "phases.tick"
    WRITE_PHASES = "phases.write"  # edit templates and objectives, shift, validate
    READ_COMMITTEE = "committee.read"
    WRITE_COMMITTEE = "committee.write"
    UPDATE_OWN_ACTION = "committee.update_own_action"
    READ_REPORT_DRAFT = "report.read_draft"
    READ_REPORT_PUBLISHED = "report.read_published"
    WRITE_REPORT = "report.write"  # draft and publish
    READ_INDICATORS = "indicators.read"
    WRITE_INDICATORS = "indicators.write"  # indicators and their measurements


A = Action
# Sponsors and porteurs read the bulletins once published, as the programme publishes them at the
# weekly deadline; the EIGs who write them and the coaches read the week in progress too.
_TEAM_READ = {A.READ_JOURNAL, A.READ_BULLETIN_PUBLISHED, A.READ_HELP_ANSWERS, A.READ_PHASES,
              A.READ_COMMITTEE, A.READ_REPORT_PUBLISHED, A.READ_INDICATORS}

MATRIX: dict[Capacity, frozenset[Action]] = {
    # Coaches read bulletins before the deadline too; they do not file them and never write a carnet.
    Capacity.STAFF: frozenset(set(Action) - {A.WRITE_CARNET, A.WRITE_BULLETIN, A.UPDATE_OWN_ACTION}),
    Capacity.EIG: frozenset(_TEAM_READ | {A.READ_BULLETIN_UNPUBLISHED, A.WRITE_JOURNAL, A.READ_CARNET,
                                         A.WRITE_CARNET, A.WRITE_BULLETIN, A.TICK_OBJECTIVE, A.UPDATE_OWN_ACTION,
                                         A.WRITE_INDICATORS}),
    Capacity.PORTEUR: frozenset(_TEAM_READ | {A.TICK_OBJECTIVE, A.UPDATE_OWN_ACTION}),
    Capacity.SPONSOR: frozenset(_TEAM_READ),
    Capacity.PROMOTION: frozenset({A.READ_BULLETIN_PUBLISHED}),
    Capacity.OUTSIDER: frozenset(),
}


def allowed(capacity: Capacity, action: Action) -> bool:
    return action in MATRIX[capacity]


_ROLE_CAPACITY = {DefiRole.EIG: Capacity.EIG, DefiRole.PORTEUR: Capacity.PORTEUR,
                  DefiRole.SPONSOR: Capacity.SPONSOR, DefiRole.COACH: Capacity.STAFF}


def role_capacity(role: DefiRole) -> Capacity:
    """The capacity a membership role gives on its défi (a `coach` membership: coach / admin)."""
    return _ROLE_CAPACITY[role]


def member_capacity(actor: Actor, role: DefiRole | None) -> Capacity | None:
    """What `actor` is to a défi where their membership role is `role` (None: not a member);
    None when only the promotion can tell (a member of another défi of it, or no one)."""
    if not actor.active:
        return Capacity.OUTSIDER
    if actor.is_staff:
        return Capacity.STAFF
    return role_capacity(role) if role is not None else None


def capacity(session: Session, actor: Actor, defi_id: int) -> Capacity:
    """What `actor` is to the défi, read from the database (never from the UI)."""
    role = None if not actor.active or actor.is_staff else session.scalar(
        select(Membership.role).where(Membership.user_id == actor.id, Membership.defi_id == defi_id)
    )
    if (known := member_capacity(actor, role)) is not None:
        return known
    promotion_id = session.scalar(select(Defi.promotion_id).where(Defi.id == defi_id))
    if promotion_id is not None and promotion_id in member_promotions(session, actor):
        return Capacity.PROMOTION
    return Capacity.OUTSIDER


def member_promotions(session: Session, actor: Actor) -> set[int]:
    """Promotions in which the actor belongs to at least one défi."""
    rows = session.scalars(
        select(Defi.promotion_id).join(Membership, Membership.defi_id == Defi.id)
        .where(Membership.user_id == actor.id).distinct()
    )
    return set(rows)


def defis_where(actor: Actor, action: Action) -> ColumnElement[bool]:
    """The défis on which the matrix lets `actor` do `action`, as a condition on `Defi.id`, for
    reads across a promotion: every défi for coaches and admins (where their column allows it),
    else the défis whose membership role allows it (`capacity`, without the promotion column)."""
    if not actor.active:
        return false()
    if actor.is_staff:
        return true() if allowed(Capacity.STAFF, action) else false()
    roles = [role for role in DefiRole if allowed(role_capacity(role), action)]
    return Defi.id.in_(select(Membership.defi_id).where(Membership.user_id == actor.id, Membership.role.in_(roles)))


def require(session: Session, actor: Actor, action: Action, defi_id: int) -> Capacity:
    """Raise PermissionDenied unless the matrix lets `actor` do `action` on the défi."""
    cap = capacity(session, actor, defi_id)
    if not allowed(cap, action):
        raise PermissionDenied(t("error.permission_denied"))
    return cap


def staff(actor: Actor) -> bool:
    """Whether `actor` runs the programme: administration (users, défis, promotions, imports,
    share links), the coaches' pages and every défi of every promotion."""
    return actor.active and actor.is_staff


def admin(actor: Actor) -> bool:
    """Whether `actor` handles personal data (a person's whole export, anonymisation) and
    staff accounts."""
    return actor.active and actor.role is GlobalRole.ADMIN


def require_staff(actor: Actor) -> None:
    """Administration is for coaches and admins (`staff`)."""
    if not staff(actor):
        raise PermissionDenied(t("error.permission_denied"))


def require_admin(actor: Actor) -> None:
    """Personal data is for admins only (`admin`)."""
    if not admin(actor):
        raise PermissionDenied(t("error.admin_only"))


def require_account_manager(actor: Actor, *roles: GlobalRole) -> None:
    """Accounts holding or getting any of `roles`: staff accounts (coach, admin) are created,
    promoted, demoted, deactivated and reset by admins only; coaches manage members."""
    require_staff(actor)
    if actor.role is not GlobalRole.ADMIN and any(role is not GlobalRole.MEMBER for role in roles):
        raise PermissionDenied(t("error.staff_accounts_admin_only"))


def require_own_or_admin(actor: Actor, owner_id: int) -> None:
    """A row that is one person's own, about no défi (a calendar feed): its owner, or an admin."""
    if not (actor.active and actor.id == owner_id) and not admin(actor):
        raise PermissionDenied(t("error.permission_denied"))


def owns_or_may(actor: Actor, cap: Capacity, owner_id: int | None, others: Action) -> bool:
    """Whether `actor` may touch a row owned by `owner_id`: their own, or anyone's where the
    matrix allows `others` (a coach edits any journal entry, updates any committee action)."""
    return owner_id == actor.id or allowed(cap, others)



# --- The matrix as docs/design.md shows it -----------------------------------------------------

_COLUMNS = {Capacity.STAFF: "coach / admin", Capacity.EIG: "EIG of the défi", Capacity.PORTEUR: "porteur of the défi",
            Capacity.SPONSOR: "sponsor of the défi", Capacity.PROMOTION: "member of another défi of the promotion",
            Capacity.OUTSIDER: "anyone else logged in"}
_ROWS = {
    A.READ_JOURNAL: "read the défi journal",
    A.WRITE_JOURNAL: "write journal entries (EIGs: their own)",
    A.EDIT_ANY_JOURNAL_ENTRY: "edit anyone's journal entry",
    A.READ_CARNET: "read monthly carnets (EIGs: their own)",
    A.READ_ANY_CARNET: "read every EIG's monthly carnet of the défi",
    A.WRITE_CARNET: "write their own monthly carnet",
    A.READ_BULLETIN_UNPUBLISHED: "read bulletins before the week's deadline",
    A.READ_BULLETIN_PUBLISHED: "read bulletins once published",
    A.READ_HELP_ANSWERS: "read the coaches' answers to help requests",
    A.WRITE_BULLETIN: "file this week's bulletin",
    A.READ_PHASES: "read phases and objectives",
    A.TICK_OBJECTIVE: "tick a phase objective",
    A.WRITE_PHASES: "edit templates and objectives, shift, validate a phase",
    A.READ_COMMITTEE: "read committee notes and actions",
    A.WRITE_COMMITTEE: "schedule committees, write notes and actions",
    A.UPDATE_OWN_ACTION: "update the status of their own committee action",
    A.READ_REPORT_DRAFT: "read a draft evaluation report",
    A.READ_REPORT_PUBLISHED: "read a published evaluation report",
    A.WRITE_REPORT: "draft and publish the evaluation report",
    A.READ_INDICATORS: "read indicators",
    A.WRITE_INDICATORS: "write indicators and measurements",
}


def matrix_markdown() -> str:
    """`MATRIX` as the Markdown table of docs/design.md (Permissions), one row per action."""
    lines = ["| action | " + " | ".join(_COLUMNS[c] for c in Capacity) + " |",
             "|---" * (len(Capacity) + 1) + "|"]
    for action in Action:
        cells = ["yes" if allowed(c, action) else "—" for c in Capacity]
        lines.append(f"| {_ROWS[action]} (`{action.value}`) | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # python -m lib.permissions: the table to paste into docs/design.md
    print(matrix_markdown(), end="")

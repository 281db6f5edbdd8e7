"""Help requests: the ticket a bulletin's « demande d'aide » becomes. Coaches see a board
(open / assigned / resolved, age, filters) and answer; the défi sees status and answer;
the promotion's time-to-first-answer and time-to-resolve are measured in SQL."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from pydantic import BaseModel
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, aliased

from lib import audit, bulletins, db
from lib.clock import now_utc, week_label
from lib.errors import NotFound
from lib.i18n import t
from lib.models import Bulletin, Defi, GlobalRole, HelpRequest, HelpStatus, User
from lib.permissions import Action, Actor, require, require_staff
from lib.schemas import HelpAnswerIn, HelpTicketIn

TICKET_FIELDS = ["status", "assignee_id", "answer", "first_answered_at", "resolved_at", "resolved_by_id"]
BOARD_COLUMNS = ["id", "version", "defi_id", "defi", "week", "request", "status", "status_label", "assignee_id",
                 "assignee", "answer", "created_at", "age_days", "first_answered_at", "resolved_at"]


def _board_query(promotion_id: int):  # noqa: ANN202 - a Select
    assignee = aliased(User)
    return (select(HelpRequest.id, HelpRequest.version, Defi.id.label("defi_id"), Defi.name.label("defi"),
                   Bulletin.iso_year, Bulletin.iso_week, Bulletin.help_request.label("request"), HelpRequest.status,
                   HelpRequest.assignee_id, assignee.display_name.label("assignee"), HelpRequest.answer,
                   HelpRequest.created_at, HelpRequest.first_answered_at, HelpRequest.resolved_at)
            .join(Bulletin, Bulletin.id == HelpRequest.bulletin_id).join(Defi, Defi.id == Bulletin.defi_id)
            .outerjoin(assignee, assignee.id == HelpRequest.assignee_id)
            .where(Defi.promotion_id == promotion_id))


def _frame(rows: list, now: dt.datetime) -> pd.DataFrame:
    out = []
    for r in rows:
        end = r.resolved_at or now
        out.append({"id": r.id, "version": r.version, "defi_id": r.defi_id, "defi": r.defi,
                    "week": week_label(r.iso_year, r.iso_week), "request": r.request, "status": r.status.value,
                    "status_label": t(f"help.status.{r.status.value}"), "assignee_id": r.assignee_id,
                    "assignee": r.assignee or "", "answer": r.answer, "created_at": r.created_at,
                    "age_days": max(0, (end - r.created_at).days), "first_answered_at": r.first_answered_at,
                    "resolved_at": r.resolved_at})
    return pd.DataFrame(out, columns=BOARD_COLUMNS)


def board(actor: Actor, promotion_id: int, status: str | None = None, assignee_id: int | None = None,
          defi_id: int | None = None, now: dt.datetime | None = None) -> pd.DataFrame:
    """The coaches' board of a promotion's help requests, oldest unresolved first."""
    require_staff(actor)
    now = now or now_utc()
    query = _board_query(promotion_id)
    if status:
        query = query.where(HelpRequest.status == HelpStatus(status))
    if assignee_id is not None:
        query = query.where(HelpRequest.assignee_id == assignee_id)
    if defi_id is not None:
        query = query.where(Defi.id == defi_id)
    query = query.order_by((HelpRequest.status == HelpStatus.RESOLVED), HelpRequest.created_at)
    with db.reading() as s:
        rows = s.execute(query).all()
    return _frame(rows, now)


def defi_tickets(actor: Actor, defi_id: int, now: dt.datetime | None = None) -> pd.DataFrame:
    """The défi's own help requests with their status and the coach's answer (its team and
    coaches), from the bulletins the actor may read."""
    now = now or now_utc()
    with db.reading() as s:
        require(s, actor, Action.READ_HELP_ANSWERS, defi_id)
        promotion = bulletins.promotion_of_defi(s, defi_id)
        readable, _ = bulletins.readable_clause(s, actor, defi_id, promotion, now)
        rows = s.execute(_board_query(promotion.id).where(Defi.id == defi_id, readable)
                         .order_by(HelpRequest.created_at.desc())).all()
    return _frame(rows, now)


class CoachOption(BaseModel):
    id: int
    name: str


def coaches(actor: Actor) -> list[CoachOption]:
    """Who a ticket can be assigned to: active coaches and admins."""
    require_staff(actor)
    with db.reading() as s:
        rows = s.execute(select(User.id, User.display_name)
                         .where(User.role.in_([GlobalRole.COACH, GlobalRole.ADMIN]), User.active.is_(True))
                         .order_by(User.display_name)).all()
    return [CoachOption(id=i, name=n) for i, n in rows]


def _require_coach(s: Session, user_id: int) -> User:
    """The active coach (or admin) a ticket is given to."""
    coach = s.get(User, user_id)
    if coach is None or not coach.active or coach.role not in (GlobalRole.COACH, GlobalRole.ADMIN):
        raise NotFound(t("help.not_a_coach"))
    return coach


def assign(actor: Actor, help_id: int, coach_id: int, expected_version: int | None = None,
           now: dt.datetime | None = None) -> None:
    """Give the ticket to a coach; an unresolved ticket becomes « assigned »."""
    require_staff(actor)
    now = now or now_utc()
    with db.transaction() as s:
        ticket = db.load(s, HelpRequest, help_id, expected_version)
        _require_coach(s, coach_id)
        with audit.change(s, actor, "assign", "help_request", ticket, TICKET_FIELDS, at=now):
            ticket.assignee_id = coach_id
            if ticket.status is HelpStatus.OPEN:
                ticket.status = HelpStatus.ASSIGNED
            ticket.updated_at = now


def answer(actor: Actor, help_id: int, data: HelpAnswerIn, expected_version: int | None = None,
           now: dt.datetime | None = None) -> None:
    """Write the answer the défi will read; `resolve` closes the ticket. The first answer
    starts nothing over: it is the time-to-first-answer mark."""
    require_staff(actor)
    now = now or now_utc()
    with db.transaction() as s:
        ticket = db.load(s, HelpRequest, help_id, expected_version)
        with audit.change(s, actor, "resolve" if data.resolve else "answer", "help_request", ticket, TICKET_FIELDS,
                          at=now):
            if data.answer:
                ticket.answer = data.answer
                if ticket.first_answered_at is None:
                    ticket.first_answered_at = now
            if ticket.assignee_id is None:
                ticket.assignee_id = actor.id
            if data.resolve:
                ticket.status, ticket.resolved_at, ticket.resolved_by_id = HelpStatus.RESOLVED, now, actor.id
            elif ticket.status is HelpStatus.OPEN:
                ticket.status = HelpStatus.ASSIGNED
            ticket.updated_at = now


def treat(actor: Actor, help_id: int, data: HelpTicketIn, expected_version: int | None = None,
          now: dt.datetime | None = None) -> None:
    """The board's one submit: assign, answer and set the status (in progress or resolved)
    in one transaction and one audit event, so a coach treats a ticket in one step. A
    resolved ticket put back in progress is reopened; one that stays resolved keeps its
    resolution time (the measure of time to resolve)."""
    require_staff(actor)
    now = now or now_utc()
    with db.transaction() as s:
        ticket = db.load(s, HelpRequest, help_id, expected_version)
        coach = _require_coach(s, data.assignee_id)
        with audit.change(s, actor, "treat", "help_request", ticket, TICKET_FIELDS, at=now):
            was_resolved = ticket.status is HelpStatus.RESOLVED
            ticket.assignee_id = coach.id
            if data.answer and data.answer != ticket.answer and ticket.first_answered_at is None:
                ticket.first_answered_at = now
            ticket.answer = data.answer
            if data.status == "resolved":
                if not was_resolved:
                    ticket.status, ticket.resolved_at, ticket.resolved_by_id = HelpStatus.RESOLVED, now, actor.id
            else:
                ticket.status, ticket.resolved_at, ticket.resolved_by_id = HelpStatus.ASSIGNED, None, None
            ticket.updated_at = now


def reopen(actor: Actor, help_id: int, expected_version: int | None = None, now: dt.datetime | None = None) -> None:
    """Back to assigned (or open): the answer did not settle it."""
    require_staff(actor)
    now = now or now_utc()
    with db.transaction() as s:
        ticket = db.load(s, HelpRequest, help_id, expected_version)
        with audit.change(s, actor, "reopen", "help_request", ticket, TICKET_FIELDS, at=now):
            ticket.status = HelpStatus.ASSIGNED if ticket.assignee_id else HelpStatus.OPEN
            ticket.resolved_at = ticket.resolved_by_id = None
            ticket.updated_at = now


class ResponseTimes(BaseModel):
    """A promotion's service level on help requests (hours are averages, None when no data)."""

    total: int
    open: int
    assigned: int
    resolved: int
    hours_to_first_answer: float | None
    hours_to_resolve: float | None


def _hours(session: Session, later: ColumnElement, earlier: ColumnElement) -> ColumnElement:
    """later - earlier in hours, computed by the database itself."""
    if session.get_bind().dialect.name == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 24.0
    return func.extract("epoch", later - earlier) / 3600.0


def response_times(actor: Actor, promotion_id: int) -> ResponseTimes:
    """Counts per status and average time to first answer and to resolution, in SQL."""
    require_staff(actor)
    with db.reading() as s:
        in_promotion = (select(HelpRequest.id).join(Bulletin, Bulletin.id == HelpRequest.bulletin_id)
                        .join(Defi, Defi.id == Bulletin.defi_id).where(Defi.promotion_id == promotion_id))
        where = HelpRequest.id.in_(in_promotion)
        counts = dict(s.execute(select(HelpRequest.status, func.count()).where(where)
                                .group_by(HelpRequest.status)).all())
        first = s.scalar(select(func.avg(_hours(s, HelpRequest.first_answered_at, HelpRequest.created_at)))
                         .where(where, HelpRequest.first_answered_at.is_not(None)))
        resolve = s.scalar(select(func.avg(_hours(s, HelpRequest.resolved_at, HelpRequest.created_at)))
                           .where(where, HelpRequest.resolved_at.is_not(None)))
    return ResponseTimes(total=sum(counts.values()), open=counts.get(HelpStatus.OPEN, 0),
                         assigned=counts.get(HelpStatus.ASSIGNED, 0), resolved=counts.get(HelpStatus.RESOLVED, 0),
                         hours_to_first_answer=round(float(first), 1) if first is not None else None,
                         hours_to_resolve=round(float(resolve), 1) if resolve is not None else None)

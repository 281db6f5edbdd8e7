"""Audit events: who did what, when, with the values before and after.

Written inside the same transaction as the change, so the history can never
disagree with the data; committees read it back as their version history.
A service changes a row inside `change(...)`, which takes both snapshots and
records the event itself (docs/design.md, Architecture). Admins read the trail
back in French words (`trail`): each kind of event (`KINDS`) has its phrase in the catalogue.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, Select, and_, func, inspect, or_, select
from sqlalchemy.orm import Session

from lib import db, formats
from lib.clock import now_utc
from lib.i18n import t
from lib.models import (
    AuditEvent,
    Bulletin,
    CoachingSession,
    Committee,
    CommitteeAction,
    Defi,
    DefiPhase,
    HelpRequest,
    Indicator,
    JournalEntry,
    KeyDate,
    Measurement,
    Membership,
    MonthlyCarnet,
    PhaseObjective,
    PhaseTemplate,
    Promotion,
    ShareLink,
    Training,
    User,
    utcnow,
)
from lib.permissions import Actor, require_admin

View = list[str] | Callable[[Any], dict]

# Every kind of event the services record, as entity: actions. Each has its phrase in the
# catalogue (`audit.kind.<entity>.<action>`); tests/unit/test_audit_trail.py reads the
# `record` and `change` calls of lib/ and fails on a kind missing here, or here and written nowhere.
KINDS: dict[str, tuple[str, ...]] = {
    "user": ("create", "update", "reset_password", "invite", "choose_password", "password_reset_requested",
             "password_reset_throttled", "login", "login_failed", "login_locked", "login_refused_locked",
             "login_proconnect", "login_proconnect_refused", "logout_everywhere", "export_personal_data",
             "anonymise", "password_link_refused", "bulletin_link_issued", "login_bulletin_link",
             "login_bulletin_link_refused", "set_recap_email"),
    "membership": ("create", "update", "delete", "update_outcome"),
    "promotion": ("create", "send_recap", "invite", "bulletin_links", "configure_chat_channel", "test_chat_channel"),
    "roster": ("import",),
    "calendar_feed": ("create", "renew", "revoke", "calendar_feed_fetch"),
    "defi": ("create", "update_facts", "configure_chat_channel", "test_chat_channel"),
    "outbox_message": ("resend",),
    "journal_entry": ("create", "update", "delete", "import"),
    "bulletin": ("create", "update"),
    "help_request": ("create", "delete", "assign", "answer", "resolve", "treat", "reopen"),
    "key_date": ("create", "update", "delete"),
    "monthly_carnet": ("create", "update"),
    "committee": ("schedule", "notes", "report", "publish"),
    "committee_action": ("create", "status"),
    "phase_template": ("update",),
    "defi_phase": ("replan", "shift", "validate"),
    "phase_objective": ("create", "tick", "untick"),
    "indicator": ("create", "update", "delete"),
    "measurement": ("create", "update", "delete"),
    "share_link": ("create", "revoke"),
    "coaching_session": ("create",),
    "training": ("create",),
}


def snapshot(obj: Any, fields: list[str]) -> dict[str, Any]:
    """A JSON-safe copy of the named attributes of a row."""
    out: dict[str, Any] = {}
    for name in fields:
        value = getattr(obj, name)
        if isinstance(value, dt.date | dt.datetime):
            value = value.isoformat()
        elif isinstance(value, enum.Enum):
            value = value.value
        out[name] = value
    return out


def record(session: Session, actor: Actor | None, action: str, entity: str, entity_id: int | None,
           before: dict | None = None, after: dict | None = None, at: dt.datetime | None = None,
           defi_id: int | None = None) -> None:
    """An event that changes no row of its own (a login, an export, an import's summary). Its
    défi, unless given, is its row's (`_defi_of`)."""
    if defi_id is None:
        defi_id = _defi_of(session, entity, entity_id, before, after)
    session.add(AuditEvent(at=at or utcnow(), user_id=actor.id if actor else None, action=action,
                           entity=entity, entity_id=entity_id, before=before, after=after, defi_id=defi_id))


def _defi_of(session: Session, entity: str, entity_id: int | None, before: dict | None,
             after: dict | None) -> int | None:
    """The défi an event is about: its row's, read through its parents (`_DEFI_OF`), else the
    one its snapshots kept (a deleted row); none for an entity outside any défi."""
    rows = _DEFI_OF.get(entity)
    if rows is None:
        return None
    if entity_id is not None:
        pairs = rows.subquery()
        if (found := session.scalar(select(pairs.c.value).where(pairs.c.id == entity_id))) is not None:
            return found
    return next((side["defi_id"] for side in (before, after)
                 if isinstance(side, dict) and isinstance(side.get("defi_id"), int)), None)


class Change:
    """The row an audited block changes; `add` puts a new row in the session and audits it."""

    def __init__(self, session: Session, row: Any | None) -> None:
        self.session, self.row, self.recorded = session, row, False

    def add(self, row: Any) -> Any:
        self.session.add(row)
        self.row = row
        return row


@contextmanager
def change(session: Session, actor: Actor | None, action: str, entity: str, row: Any | None, view: View, *,
           at: dt.datetime | None = None, diff: bool = False, extra: dict | None = None) -> Iterator[Change]:
    """Change `row` (None: a row the block creates with `Change.add`) and record the event.

    `view` (field names, or a function of the row) is snapshot on entry and, after a flush,
    on exit: a created row has no before, a deleted one no after. `diff` keeps only the fields
    that changed and records nothing when none did (the committees' version history names
    them); `extra` adds constant values to the after side (the import that made the row)."""
    def see(obj: Any) -> dict:
        return snapshot(obj, view) if isinstance(view, list) else view(obj)

    done = Change(session, row)
    before = see(row) if row is not None else None
    entity_id = row.id if row is not None else None
    # Read before the block, which may delete the row and with it the way to its défi.
    defi_id = _defi_of(session, entity, entity_id, before, None) if row is not None else None
    yield done
    session.flush()
    gone = done.row is None or inspect(done.row).deleted or inspect(done.row).was_deleted
    after = None if gone else {**see(done.row), **(extra or {})}
    if diff:
        old = before or {}
        keys = [k for k in (after or old) if before is None or old.get(k) != (after or {}).get(k)]
        if not keys:
            return
        before = {k: old.get(k) for k in keys} if before is not None else {}
        after = {k: after[k] for k in keys} if after is not None else None
    record(session, actor, action, entity, entity_id if gone else done.row.id, before=before, after=after, at=at,
           defi_id=defi_id)
    done.recorded = True


# --- The trail as admins read it -------------------------------------------------------------

PAGE_SIZE = 50
LATEST = 5  # the newest events an admin's home shows
_TZ = ZoneInfo("Europe/Paris")


def kind_key(entity: str, action: str) -> str:
    """A kind of event as one value: « user.login »."""
    return f"{entity}.{action}"


def phrase(entity: str, action: str) -> str:
    """What happened, in French: « Connexion », « Export des données personnelles »."""
    if action in KINDS.get(entity, ()):
        return t(f"audit.kind.{entity}.{action}")
    return t("audit.kind.unknown", kind=kind_key(entity, action))  # an event of a kind no longer written


def kinds() -> dict[str, str]:
    """Every kind of event with its phrase, in the phrases' order: the trail's kind filter."""
    every = {kind_key(entity, action): phrase(entity, action) for entity, actions in KINDS.items()
             for action in actions}
    return dict(sorted(every.items(), key=lambda item: item[1].lower()))


def _pairs(id_column: Any, value: Any, *joins: tuple[Any, Any]) -> Select:
    """A row's id beside a value read through its parents (`joins`: table, on clause)."""
    query = select(id_column.label("id"), value.label("value"))
    for table, on in joins:
        query = query.join(table, on)
    return query


_PHASE = (DefiPhase, DefiPhase.id == Committee.defi_phase_id)
# The défi each entity's rows belong to, by row id (an event's défi, `_defi_of`).
_DEFI_OF: dict[str, Select] = {
    "defi": _pairs(Defi.id, Defi.id),
    **{table.__tablename__: _pairs(table.id, table.defi_id)
       for table in (JournalEntry, Bulletin, KeyDate, MonthlyCarnet, Membership, Indicator, ShareLink,
                     CoachingSession, DefiPhase)},
    "help_request": _pairs(HelpRequest.id, Bulletin.defi_id, (Bulletin, Bulletin.id == HelpRequest.bulletin_id)),
    "phase_objective": _pairs(PhaseObjective.id, DefiPhase.defi_id,
                              (DefiPhase, DefiPhase.id == PhaseObjective.defi_phase_id)),
    "committee": _pairs(Committee.id, DefiPhase.defi_id, _PHASE),
    "committee_action": _pairs(CommitteeAction.id, DefiPhase.defi_id,
                               (Committee, Committee.id == CommitteeAction.committee_id), _PHASE),
    "measurement": _pairs(Measurement.id, Indicator.defi_id, (Indicator, Indicator.id == Measurement.indicator_id)),
}


# Whom or what beyond a défi an event is about, by row id: a person, a promotion.
_SUBJECT_OF: dict[str, Select] = {
    "user": _pairs(User.id, User.display_name),
    "membership": _pairs(Membership.id, User.display_name, (User, User.id == Membership.user_id)),
    "monthly_carnet": _pairs(MonthlyCarnet.id, User.display_name, (User, User.id == MonthlyCarnet.user_id)),
    "promotion": _pairs(Promotion.id, Promotion.name),
    "roster": _pairs(Promotion.id, Promotion.name),
    "training": _pairs(Training.id, Promotion.name, (Promotion, Promotion.id == Training.promotion_id)),
    "phase_template": _pairs(PhaseTemplate.id, Promotion.name,
                             (Promotion, Promotion.id == PhaseTemplate.promotion_id)),
}


class TrailFilters(BaseModel):
    """What the trail is narrowed to: a person (what they did and what was done to their
    account), a défi, kinds of event (`kind_key`), Paris days from `start` to `end`."""

    model_config = ConfigDict(frozen=True)

    person_id: int | None = None
    defi_id: int | None = None
    kinds: tuple[str, ...] = ()
    start: dt.date | None = None
    end: dt.date | None = None


class TrailEvent(BaseModel):
    """One event in words: when (Paris time), who, what, about whom or what, on which défi."""

    id: int
    at: dt.datetime
    when: str
    who: str
    what: str
    subject: str | None
    defi: str | None


class TrailPage(BaseModel):
    events: list[TrailEvent]
    total: int
    page: int
    pages: int


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=_TZ).astimezone(dt.UTC)


def _conditions(f: TrailFilters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if f.person_id is not None:
        where.append(or_(AuditEvent.user_id == f.person_id,
                         and_(AuditEvent.entity == "user", AuditEvent.entity_id == f.person_id)))
    if f.defi_id is not None:
        where.append(AuditEvent.defi_id == f.defi_id)
    if f.kinds:
        where.append(or_(*(and_(AuditEvent.entity == entity, AuditEvent.action == action)
                           for entity, action in (kind.split(".", 1) for kind in f.kinds))))
    if f.start is not None:
        where.append(AuditEvent.at >= _midnight(f.start))
    if f.end is not None:
        where.append(AuditEvent.at < _midnight(f.end + dt.timedelta(days=1)))
    return where


def _named(s: Session, resolvers: dict[str, Select], events: list[AuditEvent]) -> dict[int, Any]:
    """What `resolvers` read for each event's row, by event id: one query per entity shown."""
    found: dict[int, Any] = {}
    for entity, query in resolvers.items():
        ids = {e.entity_id for e in events if e.entity == entity and e.entity_id is not None}
        if not ids:
            continue
        rows = query.subquery()
        values = dict(s.execute(select(rows.c.id, rows.c.value).where(rows.c.id.in_(ids))).all())
        found.update({e.id: values[e.entity_id] for e in events
                      if e.entity == entity and e.entity_id in values})
    return found


def trail(actor: Actor, filters: TrailFilters | None = None, page: int = 1, page_size: int = PAGE_SIZE,
          now: dt.datetime | None = None) -> TrailPage:
    """One page of the audit trail, newest first, in French words: admins only (it names
    every person's logins and accounts). Counted and sliced in SQL."""
    require_admin(actor)
    filters, now = filters or TrailFilters(), now or now_utc()
    where = _conditions(filters)
    with db.reading() as s:
        total = s.scalar(select(func.count(AuditEvent.id)).where(*where)) or 0
        pages = max(1, -(-total // page_size))
        page = min(max(1, page), pages)
        rows = s.execute(select(AuditEvent, User.display_name).outerjoin(User, User.id == AuditEvent.user_id)
                         .where(*where).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                         .limit(page_size).offset((page - 1) * page_size)).all()
        events = [event for event, _ in rows]
        subjects = _named(s, _SUBJECT_OF, events)
        defis = dict(s.execute(select(Defi.id, Defi.name).where(Defi.id.in_({e.defi_id for e in events}))).all())
    return TrailPage(total=total, page=page, pages=pages, events=[
        TrailEvent(id=event.id, at=event.at, when=formats.moment_in_words(event.at, now),
                   who=who or t("audit.no_actor"), what=phrase(event.entity, event.action),
                   subject=subjects.get(event.id), defi=defis.get(event.defi_id))
        for event, who in rows])

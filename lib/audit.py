"""Audit events: who did what, when, with the values before and after.

Written inside the same transaction as the change, so the history can never
disagree with the data; committees read it back as their version history.
A service changes a row inside `change(...)`, which takes both snapshots and
records the event itself (docs/design.md, Architecture).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from lib.models import AuditEvent, utcnow
from lib.permissions import Actor

View = list[str] | Callable[[Any], dict]


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
           before: dict | None = None, after: dict | None = None, at: dt.datetime | None = None) -> None:
    """An event that changes no row of its own (a login, an export, an import's summary)."""
    session.add(AuditEvent(at=at or utcnow(), user_id=actor.id if actor else None, action=action,
                           entity=entity, entity_id=entity_id, before=before, after=after))


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
    record(session, actor, action, entity, entity_id if gone else done.row.id, before=before, after=after, at=at)
    done.recorded = True

"""Audit events: who did what, when, with the values before and after.

Written inside the same transaction as the change, so the history can never
disagree with the data; committees read it back as their version history.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy.orm import Session

from lib.models import AuditEvent, utcnow
from lib.permissions import Actor


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
    session.add(AuditEvent(at=at or utcnow(), user_id=actor.id if actor else None, action=action,
                           entity=entity, entity_id=entity_id, before=before, after=after))

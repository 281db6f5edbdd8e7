"""The audited change: both sides snapshot by the context manager, and a guard that fails
any test in which a service commits a change without its audit event."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from lib import audit, db
from lib.models import AuditEvent, KeyDate
from tests.unit.conftest import audit_watch

FIELDS = ["on_date", "description"]


def _events(entity: str) -> list[tuple[str, int | None, dict | None, dict | None]]:
    with db.reading() as s:
        return [(e.action, e.entity_id, e.before, e.after) for e in s.scalars(
            select(AuditEvent).where(AuditEvent.entity == entity).order_by(AuditEvent.id))]


def test_change_records_created_updated_and_deleted_rows(world):
    with db.transaction() as s, audit.change(s, world.coach, "create", "key_date", None, FIELDS) as change:
        row = change.add(KeyDate(defi_id=world.alpha_id, on_date=dt.date(2026, 10, 1), description="Lancement"))
    with db.transaction() as s:
        row = s.get(KeyDate, row.id)
        with audit.change(s, world.coach, "update", "key_date", row, FIELDS):
            row.description = "Lancement officiel"
        with audit.change(s, world.coach, "delete", "key_date", row, FIELDS):
            s.delete(row)
    assert _events("key_date") == [
        ("create", row.id, None, {"on_date": "2026-10-01", "description": "Lancement"}),
        ("update", row.id, {"on_date": "2026-10-01", "description": "Lancement"},
         {"on_date": "2026-10-01", "description": "Lancement officiel"}),
        ("delete", row.id, {"on_date": "2026-10-01", "description": "Lancement officiel"}, None)]


def test_change_in_diff_mode_keeps_changed_fields_and_skips_no_change(world):
    with db.transaction() as s:
        row = KeyDate(defi_id=world.alpha_id, on_date=dt.date(2026, 10, 1), description="Lancement")
        s.add(row)
        s.flush()
        with audit.change(s, world.coach, "update", "key_date", row, FIELDS, diff=True) as same:
            row.description = "Lancement"
        with audit.change(s, world.coach, "update", "key_date", row, FIELDS, diff=True) as moved:
            row.on_date = dt.date(2026, 10, 2)
    assert (same.recorded, moved.recorded) == (False, True)
    assert _events("key_date") == [("update", row.id, {"on_date": "2026-10-01"}, {"on_date": "2026-10-02"})]


def test_a_failed_change_records_nothing(world):
    with pytest.raises(ValueError), db.transaction() as s, audit.change(s, world.coach, "create", "key_date",
                                                                        None, FIELDS) as change:
        change.add(KeyDate(defi_id=world.alpha_id, on_date=dt.date(2026, 10, 1), description="x"))
        raise ValueError
    assert _events("key_date") == []


def test_the_guard_catches_a_service_that_forgets_its_event(world):
    silent: list[set[str]] = []
    with audit_watch(silent, roots=(Path(__file__),)):
        audit_free_write(world.alpha_id)
    assert silent == [{"key_date"}]


def audit_free_write(defi_id: int) -> None:
    """A write as a careless service would do it (the watch above treats this file as lib/)."""
    with db.transaction() as s:
        s.add(KeyDate(defi_id=defi_id, on_date=dt.date(2026, 10, 1), description="Oubli"))

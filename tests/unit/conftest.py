"""Fixtures shared by the service tests."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from lib.config import get_settings
from lib.models import AuditEvent, Edited
from tests.mail import smtp_server

SERVICES = Path(__file__).resolve().parents[2] / "lib"
# Not services: the session factory, and the demo seed that writes a made-up history directly.
NOT_SERVICES = {SERVICES / "db.py", SERVICES / "seed.py"}


def _by_a_service(roots: tuple[Path, ...]) -> bool:
    """Whether code under `roots` is on the stack (tests and the seed write their fixtures directly)."""
    frame = sys._getframe(1)
    while frame is not None:
        path = Path(frame.f_code.co_filename)
        if any(path.is_relative_to(root) for root in roots) and path not in NOT_SERVICES:
            return True
        frame = frame.f_back
    return False


@contextmanager
def audit_watch(silent: list[set[str]], roots: tuple[Path, ...] = (SERVICES,)) -> Iterator[None]:
    """Collect, in `silent`, the tables of every transaction committed by code under `roots`
    that changed an edited row (created, changed or deleted) and added no audit event."""
    key = ("audit_watch", id(silent))  # each watch keeps its own notes on the session

    def flushed(session: Session, _context: object) -> None:
        notes = session.info.setdefault(key, {"changed": set(), "audited": False})
        changed = {o for o in session.new | session.deleted if isinstance(o, Edited)}
        # A row's own columns: a collection replaced with the same members changes no row.
        changed |= {o for o in session.dirty
                    if isinstance(o, Edited) and session.is_modified(o, include_collections=False)}
        notes["changed"].update(type(o).__tablename__ for o in changed)
        notes["audited"] |= any(isinstance(o, AuditEvent) for o in session.new)

    def committed(session: Session) -> None:
        notes = session.info.pop(key, None)
        if notes and notes["changed"] and not notes["audited"] and _by_a_service(roots):
            silent.append(notes["changed"])

    def rolled_back(session: Session, _transaction: object) -> None:
        session.info.pop(key, None)

    hooks = [("after_flush", flushed), ("after_commit", committed), ("after_soft_rollback", rolled_back)]
    for name, hook in hooks:
        event.listen(Session, name, hook)
    try:
        yield
    finally:
        for name, hook in hooks:
            event.remove(Session, name, hook)


@pytest.fixture
def inbox(world, monkeypatch):  # noqa: ANN001, ANN201
    """A real SMTP server the app is configured to send through; yields what it received."""
    with smtp_server() as (handler, port):
        monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("SMTP_PORT", str(port))
        monkeypatch.setenv("SMTP_SENDER", "programme@eig.example.org")
        monkeypatch.setenv("SUIVI_APP_URL", "https://suivi.example.org")
        get_settings.cache_clear()
        yield handler
    get_settings.cache_clear()



@pytest.fixture(autouse=True)
def every_write_is_audited():  # noqa: ANN201
    """Fails a test in which a service committed a change to an edited row without an audit
    event in the same transaction (docs/design.md, Architecture)."""
    silent: list[set[str]] = []
    with audit_watch(silent):
        yield
    assert not silent, f"changes committed without an audit event: {silent}"

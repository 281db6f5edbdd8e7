"""The outbox, on SQLite and PostgreSQL, through a real SMTP server (aiosmtpd): a key written
twice is one message, two processes delivering at once send each message once, a failure is
retried with backoff, then shown failed until an admin resends it."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, update

from lib import db, outbox
from lib.clock import now_utc
from lib.config import get_settings
from lib.errors import Conflict, PermissionDenied
from lib.i18n import t
from lib.models import AuditEvent, OutboxMessage
from tests.conftest import said
from tests.mail import smtp_server
from tests.pg import free_port

ROOT = Path(__file__).resolve().parents[2]


def draft(n: int, kind: str = "test") -> outbox.Draft:
    return outbox.Draft(kind=kind, scope="promotion:1", period="2026-W47", channel="email",
                        recipient=f"personne{n}@example.org", subject=f"Message {n}", body_text=f"Texte {n}",
                        body_html=f"<p>Texte {n}</p>")


def write(drafts: list[outbox.Draft]) -> list[int]:
    with db.transaction() as s:
        return outbox.enqueue(s, drafts)


def states() -> dict[str, int]:
    with db.reading() as s:
        rows = s.scalars(select(OutboxMessage)).all()
    return {state: sum(r.state == state for r in rows) for state in {r.state for r in rows}}


def test_writing_the_same_key_twice_is_one_message(world, inbox):
    first = write([draft(1), draft(2)])
    assert len(first) == 2
    [written] = write([draft(1), draft(2, kind="reminder")])  # only the new key
    with db.reading() as s:
        assert s.get(OutboxMessage, written).kind == "reminder"
    assert outbox.unwritten([draft(1), draft(3)]) == [draft(3)]
    assert outbox.deliver().sent == 3
    assert write([draft(1)]) == [] and outbox.deliver().sent == 0
    assert len(inbox.messages()) == 3


def test_two_processes_delivering_at_once_send_each_message_once(world, monkeypatch):
    count = 3 * outbox.BATCH
    write([draft(n) for n in range(count)])
    with smtp_server() as (inbox, port):
        both_sending = asyncio.Event()
        sessions: set[int] = set()
        received = inbox.handle_DATA

        async def held_until_both_send(server, session, envelope):  # noqa: ANN001, ANN202 - aiosmtpd hook
            # Each process's first message waits until the other process is sending too: both
            # then hold messages they claimed, at the same time.
            sessions.add(id(session))
            if len(sessions) >= 2:
                both_sending.set()
            await asyncio.wait_for(both_sending.wait(), timeout=30)
            return await received(server, session, envelope)

        monkeypatch.setattr(inbox, "handle_DATA", held_until_both_send)
        env = os.environ | {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port)}
        senders = [subprocess.Popen([sys.executable, "-m", "lib.outbox", "send"], cwd=ROOT, env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        outputs = [p.communicate(timeout=120) for p in senders]
        assert [p.returncode for p in senders] == [0, 0], outputs
        recipients = sorted(r for rs, _ in inbox.messages() for r in rs)
    assert both_sending.is_set()
    assert recipients == sorted(f"personne{n}@example.org" for n in range(count))  # each once
    assert states() == {"sent": count}


def test_a_failing_smtp_is_retried_with_backoff_then_failed_and_resent_by_an_admin(world, monkeypatch):
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(free_port()))  # nobody listens there
    get_settings.cache_clear()
    [message_id] = write([draft(1)])
    moment = now_utc()
    assert outbox.deliver(now=moment).errors
    for wait in outbox.BACKOFF:
        assert outbox.deliver(now=moment + wait - dt.timedelta(seconds=1)).errors == []  # not due yet
        moment += wait
        assert outbox.deliver(now=moment).errors
    with db.reading() as s:
        message = s.get(OutboxMessage, message_id)
    assert (message.state, message.attempts) == ("failed", outbox.MAX_ATTEMPTS)
    assert "ConnectionRefusedError" in message.last_error and message.body_text == "Texte 1"
    assert outbox.counts(world.admin)["failed"] == 1
    shown = outbox.messages(world.admin, "failed").iloc[0]
    assert (shown["kind"], shown["recipient"]) == (t("outbox.kind.test"), "personne1@example.org")
    with smtp_server() as (inbox, port):
        monkeypatch.setenv("SMTP_PORT", str(port))
        get_settings.cache_clear()
        assert outbox.resend(world.admin, message_id, now=moment) == outbox.outcome(outbox.Delivery(sent=1))
        [(recipients, _)] = inbox.messages()
        with pytest.raises(Conflict, match=said("outbox.not_failed")):
            outbox.resend(world.admin, message_id, now=moment)
    get_settings.cache_clear()
    assert recipients == ["personne1@example.org"] and states() == {"sent": 1}
    with db.reading() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "resend")).one()
        assert (event.user_id, event.entity_id) == (world.admin.id, message_id)


def test_a_message_left_sending_by_a_process_that_died_is_claimed_again_after_the_lease(world, inbox):
    [message_id] = write([draft(1)])
    moment = now_utc()
    with db.transaction() as s:  # a process claimed it, then died before recording anything
        s.execute(update(OutboxMessage).values(state="sending", claimed_at=moment, attempts=1))
    assert outbox.deliver(now=moment + outbox.LEASE - dt.timedelta(seconds=1)).sent == 0
    assert outbox.deliver(now=moment + outbox.LEASE + dt.timedelta(seconds=1)).sent == 1
    assert len(inbox.messages()) == 1


@pytest.mark.parametrize("login", ["coach", "eig", "sponsor", "outsider"])
def test_only_admins_see_and_resend_messages(world, login):
    [message_id] = write([draft(1)])
    actor = getattr(world, login)
    for look in (lambda: outbox.counts(actor), lambda: outbox.messages(actor),
                 lambda: outbox.resend(actor, message_id)):
        with pytest.raises(PermissionDenied):
            look()


def test_the_status_command_says_when_something_failed(world, capsys):
    [message_id] = write([draft(1)])
    assert outbox.main(["status"]) == 0
    with db.transaction() as s:
        s.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(state="failed"))
    assert outbox.main(["status"]) == 1
    assert "failed 1" in capsys.readouterr().out


def test_a_dry_run_lists_what_is_due_and_sends_nothing(world, inbox, capsys):
    write([draft(1), draft(2)])
    assert outbox.main(["send", "--dry-run"]) == 0
    assert t("outbox.cli.due", n=2) in capsys.readouterr().out
    assert inbox.messages() == [] and states() == {"pending": 2}

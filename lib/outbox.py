"""The outbox: everything the app sends (recap, reminders, invitations, password resets, chat
test messages), by mail or to a chat channel, sent once.

A message is written (`enqueue`) in the transaction of the change that causes it, under an
idempotency key (kind, scope, period, channel, recipient): writing the same key again is a
no-op, so a retried cron job, a second machine or a double click sends nothing twice.
Delivery is its own step (`deliver`): it claims the due messages (on PostgreSQL `FOR UPDATE
SKIP LOCKED`, so two processes never take the same one; SQLite's write transaction takes the
whole database), sends them, records each result, and retries a failure with backoff until
MAX_ATTEMPTS, after which the message shows as failed until an admin resends it. A message
is cleared of its bodies once sent: a link mail's token does not stay readable.

    python -m lib.outbox send [--dry-run]    deliver what is due (cron, every few minutes)
    python -m lib.outbox status              counts by state; exit code 1 when something failed
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from concurrent.futures import Future, ThreadPoolExecutor

import pandas as pd
from pydantic import BaseModel
from sqlalchemy import and_, func, or_, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lib import chat, db, formats
from lib.audit import record
from lib.clock import now_utc
from lib.errors import Conflict
from lib.i18n import t
from lib.mail import Mail, Mailer
from lib.models import OutboxMessage
from lib.permissions import Actor, require_admin

KINDS = ("recap", "reminder", "invitation", "reset", "test")
STATES = ("pending", "sending", "sent", "failed")
# How long a failed attempt waits before the next one; after the last, the message is failed.
BACKOFF = (dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=30), dt.timedelta(hours=2))
MAX_ATTEMPTS = len(BACKOFF) + 1
# A message claimed this long ago and still not recorded belongs to a process that died while
# sending it: it is claimed again (it may then go twice; nothing else does).
LEASE = dt.timedelta(minutes=10)
BATCH = 50
KEY = ("kind", "scope", "period", "channel", "recipient")
log = logging.getLogger(__name__)


class Draft(BaseModel):
    """A message to write: its idempotency key and what it says. `recipient` is an address
    for mail, a room (`chat.promotion_room`, `chat.defi_room`) for chat."""

    kind: str
    scope: str
    period: str
    channel: str
    recipient: str
    subject: str
    body_text: str
    body_html: str | None = None


class Delivery(BaseModel):
    """What one delivery did: how many messages left, and why the others did not."""

    sent: int = 0
    errors: list[str] = []


def enqueue(s: Session, drafts: list[Draft], now: dt.datetime | None = None) -> list[int]:
    """Write the drafts in the caller's transaction, skipping every key already written (a
    unique constraint and an insert that ignores the conflict, on both databases); returns the
    ids of the messages written now."""
    if not drafts:
        return []
    now = now or now_utc()
    insert = postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert
    rows = [d.model_dump() | {"state": "pending", "attempts": 0, "created_at": now, "next_attempt_at": now}
            for d in drafts]
    # The rows as parameters, not in the statement: it is compiled once and cached.
    statement = insert(OutboxMessage).on_conflict_do_nothing(index_elements=list(KEY)).returning(OutboxMessage.id)
    return sorted(s.scalars(statement, rows))


def rewrite(s: Session, message_id: int, draft: Draft) -> None:
    """Give a message just written (not yet sent) its final text, in the same transaction: a
    reminder gets its EIG's personal link only once its message is known to be new."""
    row = s.get(OutboxMessage, message_id)
    row.body_text, row.body_html = draft.body_text, draft.body_html


def unwritten(drafts: list[Draft]) -> list[Draft]:
    """The drafts whose key the outbox does not hold yet: what `enqueue` would write now."""
    if not drafts:
        return []
    columns = [getattr(OutboxMessage, c) for c in KEY]
    keys = [tuple(getattr(d, c) for c in KEY) for d in drafts]
    with db.reading() as s:
        known = set(map(tuple, s.execute(select(*columns).where(tuple_(*columns).in_(keys))).all()))
    return [d for d, k in zip(drafts, keys, strict=True) if k not in known]


def written(s: Session, kind: str, scope: str, period: str) -> OutboxMessage | None:
    """The first message written under this kind, scope and period, if any."""
    return s.scalar(select(OutboxMessage).where(OutboxMessage.kind == kind, OutboxMessage.scope == scope,
                                                OutboxMessage.period == period)
                    .order_by(OutboxMessage.id).limit(1))


def _due(now: dt.datetime):  # noqa: ANN202 - a SQL condition
    return or_(and_(OutboxMessage.state == "pending", OutboxMessage.next_attempt_at <= now),
               and_(OutboxMessage.state == "sending", OutboxMessage.claimed_at < now - LEASE))


def _claim(now: dt.datetime, ids: list[int] | None) -> list[OutboxMessage]:
    """Take up to BATCH due messages for this process, in one transaction: rows another process
    holds are skipped (PostgreSQL), and the taken ones are marked `sending`."""
    query = select(OutboxMessage).where(_due(now)).order_by(OutboxMessage.id).limit(BATCH)
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(ids))
    with db.transaction(bump=False) as s:
        rows = s.scalars(query.with_for_update(skip_locked=True)).all()
        for row in rows:
            row.state, row.claimed_at, row.attempts = "sending", now, row.attempts + 1
        return rows


def _record(message_id: int, now: dt.datetime, error: str | None) -> None:
    with db.transaction(bump=False) as s:
        row = s.get(OutboxMessage, message_id)
        if error is None:
            row.state, row.sent_at, row.last_error = "sent", now, None
            row.body_text = row.body_html = None
        elif row.attempts >= MAX_ATTEMPTS:
            row.state, row.last_error = "failed", error[:500]
        else:
            row.state, row.last_error = "pending", error[:500]
            row.next_attempt_at = now + BACKOFF[row.attempts - 1]


def _send(row: OutboxMessage, mailer: Mailer) -> None:
    if row.channel == "email":
        mailer.send(Mail(subject=row.subject, text=row.body_text or "", html=row.body_html or ""), row.recipient)
    else:
        with db.reading() as s:
            address = chat.address_of(s, row.recipient)
        chat.post(address, row.body_text or "")


def _failure(exc: Exception) -> str:
    """Why a message did not leave, as the record keeps it (the service's own words)."""
    return str(exc) if isinstance(exc, chat.ChatError) else f"{type(exc).__name__}: {exc}"


def deliver(ids: list[int] | None = None, now: dt.datetime | None = None) -> Delivery:
    """Send what is due (or, with `ids`, those of them that are due), batch after batch, and
    record each result; a failure of one message (a refused address, a channel down) never
    keeps the others, mail or chat, from leaving."""
    now = now or now_utc()
    delivery = Delivery()
    with Mailer() as mailer:
        while batch := _claim(now, ids):
            for row in batch:
                try:
                    _send(row, mailer)
                except Exception as exc:  # recorded on the message; the others still go
                    if not isinstance(exc, (OSError, chat.ChatError)):
                        log.exception("outbox message %s not sent", row.id)
                    error = _failure(exc)
                    delivery.errors.append(error)
                else:
                    error = None
                    delivery.sent += 1
                _record(row.id, now, error)
    return delivery


def outcome(delivery: Delivery) -> str:
    """One French sentence for a page: what left, and why the rest did not."""
    said = t("outbox.sent", n=delivery.sent)
    if delivery.errors:
        said += " " + t("outbox.not_sent", n=len(delivery.errors), error=delivery.errors[0])
    return said


_later = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox")


def deliver_later(ids: list[int], now: dt.datetime | None = None) -> Future:
    """Deliver these messages from this process's outbox thread, after the caller has answered
    (a password reset answers before any SMTP exchange); should the process stop first, the
    cron's `send` delivers them."""
    return _later.submit(_deliver_logged, ids, now)


def _deliver_logged(ids: list[int], now: dt.datetime | None) -> None:
    # No ids (a reset asked for an unknown address) claims all the same: the thread competes
    # with the answering one alike.
    try:
        deliver(ids=ids, now=now)
    except Exception:  # the database itself failed: the cron's `send` tries again
        log.exception("outbox messages %s not delivered", ids)


def settle() -> None:
    """Return once everything handed to deliver_later has been delivered (tests, bench)."""
    _later.submit(lambda: None).result()


# --- Administration ----------------------------------------------------------------------------


def counts(actor: Actor) -> dict[str, int]:
    """How many messages are in each state (admins)."""
    require_admin(actor)
    with db.reading() as s:
        found = dict(s.execute(select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)).all())
    return {state: found.get(state, 0) for state in STATES}


def messages(actor: Actor, state: str | None = None, limit: int = 200) -> pd.DataFrame:
    """The latest messages (of one state), newest first, with what a person reads of them (admins)."""
    require_admin(actor)
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if state is not None:
        query = query.where(OutboxMessage.state == state)
    with db.reading() as s:
        rows = s.scalars(query).all()
    columns = ["id", "created_at", "kind", "channel", "recipient", "subject", "state", "attempts",
               "next_attempt_at", "sent_at", "last_error"]
    return pd.DataFrame([{
        "id": r.id, "created_at": r.created_at, "kind": t(f"outbox.kind.{r.kind}"),
        "channel": t(f"outbox.channel.{r.channel}"), "recipient": r.recipient, "subject": r.subject,
        "state": r.state, "attempts": r.attempts,
        "next_attempt_at": r.next_attempt_at if r.state == "pending" else None, "sent_at": r.sent_at,
        "last_error": r.last_error or ""} for r in rows], columns=columns)


def resend(actor: Actor, message_id: int, now: dt.datetime | None = None) -> str:
    """« Renvoyer » a failed message: due again with its attempts counted afresh, audited, then
    delivered at once; returns the outcome in French (admins)."""
    require_admin(actor)
    now = now or now_utc()
    with db.transaction(bump=False) as s:
        row = db.load(s, OutboxMessage, message_id)
        if row.state != "failed":
            raise Conflict(t("outbox.not_failed"))
        row.state, row.attempts, row.next_attempt_at = "pending", 0, now
        record(s, actor, "resend", "outbox_message", row.id, after={"kind": row.kind}, at=now)
    return outcome(deliver(ids=[message_id], now=now))


# --- Command line ------------------------------------------------------------------------------


def _print_due(now: dt.datetime) -> None:
    with db.reading() as s:
        rows = s.scalars(select(OutboxMessage).where(_due(now)).order_by(OutboxMessage.id)).all()
    for row in rows:
        print(f"{row.id}\t{row.kind}\t{row.channel}\t{row.recipient}\t{row.subject}")
    print(t("outbox.cli.due", n=len(rows)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lib.outbox", description=t("outbox.cli.description"))
    commands = parser.add_subparsers(dest="command", required=True)
    send_cmd = commands.add_parser("send", help=t("outbox.cli.send"))
    send_cmd.add_argument("--dry-run", action="store_true", help=t("outbox.cli.dry_run"))
    commands.add_parser("status", help=t("outbox.cli.status"))
    args = parser.parse_args(argv)
    now = now_utc()
    if args.command == "status":
        with db.reading() as s:
            found = dict(s.execute(select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)).all())
            oldest = s.scalar(select(func.min(OutboxMessage.created_at)).where(_due(now)))
        print(" · ".join(f"{state} {found.get(state, 0)}" for state in STATES))
        if oldest is not None:
            print(t("outbox.cli.oldest_due", moment=formats.moment(oldest)))
        return 1 if found.get("failed") else 0
    if args.dry_run:
        _print_due(now)
        return 0
    delivery = deliver(now=now)
    print(outcome(delivery))
    return 0


if __name__ == "__main__":
    sys.exit(main())

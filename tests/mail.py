"""A real SMTP server (aiosmtpd) on a free localhost port, keeping what it receives."""

from __future__ import annotations

import datetime as dt
import email
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy
from urllib.parse import parse_qs, urlparse

from aiosmtpd.controller import Controller
from sqlalchemy import select

from lib import db, digest, invitations, outbox
from lib.clock import now_utc
from lib.models import OutboxMessage
from tests.pg import free_port


class Inbox:
    def __init__(self, refused: frozenset[str] = frozenset()) -> None:
        self.envelopes: list = []
        self.refused = refused
        self._arrived = threading.Condition()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, ANN201, N802
        """Refuse the `refused` addresses, as a server does a mailbox that does not exist."""
        if address in self.refused:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802 - aiosmtpd hook
        with self._arrived:
            self.envelopes.append(envelope)
            self._arrived.notify_all()
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 15) -> None:
        """Until `count` messages have arrived in all: an app in another process may mail after
        its page has answered (lib.outbox.deliver_later)."""
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.envelopes) >= count, timeout)

    def messages(self) -> list[tuple[list[str], email.message.EmailMessage]]:
        """What was received, once this process's outbox thread has sent what it was handed."""
        outbox.settle()
        return [(sorted(e.rcpt_tos), email.message_from_bytes(e.content, policy=policy.default))
                for e in self.envelopes]


@contextmanager
def smtp_server(refused: frozenset[str] = frozenset()) -> Iterator[tuple[Inbox, int]]:
    """Listen on 127.0.0.1, refusing mail to the `refused` addresses; yield the inbox and the port."""
    inbox, port = Inbox(refused), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def parts(message) -> tuple[str, str]:  # noqa: ANN001
    """The plain-text and HTML bodies of a message."""
    return (message.get_body(preferencelist=("plain",)).get_content(),
            message.get_body(preferencelist=("html",)).get_content())


def queued_reminders(at: dt.datetime | None = None) -> dict[str, str]:
    """Write the reminders due at `at` to the outbox, as `lib.digest remind --send` does, and
    return each recipient's text (with its personal link), not yet delivered."""
    ids = digest.queue_reminders(at or now_utc())
    with db.reading() as s:
        return {row.recipient: row.body_text
                for row in s.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids)))}


def reminder_tokens(at: dt.datetime | None = None) -> dict[str, str]:
    """The personal bulletin link's token in each reminder written at `at`, by recipient."""
    param = invitations.BULLETIN_PARAM
    return {recipient: parse_qs(urlparse(link_in(text, param)).query)[param][0]
            for recipient, text in queued_reminders(at).items()}


def link_in(text: str, param: str) -> str:
    """The one address in `text` carrying the query parameter `param`."""
    [url] = set(re.findall(rf"https?://\S+\?{param}=[\w-]+", text))
    return url

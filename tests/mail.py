"""A real SMTP server (aiosmtpd) on a free localhost port, keeping what it receives."""

from __future__ import annotations

import email
import re
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy

from aiosmtpd.controller import Controller

from tests.pg import free_port


class Inbox:
    def __init__(self, refused: frozenset[str] = frozenset()) -> None:
        self.envelopes: list = []
        self.refused = refused

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, ANN201, N802
        """Refuse the `refused` addresses, as a server does a mailbox that does not exist."""
        if address in self.refused:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802 - aiosmtpd hook
        self.envelopes.append(envelope)
        return "250 OK"

    def messages(self) -> list[tuple[list[str], email.message.EmailMessage]]:
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


def link_in(text: str, param: str) -> str:
    """The one address in `text` carrying the query parameter `param`."""
    [url] = set(re.findall(rf"https?://\S+\?{param}=[\w-]+", text))
    return url

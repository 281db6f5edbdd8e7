"""Mail the app sends (weekly recap, reminders, invitations and password resets): each
message is a pair of templates, `<name>.txt` and `<name>.html`, rendered with the same
context, sent through the configured SMTP server, now (`send`) or by this process's mail
thread once the page has answered (`send_later`)."""

from __future__ import annotations

import logging
import queue
import smtplib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from lib.config import get_settings
from lib.documents import render

log = logging.getLogger(__name__)


@dataclass
class Email:
    """A built message and who it goes to (envelope recipients, never shown to each other)."""

    message: EmailMessage
    recipients: list[str]

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])


def compose(template: str, subject: str, recipients: list[str], to: str | None = None, **context: object) -> Email:
    """The message rendered from `template`'s text and HTML twins. Addressed `To` the sender
    unless `to` is given: members get group mail as blind copies, so addresses stay private."""
    settings = get_settings()
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = settings.smtp_sender
    msg["To"] = to or settings.smtp_sender
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=settings.smtp_sender.rsplit("@", 1)[-1] or None)
    msg.set_content(render(f"{template}.txt", subject=subject, **context))
    msg.add_alternative(render(f"{template}.html", subject=subject, **context), subtype="html")
    return Email(message=msg, recipients=recipients)


def send(emails: list[Email]) -> int:
    """Send through the configured SMTP server (STARTTLS and login when configured)."""
    settings = get_settings()
    sent = 0
    emails = [e for e in emails if e.recipients]
    if not emails:
        return 0
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_tls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        for email in emails:
            smtp.send_message(email.message, to_addrs=email.recipients)
            sent += 1
    return sent


_outgoing: queue.Queue[tuple[str, Callable[[], list[Email]]]] = queue.Queue()
_sender_started = threading.Lock()
_sender: threading.Thread | None = None


def send_later(what: str, build: Callable[[], list[Email]]) -> None:
    """Hand messages to the process's mail thread, which builds and sends them after the caller
    has answered: a page that mails someone answers as fast as one that does not. A failure is
    logged (`what` names the mail) and never reaches the caller; unsent mail dies with the process."""
    global _sender
    with _sender_started:
        if _sender is None:
            _sender = threading.Thread(target=_send_queued, name="mail-sender", daemon=True)
            _sender.start()
    _outgoing.put((what, build))


def _send_queued() -> None:
    while True:
        what, build = _outgoing.get()
        try:
            send(build())
        except Exception:  # the thread outlives any one message (SMTP refusal, template error)
            log.exception("%s mail not sent", what)
        finally:
            _outgoing.task_done()


def wait_until_sent() -> None:
    """Return once every message handed to send_later has been sent or logged as failed."""
    _outgoing.join()

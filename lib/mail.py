"""Mail the app sends (weekly recap, reminders, invitations and password resets): each
message is a pair of templates, `<name>.txt` and `<name>.html`, rendered with the same
context, sent through the configured SMTP server."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from lib.config import get_settings
from lib.documents import render


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

"""Mail the app sends (weekly recap, reminders, invitations and password resets): each
message is a pair of templates, `<name>.txt` and `<name>.html`, rendered with the same
context (`compose`), written to the outbox (lib.outbox), which sends it through the
configured SMTP server, one message per recipient (`Mailer`)."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from types import TracebackType

from pydantic import BaseModel, field_validator

from lib import addresses
from lib.config import get_settings
from lib.documents import render

log = logging.getLogger(__name__)


class Mail(BaseModel):
    """A rendered message, before it is addressed: what the outbox keeps until it is sent. A
    subject with a line break (a name written before the schemas refused them) is refused
    here, where the message is written, not when it is sent."""

    subject: str
    text: str
    html: str

    @field_validator("subject")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if "\n" in value or "\r" in value:
            raise ValueError(f"a mail subject on several lines: {value!r}")
        return value


def compose(template: str, subject: str, **context: object) -> Mail:
    """The message rendered from `template`'s text and HTML twins."""
    return Mail(subject=subject, text=render(f"{template}.txt", subject=subject, **context),
                html=render(f"{template}.html", subject=subject, **context))


def deliverable(address: str) -> str | None:
    """The address in its normal form (lib.addresses); a stored value that is not a plain
    address (a display name around another address) receives nothing and is logged."""
    normal = addresses.matchable(address)
    if normal is None:
        log.warning("not a plain email address, nothing sent to it: %r", address)
    return normal


def message(mail: Mail, recipient: str) -> EmailMessage:
    """The message as it leaves, addressed to its one recipient."""
    settings = get_settings()
    msg = EmailMessage()
    msg["Subject"] = mail.subject
    msg["From"] = settings.smtp_sender
    msg["To"] = recipient
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=settings.smtp_sender.rsplit("@", 1)[-1] or None)
    msg.set_content(mail.text)
    msg.add_alternative(mail.html, subtype="html")
    return msg


class Mailer:
    """One connection to the configured SMTP server (STARTTLS and login when configured),
    opened at the first message and closed on exit."""

    def __init__(self) -> None:
        self._smtp: smtplib.SMTP | None = None

    def send(self, mail: Mail, recipient: str) -> None:
        """Send one message; smtplib.SMTPException or OSError when the server refuses it."""
        if self._smtp is None:
            settings = get_settings()
            smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30)
            try:
                if settings.smtp_tls:
                    smtp.starttls()
                if settings.smtp_user:
                    smtp.login(settings.smtp_user, settings.smtp_password)
            except BaseException:
                smtp.close()
                raise
            self._smtp = smtp
        try:
            self._smtp.send_message(message(mail, recipient), to_addrs=[recipient])
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException):
            raise  # this message is refused; smtplib has reset the session for the next one
        except OSError:
            self.close()  # the connection is gone: the next message opens a new one
            raise

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

"""Chat channels beside email: a promotion's channel (the weekly recap) and, optionally, a
défi team's room (the Thursday and Friday reminders), on Mattermost, Slack or Matrix (Tchap),
all through Apprise.

A channel's address is an Apprise URL (`mmosts://…`, `slack://…`, `matrixs://…`) or the
service's own webhook address; it carries the secret that lets anyone post, so it is stored
encrypted (Fernet) under a key derived from the cookie key, and never shown back: an admin
sees « configuré le … » and may replace it. Messages are Markdown; user text in them goes
through `text.md(…, chat=True)`, the pages' escape plus mentions.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging

import apprise
from apprise.plugins.matrix import NotifyMatrix
from apprise.plugins.mattermost import NotifyMattermost
from apprise.plugins.slack import NotifySlack
from cryptography.fernet import Fernet, InvalidToken
from pydantic import BaseModel, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from lib import db, formats
from lib.audit import record
from lib.clock import now_utc
from lib.config import derived_key, get_settings
from lib.errors import ServiceError
from lib.i18n import t
from lib.models import ChatChannel, Defi, Promotion
from lib.permissions import Actor, require_admin
from lib.text import md

# The key encrypting channel addresses is derived from the cookie key under this label: the
# database alone posts nowhere, and changing SUIVI_COOKIE_KEY means entering the addresses again.
CHANNEL_KEY_LABEL = b"suivi-eig/chat-channels"
SERVICES = (NotifyMattermost, NotifySlack, NotifyMatrix)
log = logging.getLogger(__name__)


class ChatError(ServiceError):
    """The channel did not take the message; the text says why (for the outbox's record)."""


class ChannelIn(BaseModel):
    """An address typed by an admin: one Apprise understands, of a service the programme uses."""

    address: str

    @field_validator("address")
    @classmethod
    def _a_known_service(cls, value: str) -> str:
        value = value.strip()
        if not isinstance(apprise.Apprise.instantiate(value, suppress_exceptions=True), SERVICES):
            raise ValueError(t("chat.bad_address"))
        return value


class Channel(BaseModel):
    """A place that may have a channel, and since when it has one (never the address)."""

    room: str
    label: str
    configured_at: dt.datetime | None


def promotion_room(promotion_id: int) -> str:
    return f"promotion:{promotion_id}"


def defi_room(defi_id: int) -> str:
    return f"defi:{defi_id}"


def _owner(room: str) -> tuple[str, int]:
    """("promotion", 3) for `promotion:3`, ("defi", 5) for `defi:5`."""
    kind, _, number = room.partition(":")
    if kind not in ("promotion", "defi") or not number.isdigit():
        raise ValueError(room)
    return kind, int(number)


def _row(s: Session, room: str) -> ChatChannel | None:
    kind, number = _owner(room)
    column = ChatChannel.promotion_id if kind == "promotion" else ChatChannel.defi_id
    return s.scalar(select(ChatChannel).where(column == number))


def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(derived_key(get_settings().cookie_key, CHANNEL_KEY_LABEL)))


def has_channel(s: Session, room: str) -> bool:
    return _row(s, room) is not None


def address_of(s: Session, room: str) -> str:
    """The room's address, decrypted; ChatError when it has none or it cannot be read."""
    row = _row(s, room)
    if row is None:
        raise ChatError(t("chat.not_configured"))
    try:
        return _fernet().decrypt(row.address_encrypted.encode()).decode()
    except InvalidToken:
        raise ChatError(t("chat.unreadable")) from None


def channels(actor: Actor, promotion_id: int) -> list[Channel]:
    """The promotion's channel, then each of its défis' rooms, configured or not (admins)."""
    require_admin(actor)
    with db.reading() as s:
        promotion = db.load(s, Promotion, promotion_id)
        places = [(promotion_room(promotion.id), t("chat.promotion_channel", name=md(promotion.name)))]
        places += [(defi_room(d.id), t("chat.defi_room", name=md(d.name)))
                   for d in s.scalars(select(Defi).where(Defi.promotion_id == promotion_id).order_by(Defi.name))]
        return [Channel(room=room, label=label, configured_at=row.updated_at if (row := _row(s, room)) else None)
                for room, label in places]


def configure(actor: Actor, room: str, data: ChannelIn, now: dt.datetime | None = None) -> None:
    """Set or replace the room's address, encrypted; audited without it."""
    require_admin(actor)
    now = now or now_utc()
    kind, number = _owner(room)
    with db.transaction() as s:
        db.load(s, Promotion if kind == "promotion" else Defi, number)
        row = _row(s, room)
        encrypted = _fernet().encrypt(data.address.encode()).decode()
        if row is None:
            s.add(ChatChannel(**{f"{kind}_id": number}, address_encrypted=encrypted, created_at=now,
                              updated_at=now, created_by_id=actor.id))
        else:
            row.address_encrypted, row.updated_at = encrypted, now
        record(s, actor, "configure_chat_channel", "promotion" if kind == "promotion" else "defi", number,
               after={"replaced": row is not None}, at=now)


def test_message(actor: Actor, room: str, now: dt.datetime | None = None) -> str:
    """« Envoyer un message d'essai »: a short message to the room through the outbox, at once;
    returns what became of it (outbox.deliver's French outcome)."""
    from lib import outbox

    require_admin(actor)
    now = now or now_utc()
    with db.transaction() as s:
        if not has_channel(s, room):
            raise ChatError(t("chat.not_configured"))
        text = t("chat.test.body", moment=formats.moment(now), link=get_settings().app_url)
        ids = outbox.enqueue(s, [outbox.Draft(kind="test", scope=room, period=now.isoformat(timespec="seconds"),
                                              channel="chat", recipient=room, subject=t("chat.test.subject"),
                                              body_text=text)], now)
        kind, number = _owner(room)
        record(s, actor, "test_chat_channel", "promotion" if kind == "promotion" else "defi", number, at=now)
    return outbox.outcome(outbox.deliver(ids=ids, now=now))


def post(address: str, markdown: str) -> None:
    """Post a Markdown message through Apprise; ChatError with the service's complaint."""
    settings = get_settings()
    asset = apprise.AppriseAsset(app_id=t("app.title"), app_desc=t("app.title"), app_url=settings.app_url,
                                 image_url_mask=None, storage_mode=apprise.PersistentStoreMode.MEMORY)
    sender = apprise.Apprise(asset=asset)
    if not sender.add(address):
        raise ChatError(t("chat.bad_address"))
    with apprise.LogCapture(level=logging.WARNING) as complaints:
        delivered = sender.notify(body=markdown, body_format=apprise.NotifyFormat.MARKDOWN)
    if not delivered:
        said = [line for line in complaints.getvalue().splitlines() if line.strip()]
        raise ChatError(said[-1].split(" - ", 2)[-1] if said else t("chat.refused"))

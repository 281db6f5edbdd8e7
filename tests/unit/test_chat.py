"""Chat channels through Apprise, against fake Mattermost, Slack and Matrix servers on
127.0.0.1 (tests/chat.py), on SQLite and PostgreSQL: the recap in the promotion's channel, the
reminders in the team's room, user text made inert, nothing sent twice, a failing channel
retried and shown failed without holding the email back, addresses never shown back."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from apprise.plugins.slack import NotifySlack
from pydantic import ValidationError
from sqlalchemy import select, update

from lib import bulletins, chat, db, digest, formats, outbox
from lib.errors import Conflict, PermissionDenied
from lib.i18n import t
from lib.models import ChatChannel, Defi, OutboxMessage
from lib.schemas import BulletinIn
from tests.chat import MATRIX_ROOM, chat_server
from tests.conftest import said, set_clock

PARIS = ZoneInfo("Europe/Paris")
WEDNESDAY = dt.datetime(2026, 11, 18, 10, 0, tzinfo=PARIS)
AFTER_DEADLINE = dt.datetime(2026, 11, 20, 15, 30, tzinfo=PARIS)
THURSDAY = dt.datetime(2026, 11, 19, 9, 30, tzinfo=PARIS)
SLACK = "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ"
# What a person may type that a chat would otherwise turn into a link, an image, a mention.
HOSTILE = ("@channel @here @all @room <!channel> <!here> ~town-square [piège](https://evil.example) "
           "![image](https://evil.example/i.png) **gras** <a href='https://evil.example'>x</a> www.evil.example")
PINGS = re.compile(r"(?<![\w\u2060])@(channel|here|all|room)\b|<!(channel|here)>|~town-square")


@pytest.fixture
def servers(world, inbox, monkeypatch):  # noqa: ANN001, ANN201
    """A fake Mattermost, Slack and Matrix server; Apprise's Slack plugin posts to the fake one."""
    with chat_server() as mattermost, chat_server() as slack, chat_server() as matrix:
        monkeypatch.setattr(NotifySlack, "webhook_url", f"http://127.0.0.1:{slack.port}/services")
        yield {"mattermost": mattermost, "slack": slack, "matrix": matrix}


def address(servers, service: str) -> str:  # noqa: ANN001
    port = servers[service].port
    return {"mattermost": f"mmost://127.0.0.1:{port}/jeton-du-webhook", "slack": SLACK,
            "matrix": f"matrix://jeton-matrix@127.0.0.1:{port}/{MATRIX_ROOM}"}[service]


def configure(world, room: str, where: str) -> None:  # noqa: ANN001
    chat.configure(world.admin, room, chat.ChannelIn(address=where), now=WEDNESDAY)


def hostile_alpha(world) -> None:  # noqa: ANN001
    """Alpha renamed by hand, and a help request, both full of chat syntax."""
    with db.transaction() as s:
        s.execute(update(Defi).where(Defi.id == world.alpha_id).values(name=f"Alpha {HOSTILE}"))
    bulletins.file_bulletin(world.eig, world.alpha_id, BulletinIn(
        mood=2, priority="p", ups_downs="u", help_request=f"Aide {HOSTILE}"), now=WEDNESDAY)


def inert(text: str) -> None:
    """Nothing in a posted message pings, links or shows an image, but the app's own link."""
    assert not PINGS.search(text), text
    assert "](https://evil.example" not in text and "<https://evil.example" not in text
    assert "<a href=\"https://evil.example" not in text and "<img" not in text


@pytest.mark.parametrize("service", ["mattermost", "slack", "matrix"])
def test_the_recap_goes_once_to_the_promotion_channel_help_first_user_text_inert(world, servers, inbox, monkeypatch,
                                                                                 service):
    hostile_alpha(world)
    configure(world, chat.promotion_room(world.promotion_id), address(servers, service))
    set_clock(monkeypatch, AFTER_DEADLINE)
    assert digest.main(["recap", "--week", "2026-W47", "--send"]) == 0
    assert digest.main(["recap", "--week", "2026-W47", "--send"]) == 0
    [text] = servers[service].texts()
    assert not any(s.messages for name, s in servers.items() if name != service)
    week = formats.iso_week(2026, 47)
    help_at, filed_at = text.index(t("digest.recap.help_title")), text.index(t("digest.chat.filed", n=1, total=2))
    assert help_at < filed_at and "Aide" in text[help_at:filed_at]
    assert "Promo test" in text and week in text and "suivi.example.org" in text
    inert(text)
    assert "piège" in text and "town-square" in text  # shown, as typed
    assert len(inbox.messages()) == 6  # the email as before: nobody turned it off


def test_in_matrix_the_recap_renders_the_apps_link_alone(world, servers, monkeypatch):
    hostile_alpha(world)
    configure(world, chat.promotion_room(world.promotion_id), address(servers, "matrix"))
    set_clock(monkeypatch, AFTER_DEADLINE)
    digest.main(["recap", "--week", "2026-W47", "--send"])
    [sent] = servers["matrix"].messages
    assert sent.method == "PUT" and sent.path.startswith(f"/_matrix/client/v3/rooms/{MATRIX_ROOM}/send/m.room.message/")
    html = sent.body["formatted_body"]
    assert re.findall(r"<a [^>]*>", html) == ['<a href="https://suivi.example.org">']
    assert "<img" not in html and "<strong>gras</strong>" not in html and "@room" not in sent.body["body"]


def test_reminders_go_to_the_teams_room_else_by_email_once_a_day(world, servers, inbox, monkeypatch):
    configure(world, chat.defi_room(world.alpha_id), address(servers, "matrix"))
    with db.transaction() as s:
        s.execute(update(Defi).where(Defi.id == world.alpha_id).values(name="Alpha @room [x](https://evil.example)"))
    set_clock(monkeypatch, THURSDAY)
    assert digest.main(["remind", "--send"]) == 0
    assert digest.main(["remind", "--send"]) == 0
    [text] = servers["matrix"].texts()
    assert t("digest.remind.body", defi="", week=formats.iso_week(2026, 47), deadline="")[:20] in text
    assert "suivi.example.org/bulletin" in text
    inert(text)
    # Beta has no room: its EIG gets the email, as before; Alpha's EIGs get none.
    assert [r for r, _ in inbox.messages()] == [["beta.eig@example.org"]]
    set_clock(monkeypatch, THURSDAY + dt.timedelta(days=1))
    assert digest.main(["remind", "--send"]) == 0
    assert len(servers["matrix"].messages) == 2


def test_a_failing_channel_is_retried_then_shown_failed_and_never_holds_the_email(world, servers, inbox,
                                                                                    monkeypatch):
    configure(world, chat.promotion_room(world.promotion_id), address(servers, "mattermost"))
    servers["mattermost"].failing = True
    set_clock(monkeypatch, AFTER_DEADLINE)
    assert digest.main(["recap", "--week", "2026-W47", "--send"]) == 0
    assert len(inbox.messages()) == 6  # the email left
    moment = AFTER_DEADLINE
    for wait in outbox.BACKOFF:
        moment += wait
        assert outbox.deliver(now=moment).errors  # retried, refused again
    with db.reading() as s:
        [message] = s.scalars(select(OutboxMessage).where(OutboxMessage.channel == "chat")).all()
    assert (message.state, message.attempts) == ("failed", outbox.MAX_ATTEMPTS)
    assert len(servers["mattermost"].messages) == outbox.MAX_ATTEMPTS
    assert outbox.deliver(now=moment + dt.timedelta(days=1)).sent == 0  # failed: left alone
    failed = outbox.messages(world.admin, "failed")
    assert list(failed["id"]) == [message.id] and failed["last_error"][0]
    servers["mattermost"].failing = False
    assert outbox.resend(world.admin, message.id, now=moment) == outbox.outcome(outbox.Delivery(sent=1))
    assert len(servers["mattermost"].messages) == outbox.MAX_ATTEMPTS + 1
    assert len(inbox.messages()) == 6


def test_the_test_message_reaches_the_channel(world, servers):
    room = chat.promotion_room(world.promotion_id)
    configure(world, room, address(servers, "slack"))
    assert chat.test_message(world.admin, room, now=WEDNESDAY) == outbox.outcome(outbox.Delivery(sent=1))
    [text] = servers["slack"].texts()
    assert "Suivi des défis EIG" in text and "suivi.example.org" in text


def test_an_address_is_stored_encrypted_and_never_shown_back(world, servers):
    where = address(servers, "mattermost")
    configure(world, chat.promotion_room(world.promotion_id), where)
    [channel, *rooms] = chat.channels(world.admin, world.promotion_id)
    assert channel.configured_at is not None and all(r.configured_at is None for r in rooms)
    assert "jeton" not in repr(chat.channels(world.admin, world.promotion_id))
    with db.reading() as s:
        stored = s.scalars(select(ChatChannel.address_encrypted)).one()
        assert "jeton" not in stored
        assert chat.address_of(s, chat.promotion_room(world.promotion_id)) == where


def test_an_address_of_an_unknown_service_is_refused(world):
    with pytest.raises(ValidationError, match=re.escape(t("chat.bad_address"))):
        chat.ChannelIn(address="https://example.org/pas-un-webhook")


@pytest.mark.parametrize("login", ["coach", "eig", "porteur", "sponsor", "outsider"])
def test_only_admins_configure_and_test_channels(world, servers, login):
    actor = getattr(world, login)
    room = chat.promotion_room(world.promotion_id)
    with pytest.raises(PermissionDenied):
        chat.configure(actor, room, chat.ChannelIn(address=address(servers, "mattermost")))
    with pytest.raises(PermissionDenied):
        chat.channels(actor, world.promotion_id)
    configure(world, room, address(servers, "mattermost"))
    with pytest.raises(PermissionDenied):
        chat.test_message(actor, room)
    assert servers["mattermost"].messages == []


def test_a_person_turns_the_recap_email_off_once_the_promotion_has_a_channel(world, servers, inbox, monkeypatch):
    assert digest.recap_email_choice(world.eig) == digest.RecapEmailChoice(offered=False, by_email=True)
    with pytest.raises(Conflict, match=said("digest.recap_email.no_channel")):
        digest.set_recap_email(world.eig, False)
    configure(world, chat.promotion_room(world.promotion_id), address(servers, "mattermost"))
    digest.set_recap_email(world.eig, False)
    assert digest.recap_email_choice(world.eig) == digest.RecapEmailChoice(offered=True, by_email=False)
    assert digest.recap_email_choice(world.gamma_eig).offered is False  # another promotion's channel
    set_clock(monkeypatch, AFTER_DEADLINE)
    assert digest.main(["recap", "--week", "2026-W47", "--send"]) == 0
    recipients = sorted(r for rs, _ in inbox.messages() for r in rs)
    assert "eig@example.org" not in recipients and len(recipients) == 5
    assert len(servers["mattermost"].messages) == 1

"""Administration's « Envois » and « Messageries » (admins only), and a person's choice of the
recap by email on the home page."""

from __future__ import annotations

from sqlalchemy import update

from lib import chat, db, outbox
from lib.i18n import t
from lib.models import OutboxMessage
from tests.chat import chat_server
from tests.pages.conftest import form_button, open_tab, texts


def test_admin_sees_a_failed_message_and_resends_it(app_as, world, inbox):
    with db.transaction() as s:
        [message_id] = outbox.enqueue(s, [outbox.Draft(
            kind="invitation", scope=f"user:{world.eig.id}", period="token:1", channel="email",
            recipient="eig@example.org", subject="Invitation", body_text="Bienvenue", body_html="<p>Bienvenue</p>")])
        s.execute(update(OutboxMessage).values(state="failed", attempts=outbox.MAX_ATTEMPTS,
                                               last_error="SMTPRecipientsRefused: 550"))
    at = open_tab(app_as("admin", page="pages/admin.py"), "admin_tabs", t("admin.tab.outbox"))
    assert not at.exception
    assert "SMTPRecipientsRefused: 550" in set(at.dataframe[0].value["last_error"])
    at.button(key=next(b.key for b in at.button if b.key and b.key.startswith(f"resend_message_{message_id}"))) \
        .click().run()
    assert not at.exception and t("outbox.sent", n=1) in texts(at)
    assert [r for r, _ in inbox.messages()] == [["eig@example.org"]]


def test_coaches_see_neither_the_outbox_nor_the_channels(app_as):
    labels = [tab.label for tab in app_as("coach", page="pages/admin.py").tabs]
    assert t("admin.tab.outbox") not in labels and t("admin.tab.channels") not in labels


def test_admin_configures_the_promotions_channel_never_sees_it_again_and_tests_it(app_as, world):
    with chat_server() as mattermost:
        address = f"mmost://127.0.0.1:{mattermost.port}/jeton-tres-secret"
        at = open_tab(app_as("admin", page="pages/admin.py"), "admin_tabs", t("admin.tab.channels"))
        picker = at.selectbox(key="promotion_pick")  # the sidebar opens on the running one, if any
        at = picker.select_index(picker.options.index("Promo test")).run()
        assert not at.exception and t("chat.admin.none") in texts(at)
        room = chat.promotion_room(world.promotion_id).replace(":", "_")
        field = next(w for w in at.text_input if (w.key or "").startswith(f"chat_channel_{room}_"))
        field.input(address)
        form_button(at, field.key.removesuffix("_address"), t("admin.save")).click().run()
        assert not at.exception and t("chat.admin.saved") in texts(at)
        assert "jeton-tres-secret" not in texts(at)
        assert all(w.value in ("", None) for w in at.text_input if "chat_channel" in (w.key or ""))
        assert t("chat.admin.replace") in [e.label for e in at.expander]
        at.button(key=next(b.key for b in at.button if b.key and b.key.startswith(f"chat_test_{room}"))) \
            .click().run()
        assert not at.exception and t("outbox.sent", n=1) in texts(at)
        assert len(mattermost.messages) == 1


def test_a_member_turns_the_recap_email_off_once_the_promotion_has_a_channel(app_as, world, monkeypatch):
    assert t("home.recap_email") not in [w.label for w in app_as("eig").toggle]
    chat.configure(world.admin, chat.promotion_room(world.promotion_id),
                   chat.ChannelIn(address="mmosts://mattermost.example.org/jeton"))
    at = app_as("eig")
    toggle = at.toggle(key="recap_email")
    assert toggle.value is True
    toggle.set_value(False).run()
    assert not at.exception and t("home.recap_email_off") in texts(at)
    assert at.toggle(key="recap_email").value is False


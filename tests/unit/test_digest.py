"""The weekly recap and the reminder, sent through a real SMTP server (aiosmtpd)
listening on localhost: recipients, subject, both parts, escaping of user text."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from lib import bulletins, db, digest, formats
from lib.config import get_settings
from lib.errors import Conflict, PermissionDenied, ServiceError
from lib.i18n import t
from lib.models import AuditEvent, Defi, KeyDate, Promotion
from lib.schemas import BulletinIn
from tests.conftest import ANY, said, set_clock
from tests.mail import link_in, parts

PARIS = ZoneInfo("Europe/Paris")
WEDNESDAY = dt.datetime(2026, 11, 18, 10, 0, tzinfo=PARIS)
RECAP_W47 = t("digest.recap.subject", week=formats.iso_week(2026, 47), promotion="Promo test")
ISO_WEEK = re.compile(r"\d{4}-W\d{2}")
HOSTILE = "<script>alert('x')</script> & <b>gras</b>"


def test_recap_goes_to_every_active_member_help_first_escaped(world, inbox, monkeypatch):
    bulletins.file_bulletin(world.eig, world.alpha_id, BulletinIn(
        mood=2, priority=f"Priorité {HOSTILE}", ups_downs="Hauts & bas", help_request=f"Aide {HOSTILE}"),
        now=WEDNESDAY)
    with db.transaction() as s:
        s.add(KeyDate(defi_id=world.alpha_id, on_date=dt.date(2026, 11, 26), description="Démo <cabinet>"))
        s.add(KeyDate(defi_id=world.alpha_id, on_date=dt.date(2026, 12, 10), description="Trop loin"))
    set_clock(monkeypatch, dt.datetime(2026, 11, 20, 15, 5, tzinfo=PARIS))
    assert digest.main(["recap", "--week", "2026-W47", "--send"]) == 0
    [(recipients, message)] = inbox.messages()
    assert recipients == sorted(f"{login}@example.org" for login in
                                ["eig", "eig2", "porteur", "sponsor", "coach", "beta.eig"])
    # The operator names the week by its ISO code; the mail reads it in words.
    assert message["Subject"] == RECAP_W47
    assert message["From"] == "programme@eig.example.org"
    assert "example.org" not in message["To"].replace("programme@eig.example.org", "")
    text, html = parts(message)
    order = [text.index(s) for s in ("Demandes d'aide", "Les bulletins (1)", "Défis sans bulletin",
                                     "Dates clés de la semaine prochaine")]
    assert order == sorted(order)
    assert f"Aide {HOSTILE}" in text and "😐 mitigée" in text and "- Beta" in text
    assert "26/11/2026 · Alpha : Démo <cabinet>" in text and "Trop loin" not in text
    assert "<script>" not in html and "<b>gras</b>" not in html
    assert not ISO_WEEK.search(message["Subject"] + text + html)
    assert re.match(r"semaine \d+ du programme sur \d+", text.splitlines()[1])  # the programme clock
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;gras&lt;/b&gt;" in html
    assert "Démo &lt;cabinet&gt;" in html and "semaine 33 du programme sur 44, phase 3" in html


def test_recap_before_the_deadline_is_refused_and_sends_nothing(world, inbox, monkeypatch, capsys):
    bulletins.file_bulletin(world.eig, world.alpha_id, BulletinIn(mood=3, priority="p", ups_downs="u"),
                            now=WEDNESDAY)
    set_clock(monkeypatch, dt.datetime(2026, 11, 20, 14, 59, tzinfo=PARIS))
    assert digest.main(["recap", "--week", "2026-W47", "--send"]) == 2
    not_yet = t("digest.not_published", week=formats.iso_week(2026, 47), deadline="vendredi 20/11/2026 à 15:00")
    assert not_yet in capsys.readouterr().err
    assert inbox.messages() == []


def test_recap_without_send_prints_and_sends_nothing(world, inbox, monkeypatch, capsys):
    set_clock(monkeypatch, dt.datetime(2026, 11, 23, 9, 0, tzinfo=PARIS))
    assert digest.main(["recap", "--week", "2026-W47"]) == 0
    out = capsys.readouterr().out
    assert RECAP_W47 in out and "Tous les défis" not in out
    assert inbox.messages() == []


def test_recap_without_week_is_the_latest_closed_weeks_not_the_one_in_progress(world, inbox, monkeypatch, capsys):
    set_clock(monkeypatch, dt.datetime(2026, 11, 23, 9, 0, tzinfo=PARIS))  # Monday of W48
    assert digest.main(["recap"]) == 0
    assert RECAP_W47 in capsys.readouterr().out
    set_clock(monkeypatch, dt.datetime(2026, 11, 27, 15, 0, tzinfo=PARIS))  # W48's deadline
    assert digest.main(["recap", "--promotion", str(world.promotion_id)]) == 0
    assert t("digest.recap.subject", week=formats.iso_week(2026, 48), promotion="Promo test") in capsys.readouterr().out


def test_bad_week_is_refused(world, inbox, capsys):
    assert digest.main(["recap", "--week", "2026-47"]) == 2
    assert digest.main(["recap", "--week", "2025-W53"]) == 2  # 2025 has 52 ISO weeks
    assert "invalide" in capsys.readouterr().err


def test_reminder_goes_to_the_eigs_of_defis_that_have_not_filed(world, inbox, monkeypatch):
    bulletins.file_bulletin(world.eig, world.alpha_id, BulletinIn(mood=3, priority="p", ups_downs="u"),
                            now=WEDNESDAY)
    set_clock(monkeypatch, dt.datetime(2026, 11, 19, 9, 0, tzinfo=PARIS))
    assert digest.main(["remind", "--send"]) == 0
    [(recipients, message)] = inbox.messages()
    assert recipients == ["beta.eig@example.org"]
    assert message["Subject"] == t("digest.remind.subject", week=formats.iso_week(2026, 47), defi="Beta")
    text, html = parts(message)
    assert not ISO_WEEK.search(message["Subject"] + text + html)
    link = link_in(text, "bulletin")  # Bruno's personal link (tests/unit/test_bulletin_links.py)
    assert "vendredi 20/11/2026 à 15:00" in text and link.startswith("https://suivi.example.org/?bulletin=")
    assert f'<a href="{link}">' in html


def test_no_reminder_once_the_week_is_closed(world, inbox, monkeypatch):
    set_clock(monkeypatch, dt.datetime(2026, 11, 20, 15, 0, tzinfo=PARIS))
    assert digest.main(["remind", "--send"]) == 0
    assert inbox.messages() == []


def test_one_defis_bad_name_leaves_the_other_defis_reminders_to_go(world, inbox, monkeypatch, caplog):
    with db.transaction() as s:  # written straight to the database, as rows older than the schemas' rules
        s.execute(update(Defi).where(Defi.id == world.alpha_id).values(name="Alpha\nBcc: x@evil.example"))
    set_clock(monkeypatch, dt.datetime(2026, 11, 19, 9, 0, tzinfo=PARIS))
    assert digest.main(["remind", "--send"]) == 0
    [(recipients, message)] = inbox.messages()
    assert recipients == ["beta.eig@example.org"] and "Beta" in message["Subject"]
    assert f"reminder of défi {world.alpha_id} not built" in caplog.text


def test_one_promotions_bad_name_leaves_the_other_promotions_recaps_to_go(world, inbox, monkeypatch, caplog):
    with db.transaction() as s:  # the other promotion runs too; this one's name is bad, as an old row's
        start = s.get(Promotion, world.promotion_id).start_date
        s.execute(update(Promotion).where(Promotion.id == world.other_promotion_id).values(start_date=start))
        s.execute(update(Promotion).where(Promotion.id == world.promotion_id).values(name="Promo\r\ntest"))
    set_clock(monkeypatch, dt.datetime(2026, 11, 23, 9, 0, tzinfo=PARIS))
    assert digest.main(["recap", "--week", "2026-W47", "--send"]) == 0
    [(recipients, message)] = inbox.messages()
    assert recipients == ["gamma.eig@example.org"] and "Promo ancienne" in message["Subject"]
    assert f"recap of promotion {world.promotion_id} not built" in caplog.text


def test_a_coach_previews_the_latest_published_week_then_sends_it_audited(world, inbox):
    bulletins.file_bulletin(world.eig, world.alpha_id, BulletinIn(mood=3, priority="Atelier usagers",
                                                                  ups_downs="u"), now=WEDNESDAY)
    before_deadline = dt.datetime(2026, 11, 20, 14, 0, tzinfo=PARIS)
    assert (digest.preview_recap(world.coach, world.promotion_id, before_deadline).iso_week) == 46  # W47 not yet
    after = dt.datetime(2026, 11, 20, 15, 5, tzinfo=PARIS)
    preview = digest.preview_recap(world.coach, world.promotion_id, after)
    assert (preview.iso_year, preview.iso_week, preview.recipients) == (2026, 47, 6)
    assert preview.subject == RECAP_W47
    assert "Atelier usagers" in preview.text
    assert inbox.messages() == []  # a preview sends nothing
    assert digest.send_recap(world.coach, world.promotion_id, 2026, 47, now=after) == 6
    [(recipients, message)] = inbox.messages()
    assert len(recipients) == 6 and message["Subject"] == preview.subject
    assert parts(message)[0].replace("\r\n", "\n") == preview.text
    with db.reading() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "send_recap")).one()
        assert (event.user_id, event.entity_id, event.after) == (
            world.coach.id, world.promotion_id,
            {"week": "semaine du 16 novembre", "iso_week": "2026-W47", "recipients": 6})


def test_a_week_recap_sent_from_the_app_is_not_sent_again(world, inbox):
    """Two coaches, or two tabs, sending the week they both previewed: the promotion gets it once."""
    after = dt.datetime(2026, 11, 20, 15, 5, tzinfo=PARIS)
    digest.send_recap(world.coach, world.promotion_id, 2026, 47, now=after)
    with pytest.raises(Conflict, match=said("digest.already_sent", week="semaine du 16 novembre",
                                            at=formats.moment(after), who="Claire Coach")):
        digest.send_recap(world.admin, world.promotion_id, 2026, 47, now=after + dt.timedelta(minutes=1))
    assert len(inbox.messages()) == 1
    assert digest.send_recap(world.coach, world.promotion_id, 2026, 46, now=after) == 6  # another week goes


@pytest.mark.parametrize("login", ["eig", "porteur", "sponsor", "outsider"])
def test_only_coaches_preview_and_send_the_recap(world, inbox, login):
    actor = getattr(world, login)
    after = dt.datetime(2026, 11, 20, 15, 5, tzinfo=PARIS)
    with pytest.raises(PermissionDenied):
        digest.preview_recap(actor, world.promotion_id, after)
    with pytest.raises(PermissionDenied):
        digest.send_recap(actor, world.promotion_id, 2026, 47, now=after)
    assert inbox.messages() == []


def test_a_failed_sending_says_so_and_records_nothing(world, monkeypatch):
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", "9")  # nothing listens there
    get_settings.cache_clear()
    after = dt.datetime(2026, 11, 20, 15, 5, tzinfo=PARIS)
    with pytest.raises(ServiceError, match=said("digest.send_failed", error=ANY)):
        digest.send_recap(world.coach, world.promotion_id, 2026, 47, now=after)
    with db.reading() as s:
        assert s.scalars(select(AuditEvent).where(AuditEvent.action == "send_recap")).all() == []
    get_settings.cache_clear()

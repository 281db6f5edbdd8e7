"""Key dates: upcoming and past per défi and promotion, their publication with the
bulletin that announced them, and an iCalendar file calendar apps accept (RFC 5545)."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from lib import bulletins, db, key_dates
from lib.errors import PermissionDenied
from lib.models import KeyDate
from lib.schemas import BulletinIn

PARIS = ZoneInfo("Europe/Paris")
MONDAY = dt.datetime(2026, 11, 16, 10, 0, tzinfo=PARIS)
AFTER_DEADLINE = dt.datetime(2026, 11, 20, 15, 0, tzinfo=PARIS)


def announce(world, day: dt.date, text: str, actor=None, defi_id=None) -> None:  # noqa: ANN001
    bulletins.file_bulletin(actor or world.eig, defi_id or world.alpha_id,
                            BulletinIn(mood=3, priority="p", ups_downs="u", key_date=day, key_date_description=text),
                            now=MONDAY)


def test_upcoming_and_past_per_defi_and_promotion(world):
    with db.transaction() as s:
        s.add(KeyDate(defi_id=world.alpha_id, on_date=dt.date(2026, 10, 1), description="Lancement"))
    announce(world, dt.date(2026, 12, 3), "Démo au cabinet")
    announce(world, dt.date(2026, 11, 30), "Atelier usagers", actor=world.beta_eig, defi_id=world.beta_id)
    dates = key_dates.key_dates(world.coach, world.promotion_id, now=MONDAY)
    assert list(dates["description"]) == ["Lancement", "Atelier usagers", "Démo au cabinet"]
    assert list(dates["upcoming"]) == [False, True, True]
    alpha = key_dates.key_dates(world.coach, world.promotion_id, defi_id=world.alpha_id, now=MONDAY)
    assert list(alpha["defi"]) == ["Alpha", "Alpha"]


def test_a_key_date_follows_its_bulletin_publication(world):
    announce(world, dt.date(2026, 12, 3), "Démo au cabinet")
    assert len(key_dates.key_dates(world.eig2, world.promotion_id, now=MONDAY)) == 1  # the défi's EIGs at once
    for reader in (world.beta_eig, world.sponsor, world.porteur):  # the others once the bulletin is published
        assert key_dates.key_dates(reader, world.promotion_id, now=MONDAY).empty, reader.login
        assert len(key_dates.key_dates(reader, world.promotion_id, now=AFTER_DEADLINE)) == 1, reader.login
    for outsider in (world.gamma_eig, world.outsider):
        with pytest.raises(PermissionDenied):
            key_dates.key_dates(outsider, world.promotion_id, now=AFTER_DEADLINE)
        with pytest.raises(PermissionDenied):
            key_dates.ics(outsider, world.promotion_id, now=AFTER_DEADLINE)


def unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_ics_is_a_valid_calendar_with_escaping_folding_uid_and_dtstamp(world):
    long_text = "Démo, au cabinet; puis\nrepas " + "é" * 150
    announce(world, dt.date(2026, 12, 3), long_text[:200])
    text = key_dates.ics(world.coach, world.promotion_id, now=MONDAY)
    raw = text.encode("utf-8")
    # CRLF everywhere, no bare LF, every physical line at most 75 octets.
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    lines = unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and lines[-1] == ""
    assert "VERSION:2.0" in lines and any(line.startswith("PRODID:") for line in lines)
    assert lines.count("BEGIN:VEVENT") == 1 and lines.count("END:VEVENT") == 1
    assert re.search(r"^UID:key-date-\d+@", text, re.M)
    assert "DTSTAMP:20261116T090000Z" in lines
    assert "DTSTART;VALUE=DATE:20261203" in lines and "DTEND;VALUE=DATE:20261204" in lines
    summary = next(line for line in lines if line.startswith("SUMMARY:"))
    assert summary.startswith("SUMMARY:Alpha : Démo\\, au cabinet\\; puis\\nrepas éé")
    # Folding never cuts a UTF-8 character: every physical line decodes on its own.
    for line in raw.split(b"\r\n"):
        line.decode("utf-8")


def test_fold_and_escape_rules():
    assert key_dates._escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    folded = key_dates._fold("X" * 200)
    parts = folded.split("\r\n")
    assert [len(p) for p in parts] == [75, 75, 52] and all(p.startswith(" ") for p in parts[1:])

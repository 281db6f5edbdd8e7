"""Key dates: upcoming and past per défi and promotion, their publication with the
bulletin that announced them, and an iCalendar file calendar apps accept (RFC 5545)."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sqlalchemy import select

from lib import bulletins, db, key_dates
from lib.errors import PermissionDenied
from lib.i18n import t
from lib.models import Committee, DefiPhase, KeyDate, PhaseTemplate, Training
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
    long_text = "Démo, au cabinet; puis repas " + "é" * 150  # one line: a key date's description is (Line)
    announce(world, dt.date(2026, 12, 3), long_text[:200])
    text = key_dates.ics(world.coach, world.promotion_id, now=MONDAY, kinds=["key_date"])
    raw = text.encode("utf-8")
    # CRLF everywhere, no bare LF, every physical line at most 75 octets.
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    lines = unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and lines[-1] == ""
    assert "VERSION:2.0" in lines and any(line.startswith("PRODID:") for line in lines)
    assert lines.count("BEGIN:VEVENT") == 1 and lines.count("END:VEVENT") == 1
    assert re.search(r"^UID:key-date-\d+@suivi-eig", text, re.M)
    assert "DTSTAMP:20261116T090000Z" in lines
    assert "DTSTART;VALUE=DATE:20261203" in lines and "DTEND;VALUE=DATE:20261204" in lines
    summary = next(line for line in lines if line.startswith("SUMMARY:"))
    assert summary.startswith("SUMMARY:Alpha : Démo\\, au cabinet\\; puis repas éé")
    # Folding never cuts a UTF-8 character: every physical line decodes on its own.
    for line in raw.split(b"\r\n"):
        line.decode("utf-8")


def test_fold_and_escape_rules(world):
    # The hand-written escaping and folding gave way to icalendar: what it writes reads back as typed.
    typed = "a,b;c\\d\ne " + "X" * 200
    with db.transaction() as s:
        s.add(KeyDate(defi_id=world.alpha_id, on_date=dt.date(2026, 12, 10), description=typed[:200]))
    text = key_dates.ics(world.coach, world.promotion_id, now=MONDAY, kinds=["key_date"])
    assert any(line.startswith("DESCRIPTION:a\\,b\\;c\\\\d\\ne XXX") for line in unfold(text))
    assert all(len(line) <= 75 for line in text.encode().split(b"\r\n"))
    event = icalendar.Calendar.from_ical(text).walk("VEVENT")[0]
    assert str(event["description"]) == typed[:200]


# --- The promotion's calendar ----------------------------------------------------------------

COMMITTEE_AT = dt.datetime(2026, 12, 4, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def dated(world):  # noqa: ANN001, ANN201
    """Alpha's committee of phase 3, a training with punctuation and a line break in its title,
    a key date typed in a bulletin and one added by a coach."""
    with db.transaction() as s:
        phase = s.scalar(select(DefiPhase).join(PhaseTemplate, PhaseTemplate.id == DefiPhase.phase_template_id)
                         .where(DefiPhase.defi_id == world.alpha_id, PhaseTemplate.number == 3))
        s.add(Committee(defi_phase_id=phase.id, scheduled_at=COMMITTEE_AT, created_by_id=world.coach.id))
        s.add(Training(promotion_id=world.promotion_id, held_on=dt.date(2026, 11, 26),
                       title="Atelier RGAA, niveau 2; salle B\nprévoir un ordinateur", attendees=12))
        s.add(KeyDate(defi_id=world.beta_id, on_date=dt.date(2026, 11, 30), description="Mise en production"))
    announce(world, dt.date(2026, 12, 3), "Démo au cabinet, puis déjeuner; bilan")
    return world


def test_calendar_has_every_kind_with_the_holiday_shift(dated):
    cal = key_dates.calendar(dated.coach, dated.promotion_id, now=AFTER_DEADLINE)
    assert set(cal["kind"]) == set(key_dates.KINDS)
    deadlines = cal[cal["kind"] == "deadline"]
    # 1 May 2026 is a Friday and a public holiday: that week's deadline is Thursday 30 April.
    may_day = deadlines[deadlines["uid"] == f"deadline-{dated.promotion_id}-2026W18@suivi-eig"].iloc[0]
    assert may_day["day"] == dt.date(2026, 4, 30) and may_day["title"] == t("calendar.deadline.shifted")
    assert deadlines[deadlines["day"] == dt.date(2026, 11, 20)].iloc[0]["title"] == t("calendar.deadline")
    committee = cal[cal["kind"] == "committee"].iloc[0]
    assert (committee["defi"], committee["at"], committee["title"]) == ("Alpha", COMMITTEE_AT,
                                                                         t("calendar.committee", number=3))
    # Phase 3 runs 6 September - 6 December (half-open): it ends on 5 December.
    alpha_ends = cal[(cal["kind"] == "phase_end") & (cal["defi"] == "Alpha")]
    assert dt.date(2026, 12, 5) in set(alpha_ends["day"]) and len(alpha_ends) == 4
    assert list(cal["day"]) == sorted(cal["day"])
    assert cal.loc[cal["day"] == dt.date(2026, 11, 26), "week_start"].iloc[0] == dt.date(2026, 11, 23)
    only = key_dates.calendar(dated.coach, dated.promotion_id, kinds=["committee", "event"], now=AFTER_DEADLINE)
    assert set(only["kind"]) == {"committee", "event"}


def test_a_defis_calendar_keeps_the_promotions_deadlines_and_events(dated):
    cal = key_dates.calendar(dated.coach, dated.promotion_id, defi_ids=[dated.alpha_id], now=AFTER_DEADLINE)
    assert set(cal["defi"]) == {"", "Alpha"}
    assert {"deadline", "event", "committee", "key_date"} <= set(cal["kind"])


def test_committees_and_phase_ends_are_for_the_defis_team_and_the_coaches(dated):
    for reader in (dated.sponsor, dated.porteur, dated.eig):
        cal = key_dates.calendar(reader, dated.promotion_id, now=AFTER_DEADLINE)
        assert set(cal.loc[cal["kind"] == "committee", "defi"]) == {"Alpha"}, reader.login
        assert set(cal.loc[cal["kind"] == "phase_end", "defi"]) == {"Alpha"}, reader.login
    other = key_dates.calendar(dated.beta_eig, dated.promotion_id, now=AFTER_DEADLINE)
    assert "Alpha" not in set(other.loc[other["kind"].isin(["committee", "phase_end"]), "defi"])
    assert {"deadline", "event", "key_date"} <= set(other["kind"])
    # Alpha's bulletin key date follows its publication for the rest of the promotion.
    before = key_dates.calendar(dated.sponsor, dated.promotion_id, kinds=["key_date"], now=MONDAY)
    assert list(before["title"]) == ["Mise en production"]
    for outsider in (dated.gamma_eig, dated.outsider):
        with pytest.raises(PermissionDenied):
            key_dates.calendar(outsider, dated.promotion_id, now=AFTER_DEADLINE)


def test_ics_round_trips_every_kind_with_stable_uids(dated):
    first = key_dates.ics(dated.coach, dated.promotion_id, now=MONDAY)
    later = key_dates.ics(dated.coach, dated.promotion_id, now=AFTER_DEADLINE + dt.timedelta(days=3))
    events = icalendar.Calendar.from_ical(first).walk("VEVENT")
    again = icalendar.Calendar.from_ical(later).walk("VEVENT")
    uids = [str(e["uid"]) for e in events]
    assert len(uids) == len(set(uids)) and uids == [str(e["uid"]) for e in again]
    kinds = {re.match(r"^([a-z-]+?)-\d", uid)[1] for uid in uids}
    assert {"deadline", "committee", "phase-end", "training", "programme-start", "programme-end",
            "key-date"} <= kinds
    by_summary = {str(e["summary"]): e for e in events}
    training = by_summary["Atelier RGAA, niveau 2; salle B\nprévoir un ordinateur"]
    assert training.decoded("dtstart") == dt.date(2026, 11, 26)
    assert "Alpha : Démo au cabinet, puis déjeuner; bilan" in by_summary
    committee = next(e for e in events if str(e["uid"]).startswith("committee-"))
    assert committee.decoded("dtstart") == COMMITTEE_AT
    may_day = next(e for e in events if str(e["uid"]) == f"deadline-{dated.promotion_id}-2026W18@suivi-eig")
    assert may_day.decoded("dtstart") == dt.datetime(2026, 4, 30, 13, 0, tzinfo=dt.UTC)  # 15:00 Paris

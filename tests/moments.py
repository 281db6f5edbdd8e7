"""The moments the suite runs at: one pinned moment by default, and the clock sweep of
`make test-clock`, which runs the page tests and the role journeys at each of the others.

The app's clock (SUIVI_FAKE_NOW) is set for the whole session from `--moment` (a name below,
or an aware ISO datetime); the demo seed follows the same clock, so a seeded world and its
clock always move together. A test that needs another moment sets it itself (`set_clock`,
`LiveApp.start(fake_now=...)`).

The dates are those of the tests' own world (tests/fixtures.py): « Promo test » runs from
Monday 6 April 2026 for 10 months, to Saturday 6 February 2027 (its last day is Friday
5 February); « Promo ancienne » started on 6 January 2025. Times are Paris time unless an
instant is given in UTC, as the hours that repeat or are skipped must be.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
UTC = dt.UTC


def _paris(*parts: int) -> dt.datetime:
    """A wall-clock time in Paris (never a skipped or repeated one: those are given in UTC)."""
    return dt.datetime(*parts, tzinfo=PARIS)


PINNED = "pinned"
# A Wednesday morning of a normal week, the test promotion running, before the deadline: the
# suite's own moment, and the one a test pins when it needs the promotion under way.
WEDNESDAY = _paris(2026, 11, 18, 10, 0)

MOMENTS: dict[str, dt.datetime] = {
    PINNED: WEDNESDAY,
    # A normal week (16-22 November 2026): its edges and the bulletin deadline, Friday 15:00.
    "monday-0800": _paris(2026, 11, 16, 8, 0),
    "thursday-1800": _paris(2026, 11, 19, 18, 0),
    "friday-1459": _paris(2026, 11, 20, 14, 59),
    "friday-1501": _paris(2026, 11, 20, 15, 1),
    "saturday-noon": _paris(2026, 11, 21, 12, 0),
    "sunday-2330": _paris(2026, 11, 22, 23, 30),
    # Christmas falls on a Friday: the deadline moves to Thursday 24 December 15:00.
    "holiday-thursday": _paris(2026, 12, 24, 16, 0),
    # The clock changes: 02:00-03:00 is skipped on 28 March 2027 and repeated on 25 October 2026.
    "spring-skipped-hour": dt.datetime(2027, 3, 28, 1, 30, tzinfo=UTC),  # 03:30 CEST, just after the jump
    "spring-sunday-evening": _paris(2027, 3, 28, 22, 0),
    "autumn-repeated-hour": dt.datetime(2026, 10, 25, 1, 30, tzinfo=UTC),  # 02:30 CET, the second time
    "autumn-sunday-evening": _paris(2026, 10, 25, 23, 30),
    # The test promotion's first day, its last day, and the day after it ends.
    "promotion-first-day": _paris(2026, 4, 6, 9, 0),
    "promotion-last-day": _paris(2027, 2, 5, 16, 0),
    "promotion-ended": _paris(2027, 2, 6, 10, 0),
    # Before any promotion of the test world.
    "before-any-promotion": _paris(2024, 12, 2, 10, 0),
}

# The moments the browser journeys must pass at in CI (make test-clock runs them at all).
CI_JOURNEY_MOMENTS = ["friday-1501", "sunday-2330"]


def moment(name_or_iso: str) -> dt.datetime:
    """The moment a `--moment` value names: a name of MOMENTS, or an aware ISO datetime."""
    if name_or_iso in MOMENTS:
        return MOMENTS[name_or_iso]
    try:
        value = dt.datetime.fromisoformat(name_or_iso)
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise ValueError(f"--moment {name_or_iso!r}: expected one of {', '.join(MOMENTS)} "
                         "or an ISO datetime with its offset (2027-01-12T09:30:00+01:00)")
    return value

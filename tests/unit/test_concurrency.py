"""Twenty writers at once, as threads of one app process and as separate processes, on
SQLite and PostgreSQL: journal entries, the same week's bulletin and the same committee's
notes. Every write that reported success is in the database; the races end with one
winner and a French refusal for the others; nothing else escapes."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from lib import bulletins, committees, db, journal, phases
from lib.errors import ServiceError, StaleEdit
from lib.i18n import t
from lib.models import Bulletin, JournalEntry
from lib.permissions import Actor
from lib.schemas import BulletinIn, CommitteeNotesIn, CommitteeScheduleIn, JournalEntryIn
from tests.conftest import missing
from tests.hostile import PARIS

WRITERS = 20
ENTRIES_EACH = 3
NOW = dt.datetime(2026, 11, 18, 10, 0, tzinfo=PARIS)


def write_all(n: int, eig: Actor, coach: Actor, defi_id: int, committee_id: int, committee_version: int,
              start: threading.Barrier | None = None) -> list[tuple[str, str, object]]:
    """One writer's share: journal entries, a first bulletin for this week, the committee's
    notes from a form opened at `committee_version`. Returns (what, outcome, detail) rows."""
    if start is not None:
        start.wait()
    out: list[tuple[str, str, object]] = []

    def run(what: str, call) -> None:  # noqa: ANN001
        try:
            out.append((what, "ok", call()))
        except ServiceError as exc:
            out.append((what, type(exc).__name__, str(exc)))
        except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
            out.append((what, "crash", f"{type(exc).__name__}: {exc}"))

    for k in range(ENTRIES_EACH):
        run("entry", lambda k=k: (journal.add_entry(eig, defi_id, JournalEntryIn(
            done_on=NOW.date(), tache=f"écrit par {n}-{k}", categories=["P"]), now=NOW), f"écrit par {n}-{k}"))
    run("bulletin", lambda: bulletins.file_bulletin(eig, defi_id, BulletinIn(
        mood=1 + n % 4, priority=f"priorité de {n}", ups_downs="hauts et bas"), expected_version=None, now=NOW))
    run("notes", lambda: committees.save_notes(coach, committee_id, CommitteeNotesIn(successes=f"succès vus par {n}"),
                                               committee_version, now=NOW))
    return out


def _in_process(args: tuple) -> list[tuple[str, str, object]]:
    """A separate process: it opens its own connections (forked while none was open)."""
    return write_all(*args)


def setup(world) -> tuple[int, int]:  # noqa: ANN001
    phase = phases.defi_phases(world.coach, world.alpha_id, NOW.date())[2]
    committee_id = committees.schedule_committee(world.coach, phase.id, CommitteeScheduleIn(scheduled_at=NOW), now=NOW)
    return committee_id, committees.committee_for_phase(world.coach, phase.id, NOW.date()).version


def check(world, results: list[tuple[str, str, object]], committee_version: int) -> None:  # noqa: ANN001
    crashes = [r for r in results if r[1] == "crash"]
    assert not crashes, crashes[:3]

    # Every journal entry that reported success is there, and nothing else.
    written = [detail for what, outcome, detail in results if what == "entry" and outcome == "ok"]
    assert len(written) == WRITERS * ENTRIES_EACH  # no refusals: entries never conflict
    with db.reading() as s:
        stored = dict(s.execute(select(JournalEntry.id, JournalEntry.tache)
                                .where(JournalEntry.defi_id == world.alpha_id)).all())
    assert stored == dict(written)

    # Twenty first bulletins for the same week: one is filed, the others are told why.
    filed = [r for r in results if r[0] == "bulletin" and r[1] == "ok"]
    refused = [r for r in results if r[0] == "bulletin" and r[1] != "ok"]
    assert len(filed) == 1 and len(refused) == WRITERS - 1
    allowed = {t("bulletin.filed_meanwhile"), StaleEdit().args[0]}
    assert {(outcome, detail) for _, outcome, detail in refused} <= {("Conflict", m) for m in allowed} | {
        ("StaleEdit", m) for m in allowed}
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(Bulletin).where(Bulletin.defi_id == world.alpha_id)) == 1
        assert s.scalar(select(Bulletin.id)) == filed[0][2]

    # Twenty saves of a form opened on the same version: one wins, the others are stale.
    saved = [r for r in results if r[0] == "notes" and r[1] == "ok"]
    stale = [r for r in results if r[0] == "notes" and r[1] == "StaleEdit"]
    assert len(saved) == 1 and len(stale) == WRITERS - 1
    view = committees.committee_for_phase(world.coach, phases.defi_phases(world.coach, world.alpha_id,
                                                                          NOW.date())[2].id, NOW.date())
    assert view.version == committee_version + 1
    winner = next(n for n in range(WRITERS) if results[n * (ENTRIES_EACH + 2) + ENTRIES_EACH + 1][1] == "ok")
    assert view.successes == f"succès vus par {winner}"


def writers(world, committee_id: int, version: int) -> list[tuple]:  # noqa: ANN001
    # Alternate the two EIGs of the défi: two members filing the same week is the real race.
    return [(n, world.eig if n % 2 else world.eig2, world.coach, world.alpha_id, committee_id, version)
            for n in range(WRITERS)]


def test_twenty_threads_writing_at_once(world):
    committee_id, version = setup(world)
    start = threading.Barrier(WRITERS)
    with ThreadPoolExecutor(WRITERS) as pool:
        runs = list(pool.map(lambda args: write_all(*args, start=start), writers(world, committee_id, version)))
    check(world, [row for run in runs for row in run], version)


def test_twenty_processes_writing_at_once(world):
    if "fork" not in multiprocessing.get_all_start_methods():
        missing("the fork start method")
    committee_id, version = setup(world)
    db.dispose_engines()  # no pooled connection may cross the fork
    with multiprocessing.get_context("fork").Pool(WRITERS) as pool:
        runs = pool.map(_in_process, writers(world, committee_id, version), chunksize=1)
    check(world, [row for run in runs for row in run], version)

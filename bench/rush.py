"""The Friday rush (`python -m bench.rush [--scale 0.1]`): a coach keeps her pages open while
30 EIGs of other défis of her promotion file their bulletins one after the other. After each
bulletin every page of hers runs again, under AppTest on a generated SQLite database, once with
the cache keyed on one version for everything (what every write used to bump, replayed by
making every write bump the global scope) and once with versions per scope. Printed per page:
the cached reads recomputed per run (cache misses) and the median run time, against the same
page warm with nobody writing.
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select

from bench.generate import NOW, Scale, generate
from bench.measure import cast, new_app, quiet_streamlit, run_frame_every_time, visible
from lib import bulletins, db, ui
from lib.config import get_settings
from lib.models import Defi, DefiRole, Membership, ScopeVersion, User
from lib.permissions import Actor
from lib.schemas import BulletinIn
from lib.ui import cache

TEAMS = 30


class MissCounter:
    """Counts the cached reads that really ran: on a miss, the cached call imports the
    service's module by name, which a hit never does."""

    def __init__(self) -> None:
        self.misses = 0

    def import_module(self, name: str) -> object:
        self.misses += 1
        return importlib.import_module(name)


def filing_teams(promotion: int, coach_defi: int) -> list[tuple[Actor, int]]:
    """An active EIG of each of up to TEAMS other défis of the promotion."""
    with db.reading() as s:
        rows = s.execute(select(User, Membership.defi_id).join(Membership, Membership.user_id == User.id)
                         .join(Defi, Defi.id == Membership.defi_id)
                         .where(Defi.promotion_id == promotion, Defi.id != coach_defi, User.active.is_(True),
                                Membership.role == DefiRole.EIG).order_by(Defi.id, User.id)).all()
    teams: dict[int, Actor] = {}
    for user, defi_id in rows:
        teams.setdefault(defi_id, Actor.of(user))
    return [(actor, defi_id) for defi_id, actor in list(teams.items())[:TEAMS]]


def file(actor: Actor, defi_id: int, n: int) -> None:
    version = bulletins.week_state(actor, defi_id, NOW).version
    bulletins.file_bulletin(actor, defi_id, BulletinIn(mood=1 + n % 4, priority=f"Priorité {n}",
                                                       ups_downs="Hauts et bas"), version, now=NOW)


def rush(coach: Actor, scripts: list[str], teams: list[tuple[Actor, int]], counter: MissCounter,
         one_version: bool) -> dict[str, dict]:
    """Each page warm with no one writing, then run again after each team's bulletin."""
    original = db._changed_scopes
    if one_version:
        db._changed_scopes = lambda s, rows: {ScopeVersion.GLOBAL} if rows else set()
    try:
        cache.forget_reads()
        apps = {}
        for script in scripts:
            at = new_app(coach.login)
            at.run()
            at.switch_page(script)
            at.run()
            apps[script] = at
        result = {}
        for script, at in apps.items():
            times = []
            for _ in range(3):
                t0 = time.perf_counter()
                at.run()
                times.append(time.perf_counter() - t0)
            result[script] = {"warm_ms": statistics.median(times) * 1000, "misses": [], "ms": []}
        for n, (eig, defi_id) in enumerate(teams):
            file(eig, defi_id, n)
            for script, at in apps.items():
                before = counter.misses
                t0 = time.perf_counter()
                at.run()
                result[script]["ms"].append((time.perf_counter() - t0) * 1000)
                result[script]["misses"].append(counter.misses - before)
                if at.exception:
                    raise RuntimeError(f"{script}: {at.exception[0].value}")
        return result
    finally:
        db._changed_scopes = original


@contextmanager
def sqlite_bench(scale: float) -> Iterator[tuple]:
    """A generated SQLite database at `scale`, configured as the app's, at the benchmark's clock,
    with the frame run on every AppTest run and Streamlit's loggers quiet: its cast (`cast`)."""
    quiet_streamlit()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        os.environ.update(DATABASE_URL=url, SUIVI_FAKE_NOW=NOW.isoformat(), SUIVI_ENV="development")
        get_settings.cache_clear()
        db.upgrade_to_head(url)
        counts = generate(db.get_engine(url), Scale(scale), quiet=True)
        print(f"scale {scale}: {sum(counts.values()):,} rows, {counts['defi']:,} défis", file=sys.stderr)
        run_frame_every_time()
        yield cast()
        db.dispose_engines()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.1)
    args = parser.parse_args()
    with sqlite_bench(args.scale) as (coach, _eig, promotion, big):
        teams = filing_teams(promotion, big)
        counter = MissCounter()
        cache.importlib = counter
        scripts = [p.script for p in ui.PAGES if visible(p, coach, promotion)]
        results = {label: rush(coach, scripts, teams, counter, one_version)
                   for label, one_version in (("one version", True), ("per scope", False))}
    print(f"\nFriday rush, scale {args.scale}: {len(teams)} EIGs of other défis of the coach's promotion file, "
          f"one after the other; after each, every page of the coach runs again (SQLite, AppTest).")
    print(f"  {'page':<16} {'warm ms':>8} | {'one version for all':^27} | {'versions per scope':^27}")
    print(f"  {'':<16} {'':>8} | {'misses/run':>11} {'median ms':>10} {'×warm':>5} | "
          f"{'misses/run':>11} {'median ms':>10} {'×warm':>5}")
    for script in scripts:
        warm = results["per scope"][script]["warm_ms"]
        cells = []
        for label in ("one version", "per scope"):
            row = results[label][script]
            median = statistics.median(row["ms"])
            cells.append(f"{statistics.mean(row['misses']):>11.1f} {median:>10.0f} {median / warm:>5.1f}")
        print(f"  {script.removeprefix('pages/').removesuffix('.py'):<16} {warm:>8.0f} | {cells[0]} | {cells[1]}")
    totals = [sum(statistics.mean(results[label][s]["misses"]) for s in scripts)
              for label in ("one version", "per scope")]
    print(f"  {'all pages':<16} {'':>8} | {totals[0]:>11.1f} {'':>16} | {totals[1]:>11.1f}")
    print("  (the sidebar's reads, the same on every page, are recomputed in the first page's run)")


if __name__ == "__main__":
    main()

"""`python -m bench.roster [--rows 200000]`: peak memory and time of a roster import of that
many rows (one new person each) from the command line's path: the analysis, the confirmation
planned as a dry run, and the full report. Figures are printed, never asserted.

Peak memory is Python's allocations per step (tracemalloc, which slows the run) and the
process's peak resident size (getrusage), both above what the process held before the step.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
ROLES = ("eig", "eig", "eig", "porteur", "sponsor")
DEFIS = 50


def write_file(path: Path, rows: int) -> None:
    """Rows of DEFIS défis whose names are far apart, each row a person not yet in the database."""
    rng = random.Random(rows)
    letters = "abcdefghijklmnopqrstuvwxyz"
    defis = [f"Défi {''.join(rng.choice(letters) for _ in range(14))}" for _ in range(DEFIS)]
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("Défi;Administration;Personne;Email;Rôle\n")
        for i in range(rows):
            defi = defis[i % DEFIS]
            out.write(f"{defi};Administration {defi[5:]};Personne n° {i};personne.{i}@eig.example.fr;"
                      f"{ROLES[i % len(ROLES)]}\n")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measured(step: str, run: Callable[[], T]) -> T:
    """Run one step; print its time, its Python allocation peak and the process peak's growth."""
    rss = rss_mb()
    tracemalloc.reset_peak()
    start_traced = tracemalloc.get_traced_memory()[0]
    t0 = time.perf_counter()
    result = run()
    elapsed = time.perf_counter() - t0
    peak = (tracemalloc.get_traced_memory()[1] - start_traced) / 2**20
    print(f"  {step:<28} {elapsed:6.1f} s   allocations peak {peak:7.1f} MB   "
          f"process peak {rss_mb():6.0f} MB (+{rss_mb() - rss:.0f})")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.roster")
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.db"
        from lib import db, roster, staging
        from lib.auth import hash_password
        from lib.models import GlobalRole, Promotion, User
        from lib.permissions import Actor

        db.upgrade_to_head()
        with db.transaction() as s:
            admin = User(login="admin", display_name="Admin", email="a@example.org", role=GlobalRole.ADMIN,
                         password_hash=hash_password("bench-roster", rounds=4))
            promotion = Promotion(name="Bench", start_date=dt.date(2027, 4, 5))
            s.add_all([admin, promotion])
            s.flush()
            actor, promotion_id = Actor.of(admin), promotion.id
        path = Path(folder) / "annuaire.csv"
        write_file(path, args.rows)
        print(f"{args.rows:,} rows ({path.stat().st_size / 2**20:.0f} MB), process at {rss_mb():.0f} MB")
        tracemalloc.start()

        def analyse() -> roster.RosterPreview:
            with path.open("rb") as handle:
                return roster.preview_roster(actor, handle, promotion_id, path.name)

        preview = measured("analysis", analyse)
        try:
            result = measured("confirmation (dry run)", lambda: roster.confirm_roster(actor, preview, dry_run=True))
            with open(os.devnull, "w", encoding="utf-8") as sink:
                measured("full report", lambda: roster.write_report(sink, preview, result))
        finally:
            staging.discard(preview)
        tracemalloc.stop()
        print(f"  preview kept in the session: {len(preview.model_dump_json()):,} bytes; "
              f"{preview.records:,} rows read, {preview.errors:,} in error")


if __name__ == "__main__":
    main()

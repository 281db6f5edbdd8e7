"""`python -m bench.imports [--rows 1000000]`: time and peak memory of analysing, then
importing, a legacy journal file of that many rows into a fresh SQLite database
(reported, never asserted; the page keeps only the preview, whose size is printed)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import tempfile
import time
from pathlib import Path


def write_file(path: Path, rows: int) -> None:
    """Legacy rows: org and ISO dates, quoted multi-line cells, some bad lines."""
    rng = random.Random(rows)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("Défi,Livrable,Tâche,Fait le,Cat,OK\n")
        for i in range(rows):
            day = dt.date(2017, 1, 1) + dt.timedelta(days=rng.randrange(900))
            tache = f'"Tâche {i}, ""citée""\nsur deux lignes"' if i % 10 == 0 else f"Tâche {i}"
            out.write(f"Défi {i % 7},Livrable {i % 40},{tache},<{day.isoformat()} lun.>,{'AP'[i % 2]},{i % 2}\n")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.imports")
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.db"
        from lib import db, importers
        from lib.auth import hash_password
        from lib.models import GlobalRole, Promotion, User
        from lib.permissions import Actor

        db.upgrade_to_head()
        with db.transaction() as s:
            coach = User(login="coach", display_name="Coach", email="c@example.org", role=GlobalRole.COACH,
                         password_hash=hash_password("bench-import", rounds=4))
            promotion = Promotion(name="Bench", start_date=dt.date(2017, 1, 2))
            s.add_all([coach, promotion])
            s.flush()
            actor, promotion_id = Actor.of(coach), promotion.id
        path = Path(folder) / "journal.csv"
        write_file(path, args.rows)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t0 = time.perf_counter()
        with path.open("rb") as handle:
            preview = importers.preview_journal(actor, handle, promotion_id, path.name)
        t1 = time.perf_counter()
        result = importers.confirm_import(actor, preview, importers.plan(preview))
        t2 = time.perf_counter()
        importers.discard(preview)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{args.rows:,} rows ({path.stat().st_size / 2**20:.0f} MB): analyse {t1 - t0:.1f} s, "
              f"import {t2 - t1:.1f} s ({result.inserted:,} inserted); preview kept in the session "
              f"{len(preview.model_dump_json()):,} bytes; process peak RSS {peak:.0f} MB (before: {rss:.0f} MB)")


if __name__ == "__main__":
    main()

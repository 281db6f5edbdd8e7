"""Benchmark (`make bench`): the main reads on a database far larger than the demo, on
SQLite and on a throwaway PostgreSQL. Prints figures; asserts nothing about time.

Scale: the demo data, plus BENCH_ENTRIES journal entries spread over the current
promotion's défis, a third of them in one défi (a défi may hold tens of thousands).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, insert, select

from lib import bulletins, db, logbook, portfolio
from lib.config import get_settings
from lib.models import Category, Defi, LogEntry, LogEntryCategory, Membership, Promotion, User
from lib.permissions import Actor
from lib.seed import seed
from lib.text import fold
from tests import pg

ENTRIES = int(os.environ.get("BENCH_ENTRIES", "150000"))
REPEAT = 5
WORDS = ["équipe", "données", "prototype", "entretien", "usagers", "déploiement", "atelier", "revue", "code",
         "accessibilité", "tableau de bord", "API", "comité", "juridique", "design"]


def grow_journal(engine, promotion_id: int) -> int:  # noqa: ANN001
    """Add ENTRIES journal entries with core bulk inserts; return the biggest défi's id."""
    rng = random.Random(7)
    with db.reading(engine) as s:
        defi_ids = s.scalars(select(Defi.id).where(Defi.promotion_id == promotion_id).order_by(Defi.id)).all()
        authors = dict(s.execute(select(Membership.defi_id, Membership.user_id)
                                 .where(Membership.defi_id.in_(defi_ids))).all())
        next_id = (s.scalar(select(LogEntry.id).order_by(LogEntry.id.desc()).limit(1)) or 0) + 1
    big = defi_ids[0]
    start = dt.date.today() - dt.timedelta(days=300)
    now = dt.datetime.now(dt.UTC)
    batch, cats = [], []
    for i in range(ENTRIES):
        defi_id = big if i % 3 == 0 else rng.choice(defi_ids)
        tache = f"{rng.choice(WORDS)} {rng.choice(WORDS)} n°{i}"
        livrable = rng.choice(["", "Prototype", "Étude d'usage", "Jeu de données"])
        batch.append({"id": next_id + i, "defi_id": defi_id, "author_id": authors.get(defi_id),
                      "done_on": start + dt.timedelta(days=rng.randrange(300)), "livrable": livrable,
                      "tache": tache, "news": rng.choice([-1, 0, 0, 0, 1]), "search_text": fold(f"{livrable} {tache}"),
                      "created_at": now, "updated_at": now, "version": 1})
        cats.append({"entry_id": next_id + i, "category": rng.choice(list(Category))})
    with db.transaction(engine) as s:
        for chunk in range(0, len(batch), 10_000):
            s.execute(insert(LogEntry), batch[chunk:chunk + 10_000])
            s.execute(insert(LogEntryCategory), cats[chunk:chunk + 10_000])
    return big


def timed(label: str, fn: Callable[[], object]) -> None:
    """Median wall time over REPEAT runs, and the peak Python memory of one run."""
    times = []
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"  {label:<48} {statistics.median(times) * 1000:9.1f} ms   peak {peak / 1024:8.0f} KiB")


def run(url: str, label: str) -> None:
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    db.dispose_engines()
    db.upgrade_to_head(url)
    engine = db.get_engine(url)
    t0 = time.perf_counter()
    seed(engine)
    with db.reading(engine) as s:
        promotion_id = s.scalar(select(Promotion.id).order_by(Promotion.start_date.desc()).limit(1))
        coach = Actor.of(s.scalar(select(User).where(User.login == "coach.claire")))
    big = grow_journal(engine, promotion_id)
    print(f"\n{label}: demo data + {ENTRIES:,} journal entries built in {time.perf_counter() - t0:.1f} s")
    with db.reading(engine) as s:
        big_count = s.scalar(select(func.count()).select_from(LogEntry).where(LogEntry.defi_id == big))
    print(f"  largest défi holds {big_count:,} entries")
    search = logbook.JournalFilters(query="equipe")
    categories = logbook.JournalFilters(categories=(Category.P, Category.U))
    timed("data_version (every cached read)", lambda: db.data_version(engine))
    timed("home: promotion_overview", lambda: portfolio.promotion_overview(coach, promotion_id))
    timed("journal: first page, no filter", lambda: logbook.list_entries(coach, big))
    timed("journal: page 200", lambda: logbook.list_entries(coach, big, page=200))
    timed("journal: search 'equipe' (accent-insensitive)", lambda: logbook.list_entries(coach, big, search))
    timed("journal: categories P+U", lambda: logbook.list_entries(coach, big, categories))
    timed("journal chart: entries per week by category", lambda: logbook.weekly_by_category(coach, big))
    timed("journal chart: good/bad news per month", lambda: logbook.news_by_month(coach, big))
    timed("journal: CSV export of the défi", lambda: logbook.export_csv(coach, big))
    timed("retro: promotion heatmap", lambda: bulletins.promotion_heatmap(coach, promotion_id))
    timed("retro: participation per week", lambda: bulletins.participation(coach, promotion_id))
    db.dispose_engines()


def main() -> None:
    print(f"Benchmark: {REPEAT} runs per read, median wall time; peak = Python allocations of one run")
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{Path(tmp) / 'bench.db'}", "SQLite")
    if pg.available():
        with pg.throwaway_postgres() as base:
            pg.admin_execute(base, "CREATE DATABASE bench")
            run(f"{base}/bench", "PostgreSQL 15")
    else:
        print("\nPostgreSQL 15 binaries not found: PostgreSQL figures skipped")


if __name__ == "__main__":
    main()

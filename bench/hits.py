"""`st.cache_data` against `st.cache_resource` for the app's cached reads (`python -m bench.hits
[--scale 0.1]`), on a generated SQLite database, for every read the coach's and the EIG's pages
make: what one cache hit costs with `st.cache_data` (a copy unpickled on every hit), with
`st.cache_resource` handing back the stored object (shared), and as `lib.ui.cached` hands it
out (`st.cache_resource`, then a frame's shallow copy or anything else unpickled); each page
warm under AppTest with the first and the last. Also what reading the cache versions once per
run saves: the cached calls a warm run makes (each used to query the version) against the one
query it now makes.
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import sys
import time
from collections.abc import Callable

import streamlit as st
from sqlalchemy import func, select

from bench.measure import Recorder, new_app, visible
from bench.rush import sqlite_bench
from lib import db, ui
from lib.models import Defi, ScopeVersion
from lib.ui import cache

HITS = 30
RUNS = 5
RESULTS: dict[str, object] = {}  # what each cached function below returns, by key


@st.cache_data(show_spinner=False)
def copied(key: str) -> object:
    return RESULTS[key]


@st.cache_resource(show_spinner=False)
def shared(key: str) -> object:
    return RESULTS[key]


@st.cache_resource(show_spinner=False)
def stored(key: str) -> object:
    result = RESULTS[key]
    return result if isinstance(result, cache.pd.DataFrame) else pickle.dumps(result)


def handed_out(key: str) -> object:
    return cache._handed_out(stored(key))


HIT_KINDS: dict[str, Callable[[str], object]] = {
    "cache_data": copied, "cache_resource shared": shared, "as cached hands out": handed_out}


@st.cache_data(ttl=3600, max_entries=2000, show_spinner=False)
def read_as_before(fn_name: str, url: str, versions: tuple[int, int], args: tuple, kwargs: dict) -> object:
    """The read cached as it was, by `st.cache_data`, on the same key."""
    module, name = fn_name.rsplit(".", 1)
    return getattr(cache.importlib.import_module(module), name)(*args, **kwargs)


def per_hit_ms(hit: Callable[[str], object], key: str) -> float:
    """Median time of one hit of `key`."""
    hit(key)
    times = []
    for _ in range(HITS):
        t0 = time.perf_counter()
        hit(key)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def warm_ms(login: str, script: str, backends: dict[str, tuple[Callable, Callable]]) -> dict[str, float]:
    """The page warm with each backend, runs alternated so that the machine's load falls on all."""
    times: dict[str, list[float]] = {name: [] for name in backends}
    apps = {}
    for name, (call, hand_out) in backends.items():
        cache._cached_call, cache._handed_out = call, hand_out
        apps[name] = at = new_app(login)
        at.run()
        at.switch_page(script)
        at.run()
        at.run()
    for _ in range(RUNS):
        for name, (call, hand_out) in backends.items():
            cache._cached_call, cache._handed_out = call, hand_out
            t0 = time.perf_counter()
            apps[name].run()
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(values) * 1000 for name, values in times.items()}


class Calls:
    """Counts the calls made to a module's function, in place."""

    def __init__(self, module: object, name: str) -> None:
        self.count, original = 0, getattr(module, name)

        def counted(*args: object, **kwargs: object) -> object:
            self.count += 1
            return original(*args, **kwargs)

        setattr(module, name, counted)


def query_ms(query: Callable[[], object]) -> float:
    times = []
    for _ in range(HITS):
        t0 = time.perf_counter()
        query()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def one_version() -> int | None:
    """The query every cached call used to make: one version row, through a session."""
    with db.reading() as s:
        return s.scalar(select(ScopeVersion.value).where(ScopeVersion.scope == ScopeVersion.GLOBAL))


def version_reads(pages: list[tuple[str, str, dict]]) -> None:
    """Per warm run of each page: cached calls (one version query each, before) and version
    queries (now); then the cost of either query, the table as the run found it and with a row
    for every défi."""
    calls, reads = Calls(cache, "run_versions"), Calls(db, "scope_versions")
    print("\nVersion queries per warm run (AppTest)")
    print(f"  {'page':<16} {'user':<20} {'cached calls = queries before':>30} {'queries now':>12}")
    for login, script, _times in pages:
        at = new_app(login)
        at.run()
        at.switch_page(script)
        at.run()
        before = calls.count, reads.count
        at.run()
        print(f"  {script.removeprefix('pages/').removesuffix('.py'):<16} {login:<20} "
              f"{calls.count - before[0]:>30} {reads.count - before[1]:>12}")
    with db.reading() as s:
        rows = s.scalar(select(func.count()).select_from(ScopeVersion))
        defis = s.scalars(select(Defi.id)).all()
    old, new = query_ms(one_version), query_ms(db.scope_versions)
    with db.transaction(bump=False) as s:
        s.add_all(ScopeVersion(scope=ScopeVersion.defi(d), value=1) for d in defis
                  if s.get(ScopeVersion, ScopeVersion.defi(d)) is None)
    full = query_ms(db.scope_versions)
    print(f"  one version row through a session (each cached call, before): {old:.2f} ms; all versions "
          f"({rows} rows, now once per run): {new:.2f} ms; with a row for each of the {len(defis)} défis: "
          f"{full:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.1)
    args = parser.parse_args()
    with sqlite_bench(args.scale) as (coach, eig, promotion, _big):
        backends = {"cache_data": (read_as_before, lambda result: result),
                    "as cached": (cache._cached_call, cache._handed_out)}
        recorder = Recorder()
        recorder.install()
        pages = []
        for actor in (coach, eig):
            for page in ui.PAGES:
                if visible(page, actor, promotion):
                    pages.append((actor.login, page.script, warm_ms(actor.login, page.script, backends)))
        cache._cached_call, cache._handed_out = backends["as cached"]
        reads = []
        for key, (fn, call_args, kwargs) in recorder.calls.items():
            RESULTS[key] = result = fn(*call_args, **kwargs)
            reads.append((f"{fn.__module__.removeprefix('lib.')}.{fn.__qualname__}", type(result).__name__,
                          len(pickle.dumps(result)) / 1024, *(per_hit_ms(hit, key) for hit in HIT_KINDS.values())))
        version_reads(pages)
    print(f"\nCache hits, scale {args.scale} (SQLite): one hit of each cached read the pages made, in µs "
          f"(the largest result of each read)")
    print(f"  {'read':<36} {'result':<15} {'pickled KB':>10} " + " ".join(f"{k:>21}" for k in HIT_KINDS))
    largest: dict[str, tuple] = {}
    for row in reads:
        if row[0] not in largest or row[2] > largest[row[0]][2]:
            largest[row[0]] = row
    for name, kind, kb, *hits in sorted(largest.values(), key=lambda r: -r[2]):
        print(f"  {name:<36} {kind:<15} {kb:>10.1f} " + " ".join(f"{h * 1000:>21.0f}" for h in hits))
    totals = [sum(r[3 + i] for r in reads) for i in range(len(HIT_KINDS))]
    print(f"  all {len(reads)} calls, ms: " + ", ".join(f"{k} {t:.2f}" for k, t in zip(HIT_KINDS, totals, strict=True)))
    print("\nPages warm (AppTest, median of alternated runs), ms")
    print(f"  {'page':<16} {'user':<20} " + " ".join(f"{k:>12}" for k in backends))
    for login, script, times in pages:
        print(f"  {script.removeprefix('pages/').removesuffix('.py'):<16} {login:<20} "
              + " ".join(f"{times[k]:>12.1f}" for k in backends))
    print(f"  {'all pages':<37} " + " ".join(f"{sum(t[k] for *_, t in pages):>12.1f}" for k in backends))


if __name__ == "__main__":
    sys.exit(main())

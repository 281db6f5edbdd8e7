"""`make bench` (`python -m bench [--scale 0.1] [--only sqlite|postgresql]`): generate the
database at the chosen scale on SQLite and on a throwaway PostgreSQL, time every page on
each in a separate process, print the table and write bench/results.json.

Targets (reported, never asserted): each page warm <= 300 ms, cold <= 1.5 s, cold <= 3x
its bare SQL time, server peak memory <= 500 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.generate import NOW, Scale, generate
from lib import db
from lib.config import ROOT
from tests import pg

RESULTS = ROOT / "bench" / "results.json"
TARGETS = {"warm_ms": 300, "cold_ms": 1500, "ratio": 3.0, "rss_mb": 500}


def bench_database(url: str, scale: Scale) -> dict:
    """Generate, then measure in a child process whose memory is only the app's."""
    db.upgrade_to_head(url)
    t0 = time.perf_counter()
    counts = generate(db.get_engine(url), scale)
    generated = time.perf_counter() - t0
    db.dispose_engines()
    print(f"  {sum(counts.values()):,} rows in {generated:.1f} s; timing the pages...", file=sys.stderr)
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        env = os.environ | {"DATABASE_URL": url, "SUIVI_FAKE_NOW": NOW.isoformat(), "SUIVI_ENV": "development"}
        subprocess.run([sys.executable, "-m", "bench.measure", url, out.name], env=env, cwd=ROOT, check=True)
        measured = json.loads(Path(out.name).read_text())
    return {"generate_s": generated, "rows": counts, **measured}


def flag(row: dict, key: str) -> str:
    """A value with "!" when it misses its target."""
    value = row.get(key)
    if value is None:
        return "—"
    text = f"{value:.1f}" if key == "ratio" else f"{value:.0f}"
    return text + ("!" if value > TARGETS.get(key, float("inf")) else " ")


def print_table(name: str, result: dict) -> None:
    rows = result["rows"]
    print(f"\n{name}: {sum(rows.values()):,} rows generated in {result['generate_s']:.0f} s "
          f"({rows.get('journal_entry', 0):,} journal entries, {rows.get('bulletin', 0):,} bulletins, "
          f"{rows.get('user', 0):,} users, {rows.get('defi', 0):,} défis); coach {result['coach']}, "
          f"EIG {result['eig']} of the largest défi")
    print(f"  {'page':<16} {'role':<6} {'cold ms':>9} {'cold CPU':>9} {'warm ms':>9} {'SQL ms':>8} {'cold/SQL':>9} "
          f"{'py peak MB':>11} {'calls':>6}  slowest call / errors")
    for row in result["pages"]:
        if "cold_ms" not in row:
            print(f"  {row['page']:<16} {row['role']:<6} {'(not shown to this role)':>48}")
            continue
        print(f"  {row['page']:<16} {row['role']:<6} {flag(row, 'cold_ms'):>9} {row['cold_cpu_ms']:>8.0f}  "
              f"{flag(row, 'warm_ms'):>9} "
              f"{flag(row, 'sql_ms'):>8} {flag(row, 'ratio'):>9} {row['py_peak_mb']:>11.1f} {row['calls']:>6}  "
              f"{'; '.join(row['errors']) or row['slowest']}")
    print(f"  server process peak RSS: {flag(result, 'max_rss_mb').rstrip()} MB"
          + (" (!)" if result["max_rss_mb"] > TARGETS["rss_mb"] else ""))
    print(f"  {'naive baseline (whole tables into pandas)':<46} {'SQL ms':>8} {'naive ms':>9} {'ratio':>7}  same")
    for row in result["naive"]:
        print(f"  {row['figure']:<46} {row['sql_ms']:>8.0f} {row['naive_ms']:>9.0f} {row['ratio']:>6.0f}x  "
              f"{'yes' if row['same'] else 'NO'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = the issue's default size")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    scale = Scale(args.scale)
    started = time.perf_counter()
    results: dict = {"scale": args.scale, "now": NOW.isoformat(), "targets": TARGETS, "databases": {}}
    print(f"Benchmark at scale {args.scale} (! = misses its target: warm <= {TARGETS['warm_ms']} ms, "
          f"cold <= {TARGETS['cold_ms']} ms, cold <= {TARGETS['ratio']:.0f}x SQL, RSS <= {TARGETS['rss_mb']} MB)")
    if args.only != "postgresql":
        print("SQLite: generating...", file=sys.stderr)
        with tempfile.TemporaryDirectory() as tmp:
            results["databases"]["SQLite"] = bench_database(f"sqlite:///{Path(tmp) / 'bench.db'}", scale)
        print_table("SQLite", results["databases"]["SQLite"])
    if args.only != "sqlite":
        if pg.available():
            print("PostgreSQL: generating...", file=sys.stderr)
            with pg.throwaway_postgres() as base:
                pg.admin_execute(base, "CREATE DATABASE bench")
                results["databases"]["PostgreSQL 15"] = bench_database(f"{base}/bench", scale)
            print_table("PostgreSQL 15", results["databases"]["PostgreSQL 15"])
        else:
            print("\nPostgreSQL 15 binaries not found: PostgreSQL figures skipped")
    results["total_s"] = time.perf_counter() - started
    RESULTS.write_text(json.dumps(results, indent=1, default=str))
    print(f"\nWhole benchmark: {results['total_s'] / 60:.1f} min; figures in {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

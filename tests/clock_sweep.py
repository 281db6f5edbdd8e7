"""`make test-clock`: the page tests and the role journeys at every moment of tests/moments.py.

Each moment is one pytest session (`--moment NAME`): the app's clock and the demo seed move
together. Prints one line per moment as it ends, then a table of moments, outcomes and
times; exits non-zero if any moment failed.

    python -m tests.clock_sweep                       # every moment, pages and journeys
    python -m tests.clock_sweep --journeys friday-1501 sunday-2330   # journeys at those only
    python -m tests.clock_sweep --ci                  # journeys at CI_JOURNEY_MOMENTS only
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from tests.moments import CI_JOURNEY_MOMENTS, MOMENTS, PINNED

PAGES = ["tests/pages"]
JOURNEYS = ["tests/e2e", "-m", "journey"]


def run(name: str, targets: list[str], pytest_args: list[str]) -> tuple[bool, float]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "pytest", "--moment", name, "-q", *pytest_args, *targets])
    return done.returncode == 0, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sweep = [name for name in MOMENTS if name != PINNED]
    parser.add_argument("--moments", nargs="+", choices=sweep, default=sweep, help="the moments to sweep")
    parser.add_argument("--journeys", nargs="*", choices=sweep,
                        help="the moments the browser journeys run at (default: every swept moment)")
    parser.add_argument("--ci", action="store_true",
                        help=f"journeys at {' and '.join(CI_JOURNEY_MOMENTS)} only (CI's 90 minutes)")
    parser.add_argument("pytest_args", nargs="*", help="more pytest arguments (after --)")
    options = parser.parse_args()
    journeys = (CI_JOURNEY_MOMENTS if options.ci else options.moments if options.journeys is None
                else options.journeys)
    results = []
    for name in options.moments:
        ok, seconds = run(name, PAGES, options.pytest_args)
        if name in journeys:  # a session of its own: `-m journey` would deselect the page tests
            journeys_ok, journeys_s = run(name, JOURNEYS, options.pytest_args)
            ok, seconds = ok and journeys_ok, seconds + journeys_s
        results.append((name, MOMENTS[name], name in journeys, ok, seconds))
        print(f"clock sweep: {name} {'passed' if ok else 'FAILED'} in {seconds:.0f} s", flush=True)
    print(f"\n{'moment':<24} {'app clock':<27} {'tests':<16} {'result':<7} time")
    for name, at, with_journeys, ok, seconds in results:
        tests = "pages + journeys" if with_journeys else "pages"
        print(f"{name:<24} {at.isoformat():<27} {tests:<16} {'passed' if ok else 'FAILED':<7} {seconds:5.0f} s")
    failed = [name for name, *_, ok, _ in results if not ok]
    if failed:
        sys.exit(f"clock sweep failed at: {', '.join(failed)}")


if __name__ == "__main__":
    main()

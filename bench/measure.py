"""Time every page of frame.py (the page script) under AppTest on a generated database, as a coach and as an
EIG of the largest défi: cold (Streamlit caches emptied) and warm, the Python peak memory
of a cold run, and the bare time of the service calls the page made (replayed directly),
so that cold / SQL shows what the app adds. Then the naive pandas baselines.

Runs in its own process (`python -m bench.measure URL OUT.json`, started by bench.__main__
with DATABASE_URL and SUIVI_FAKE_NOW set) so that its peak RSS is the app server's.
"""

from __future__ import annotations

import json
import logging
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, select
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from bench.naive import baselines
from lib import auth, db, portfolio, ui
from lib.config import ROOT
from lib.models import Defi, DefiRole, GlobalRole, Membership, Promotion, User
from lib.permissions import Actor
from lib.ui import cache as ui_cache
from lib.ui import kit as ui_kit
from lib.ui import page as ui_page
from lib.ui.login import SESSION_EPOCH

FRAME = ROOT / "frame.py"  # the page script app.py serves
WARM_RUNS = 3
SQL_RUNS = 3


class Recorder:
    """Wraps lib.ui.cached so that every cached read a page makes is noted with its
    arguments, to be replayed directly afterwards."""

    def __init__(self) -> None:
        self.calls: dict[str, tuple[Callable, tuple, dict]] = {}
        self.original = ui.cached

    def install(self) -> None:
        # Pages import it from lib.ui at each run; the sidebar and the kit read their module's.
        for module in (ui, ui_page, ui_kit):
            module.cached = self.cached

    def cached(self, fn: Callable) -> Callable:
        inner = self.original(fn)

        def wrapper(*args: object, **kwargs: object) -> object:
            self.calls.setdefault(f"{fn.__module__}.{fn.__qualname__}{args!r}{kwargs!r}", (fn, args, kwargs))
            return inner(*args, **kwargs)

        return wrapper

    def replay(self) -> tuple[float, str]:
        """Median wall time, in seconds, of all the recorded calls made directly, and the
        slowest of them (where to look first when a page is slow)."""
        totals, each = [], {key: [] for key in self.calls}
        for _ in range(SQL_RUNS):
            for key, (fn, args, kwargs) in self.calls.items():
                t0 = time.perf_counter()
                fn(*args, **kwargs)
                each[key].append(time.perf_counter() - t0)
            totals.append(sum(times[-1] for times in each.values()))
        if not each:
            return 0.0, ""
        key = max(each, key=lambda k: statistics.median(each[k]))
        name = self.calls[key][0]
        return statistics.median(totals), f"{name.__module__.removeprefix('lib.')}.{name.__qualname__} " \
                                          f"{statistics.median(each[key]) * 1000:.0f} ms"


def run_frame_every_time() -> None:
    """AppTest forgets between runs that frame.py uses st.navigation and, seeing a pages/
    folder, runs a switched-to page's script alone (the old multipage mode): no login
    gate, no sidebar. A real server runs frame.py every time; so must the benchmark."""
    original = PagesManager.__init__

    def init(self: PagesManager, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init


def new_app(login: str) -> AppTest:
    """The app logged in as `login` through the session-state seam, with the session epoch
    the seam checks (without it, every page measured would be the login form)."""
    at = AppTest.from_file(str(FRAME), default_timeout=600)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = login
    at.session_state[SESSION_EPOCH] = auth.session_epoch(login)
    return at


def timed_run(at: AppTest) -> float:
    t0 = time.perf_counter()
    at.run()
    return time.perf_counter() - t0


def errors(at: AppTest) -> list[str]:
    return [str(e.value)[:200] for e in at.exception]


def measure_page(login: str, script: str, recorder: Recorder) -> dict:
    at = new_app(login)
    at.run()  # the landing page, as a user arrives
    ui_cache.forget_reads()
    recorder.calls.clear()
    at.switch_page(script)
    cpu = time.process_time()
    cold = timed_run(at)
    cpu = time.process_time() - cpu  # steadier than wall time on a shared machine (SQLite: all of it)
    failed = errors(at)
    warm = statistics.median(timed_run(at) for _ in range(WARM_RUNS))
    ui_cache.forget_reads()
    tracemalloc.start()
    at.run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    sql, slowest = recorder.replay()
    return {"cold_ms": cold * 1000, "cold_cpu_ms": cpu * 1000, "warm_ms": warm * 1000, "sql_ms": sql * 1000,
            "calls": len(recorder.calls),
            "slowest": slowest,
            "ratio": cold / sql if sql else None, "py_peak_mb": peak / 2**20, "rss_mb": max_rss_mb(),
            "errors": failed}


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def cast(engine: Engine | None = None) -> tuple[Actor, Actor, int, int]:
    """The coach, an EIG of the largest défi, the newest promotion and that défi."""
    with db.reading(engine) as s:
        promotion = s.scalar(select(Promotion.id).order_by(Promotion.start_date.desc()).limit(1))
        big = s.scalar(select(Defi.id).where(Defi.promotion_id == promotion).order_by(Defi.name).limit(1))
        coach = s.scalars(select(User).where(User.role == GlobalRole.COACH).order_by(User.id)).first()
        eig = s.scalars(select(User).join(Membership, Membership.user_id == User.id)
                        .where(Membership.defi_id == big, Membership.role == DefiRole.EIG, User.active.is_(True))
                        .order_by(User.id)).first()
        return Actor.of(coach), Actor.of(eig), promotion, big


def visible(page: ui.Page, actor: Actor, promotion_id: int) -> bool:
    """Whether the frame's menu offers the page to `actor` with the sidebar's default picks."""
    promotions = portfolio.promotions_for(actor)
    promotion = next(p for p in promotions if p.id == promotion_id) if actor.is_staff else promotions[0]
    defis = portfolio.defis_for(actor, promotion.id)
    return page.offered(ui.PageContext(actor=actor, promotion=promotion, defi=defis[0] if defis else None))


def quiet_streamlit() -> None:
    """Streamlit's loggers to errors only: AppTest outside a server warns at every call."""
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("streamlit"):
            logging.getLogger(name).setLevel(logging.ERROR)


def main() -> None:
    url, out = sys.argv[1], Path(sys.argv[2])
    quiet_streamlit()
    coach, eig, promotion, big = cast()
    run_frame_every_time()
    recorder = Recorder()
    recorder.install()
    roles = {"coach": coach, "eig": eig}
    shown = {(role, page.script) for role, actor in roles.items() for page in ui.PAGES
             if visible(page, actor, promotion)}
    for role, script in sorted(shown):  # a server that has run: imports and first-use costs are paid
        at = new_app(roles[role].login)
        at.run()
        at.switch_page(script)
        at.run()
    pages = []
    for role, actor in roles.items():
        for script in (page.script for page in ui.PAGES):
            row = {"page": script.removeprefix("pages/").removesuffix(".py"), "role": role}
            if (role, script) in shown:
                row |= measure_page(actor.login, script, recorder)
                print(f"    {row['page']:<16} {role:<6} cold {row['cold_ms']:7.0f} ms  warm {row['warm_ms']:6.0f} ms"
                      f"  SQL {row['sql_ms']:6.0f} ms", file=sys.stderr)
            pages.append(row)
    server_rss = max_rss_mb()  # before the naive baselines, which are not the app's
    naive = []
    for label, sql_fn, naive_fn in baselines(coach, promotion, big):
        t0 = time.perf_counter()
        sql_result = sql_fn()
        sql = time.perf_counter() - t0
        t0 = time.perf_counter()
        naive_result = naive_fn()
        slow = time.perf_counter() - t0
        naive.append({"figure": label, "sql_ms": sql * 1000, "naive_ms": slow * 1000, "ratio": slow / sql,
                      "same": sql_result == naive_result, "sql_result": sql_result, "naive_result": naive_result})
    out.write_text(json.dumps({"url": url.split("@")[-1], "coach": coach.login, "eig": eig.login, "big_defi": big,
                               "pages": pages, "naive": naive, "max_rss_mb": server_rss}, indent=1, default=str))


if __name__ == "__main__":
    main()

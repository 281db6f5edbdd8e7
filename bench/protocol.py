"""`make bench-crowd` (`python -m bench.protocol --scale 1 --sessions 30 [--processes 2 --postgresql]`):
the app server alone under many sessions at once, with no browser. Each session is a websocket
to `/_stcore/stream` that speaks Streamlit's protocol: it asks for script runs with the
`rerun_script` BackMsg a browser sends (the page's script hash, the widget states a click
changes) and reads the ForwardMsgs until the last run's `script_finished`; it renders nothing.

A session logs in as a returning browser does: its login cookie (minted here with the app's
key, as the password form would have had it stored) goes in the websocket's handshake, where
the app reads it from `st.context.cookies`. So a login here costs no password check (bcrypt:
bench/login.py measures that).

On the bench database, each level (1, 5, 10, 30 sessions) on freshly started app processes: the
sessions open at once, then click at once, wave after wave: EIGs of distinct défis of the
newest promotion open this week's bulletin and file it at the deadline, then read their other
pages; coaches browse their menu. Level 1 is a coach alone, then an EIG alone. Per level:
median and p95 time per click, the servers' CPU time per click (utime + stime from /proc), the
load generator's own CPU per click, and the servers' RSS, its growth per session beyond the
first against level 1, and the clicks served per second over the waves (the servers' capacity
once saturated). With --processes N, the same at 1 to N app processes on one database, the
sessions dealt between them as a sticky proxy would. Table printed, bench/crowd-
results-<database>.json written.

Target (reported, never asserted): 30 sessions, p95 <= 1.0 s; RSS <= 15 MB per session
beyond the first.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from unittest import mock

import websockets
from sqlalchemy import func, select
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from bench.generate import NOW, Scale, generate
from lib import auth, db
from lib.config import ROOT, get_settings
from lib.i18n import t
from lib.models import Defi, DefiRole, GlobalRole, Membership, Promotion, User
from tests import pg
from tests.e2e.harness import APP_COOKIE_KEY, LiveApp

RESULTS = ROOT / "bench" / "crowd-results-{backend}.json"
LEVELS = (1, 5, 10, 30)
CLICK_TIMEOUT_S = 600
TICKS_PER_S = os.sysconf("SC_CLK_TCK")


@dataclass
class Click:
    """One click of one session, from the BackMsg sent to the last `script_finished`."""

    role: str
    what: str
    kind: str  # login, page, save
    seconds: float
    runs: int  # script runs finished (a run ended early for an `st.rerun` counts)
    note: str = ""


@dataclass
class Tab:
    """One browser tab at the protocol level, on one app process."""

    base_url: str
    role: str
    cookie: str  # the login cookie's value; "" for none
    pages: dict[str, str] = field(default_factory=dict)  # menu title -> page script hash, in menu order
    drawn: list = field(default_factory=list)  # (element type, element proto) of the last click's runs
    socket: websockets.ClientConnection | None = None

    async def open(self) -> Click:
        """Connect with the login cookie and run the page the address names (the home): the
        first run reads the cookie and logs in, and reruns for the logged-in page."""
        cookie = {"Cookie": f"{auth.COOKIE_NAME}={self.cookie}"} if self.cookie else {}
        self.socket = await websockets.connect(
            self.base_url.replace("http", "ws", 1) + "/_stcore/stream", subprotocols=["streamlit"],
            additional_headers=cookie, max_size=None, ping_interval=None)
        return await self.click("login", "login")

    async def click(self, what: str, kind: str, page: str = "", widgets: list[WidgetState] = ()) -> Click:
        """Ask for a script run of `page` (its script hash; "" for the address's page) with the
        widget states the click set, as the browser does, and read until the last run ends."""
        msg = BackMsg()
        state = msg.rerun_script
        state.page_script_hash = page
        state.widget_states.widgets.extend(widgets)
        state.context_info.timezone, state.context_info.locale = "Europe/Paris", "fr-FR"
        state.context_info.url = self.base_url + "/"
        started = time.monotonic()
        await self.socket.send(msg.SerializeToString())
        runs = await asyncio.wait_for(self._until_finished(), CLICK_TIMEOUT_S)
        return Click(self.role, what, kind, time.monotonic() - started, runs)

    async def _until_finished(self) -> int:
        self.drawn = []
        runs = 0
        while True:
            msg = ForwardMsg()
            msg.ParseFromString(await self.socket.recv())
            kind = msg.WhichOneof("type")
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                self.drawn.append((element.WhichOneof("type"), getattr(element, element.WhichOneof("type"))))
            elif kind == "navigation":
                self.pages = {p.page_name: p.page_script_hash for p in msg.navigation.app_pages}
            elif kind == "script_finished":
                runs += 1
                if msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    return runs

    def element(self, kind: str, label: str):  # noqa: ANN201 - a Streamlit element proto
        return next((proto for k, proto in self.drawn if k == kind and proto.label == label), None)

    async def visit(self, title: str) -> Click:
        return await self.click(title, "page", self.pages[title])

    async def file_bulletin(self) -> Click:
        """Fill the open bulletin page's form (first mood, a priority, ups and downs) and
        submit it: the form's fields and its submit button's trigger, in one rerun."""
        button = self.element("button", t("bulletin.submit"))
        if button is None:
            return Click(self.role, "bulletin", "save", 0, 0, "no bulletin form")
        mood = self.element("radio", t("bulletin.mood"))
        widgets = [WidgetState(id=mood.id, string_value=mood.options[0]),
                   WidgetState(id=self.element("text_area", t("bulletin.priority")).id,
                               string_value="Priorité du banc d'essai : mesurer chaque clic"),
                   WidgetState(id=self.element("text_area", t("bulletin.ups_downs")).id,
                               string_value="Hauts : le banc tourne. Bas : rien encore."),
                   WidgetState(id=button.id, trigger_value=True)]
        click = await self.click("bulletin", "save", self.pages[t("page.bulletin")], widgets)
        if not any(k == "alert" and proto.format == Alert.SUCCESS for k, proto in self.drawn):
            click.note = "not saved"
        return click

    def steps(self) -> list[Callable[[], Awaitable[Click]]]:
        """What the session clicks, one click per wave: an EIG opens
        the bulletin and files it, then reads the other pages; a coach browses the menu."""
        titles = list(self.pages)
        pages = [lambda title=title: self.visit(title) for title in titles[1:] + titles[:1]
                 if title != t("page.bulletin")]
        if self.role == "eig":
            return [lambda: self.visit(t("page.bulletin")), self.file_bulletin, *pages]
        return pages

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()


def login_cookies(url: str, logins: list[str]) -> dict[str, str]:
    """Each login's cookie as the app mints it (auth.login_token, under the account's session
    epoch), signed with the key LiveApp gives the app."""
    engine = db.get_engine(url)
    with db.reading(engine) as s:
        epochs = dict(s.execute(select(User.login, User.session_epoch).where(User.login.in_(logins))).all())
    db.dispose_engines()
    with mock.patch.dict(os.environ, {"SUIVI_COOKIE_KEY": APP_COOKIE_KEY}):
        get_settings.cache_clear()
        try:
            return {login: auth.login_token(login, epochs[login], None) for login in logins}
        finally:
            get_settings.cache_clear()


class Servers:
    """`processes` app processes (LiveApp) on one database, at the bench clock; their CPU time
    and resident memory together, from /proc."""

    def __init__(self, url: str, processes: int) -> None:
        self.apps = [LiveApp(url) for _ in range(processes)]

    def __enter__(self) -> Servers:
        """Start the processes, and warm each with one logged-out run (the login page): a
        process's first run imports the app, which a serving process has long done."""
        for app in self.apps:
            app.start(fake_now=NOW.isoformat())
            asyncio.run(self._warm(app.base_url))
        return self

    @staticmethod
    async def _warm(base_url: str) -> None:
        tab = Tab(base_url, "-", "")
        await tab.open()
        await tab.close()

    def __exit__(self, *_: object) -> None:
        for app in self.apps:
            app.stop()

    def cpu_s(self) -> float:
        """utime + stime of every process, in seconds (fields 14 and 15 of /proc/PID/stat,
        counted after the command's closing parenthesis)."""
        total = 0
        for app in self.apps:
            fields = Path(f"/proc/{app.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        return total / TICKS_PER_S

    def rss_mb(self) -> float:
        return sum(vm_rss_mb(app.process.pid) for app in self.apps)


async def together(servers: Servers, group: list[tuple[str, str]], cookies: dict[str, str]) -> dict:
    """The group's sessions, dealt between the processes, open at once, then click at once,
    wave after wave; the clicks, the CPU (servers and this process) and the time the waves
    took, the peak RSS."""
    tabs = [Tab(servers.apps[i % len(servers.apps)].base_url, role, cookies[login])
            for i, (role, login) in enumerate(group)]
    try:
        logins = await asyncio.gather(*(tab.open() for tab in tabs))
        peak = servers.rss_mb()
        cpu, client, started = servers.cpu_s(), time.process_time(), time.monotonic()
        plans = [tab.steps() for tab in tabs]
        clicks = []
        for wave in range(max(len(plan) for plan in plans)):
            clicks += await asyncio.gather(*(plan[wave]() for plan in plans if wave < len(plan)))
            peak = max(peak, servers.rss_mb())
        return {"logins": logins, "clicks": clicks, "server_cpu_s": servers.cpu_s() - cpu,
                "client_cpu_s": time.process_time() - client, "waves_s": time.monotonic() - started,
                "peak_rss_mb": peak}
    finally:
        await asyncio.gather(*(tab.close() for tab in tabs))


TARGETS = {"crowd_p95_s": 1.0, "crowd_mb_per_session": 15}


def flag(value: float, target: float) -> str:
    return f"{value:.2f}" + ("!" if value > target else " ")


def crowd_logins(url: str, n: int) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(role, login) of a coach and an EIG alone, then of n sessions at once: EIGs of the
    newest promotion's défis (one per défi: no two file the same bulletin) and coaches."""
    engine = db.get_engine(url)
    with db.reading(engine) as s:
        promotion = s.scalar(select(Promotion.id).order_by(Promotion.start_date.desc()).limit(1))
        eigs = s.scalars(select(func.min(User.login)).join(Membership, Membership.user_id == User.id)
                         .join(Defi, Defi.id == Membership.defi_id)
                         .where(Defi.promotion_id == promotion, Membership.role == DefiRole.EIG, User.active.is_(True))
                         .group_by(Membership.defi_id).order_by(Membership.defi_id)).all()
        coaches = s.scalars(select(User.login).where(User.role == GlobalRole.COACH).order_by(User.id)).all()
    db.dispose_engines()
    half = (n + 1) // 2
    crowd = [("eig", e) for e in eigs[:half]] + [("coach", coaches[i % len(coaches)]) for i in range(n - half)]
    return [("coach", coaches[-1]), ("eig", eigs[half])], crowd


def vm_rss_mb(pid: int) -> float:
    """The server's resident memory, from /proc."""
    line = next(x for x in Path(f"/proc/{pid}/status").read_text().splitlines() if x.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def crowd(url: str, levels: tuple[int, ...] = LEVELS, processes: int = 1) -> dict:
    """Per level (number of sessions at once), on `processes` freshly started app processes on
    the bench database `url`: median and p95 seconds per click, CPU per click, RSS. Level 1 is a
    coach alone, then an EIG alone (`crowd_logins`)."""
    results = {}
    for n in levels:
        solo, many = crowd_logins(url, n)
        groups = [[one] for one in solo] if n == 1 else [many]
        cookies = login_cookies(url, [login for group in groups for _, login in group])
        with Servers(url, processes) as servers:
            idle = servers.rss_mb()
            runs = [asyncio.run(together(servers, group, cookies)) for group in groups]
        clicks = [c for run in runs for c in run["clicks"] if c.runs]
        seconds = [c.seconds for c in clicks]
        results[n] = {
            "sessions": n, "processes": processes, "clicks": len(clicks),
            "median_s": statistics.median(seconds), "p95_s": p95(seconds),
            "login_median_s": statistics.median(c.seconds for run in runs for c in run["logins"]),
            "save_median_s": statistics.median([c.seconds for c in clicks if c.kind == "save"] or [0]),
            "unsaved": sum(1 for c in clicks if c.note), "runs_per_click": statistics.mean(c.runs for c in clicks),
            "clicks_per_s": len(clicks) / sum(run["waves_s"] for run in runs),
            "server_cpu_ms_per_click": 1000 * sum(run["server_cpu_s"] for run in runs) / len(clicks),
            "client_cpu_ms_per_click": 1000 * sum(run["client_cpu_s"] for run in runs) / len(clicks),
            "idle_rss_mb": idle, "peak_rss_mb": max(run["peak_rss_mb"] for run in runs),
            "clicks_timed": [asdict(c) for run in runs for c in run["clicks"]]}
        print(f"  {processes} process(es), {n} session(s): {len(clicks)} clicks, "
              f"median {results[n]['median_s']:.2f} s, p95 {results[n]['p95_s']:.2f} s", file=sys.stderr)
    if 1 in results:
        for row in results.values():
            if row["sessions"] > 1:
                row["mb_per_session"] = (row["peak_rss_mb"] - results[1]["peak_rss_mb"]) / (row["sessions"] - 1)
    return results


def print_table(setups: dict[str, dict]) -> None:
    """One block per setup (database and process count), one row per level."""
    print("\nMany sessions at once, protocol level (no browser): EIGs file the bulletin at the deadline while "
          "coaches browse, clicks issued together wave after wave; s = BackMsg sent to last script_finished;"
          " clicks/s = clicks served over the waves' time; CPU ms per click: servers (/proc utime+stime)"
          " and this load generator; MB/session = peak RSS beyond level 1's, per session beyond the first;"
          " ! = misses its target")
    for label, levels in setups.items():
        print(f"\n{label}")
        print(f"  {'sessions':>8} {'clicks':>7} {'median s':>9} {'p95 s':>7} {'login s':>8} {'save s':>7} "
              f"{'runs/click':>11} {'clicks/s':>9} {'server ms':>10} {'client ms':>10} {'peak MB':>8} "
              f"{'MB/session':>11}")
        for row in levels.values():
            beyond = flag(row["mb_per_session"], TARGETS["crowd_mb_per_session"]) if "mb_per_session" in row else "-"
            unsaved = f"  ({row['unsaved']} saves not confirmed)" if row["unsaved"] else ""
            print(f"  {row['sessions']:>8} {row['clicks']:>7} {row['median_s']:>9.2f} "
                  f"{flag(row['p95_s'], TARGETS['crowd_p95_s']):>7} {row['login_median_s']:>8.2f} "
                  f"{row['save_median_s']:>7.2f} {row['runs_per_click']:>11.2f} {row['clicks_per_s']:>9.2f} "
                  f"{row['server_cpu_ms_per_click']:>10.0f} {row['client_cpu_ms_per_click']:>10.0f} "
                  f"{row['peak_rss_mb']:>8.0f} {beyond:>11}{unsaved}")


@contextmanager
def bench_database(scale: float, postgresql: bool) -> Iterator[str]:
    """A migrated bench database at `scale`, in a temporary SQLite file or on a throwaway
    PostgreSQL server; its URL."""
    with ExitStack() as stack:
        if postgresql:
            server = stack.enter_context(pg.throwaway_postgres())
            pg.admin_execute(server, "CREATE DATABASE bench")
            url = f"{server}/bench"
        else:
            url = f"sqlite:///{Path(stack.enter_context(tempfile.TemporaryDirectory())) / 'bench.db'}"
        print(f"Bench database, scale {scale:g}, {'PostgreSQL' if postgresql else 'SQLite'}: generating...",
              file=sys.stderr)
        db.upgrade_to_head(url)
        generate(db.get_engine(url), Scale(scale), quiet=True)
        db.dispose_engines()
        yield url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="of the bench database; 1 = 10x history")
    parser.add_argument("--sessions", type=int, default=30, help="the largest level (levels: 1, 5, 10, 30 below it)")
    parser.add_argument("--processes", type=int, default=1, help="measure with 1 to this many app processes")
    parser.add_argument("--postgresql", action="store_true", help="on a throwaway PostgreSQL (default SQLite)")
    parser.add_argument("--database", help="an existing bench database's URL (skips generating one)")
    args = parser.parse_args()
    levels = tuple(n for n in LEVELS if n < args.sessions) + (args.sessions,)
    started = time.perf_counter()
    with ExitStack() as stack:
        url = args.database or stack.enter_context(bench_database(args.scale, args.postgresql))
        backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        setups = {f"{backend}, {n} app process{'es' if n > 1 else ''}": crowd(url, levels, n)
                  for n in range(1, args.processes + 1)}
    results = Path(str(RESULTS).format(backend=backend.lower()))
    results.write_text(json.dumps({"scale": args.scale, "targets": TARGETS, "setups": setups}, indent=1))
    print_table(setups)
    print(f"\nWhole protocol benchmark: {(time.perf_counter() - started) / 60:.1f} min; "
          f"figures in {results.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

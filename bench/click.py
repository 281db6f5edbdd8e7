"""`python -m bench.click [-n 15] [--logins 3] [--profile FILE]`: the fixed cost of a click,
in headless Chromium, Streamlit's floor (bench/floor/) and the app measured in the same run.

The floor's click opens one of its text pages from the menu; the app's, as a coach on the demo
data, opens Imports from the menu (a radio and an uploader: almost nothing of its own) and
flips its radio. Each is timed as `make bench-browser` times a click (bench/browser.py: from
the click to the last `script_finished`), warm, n times; the median is printed with its ratio
to the floor's, and split where the time goes:

- click: from Playwright's click to the DOM's `click` event (finding the link, waiting for it
  to be stable, the input events: the browser's main thread must be free for them);
- to server: from the DOM's click to the server receiving `rerun_script` (the frontend);
- queue: to Streamlit's run start (the server's event loop, the previous run's end);
- run: Streamlit's own run, from its start to its stop (the app's Python, frame and page);
- stop to send: from the run's stop to the server sending its `script_finished`, of which
  gc: the full garbage collections (Streamlit forces one after every run, `runner.postScriptGC`);
- back: from the server sending the last `script_finished` to the browser receiving it;
and the forward messages of the run (count, kilobytes). The server's side comes from
bench/probe.py, installed in the served process only. Logging in (the button « Se connecter »
to the home settled) is timed `--logins` times. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import pstats
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench import probe
from bench.browser import DEMO, Session, Timing, demo_clock
from lib.auth import DEMO_PASSWORD
from lib.config import ROOT
from tests.e2e.harness import CHROMIUM, CHROMIUM_ARGS, LiveApp, seeded_database

# Records the time of every DOM click, in the clock of time.time(), for the split above.
CLICKS_SCRIPT = ("window.__benchClicks = [];"
                 "addEventListener('click', (e) => window.__benchClicks.push(performance.timeOrigin + e.timeStamp),"
                 " true);")
PHASES = ("click", "to server", "queue", "run", "stop to send", "gc", "back")


@dataclass
class Click:
    """One timed click and where its time went (seconds), with the run's forward messages."""

    seconds: float
    phases: dict[str, float]
    runs: list[float] = field(default_factory=list)
    messages: Counter = field(default_factory=Counter)
    kilobytes: Counter = field(default_factory=Counter)


class ProbedApp(LiveApp):
    """A LiveApp whose server process writes bench/probe.py's records."""

    def __init__(self, url: str, workdir: Path, name: str, script: str = "app.py",
                 profile: Path | None = None) -> None:
        (workdir / "sitecustomize.py").write_text(probe.SITECUSTOMIZE)
        self.records = workdir / f"{name}.jsonl"
        env = {"PYTHONPATH": f"{workdir}:{ROOT}", probe.PROBE_FILE: str(self.records)}
        if profile is not None:
            env[probe.PROFILE_FILE] = str(profile)
        super().__init__(url, script=script, env=env)

    def read(self) -> list[dict]:
        return [json.loads(line) for line in self.records.read_text().splitlines()]


def timed(s: Session, app: ProbedApp, press, what: str) -> Click:  # noqa: ANN001
    """Click with `press` (a Session method returning the Timing), then line up the browser's
    and the server's records of that click."""
    timing: Timing = press()
    end = s.runs.last_finished
    start = end - timing.seconds
    offset = time.time() - time.monotonic()
    clicks = [t / 1000 - offset for t in s.page.evaluate("window.__benchClicks || []")]
    dom_click = min((t for t in clicks if t >= start), default=start)
    records = [r for r in app.read() if start <= r["t"] <= end]
    received = next(r["t"] for r in records if r["event"] == "rerun_received")
    started = [r for r in records if r["event"] == "run_started"]
    stopped = [r for r in records if r["event"] == "run_stopped"]
    run = sum(b["t"] - a["t"] for a, b in zip(started, stopped, strict=False))
    sent = [r["t"] for r in records if r["event"] == "finished_sent"][-1]
    click = Click(timing.seconds, {"click": dom_click - start, "to server": received - dom_click,
                                   "queue": started[0]["t"] - received, "run": run,
                                   "stop to send": sent - stopped[-1]["t"],
                                   "gc": sum(r["seconds"] for r in records if r["event"] == "full_gc"),
                                   "back": end - sent},
                  [b["t"] - a["t"] for a, b in zip(started, stopped, strict=False)])
    for r in stopped:
        click.messages.update(r["messages"])
        click.kilobytes.update({k: v / 1000 for k, v in r["bytes"].items()})
    if timing.finished != 1 and what != "login":
        print(f"  {what}: {timing.finished} runs for one click", file=sys.stderr)
    return click


def floor(browser, workdir: Path, n: int) -> list[Click]:  # noqa: ANN001
    """The floor's text pages, one from another."""
    app = ProbedApp("sqlite://", workdir, "floor", script="bench/floor/app.py")
    app.start()
    try:
        s = Session(browser, app.base_url, "floor", "-")
        s.context.add_init_script(CLICKS_SCRIPT)
        s.open()
        texts = [title for title in s.menu() if "(text)" in title][:2]
        for title in texts:  # warm
            s.visit(title)
        return [timed(s, app, lambda title=texts[i % 2]: s.visit(title), "floor") for i in range(n)]
    finally:
        app.stop()


def on_app(browser, workdir: Path, n: int, logins: int, profile: Path | None) -> dict[str, list]:  # noqa: ANN001
    """As the demo coach: log in `logins` times, then Imports from the menu and its radio."""
    demo = seeded_database(workdir / "demo.db")
    app = ProbedApp(demo, workdir, "app", profile=profile)
    app.start(fake_now=demo_clock())
    results: dict[str, list] = {"login": []}
    try:
        for _ in range(logins):
            s = Session(browser, app.base_url, "demo", "coach")
            s.context.add_init_script(CLICKS_SCRIPT)
            results["login"].append(timed(s, app, lambda s=s: s.login(DEMO["coach"], DEMO_PASSWORD), "login"))
            s.close()
        s = Session(browser, app.base_url, "demo", "coach")
        s.context.add_init_script(CLICKS_SCRIPT)
        s.login(DEMO["coach"], DEMO_PASSWORD)
        imports, home = "Imports", s.menu()[0]
        for title in (imports, home, imports):  # warm
            s.visit(title)
        results["Imports, from the menu"] = []
        for _ in range(n):
            s.visit(home)
            results["Imports, from the menu"].append(timed(s, app, lambda: s.visit(imports), "Imports"))
        radio = s.page.get_by_role("radiogroup")
        options = [radio.get_by_text(name, exact=True) for name in ("Annuaire de la promotion", "Carnet historique")]
        results["Imports, its radio"] = [timed(s, app, lambda i=i: s.click(options[i % 2], "radio", "page"), "radio")
                                         for i in range(n)]
        s.close()
        return results
    finally:
        app.stop()


def _width(phase: str) -> int:
    return max(len(phase), 5) + 2


def print_clicks(label: str, clicks: list[Click], floor_s: float) -> None:
    median = statistics.median(c.seconds for c in clicks)
    phases = "".join(f"{statistics.median(c.phases[p] for c in clicks):>{_width(p)}.3f}" for p in PHASES)
    messages = statistics.median(sum(c.messages.values()) for c in clicks)
    kilobytes = statistics.median(sum(c.kilobytes.values()) for c in clicks)
    print(f"  {label:<28} {median:>7.3f} {median / floor_s:>7.2f}x{phases}{messages:>7.0f}{kilobytes:>8.1f}")


def print_messages(label: str, clicks: list[Click]) -> None:
    """The forward messages of one run (the last click's), by kind."""
    last = clicks[-1]
    kinds = ", ".join(f"{k} {v} ({last.kilobytes[k]:.1f} kB)" for k, v in last.messages.most_common())
    print(f"  {label}: {kinds}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=15, help="clicks timed per row")
    parser.add_argument("--logins", type=int, default=3, help="logins timed")
    parser.add_argument("--profile", type=Path, help="profile the app's script runs (cProfile) into this file")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        floor_clicks = floor(browser, Path(tmp), args.n)
        app = on_app(browser, Path(tmp), args.n, args.logins, args.profile)
        browser.close()
    floor_s = statistics.median(c.seconds for c in floor_clicks)
    print(f"\nOne warm click, median of {args.n} (s); phases are medians, so they need not add up")
    print(f"  {'':<28} {'click s':>7} {'x floor':>8}" + "".join(f"{p:>{_width(p)}}" for p in PHASES)
          + f"{'msgs':>7}{'kB':>8}")
    print_clicks("floor: a text page", floor_clicks, floor_s)
    for label, clicks in app.items():
        print_clicks(f"app: {label}", clicks, floor_s)
    print("\nForward messages of one run:")
    print_messages("floor", floor_clicks)
    for label, clicks in app.items():
        if label != "login":
            print_messages(label, clicks)
    if app["login"]:
        print("\nLogins, « Se connecter » to the home settled (s), each with its runs (s), first of the process first:")
        for login in app["login"]:
            print(f"  {login.seconds:.2f}: runs " + ", ".join(f"{run:.3f}" for run in login.runs)
                  + "; " + ", ".join(f"{p} {login.phases[p]:.3f}" for p in PHASES))
    if args.profile:
        print(f"\nThe app's script runs, by cumulative time ({args.profile}):")
        pstats.Stats(str(args.profile)).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()

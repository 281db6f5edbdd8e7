"""`make bench-browser` (`python -m bench.browser [--scale 1] [--quick] [--sessions N]`): the
app as users feel it, in headless Chromium. On the demo database and on the bench database,
log in as a coach, an EIG and a sponsor through the form, open every menu page twice (cold,
then warm), file a bulletin, add a journal entry, save a committee step; the same harness
on the bare app in bench/floor/ gives Streamlit's floor. Times run from the click to the
last `script_finished` Streamlit sends; runs are `rerun_script` sent / `script_finished`
received. Table printed, bench/browser-results.json written.

Targets (reported, never asserted): page median <= 0.30 s, every page <= 0.50 s, one run
per click, login <= 1.0 s in at most 2 runs, a save <= 0.50 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bench.generate import NOW, PASSWORD, Scale, generate
from bench.measure import cast
from lib import db
from lib.auth import DEMO_PASSWORD
from lib.config import ROOT
from lib.models import DefiRole, Membership, User
from tests.e2e.harness import CHROMIUM, CHROMIUM_ARGS, LiveApp, ScriptRuns, seeded_database, settle

RESULTS = ROOT / "bench" / "browser-results.json"
TARGETS = {"page_median_s": 0.30, "page_s": 0.50, "login_s": 1.0, "login_runs": 2, "save_s": 0.50}
DEMO = {"coach": "coach.claire", "eig": "eig.lea", "sponsor": "sponsor.anne"}
PARIS = ZoneInfo("Europe/Paris")


@dataclass
class Timing:
    """One click, from the click to the last script run it caused."""

    database: str
    role: str
    what: str
    kind: str  # login, page, save
    visit: str  # cold, warm or once
    seconds: float
    requested: int
    finished: int
    note: str = ""


class Session:
    """One browser page on the app, whose clicks are timed from Streamlit's messages."""

    def __init__(self, browser, base_url: str, database: str, role: str) -> None:  # noqa: ANN001
        self.context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="fr-FR")
        self.page = self.context.new_page()
        self.page.set_default_timeout(60_000)
        self.runs = self.page.script_runs = ScriptRuns(self.page)
        self.base_url, self.database, self.role = base_url, database, role
        self.timings: list[Timing] = []

    def click(self, locator, what: str, kind: str, visit: str = "once", ready=None) -> Timing:  # noqa: ANN001
        """Click, wait for a script run to finish (and `ready`, a locator, to show), then for
        the page to settle; time from the click to the last `script_finished`."""
        asked, done = self.runs.requested, self.runs.finished
        t0 = time.monotonic()
        locator.click()
        self.wait_for_run(done, what)
        if ready is not None:
            ready.wait_for()
        settle(self.page)
        timing = Timing(self.database, self.role, what, kind, visit, self.runs.last_finished - t0,
                        self.runs.requested - asked, self.runs.finished - done)
        self.timings.append(timing)
        return timing

    def wait_for_run(self, done: int, what: str) -> None:
        """Pump Playwright's events until a script run finishes after the `done` first."""
        deadline = time.monotonic() + 60
        while self.runs.finished == done:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what}: no script run finished within 60 s")
            self.page.wait_for_timeout(10)

    def open(self) -> None:
        self.page.goto(self.base_url)
        self.wait_for_run(0, "first run")
        settle(self.page)

    def login(self, username: str, password: str) -> None:
        self.open()
        self.page.get_by_label("Identifiant").fill(username)
        self.page.get_by_label("Mot de passe").fill(password)
        self.click(self.page.get_by_role("button", name="Se connecter"), "login", "login",
                   ready=self.page.get_by_text("Bonjour").first)

    def menu(self) -> list[str]:
        nav = self.page.locator('[data-testid="stSidebarNav"] a')
        return [nav.nth(i).inner_text().splitlines()[-1] for i in range(nav.count())]

    def visit(self, title: str, visit: str = "once") -> Timing:
        link = self.page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first
        return self.click(link, title, "page", visit)

    def tour(self) -> None:
        """Every menu page twice, home last (the login lands there)."""
        titles = self.menu()
        for visit in ("cold", "warm"):
            for title in titles[1:] + titles[:1]:
                self.visit(title, visit)

    def close(self) -> None:
        self.context.close()


def file_bulletin(s: Session) -> None:
    s.visit("Bulletin de la semaine")
    button = s.page.get_by_role("button", name="Enregistrer le bulletin")
    if not button.count():
        s.timings.append(Timing(s.database, s.role, "bulletin", "save", "once", 0, 0, 0, "no open week"))
        return
    s.page.get_by_text("😀 excellente").click()
    s.page.get_by_label("Priorité de la semaine").fill("Priorité du banc d'essai : mesurer chaque clic")
    s.page.get_by_label("Hauts et bas").fill("Hauts : le banc tourne. Bas : rien encore.")
    s.click(button, "bulletin", "save", ready=s.page.get_by_text("enregistré").first)


def add_journal_entry(s: Session) -> None:
    s.visit("Carnet de bord")
    s.page.get_by_role("tab", name="Écrire").click()
    form = s.page.locator('[data-testid="stForm"]:visible')
    form.get_by_label("Tâche").fill("Atelier du banc d'essai avec l'équipe")
    form.locator('[data-testid="stMultiSelect"]').click()
    s.page.get_by_role("option").first.click()
    s.page.keyboard.press("Escape")
    s.click(form.get_by_role("button", name="Ajouter l'entrée"), "journal entry", "save",
            ready=s.page.get_by_text("Entrée ajoutée.").first)


def committee_step(s: Session) -> None:
    """Save the notes of the selected défi's committee, or schedule it when there is none."""
    s.visit("Comités d'évaluation")
    notes = s.page.get_by_role("button", name="Enregistrer les notes")
    if notes.count():
        s.page.get_by_label("Succès").fill("Premiers utilisateurs conquis (banc d'essai).")
        s.click(notes, "committee notes", "save")
    else:
        s.click(s.page.get_by_role("button", name="Planifier le comité"), "committee scheduled", "save",
                ready=s.page.get_by_text("Comité prévu le").first)


ACTIONS = {"coach": [committee_step], "eig": [file_bulletin, add_journal_entry], "sponsor": []}


def journeys(browser, base_url: str, database: str, logins: dict[str, tuple[str, str]]) -> list[Timing]:  # noqa: ANN001
    """Each role logs in, tours its menu twice, then saves what it saves."""
    timings = []
    for role, (username, password) in logins.items():
        s = Session(browser, base_url, database, role)
        s.login(username, password)
        s.tour()
        for action in ACTIONS[role]:
            action(s)
        s.close()
        timings += s.timings
        print(f"  {database} {role}: {len(s.timings)} clicks timed", file=sys.stderr)
    return timings


def floor(browser) -> list[Timing]:  # noqa: ANN001
    app = LiveApp("sqlite://", script="bench/floor/app.py")
    app.start()
    try:
        s = Session(browser, app.base_url, "floor", "-")
        s.open()
        s.tour()
        s.close()
        return s.timings
    finally:
        app.stop()


def bench_logins(url: str) -> dict[str, tuple[str, str]]:
    """The coach, an EIG and the sponsor of the largest défi of the bench database."""
    engine = db.get_engine(url)
    coach, eig, _, big = cast(engine)
    with db.reading(engine) as s:
        sponsor = s.scalar(select(User.login).join(Membership, Membership.user_id == User.id)
                           .where(Membership.defi_id == big, Membership.role == DefiRole.SPONSOR))
    db.dispose_engines()
    return {"coach": (coach.login, PASSWORD), "eig": (eig.login, PASSWORD), "sponsor": (sponsor, PASSWORD)}


def demo_clock() -> str:
    """Monday 9:00 of this week in Paris: the demo seed is dated from today, and the week's
    bulletin is still open whatever day the benchmark runs."""
    today = dt.date.today()
    return dt.datetime.combine(today - dt.timedelta(days=today.weekday()), dt.time(9), tzinfo=PARIS).isoformat()


def on_app(browser, url: str, database: str, fake_now: str, logins: dict) -> list[Timing]:  # noqa: ANN001
    app = LiveApp(url)
    app.start(fake_now=fake_now)
    try:
        return journeys(browser, app.base_url, database, logins)
    finally:
        app.stop()


def flag(value: float, target: float) -> str:
    return f"{value:.2f}" + ("!" if value > target else " ")


def print_table(timings: list[Timing], floor_s: dict[str, float]) -> None:
    """Per database: login and saves, then each page cold and warm with its ratio to the
    floor's median page of the same visit."""
    print(f"\nFloor (bare Streamlit, {len([t for t in timings if t.database == 'floor']) // 2} pages): "
          f"median page {floor_s['cold']:.2f} s cold, {floor_s['warm']:.2f} s warm; per kind (warm): "
          + ", ".join(f"{k} {v:.2f} s" for k, v in floor_s.items() if k not in ("cold", "warm")))
    for database in dict.fromkeys(t.database for t in timings if t.database != "floor"):
        rows = [t for t in timings if t.database == database]
        print(f"\n{database}  (s = click to last script_finished; runs = rerun_script sent/script_finished"
              " received; ! = misses its target)")
        print(f"  {'role':<8} {'what':<32} {'cold s':>7} {'runs':>5} {'x floor':>8} {'warm s':>7} {'runs':>5} "
              f"{'x floor':>8}")
        for role in dict.fromkeys(t.role for t in rows):
            mine = [t for t in rows if t.role == role]
            for t in mine:
                if t.kind == "page" and t.visit == "cold":
                    warm = next(w for w in mine if w.kind == "page" and w.visit == "warm" and w.what == t.what)
                    print(f"  {role:<8} {t.what:<32} {flag(t.seconds, TARGETS['page_s']):>7} "
                          f"{t.requested}/{t.finished:<3} {t.seconds / floor_s['cold']:>7.1f}x "
                          f"{flag(warm.seconds, TARGETS['page_s']):>7} {warm.requested}/{warm.finished:<3} "
                          f"{warm.seconds / floor_s['warm']:>7.1f}x")
                elif t.kind != "page":
                    target = TARGETS["login_s" if t.kind == "login" else "save_s"]
                    print(f"  {role:<8} {t.kind + ': ' + t.what:<32} {flag(t.seconds, target):>7} "
                          f"{t.requested}/{t.finished:<3} {t.note}")
            pages = [t.seconds for t in mine if t.kind == "page"]
            if pages:
                median = statistics.median(pages)
                print(f"  {role:<8} {'page median, worst (cold+warm)':<32} {flag(median, TARGETS['page_median_s']):>7}"
                      f"       {median / statistics.median(floor_s[v] for v in ('cold', 'warm')):>7.1f}x "
                      f"{flag(max(pages), TARGETS['page_s']):>7}")


def floor_medians(timings: list[Timing]) -> dict[str, float]:
    own = [t for t in timings if t.database == "floor"]
    medians = {v: statistics.median(t.seconds for t in own if t.visit == v) for v in ("cold", "warm")}
    for kind in ("text", "cards", "chart"):
        medians[kind] = statistics.median(t.seconds for t in own if t.visit == "warm" and f"({kind})" in t.what)
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="of the bench database; 1 = 10x history")
    parser.add_argument("--quick", action="store_true", help="smoke test: bench database at scale 0.01")
    args = parser.parse_args()
    scale = 0.01 if args.quick else args.scale
    started = time.perf_counter()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        print("Floor...", file=sys.stderr)
        timings = floor(browser)
        print("Demo database...", file=sys.stderr)
        demo = seeded_database(Path(tmp) / "demo.db")
        timings += on_app(browser, demo, "demo", demo_clock(), {r: (u, DEMO_PASSWORD) for r, u in DEMO.items()})
        print(f"Bench database, scale {scale}: generating...", file=sys.stderr)
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        db.upgrade_to_head(url)
        rows = generate(db.get_engine(url), Scale(scale), quiet=True)
        db.dispose_engines()
        timings += on_app(browser, url, f"bench scale {scale:g}", NOW.isoformat(), bench_logins(url))
        browser.close()
    medians = floor_medians(timings)
    total = time.perf_counter() - started
    RESULTS.write_text(json.dumps({"scale": scale, "bench_rows": sum(rows.values()), "targets": TARGETS,
                                   "floor": medians, "timings": [asdict(t) for t in timings], "total_s": total},
                                  indent=1))
    print_table(timings, medians)
    print(f"\nWhole browser benchmark: {total / 60:.1f} min; figures in {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

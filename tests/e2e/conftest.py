"""End-to-end: the real app (`streamlit run`) on a free port, on a seeded SQLite
database, driven by Playwright in Debian's headless Chromium. When CI is set, a
missing Chromium is a failure, never a skip."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from lib import auth, db
from lib.config import get_settings
from tests.conftest import missing
from tests.pg import free_port

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
APP_COOKIE_KEY = "cle-de-test-e2e-de-32-octets-min"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def seeded_database(path: Path) -> str:
    """A SQLite file with the demo data, built in a child process (clean settings)."""
    url = f"sqlite:///{path}"
    subprocess.run([sys.executable, "-m", "lib.seed"], cwd=ROOT, check=True, capture_output=True,
                   env={**os.environ, "DATABASE_URL": url})
    return url


@contextmanager
def services_on(database_url: str) -> Iterator[None]:
    """Call the services, in the test process, on the live app's database: to write what a
    test needs, or to read what the seed computed for the day the test runs."""
    before = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = database_url
    get_settings.cache_clear()
    try:
        yield
    finally:
        db.dispose_engines()
        if before is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = before
        get_settings.cache_clear()


def account(login: str) -> auth.Actor:
    """The demo account `login` as the services take it (inside `services_on`)."""
    return auth.actor_for_login(login, auth.session_epoch(login))


class LiveApp:
    """`streamlit run app.py` in a child process; restartable with another clock."""

    def __init__(self, url: str, env: dict[str, str] | None = None, args: tuple[str, ...] = ()) -> None:
        self.database_url = url
        self.env, self.args = env or {}, args  # more environment, more `streamlit run` options
        self.process: subprocess.Popen | None = None
        self.base_url = ""

    def start(self, fake_now: str | None = None) -> str:
        """Serve the app; its clock is `fake_now`, else the suite's (SUIVI_FAKE_NOW, set to run
        every browser test on another day: the demo seed follows the same clock)."""
        self.stop()
        port = free_port()
        env = {**os.environ, "DATABASE_URL": self.database_url, "SUIVI_COOKIE_KEY": APP_COOKIE_KEY, **self.env}
        if fake_now:
            env["SUIVI_FAKE_NOW"] = fake_now
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.headless", "true", "--browser.gatherUsageStats", "false", *self.args],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.base_url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        return self.base_url
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("streamlit did not start within 60 s")

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None


@pytest.fixture
def live_app(tmp_path: Path) -> Iterator[LiveApp]:
    app = LiveApp(seeded_database(tmp_path / "e2e.db"))
    app.start()
    yield app
    app.stop()


@pytest.fixture(scope="module")
def module_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    """One app for a whole test module whose tests do not depend on each other's writes
    (starting streamlit and seeding costs seconds on CI's 2 cores)."""
    app = LiveApp(seeded_database(tmp_path_factory.mktemp("e2e") / "e2e.db"))
    app.start()
    yield app
    app.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        missing("Chromium (/usr/bin/chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator:
    """Remember each phase's outcome on the test item, so fixtures can tell a failure."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def new_page(browser, request: pytest.FixtureRequest) -> Iterator[Callable]:  # noqa: ANN001
    """Open a fresh browser page (own cookies) sized like a laptop screen. When the test
    fails, every page it opened is saved to tests/artifacts/failed-<test>-<n>.png."""
    contexts = []

    def open_page():  # noqa: ANN202
        context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="fr-FR")
        contexts.append(context)
        page = context.new_page()
        page.script_runs = ScriptRuns(page)
        page.set_default_timeout(20_000)
        return page

    yield open_page
    report = getattr(request.node, "report_call", None)
    for n, context in enumerate(contexts):
        if report is not None and report.failed:
            for page in context.pages:
                screenshot(page, f"failed-{request.node.name}-{n}")
        context.close()


def login(page, base_url: str, username: str, password: str) -> None:  # noqa: ANN001
    page.goto(base_url)
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_text("Bonjour").first.wait_for()
    settle(page)
    assert page.script_runs.finished >= 2, "the login form's run and the logged-in run were not seen"


class ScriptRuns:
    """Streamlit's own account of a page's script runs, read from its websocket: the
    `rerun_script` requests the browser sends and the `script_finished` messages the server
    answers. A page is settled when every run it asked for (or the server started, as
    `st.rerun` does) has finished and nothing has crossed the socket for a quiet period."""

    QUIET_S = 0.5

    def __init__(self, page) -> None:  # noqa: ANN001
        self.requested = 0
        self.finished = 0
        self.running = False
        self.last_frame = time.monotonic()
        page.on("websocket", self._watch)

    def _watch(self, socket) -> None:  # noqa: ANN001
        if "_stcore/stream" in socket.url:
            socket.on("framesent", self._sent)
            socket.on("framereceived", self._received)

    def _sent(self, payload: bytes | str) -> None:
        self.last_frame = time.monotonic()
        if isinstance(payload, bytes):
            msg = BackMsg()
            msg.ParseFromString(payload)
            if msg.WhichOneof("type") == "rerun_script":
                self.requested += 1
                self.running = True

    def _received(self, payload: bytes | str) -> None:
        self.last_frame = time.monotonic()
        if not isinstance(payload, bytes):
            return
        msg = ForwardMsg()
        msg.ParseFromString(payload)
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.running = True
        elif kind == "script_finished":
            self.finished += 1
            self.running = msg.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN

    def settled(self) -> bool:
        return not self.running and time.monotonic() - self.last_frame > self.QUIET_S


def settle(page, timeout_s: float = 60) -> None:  # noqa: ANN001
    """Wait until every script run of the page has finished and the socket has been quiet
    for half a second. Right after login the cookie components trigger a few more runs; a
    click landing during one of them can be lost. Playwright's events are pumped by
    `wait_for_timeout`, so the timestamps are those of the messages."""
    runs: ScriptRuns = page.script_runs
    deadline = time.monotonic() + timeout_s
    while not runs.settled():
        if time.monotonic() > deadline:
            raise TimeoutError(f"the page did not settle in {timeout_s:.0f} s "
                               f"({runs.requested} runs asked, {runs.finished} finished)")
        page.wait_for_timeout(50)


def screenshot(page, name: str) -> Path:  # noqa: ANN001
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path

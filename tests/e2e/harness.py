"""The browser harness shared by the e2e tests and `make bench-browser`: the app served by
`streamlit run` in a child process, Chromium's options, and Streamlit's own account of
script runs read from its websocket."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import expect
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from tests.pg import free_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
APP_COOKIE_KEY = "cle-de-test-e2e-de-32-octets-min"


def seeded_database(path: Path) -> str:
    """A SQLite file with the demo data, built in a child process (clean settings)."""
    return seeded(f"sqlite:///{path}")


def seeded(url: str) -> str:
    """The empty database `url` (SQLite or PostgreSQL), migrated and given the demo data in a
    child process (clean settings)."""
    subprocess.run([sys.executable, "-m", "lib.seed"], cwd=ROOT, check=True, capture_output=True,
                   env={**os.environ, "DATABASE_URL": url})
    return url


class LiveApp:
    """`streamlit run <script>` in a child process; restartable with another clock. By default
    app.py, the application: the pages (frame.py) and the routes (/healthz, /calendar/...).
    Its public address (SUIVI_APP_URL) is its own. Ready once Streamlit's own health answers,
    so an app whose /healthz says 503 still starts."""

    def __init__(self, url: str, script: str = "app.py", env: dict[str, str] | None = None,
                 args: tuple[str, ...] = ()) -> None:
        self.database_url = url
        self.script = script
        self.env, self.args = env or {}, args  # more environment, more `streamlit run` options
        self.process: subprocess.Popen | None = None
        self.base_url = ""

    def start(self, fake_now: str | None = None) -> str:
        """Serve the app; its clock is `fake_now`, else the suite's (SUIVI_FAKE_NOW, pinned or
        swept: the demo seed follows the same clock)."""
        self.stop()
        port = free_port()
        self.base_url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "DATABASE_URL": self.database_url, "SUIVI_COOKIE_KEY": APP_COOKIE_KEY,
               "SUIVI_APP_URL": self.base_url, **self.env}
        if fake_now:
            env["SUIVI_FAKE_NOW"] = fake_now
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", self.script, "--server.port", str(port),
             "--server.headless", "true", "--browser.gatherUsageStats", "false", *self.args],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
        self.last_finished = 0.0
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
            self.last_finished = self.last_frame
            self.running = msg.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN

    def settled(self) -> bool:
        """Quiet after a finished run; a page just opened has not settled before its first run
        ends (its socket may open after the quiet period has passed)."""
        return self.finished > 0 and not self.running and time.monotonic() - self.last_frame > self.QUIET_S


def settle(page, timeout_s: float = 60) -> None:  # noqa: ANN001
    """Wait until every script run of the page has finished and the socket has been quiet
    for half a second: a click landing during a run can be lost, or land in elements that run
    is about to replace. Playwright's events are pumped by
    `wait_for_timeout`, so the timestamps are those of the messages."""
    runs: ScriptRuns = page.script_runs
    deadline = time.monotonic() + timeout_s
    while not runs.settled():
        if time.monotonic() > deadline:
            raise TimeoutError(f"the page did not settle in {timeout_s:.0f} s "
                               f"({runs.requested} runs asked, {runs.finished} finished)")
        page.wait_for_timeout(50)


def choose(scope, label: str, option: str) -> None:  # noqa: ANN001
    """Choose `option` in the selectbox or multiselect labelled `label` inside `scope` (a page
    or a form) by typing it and pressing Enter, then check the widget shows it. Clicking the
    option in the drop-down can miss under load: the list is still moving when the click lands."""
    field = scope.get_by_label(label, exact=True).first
    widget = field.locator("xpath=ancestor::*[@data-testid='stSelectbox' or @data-testid='stMultiSelect'][1]")
    field.click()
    field.press_sequentially(option)
    field.press("Enter")
    if widget.get_attribute("data-testid") == "stMultiSelect":
        field.press("Escape")
        expect(widget).to_contain_text(option)
    else:  # the selectbox shows its choice as the value of its input
        expect(field).to_have_value(re.compile(re.escape(option)))
    settle(field.page)

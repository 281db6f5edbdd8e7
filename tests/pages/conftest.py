"""Page tests: the real app script under Streamlit's AppTest, on a fresh SQLite world,
logged in through the session-state seam (or through the real login form)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from lib.auth import session_epoch
from tests.conftest import fresh_database

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Pages are rendering: one database kind is enough (services run on both)."""
    yield from fresh_database("sqlite", request, tmp_path, monkeypatch)


@pytest.fixture
def app_py_on_every_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run app.py, with its sidebar, on every run as a real server does: AppTest, seeing a
    pages/ folder, would otherwise run a switched-to page alone, with the context of the
    previous run."""
    original = PagesManager.__init__

    def init(self: PagesManager, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


def new_app(login: str | None, timeout: float = 30) -> AppTest:
    """The app, not yet run, for `login` logged in through the session-state seam (or anonymous)."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    if login:
        at.session_state["authentication_status"] = True
        at.session_state["username"] = login
        at.session_state["session_epoch"] = session_epoch(login)
    return at


@pytest.fixture
def app_as(world) -> Callable[..., AppTest]:  # noqa: ANN001
    """`app_as("coach", page="pages/journal.py")`: the app run as that user on that page."""

    def run(login: str | None, page: str | None = None, **state: object) -> AppTest:
        at = new_app(login)
        for key, value in state.items():
            at.session_state[key] = value
        at.run()
        if page:
            at.switch_page(page)
            at.run()
        return at

    return run


def open_tab(at: AppTest, key: str, label: str) -> AppTest:
    """Open a tab of `ui.sections` (built only while open) as a click on it would, and rerun."""
    at.session_state[key] = label
    return at.run()


def shown(markdown: str) -> str:
    """What a reader sees of Markdown made inert by `ui.md`: without the backslash escapes and
    the invisible joiners that keep addresses from becoming links."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace("\u2060", "")


def texts(at: AppTest) -> str:
    """Everything the page wrote, in one string, for assertions on what a user reads."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "success", "error",
                 "metric", "text"):
        for element in getattr(at, kind):
            parts.append(str(getattr(element, "value", "")) + " " + str(getattr(element, "label", "")))
    return shown("\n".join(parts))


def errors(at: AppTest) -> list[str]:
    """The page's error messages, as read."""
    return [shown(e.value) for e in at.error]

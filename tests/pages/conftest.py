"""Page tests: the real app script under Streamlit's AppTest, on a fresh SQLite world,
logged in through the session-state seam (or through the real login form)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Button

from lib.auth import session_epoch
from lib.config import get_settings
from lib.i18n import t
from tests.conftest import fresh_database
from tests.mail import Inbox, smtp_server

W = TypeVar("W")

# The page script (app.py is the application around it: pages and routes).
FRAME = str(Path(__file__).resolve().parents[2] / "frame.py")


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Pages are rendering: one database kind is enough (services run on both)."""
    yield from fresh_database("sqlite", request, tmp_path, monkeypatch)


@pytest.fixture
def frame_on_every_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run frame.py, with its sidebar, on every run as a real server does: AppTest, seeing a
    pages/ folder, would otherwise run a switched-to page alone, with the context of the
    previous run."""
    original = PagesManager.__init__

    def init(self: PagesManager, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture
def inbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    """A real SMTP server the app sends through; yields what it received."""
    with smtp_server() as (handler, port):
        monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("SMTP_PORT", str(port))
        get_settings.cache_clear()
        yield handler
    get_settings.cache_clear()


def new_app(login: str | None, timeout: float = 30) -> AppTest:
    """The app, not yet run, for `login` logged in through the session-state seam (or anonymous)."""
    at = AppTest.from_file(FRAME, default_timeout=timeout)
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


def form_button(at: AppTest, form: str, label: str) -> Button:
    """A form's submit button: Streamlit keys it on the form's key and the button's label."""
    return at.button(key=f"FormSubmitter:{form}-{label}")


def click_twice(at: AppTest, button: Button) -> AppTest:
    """Click a form's submit button, run, then send what the browser sends for a second click
    on the form it still shows: the same fields with the same values, and the same button. A
    browser keeps what its fields show until the page draws other widgets in their place; AppTest
    would send the values the run after the first click gave them."""
    button.click()
    sent = at._tree.get_widget_states()  # AppTest has no public way to send them again
    at.run()
    return at._run(sent)


def labelled(widgets: Iterable[W], label: str) -> W:
    """The widget drawn with this label, for the few a library draws without a key (the login form)."""
    return next(w for w in widgets if w.label == label)


LOGIN_FIELDS = [t("app.login.username"), t("app.login.password")]
GREETING = t("home.welcome", name="").strip()  # the home page's greeting, whoever it greets


def log_in(at: AppTest, login: str, password: str) -> AppTest:
    """Fill and send the login form (streamlit-authenticator's, keyed "Login")."""
    labelled(at.text_input, t("app.login.username")).input(login)
    labelled(at.text_input, t("app.login.password")).input(password)
    return form_button(at, "Login", t("app.login.button")).click().run()


def offered(at: AppTest, page: str) -> bool:
    """Whether `page` is in the menu of the person `at` runs as: AppTest refuses to switch to
    a page the navigation does not list."""
    try:
        at.switch_page(page)
    except ValueError as refusal:
        if "Could not find a navigation page" not in str(refusal):
            raise
        return False
    return True


def open_tab(at: AppTest, key: str, label: str) -> AppTest:
    """Open a tab of `ui.sections` (built only while open) as a click on it would, and rerun."""
    at.session_state[key] = label
    return at.run()


def shown(markdown: str) -> str:
    """What a reader sees of Markdown made inert by `ui.md`: without the colourless spans that
    keep addresses from becoming links, and without the backslash escapes."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", re.sub(r":color\[(.)\]\{\}", r"\1", markdown))


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

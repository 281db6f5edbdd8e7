"""End-to-end: the real app (`streamlit run`) on a free port, on a seeded SQLite
database, driven by Playwright in Debian's headless Chromium. When CI is set, a
missing Chromium is a failure, never a skip."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

from lib import auth, db
from lib.config import get_settings
from tests.conftest import missing
from tests.e2e.harness import (  # noqa: F401 - the tests import them from here
    APP_COOKIE_KEY,
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    LiveApp,
    ScriptRuns,
    choose,
    seeded_database,
    settle,
)
from tests.mail import Inbox, smtp_server

ARTIFACTS = ROOT / "tests" / "artifacts"


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


@contextmanager
def mailing_app(folder: Path, fake_now: str | None = None) -> Iterator[tuple[LiveApp, Inbox]]:
    """The demo app (its clock `fake_now`, else the suite's) mailing to a local SMTP server, to
    which the test process, through `services_on`, sends too."""
    with smtp_server() as (inbox, port), pytest.MonkeyPatch.context() as env:
        for name, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port),
                            "SMTP_SENDER": "programme@example.org"}.items():
            env.setenv(name, value)
        app = LiveApp(seeded_database(folder / "e2e.db"))
        app.start(fake_now)
        try:
            yield app, inbox
        finally:
            app.stop()


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
    """Open a fresh browser page (own cookies) sized like a laptop screen, in a French browser
    unless `locale` says otherwise. When the test fails, every page it opened is saved to
    tests/artifacts/failed-<test>-<n>.png."""
    contexts = []

    def open_page(locale: str = "fr-FR"):  # noqa: ANN202
        context = browser.new_context(viewport={"width": 1400, "height": 900}, locale=locale)
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
    """Log in through the form, once the login page's run has finished, and go on once the
    logged-in page has settled and its script has stored the login cookie (a reload needs it)."""
    page.goto(base_url)
    settle(page)
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_text("Bonjour").first.wait_for()
    wait_until(page, lambda: any(c["name"] == auth.COOKIE_NAME for c in page.context.cookies()), 20)
    settle(page)
    assert page.script_runs.finished >= 2, "the login form's run and the logged-in run were not seen"


def rerun(page, target) -> None:  # noqa: ANN001
    """Click a link, tab or button that reruns the page, and wait for that run to finish.
    Without it the next fill can land in the previous run's elements (two forms may share
    a field label) and be wiped when the new run draws its own.

    A click the browser never turned into a run request is clicked again, twice at most, as a
    person would: a full run under load once saw a button's click ask for nothing in 20 s (the
    page idle, the button in view; the cause is not found). A click that asked is never repeated:
    the requests are counted on the socket."""
    runs: ScriptRuns = page.script_runs
    asked = runs.requested
    if target.get_attribute("aria-selected") == "true":  # a tab that is open asks nothing
        target.click()
    else:
        for _ in range(3):
            target.click()
            with suppress(TimeoutError):
                wait_until(page, lambda: runs.requested > asked, 10)
                break
        else:
            raise TimeoutError("three clicks asked for no run")
    settle(page)


def open_logged_in(page, url: str) -> None:  # noqa: ANN001
    """Open an address with the login cookie: the page first runs logged out, then the cookie
    logs it in; a click before that lands on the login form's page and is lost."""
    page.goto(url)
    page.get_by_role("button", name="Se déconnecter", exact=True).wait_for()
    settle(page)


def wait_until(page, condition: Callable[[], bool], timeout_s: float = 30) -> None:  # noqa: ANN001
    """Pump the page's events until `condition` holds (no fixed sleep)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {timeout_s:.0f} s")
        page.wait_for_timeout(50)


def screenshot(page, name: str) -> Path:  # noqa: ANN001
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


_ROW_HEIGHT = """g => (g.querySelector('.dvn-scroller').scrollHeight - 35)
    / (Number(g.querySelector('[role=grid]').getAttribute('aria-rowcount')) - 1)"""


def click_row(page, table, row: int, until: Callable[[], bool] | None = None) -> None:  # noqa: ANN001
    """Select a row of a selectable `st.dataframe` (the `stDataFrame` locator) by clicking
    its row marker, the first column of the grid's canvas, and wait for the run it asks.
    The grid draws on a canvas under a 35 px header, its rows as high as `ui.table` made them
    (35 px, more where text wraps): the scroller's height over the rows. A click landing
    while the grid is still being redrawn (a filter just changed its rows, so its key) is
    dropped by the app, as a person's would be; like a person, click again until `until()`
    says the page shows the selection (three tries). A grid replaced while it is being found
    is found again."""
    runs: ScriptRuns = page.script_runs
    for _ in range(3):
        asked = runs.requested
        try:
            table.scroll_into_view_if_needed()
            box = table.locator("canvas").first.bounding_box()
            height = table.evaluate(_ROW_HEIGHT)
        except PlaywrightError:  # the grid was replaced as it was found (its rows changed): look again
            settle(page)
            continue
        page.mouse.click(box["x"] + 16, box["y"] + 35 + height * row + height / 2)
        wait_until(page, lambda asked=asked: runs.requested > asked, 20)
        settle(page)
        if until is None or until():
            return
    raise AssertionError(f"row {row} clicked three times, the page never showed it selected")

"""The browser benchmark's run counting, on the bare floor app: loading the app is one
`rerun_script` and one `script_finished`, and so is opening a page from the menu."""

from collections.abc import Iterator

import pytest

from bench.browser import Session
from tests.e2e.harness import LiveApp

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def floor_app() -> Iterator[LiveApp]:
    app = LiveApp("sqlite://", script="bench/floor/app.py")
    app.start()
    yield app
    app.stop()


def test_opening_a_page_counts_one_rerun_and_one_finished_run(browser, floor_app):
    session = Session(browser, floor_app.base_url, "floor", "-")
    try:
        session.open()
        assert (session.runs.requested, session.runs.finished) == (1, 1)
        timing = session.visit("Page 2 (cards)")
        assert (timing.requested, timing.finished) == (1, 1)
        assert session.page.get_by_text("Entrée 20").count() == 1  # the page counted is the one shown
    finally:
        session.close()

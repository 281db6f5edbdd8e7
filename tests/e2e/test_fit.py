"""In Chromium on a 1,280 px wide screen, sidebar open: the pages with wide tables fit. No grid
scrolls sideways (its scroller, the glide data grid's `.dvn-scroller`, is no wider inside than
its box), a promotion's défis all show without scrolling, and no metric label is cut with « … »."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from lib import portfolio
from lib.auth import DEMO_PASSWORD
from lib.clock import now_utc
from lib.i18n import t
from tests.e2e.conftest import account, login, rerun, screenshot, services_on, settle

pytestmark = pytest.mark.browser

SCREEN = {"width": 1280, "height": 900}

_SHOWN = """[...document.querySelectorAll('[data-testid="stMain"] [data-testid="stDataFrame"]')]
    .filter(g => g.checkVisibility())"""
# Every grid shown (not in a closed expander) has drawn its scroller and its accessible grid.
_DRAWN = f"""() => {_SHOWN}.every(g => g.querySelector('.dvn-scroller') && g.querySelector('[role=grid]'))"""
# Per grid shown: its scroller's inner and outer sizes, and its rows (the header counts one).
_GRIDS = f"""() => {_SHOWN}.map(g => {{
    const s = g.querySelector('.dvn-scroller');
    return {{scrollWidth: s.scrollWidth, clientWidth: s.clientWidth, scrollHeight: s.scrollHeight,
             clientHeight: s.clientHeight, rows: Number(g.querySelector('[role=grid]').getAttribute('aria-rowcount'))}};
}})"""
# Metric labels whose text is wider than the room it has (Streamlit cuts it with an ellipsis).
_CUT_LABELS = """() => [...document.querySelectorAll('[data-testid="stMetricLabel"]')]
    .filter(l => [l, ...l.querySelectorAll('*')].some(e => e.scrollWidth > e.clientWidth)).map(l => l.innerText)"""


def defis_of_the_promotion(database_url: str) -> int:
    with services_on(database_url):
        coach = account("coach.claire")
        promotion = next(p for p in portfolio.promotions_for(coach) if p.name == "EIG 9")
        return len(portfolio.coach_portfolio(coach, promotion.id, now_utc()))


def open_menu_page(page, title: str) -> None:  # noqa: ANN001
    rerun(page, page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title, exact=True))
    page.get_by_role("heading", level=1).filter(has_text=title).wait_for()
    settle(page)


def grids(page) -> list[dict]:  # noqa: ANN001
    """The page's grids, once each has drawn."""
    expect(page.locator('[data-testid="stMain"] [data-testid="stDataFrame"]').first).to_be_visible()
    page.wait_for_function(_DRAWN, polling=100)
    return page.evaluate(_GRIDS)


def assert_fits(page, where: str) -> list[dict]:  # noqa: ANN001
    drawn = grids(page)
    for n, grid in enumerate(drawn):
        assert grid["scrollWidth"] <= grid["clientWidth"], f"{where}, grid {n} scrolls sideways: {grid}"
    assert page.evaluate(_CUT_LABELS) == [], where
    return drawn


def assert_every_row_shows(grid: dict, rows: int) -> None:
    assert grid["rows"] == rows + 1, grid  # the header, then each défi
    assert grid["scrollHeight"] <= grid["clientHeight"], f"the défis scroll inside the grid: {grid}"


def test_coach_pages_fit_a_1280_px_screen(module_app, new_page):
    defis = defis_of_the_promotion(module_app.database_url)
    assert defis == 12  # the demo promotion
    page = new_page()
    page.set_viewport_size(SCREEN)
    login(page, module_app.base_url, "coach.claire", DEMO_PASSWORD)
    page.get_by_role("heading", name=t("home.coach.defis")).wait_for()
    assert_every_row_shows(assert_fits(page, "home")[0], defis)

    open_menu_page(page, t("page.portfolio"))
    assert_every_row_shows(assert_fits(page, "portfolio")[0], defis)
    screenshot(page, "fit-portfolio-1280")

    open_menu_page(page, t("page.help_requests"))
    assert_fits(page, "help board")
    open_menu_page(page, t("page.journal"))
    assert_fits(page, "journal")
    open_menu_page(page, t("page.programme"))
    assert page.evaluate(_CUT_LABELS) == []


def test_eig_journal_fits_a_1280_px_screen(module_app, new_page):
    page = new_page()
    page.set_viewport_size(SCREEN)
    login(page, module_app.base_url, "eig.lea", DEMO_PASSWORD)
    assert page.evaluate(_CUT_LABELS) == []
    open_menu_page(page, t("page.journal"))
    assert_fits(page, "journal")

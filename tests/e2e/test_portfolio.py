"""Through the real browser, a coach sees the portfolio with at least
one défi flagged and its reasons, and opens that défi from it."""

import pytest

from lib.auth import DEMO_PASSWORD
from lib.seed import SLIDING_DEFI
from tests.e2e.conftest import login, rerun, screenshot, settle

pytestmark = pytest.mark.browser


def picked(area, label: str) -> str:  # noqa: ANN001
    """The option a select box shows as chosen."""
    box = area.get_by_test_id("stSelectbox").filter(has=area.page.get_by_text(label, exact=True))
    return box.get_by_role("combobox").input_value()


def test_coach_sees_a_flagged_defi_with_its_reasons_and_opens_it(live_app, new_page):
    live_app.start()
    page = new_page()
    login(page, live_app.base_url, "coach.claire", DEMO_PASSWORD)
    rerun(page, page.get_by_role("link", name="Portefeuille"))
    page.get_by_text("Comment le risque est calculé").wait_for()
    settle(page)
    # The highest risk comes first and is picked below the table: the seed's sliding défi.
    details = page.locator(".st-key-portfolio_details")
    details.get_by_text("Risque élevé").wait_for()
    details.get_by_text("humeur en baisse depuis").wait_for()
    details.get_by_text("pas de contact coach depuis").wait_for()
    assert picked(page.get_by_test_id("stMain"), "Défi choisi") == SLIDING_DEFI
    screenshot(page, "portfolio-coach")

    page.get_by_role("button", name="Ouvrir ses phases").click()
    page.get_by_role("heading", name="Phases").first.wait_for()
    settle(page)
    assert picked(page.get_by_test_id("stSidebar"), "Défi").startswith(SLIDING_DEFI)

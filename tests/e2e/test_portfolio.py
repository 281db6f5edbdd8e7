"""Through the real browser, a coach sees the portfolio with its riskiest défi picked and
every reason the risk rules gave it, and opens that défi from it. The reasons are asked of
the service on the live app's data: the seed words them differently from day to day."""

import pytest

from lib import portfolio
from lib.auth import DEMO_PASSWORD
from lib.clock import now_utc
from lib.i18n import t
from tests.e2e.conftest import account, login, rerun, screenshot, services_on, settle

pytestmark = [pytest.mark.browser, pytest.mark.journey]


def picked(area, label: str) -> str:  # noqa: ANN001
    """The option a select box shows as chosen."""
    box = area.get_by_test_id("stSelectbox").filter(has=area.page.get_by_text(label, exact=True))
    return box.get_by_role("combobox").input_value()


def riskiest(database_url: str, login_name: str) -> dict:
    """The portfolio's first row in its default order (risk), as the service computes it now."""
    with services_on(database_url):
        coach = account(login_name)
        promotion = next(p for p in portfolio.promotions_for(coach) if p.name == "EIG 9")
        rows = portfolio.filter_portfolio(portfolio.coach_portfolio(coach, promotion.id, now_utc()), sort="risk")
    return rows.iloc[0].to_dict()


def test_coach_sees_the_riskiest_defi_with_its_reasons_and_opens_it(live_app, new_page):
    live_app.start()
    top = riskiest(live_app.database_url, "coach.claire")
    assert top["level"] == "eleve" and top["reasons"]  # the seed always flags one défi high
    page = new_page()
    login(page, live_app.base_url, "coach.claire", DEMO_PASSWORD)
    rerun(page, page.get_by_role("link", name="Portefeuille"))
    page.get_by_text("Comment le risque est calculé").wait_for()
    settle(page)
    details = page.locator(".st-key-portfolio_details")
    details.get_by_text(t("portfolio.badge", level=top["level_label"])).wait_for()
    for reason in top["reasons"].split("; "):
        details.get_by_text(reason).first.wait_for()
    assert picked(page.get_by_test_id("stMain"), "Défi choisi") == top["defi"]
    screenshot(page, "portfolio-coach")

    page.get_by_role("button", name="Ouvrir ses phases").click()
    page.get_by_role("heading", name="Phases").first.wait_for()
    settle(page)
    assert picked(page.get_by_test_id("stSidebar"), "Défi").startswith(top["defi"])

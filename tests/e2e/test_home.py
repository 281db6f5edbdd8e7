"""In Chromium, on the demo data: each role's home opens on what they owe and what needs them
this week, in the order lib/todo.py computes for the seed today (the seed is dated from the
app's clock), and a line's button opens its page on its défi."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from lib import portfolio, todo
from lib.auth import DEMO_PASSWORD
from lib.i18n import t
from lib.seed import SLIDING_DEFI
from tests.e2e.conftest import account, login, rerun, screenshot, services_on, settle

pytestmark = [pytest.mark.browser, pytest.mark.journey]


def items_of(database_url: str, login_name: str) -> list[todo.TodoItem]:
    """The to-do the service computes for the demo account today, on the live app's database."""
    with services_on(database_url):
        actor = account(login_name)
        if login_name == "admin":
            return todo.admin_todo(actor)
        promotion = portfolio.promotions_for(actor)[0]
        if actor.is_staff:
            return todo.coach_todo(actor, promotion.id)
        return todo.eig_todo(actor, promotion.id)


def check_lines(page, key: str, items: list[todo.TodoItem]) -> None:  # noqa: ANN001
    """Each line shows its défi and its label, in the service's order."""
    for n, item in enumerate(items):
        line = page.locator(f".st-key-{key}_{n}")
        expect(line).to_contain_text(item.label)
        if item.defi:
            expect(line).to_contain_text(item.defi)
        if item.detail:
            expect(line).to_contain_text(item.detail[:60])
    expect(page.locator(f".st-key-{key}_{len(items)}")).to_have_count(0)


def whole_page(page) -> None:  # noqa: ANN001
    """Grow the window to the page's height, for a screenshot of the whole home."""
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1400, "height": min(height + 100, 8000)})
    settle(page)


def open_line(page, key: str, n: int) -> None:  # noqa: ANN001
    rerun(page, page.locator(f".st-key-{key}_{n}").get_by_role("button"))


def sidebar_defi(page) -> str:  # noqa: ANN001
    return page.locator('[data-testid="stSidebar"]').get_by_label("Défi", exact=True).first.input_value()


def test_coach_sees_her_defis_at_risk_and_the_help_requests_waiting(module_app, new_page):
    items = items_of(module_app.database_url, "coach.claire")
    # The seed's sliding défi is hers and at risk, with the portfolio's reasons; some help
    # requests wait for a coach.
    risky = [i for i in items if i.kind == "risk" and i.defi == SLIDING_DEFI]
    assert risky and risky[0].detail
    assert any(i.kind == "help" and "sans coach" in i.label for i in items)
    page = new_page()
    login(page, module_app.base_url, "coach.claire", DEMO_PASSWORD)
    page.get_by_text(t("home.todo.title"), exact=True).first.wait_for()  # twice while a run fades
    check_lines(page, "todo_coach", items)
    expect(page.get_by_role("heading", name=t("home.coach.defis"))).to_be_visible()
    expect(page.locator('[data-testid="stDataFrame"]').first).to_be_visible()
    whole_page(page)
    screenshot(page, "home-coach")

    # The sliding défi's line opens the portfolio on it, whatever the sidebar had picked.
    assert not sidebar_defi(page).startswith(SLIDING_DEFI)
    open_line(page, "todo_coach", items.index(risky[0]))
    page.get_by_role("heading", name=t("page.portfolio")).wait_for()
    settle(page)
    assert sidebar_defi(page).startswith(SLIDING_DEFI)
    expect(page.get_by_label(t("portfolio.pick"), exact=True)).to_have_value(SLIDING_DEFI)


def test_eig_sees_her_bulletin_and_carnet_and_opens_the_bulletin(module_app, new_page):
    items = items_of(module_app.database_url, "eig.lea")
    kinds = [i.kind for i in items]
    assert "bulletin" in kinds and "carnet" in kinds  # every week, every month
    page = new_page()
    login(page, module_app.base_url, "eig.lea", DEMO_PASSWORD)
    page.get_by_text(t("home.todo.title"), exact=True).first.wait_for()  # twice while a run fades
    check_lines(page, "todo_eig", items)
    bulletin = next(i for i in items if i.kind == "bulletin")
    line = page.locator(f".st-key-todo_eig_{items.index(bulletin)}")
    if not bulletin.done:
        expect(line).to_contain_text(re.compile(r"avant|aujourd'hui|demain|en retard"))
    whole_page(page)
    screenshot(page, "home-eig")
    open_line(page, "todo_eig", items.index(bulletin))
    page.get_by_role("heading", name=re.compile(f"^{t('page.bulletin')} · {re.escape(bulletin.defi)}")).wait_for()


def test_admin_sees_the_loose_ends_and_her_own_login_in_the_audit(module_app, new_page):
    page = new_page()
    login(page, module_app.base_url, "admin", DEMO_PASSWORD)
    page.get_by_text(t("home.todo.title"), exact=True).first.wait_for()  # twice while a run fades
    items = items_of(module_app.database_url, "admin")  # after her login, which the audit shows
    lines = [i for i in items if i.kind != "audit"]
    assert any(i.kind == "never_used" for i in lines)  # the demo accounts that nobody opened yet
    check_lines(page, "todo_admin", lines)
    page.get_by_text(t("home.todo.audit_title")).click()  # an expander: no script run
    login_words = f"Hélène Vidal · {t('audit.kind.user.login')} · Hélène Vidal · aujourd'hui à "
    expect(page.get_by_text(re.compile(re.escape(login_words) + r"\d\d:\d\d"))).not_to_have_count(0)
    whole_page(page)
    screenshot(page, "home-admin")
    open_line(page, "todo_admin", next(n for n, i in enumerate(lines) if i.kind == "never_used"))
    page.get_by_role("heading", name=t("page.admin")).wait_for()

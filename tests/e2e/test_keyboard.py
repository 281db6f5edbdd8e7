"""With the keyboard alone (Tab, Enter, Space, arrows, typing), in Chromium: an EIG logs in,
files this week's bulletin and adds a journal entry. Every control the journey stops on shows
where the focus is: its picture changes when it takes the focus."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from lib.auth import DEMO_PASSWORD
from lib.clock import today_local
from tests.e2e.conftest import settle, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.journey]

# The focused control's names: its aria-label, its label's text, and the text of a link, button
# or tab (one line each).
_FOCUSED_NAMES = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return [];
    const names = [el.getAttribute('aria-label') || ''];
    for (const label of el.labels || []) names.push(label.innerText);
    if (['A', 'BUTTON'].includes(el.tagName) || ['tab', 'button', 'link'].includes(el.getAttribute('role'))) {
        names.push(el.innerText || '');
    }
    return names.join('\\n').split('\\n').map(s => s.trim()).filter(s => s);
}"""


def tab_to(page, name: str, limit: int = 120) -> None:  # noqa: ANN001
    """Press Tab until the focused control is named `name`, and check its focus shows."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if name in page.evaluate(_FOCUSED_NAMES):
            focus_shows(page, name)
            return
    raise AssertionError(f"{limit} presses of Tab never reached « {name} »")


def focus_shows(page, name: str) -> None:  # noqa: ANN001
    """The focused control looks different from the same control without the focus."""
    box = page.evaluate("""() => {
        const el = document.activeElement;
        const shown = el.closest('label, [data-baseweb], [data-testid$="Field"], [data-testid="stTextArea"]') || el;
        const r = shown.getBoundingClientRect();
        return {x: Math.max(r.x - 6, 0), y: Math.max(r.y - 6, 0), width: r.width + 12, height: r.height + 12};
    }""")
    focused = page.screenshot(clip=box, animations="disabled")
    page.evaluate("() => { window.keyboardTest = document.activeElement; document.activeElement.blur(); }")
    plain = page.screenshot(clip=box, animations="disabled")
    page.evaluate("() => window.keyboardTest.focus({focusVisible: true})")
    assert focused != plain, f"« {name} » shows no focus"


def open_tab(page, name: str, limit: int = 120) -> None:  # noqa: ANN001
    """Reach the page's tabs with Tab (only the open tab is a stop), move to the tab `name`
    with the arrow keys, open it with Enter and wait for its run."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.getAttribute('role')") == "tab":
            break
    else:
        raise AssertionError("Tab never reached the page's tabs")
    asked = page.script_runs.requested  # the focus opens the tab it moves to, or Enter does
    for _ in range(10):
        if name in page.evaluate(_FOCUSED_NAMES):
            break
        page.keyboard.press("ArrowRight")
    focus_shows(page, name)
    page.keyboard.press("Enter")
    expect(page.get_by_role("tab", name=name)).to_have_attribute("aria-selected", "true")
    wait_until(page, lambda: page.script_runs.requested > asked, 20)
    settle(page)


def choose_radio(page, name: str, limit: int = 120) -> None:  # noqa: ANN001
    """Reach a radio group with Tab (its checked option, or its first, is the stop), then move
    to the option `name` with the arrow keys, which check what they reach."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.type") == "radio":
            break
    else:
        raise AssertionError("Tab never reached a radio group")
    for key in ["ArrowRight"] * 6 + ["ArrowLeft"] * 12:
        if name in page.evaluate(_FOCUSED_NAMES):
            focus_shows(page, name)
            return
        page.keyboard.press(key)
    raise AssertionError(f"the arrows never reached « {name} »")


def press_and_settle(page, key: str) -> None:  # noqa: ANN001
    """Press a key that asks for a script run, and wait until the run has finished."""
    asked = page.script_runs.requested
    page.keyboard.press(key)
    wait_until(page, lambda: page.script_runs.requested > asked, 20)
    settle(page)


def keyboard_login(page, base_url: str, login: str) -> None:  # noqa: ANN001
    page.goto(base_url)
    settle(page)
    tab_to(page, "Identifiant")
    page.keyboard.type(login)
    tab_to(page, "Mot de passe")
    page.keyboard.type(DEMO_PASSWORD)
    tab_to(page, "Se connecter")
    press_and_settle(page, "Enter")
    page.get_by_text("Bonjour").first.wait_for()
    settle(page)


def open_page(page, link: str, heading: str) -> None:  # noqa: ANN001
    """Reach a page of the menu from the top of the page, as a keyboard user does."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    tab_to(page, link)
    press_and_settle(page, "Enter")
    page.get_by_role("heading", name=heading, level=1).wait_for()
    settle(page)


def test_an_eig_files_the_bulletin_with_the_keyboard_alone(live_app, new_page):
    # Monday morning: this week's bulletin is open.
    monday = today_local() - dt.timedelta(days=today_local().weekday())
    live_app.start(fake_now=dt.datetime.combine(monday, dt.time(9), tzinfo=ZoneInfo("Europe/Paris")).isoformat())
    page = new_page()
    keyboard_login(page, live_app.base_url, "eig.lea")
    open_page(page, "Bulletin de la semaine", "Bulletin de la semaine")

    choose_radio(page, "😀 excellente")  # the week's bulletin may be filed already: its mood is checked
    page.keyboard.press("Space")
    assert page.get_by_role("radio", name="😀 excellente").is_checked()
    tab_to(page, "Priorité de la semaine")
    page.keyboard.press("Control+A")  # what the team wrote already, replaced
    page.keyboard.type("Au clavier : ouvrir le service aux agents")
    tab_to(page, "Hauts et bas")
    page.keyboard.press("Control+A")
    page.keyboard.type("Hauts : tout se fait sans souris.")
    tab_to(page, "Enregistrer le bulletin")
    press_and_settle(page, "Enter")
    page.get_by_text("enregistré").first.wait_for()
    page.get_by_text("Au clavier : ouvrir le service aux agents").first.wait_for()


def test_an_eig_adds_a_journal_entry_with_the_keyboard_alone(live_app, new_page):
    page = new_page()
    keyboard_login(page, live_app.base_url, "eig.lea")
    open_page(page, "Carnet de bord", "Carnet de bord")

    open_tab(page, "Écrire")
    page.get_by_role("button", name="Ajouter l'entrée").wait_for()
    tab_to(page, "Livrable (facultatif)")
    page.keyboard.type("Maquette au clavier")
    tab_to(page, "Tâche")
    page.keyboard.type("Tester le formulaire sans souris")
    tab_to(page, "Catégories")
    page.keyboard.type("Utilisateurs")
    page.get_by_role("option", name="U · Utilisateurs").wait_for()
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    tab_to(page, "Ajouter l'entrée")
    press_and_settle(page, "Enter")
    page.get_by_text("Entrée ajoutée").first.wait_for()

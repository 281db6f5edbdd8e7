"""axe-core (npm, pinned in tests/e2e/axe/package.json) injected into a page by Playwright.
No finding is forgiven: Streamlit's own markup that axe faulted (the sectioned menu's lists) is
repaired on the page by lib/ui/chrome.py."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import missing

AXE_JS = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")

_RUN = """async () => {
    const results = await axe.run(document, {resultTypes: ['violations']});
    return results.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => ({target: n.target, html: n.html.slice(0, 200)})),
    }));
}"""


def audit(page) -> list[dict]:  # noqa: ANN001
    """Run axe on the page as it is now: every violation (any impact), each with its nodes'
    CSS targets and the start of their HTML."""
    if not AXE_JS.exists():
        missing("axe-core (npm ci --prefix tests/e2e/axe)")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(_RUN)


def blocking(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in BLOCKING]


_HEADINGS = """() => [...document.querySelectorAll('[data-testid="stMain"] :is(h1, h2, h3, h4, h5, h6)')]
    .filter(h => h.checkVisibility()).map(h => [Number(h.tagName[1]), h.innerText.trim()])"""


def heading_jumps(page) -> list[str]:  # noqa: ANN001
    """The visible headings of the page's body that open more than one level below the one
    before (an h3 after the h1): a screen reader's outline of the page would skip a level."""
    jumps, level = [], 0
    for depth, text in page.evaluate(_HEADINGS):
        if depth > level + 1:
            jumps.append(f"h{level} → h{depth} « {text[:60]} »")
        level = depth
    return jumps

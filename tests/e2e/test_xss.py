"""User text is never rendered as HTML (docs/design.md, UI kit): script and onerror payloads stored in a
bulletin, a journal entry and a published committee report appear as text in the real
browser's DOM, and none of them runs."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from lib import bulletins, committees, journal, phases, portfolio
from lib.auth import DEMO_PASSWORD
from lib.config import get_settings
from lib.models import Category
from lib.schemas import BulletinIn, JournalEntryIn, ReportIn
from lib.seed import CURRENT_DEFIS
from tests.e2e.conftest import account, login, rerun, settle
from tests.e2e.test_bulletin import this_week
from tests.hostile import XSS_IMG, XSS_SCRIPT

pytestmark = pytest.mark.browser
NO_PAYLOAD_RAN = """() => window.__xss === undefined
    && document.querySelectorAll('img[src="x"]').length === 0
    && [...document.querySelectorAll('script')].every(s => !s.textContent.includes('__xss'))"""


def store_payloads(database_url: str, now: dt.datetime, monkeypatch: pytest.MonkeyPatch) -> None:
    """Write the payloads through the services, as the forms would, into the app's database."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    eig, coach = account("eig.lea"), account("coach.claire")
    defi = next(d for p in portfolio.promotions_for(eig) for d in portfolio.defis_for(eig, p.id)
                if d.name == CURRENT_DEFIS[0].name)
    state = bulletins.week_state(eig, defi.id, now)
    bulletins.file_bulletin(eig, defi.id, BulletinIn(mood=2, priority=XSS_SCRIPT, ups_downs=XSS_IMG),
                            expected_version=state.version, now=now)
    journal.add_entry(eig, defi.id, JournalEntryIn(done_on=now.date(), tache=XSS_IMG, livrable="livrable",
                                               categories=[Category.P]), now=now)
    report = committees.latest_published_report(eig, defi.id)
    views = [committees.committee_for_phase(coach, phase.id) for phase in phases.defi_phases(coach, defi.id)]
    version = next(v.version for v in views if v is not None and v.id == report.committee_id)
    committees.save_report(coach, report.committee_id, ReportIn(text=f"Rapport\n\n{XSS_SCRIPT}\n\n{XSS_IMG}"),
                           version, now=now)
    get_settings.cache_clear()


def test_script_and_onerror_payloads_are_shown_as_text_and_never_run(live_app, new_page, monkeypatch):
    now, _ = this_week()
    store_payloads(live_app.database_url, now, monkeypatch)
    live_app.start(fake_now=now.isoformat())
    page = new_page()
    login(page, live_app.base_url, "eig.lea", DEMO_PASSWORD)
    # The home page shows the latest published report (markdown: raw HTML is not rendered).
    expect(page.get_by_text("Rapport").first).to_be_visible()
    assert page.evaluate(NO_PAYLOAD_RAN)
    rerun(page, page.get_by_role("link", name="Bulletin de la semaine"))
    settle(page)
    expect(page.get_by_text(XSS_SCRIPT)).to_be_visible()
    expect(page.get_by_text(XSS_IMG)).to_be_visible()
    assert page.evaluate(NO_PAYLOAD_RAN)

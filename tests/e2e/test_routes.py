"""`streamlit run app.py` serves the pages and the app's own routes: /healthz answers JSON (503
with the reason when the database is unreachable or behind the code's migration), a made-up
calendar is a 404 and not the page shell, a subscribed calendar is served with its validators,
every answer carries the security headers, and no page asks another host for anything."""

from __future__ import annotations

import secrets
import urllib.parse
from pathlib import Path

import httpx
import icalendar
import pytest
from alembic import command

from lib import calendar_feeds, db, health, portfolio, sharing
from lib.auth import DEMO_PASSWORD
from lib.schemas import CalendarFeedIn, ShareLinkIn
from routes.headers import HEADERS
from tests.e2e.conftest import LiveApp, account, login, open_logged_in, services_on, settle
from tests.pg import free_port

pytestmark = pytest.mark.browser

HEAD = db.migration_scripts().get_current_head()


def has_security_headers(response: httpx.Response) -> bool:
    return all(response.headers.get(name) == value for name, value in HEADERS.items())


def test_healthz_answers_json_and_every_answer_carries_the_headers(module_app):
    answer = httpx.get(f"{module_app.base_url}/healthz")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    assert answer.json() == {"ok": True, "reason": None, "database": "reachable", "migration": HEAD, "head": HEAD,
                             "version": health.version()}
    shell = httpx.get(f"{module_app.base_url}/key_dates")  # a page: Streamlit's shell
    assert shell.status_code == 200 and "<html" in shell.text
    made_up = httpx.get(f"{module_app.base_url}/calendar/{secrets.token_urlsafe(32)}.ics")
    assert made_up.status_code == 404 and "<html" not in made_up.text
    assert httpx.get(f"{module_app.base_url}/calendar/autre-chose").status_code == 404
    for each in (answer, shell, made_up):
        assert has_security_headers(each), each.url


def test_a_subscribed_calendar_is_served_with_its_validators(module_app):
    with services_on(module_app.database_url):
        sponsor = account("sponsor.anne")
        address = calendar_feeds.subscribe(sponsor, CalendarFeedIn(
            scope="defis", kinds=calendar_feeds.options(sponsor, None).default_kinds))
        hers = {d.name for d in portfolio.defis_for(sponsor, portfolio.default_promotion(sponsor))}
    url = f"{module_app.base_url}{urllib.parse.urlsplit(address).path}"
    first = httpx.get(url)
    assert first.status_code == 200 and has_security_headers(first)
    summaries = [str(e["summary"]) for e in icalendar.Calendar.from_ical(first.text).walk("VEVENT")]
    # Anne sponsors two défis of the demo promotion: both are in her calendar.
    assert len(hers) == 2 and {s.split(" : ")[0] for s in summaries if " : " in s} == hers
    again = httpx.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.headers["last-modified"] == first.headers["last-modified"]


def test_healthz_answers_503_when_the_database_is_unreachable(tmp_path: Path):
    app = LiveApp(f"postgresql+psycopg://suivi:mot-de-passe-secret@127.0.0.1:{free_port()}/suivi")
    app.start()
    try:
        answer = httpx.get(f"{app.base_url}/healthz")
    finally:
        app.stop()
    assert answer.status_code == 503 and answer.json()["reason"] == "database_unreachable"
    assert "secret" not in answer.text and "127.0.0.1" not in answer.text and "suivi:" not in answer.text


def test_healthz_answers_503_when_the_database_is_behind_the_code(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(db.alembic_config(url), "0009_membership_joined_on")
    app = LiveApp(url)
    app.start()
    try:
        answer = httpx.get(f"{app.base_url}/healthz")
    finally:
        app.stop()
    assert answer.status_code == 503
    assert answer.json() | {"version": None} == {"ok": False, "reason": "migration_not_at_head",
                                                 "database": "reachable", "migration": "0009_membership_joined_on",
                                                 "head": HEAD, "version": None}


def test_no_page_asks_another_host_for_anything(module_app, new_page):
    """The login page, a logged-in page, a share link and a password link: every request the
    browser makes goes to the app itself (the tab's icon came from Google's font server)."""
    with services_on(module_app.database_url):
        coach = account("coach.claire")
        share = sharing.create_link(coach, coach_defi(coach), ShareLinkIn(days=7))
    page = new_page()
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urllib.parse.urlsplit(request.url).netloc))
    login(page, module_app.base_url, "coach.claire", DEMO_PASSWORD)
    open_logged_in(page, f"{module_app.base_url}/key_dates")
    page.get_by_text("S'abonner au calendrier").wait_for()
    for public in (f"?{sharing.QUERY_PARAM}={share}", "?jeton=lien-inconnu"):
        page.goto(f"{module_app.base_url}/{public}")
        settle(page)
    assert hosts - {"", urllib.parse.urlsplit(module_app.base_url).netloc} == set()
    # The tab's icon is the app's own, inline (Streamlit sets it once the page's config arrives).
    page.wait_for_function("() => (document.querySelector(\"link[rel='shortcut icon']\")?.getAttribute('href') || '')"
                           ".startsWith('data:image/svg+xml')")


def coach_defi(coach) -> int:  # noqa: ANN001
    promotion = portfolio.default_promotion(coach)
    return portfolio.default_defi(portfolio.defis_for(coach, promotion)).id

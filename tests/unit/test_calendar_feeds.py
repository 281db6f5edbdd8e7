"""Subscribed calendars: what a feed lists is what its owner may read at the moment of the
fetch, a feed that no longer opens answers 404 like a made-up one, fetches are counted and
audited, and a repeated fetch answers 304. The routes are fetched with a real HTTP client
(httpx, through Starlette's test client) on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import secrets
from concurrent.futures import ThreadPoolExecutor
from zoneinfo import ZoneInfo

import httpx
import icalendar
import pytest
from sqlalchemy import select, update
from starlette.applications import Starlette

from lib import auth, bulletins, calendar_feeds, db, key_dates
from lib.errors import PermissionDenied, ServiceError
from lib.models import AuditEvent, CalendarFeed, DefiRole, Membership, User
from lib.schemas import BulletinIn, CalendarFeedIn
from routes import MIDDLEWARE, ROUTES
from tests.conftest import said, set_clock

PARIS = ZoneInfo("Europe/Paris")
MONDAY = dt.datetime(2026, 11, 16, 10, 0, tzinfo=PARIS)
AFTER_DEADLINE = dt.datetime(2026, 11, 20, 15, 0, tzinfo=PARIS)


class Http:
    """The routes and headers app.py serves, fetched in-process by httpx over ASGI, in a thread
    of its own (the browser tests' Playwright may be running an event loop in this one)."""

    app = Starlette(routes=ROUTES, middleware=MIDDLEWARE)

    def get(self, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
        async def get() -> httpx.Response:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://suivi") as c:
                return await c.get(path, headers=headers)

        with ThreadPoolExecutor(1) as thread:
            return thread.submit(asyncio.run, get()).result()


@pytest.fixture
def http(world) -> Http:  # noqa: ANN001
    return Http()


@pytest.fixture
def clock(monkeypatch):  # noqa: ANN001, ANN201
    set_clock(monkeypatch, MONDAY)
    return lambda moment: set_clock(monkeypatch, moment)


def path_of(address: str) -> str:
    return address.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def subscribe(actor, scope: str = "defis", kinds: list[str] | None = None, promotion_id: int | None = None,  # noqa: ANN001
              ) -> str:
    return path_of(calendar_feeds.subscribe(actor, CalendarFeedIn(scope=scope, promotion_id=promotion_id,
                                                                   kinds=kinds or key_dates.KINDS)))


def events(response) -> dict[str, str]:  # noqa: ANN001
    """{UID: SUMMARY} of a fetched calendar."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    return {str(e["uid"]): str(e["summary"]) for e in icalendar.Calendar.from_ical(response.text).walk("VEVENT")}


def test_the_token_is_random_and_only_its_hash_is_kept(world, clock):
    address = calendar_feeds.subscribe(world.eig, CalendarFeedIn(scope="defis", kinds=["event"]))
    token = address.rsplit("/", 1)[1].removesuffix(".ics")
    assert address.startswith("http") and "/calendar/" in address and len(token) == 43  # 256 bits
    with db.reading() as s:
        feed = s.scalar(select(CalendarFeed))
        stored = [str(v) for v in s.execute(select(CalendarFeed.__table__)).one()]
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert not any(token in value for value in stored)


def test_a_sponsor_gets_both_of_her_defis_and_no_deadlines_by_default(world, clock, http):
    with db.transaction() as s:
        s.add(Membership(user_id=world.sponsor.id, defi_id=world.beta_id, role=DefiRole.SPONSOR))
    offered = calendar_feeds.options(world.sponsor, world.promotion_id)
    assert offered.scopes == ["defis", "promotion"] and "deadline" not in offered.default_kinds
    assert "deadline" in calendar_feeds.options(world.eig, world.promotion_id).default_kinds
    assert "deadline" in calendar_feeds.options(world.coach, world.promotion_id).default_kinds
    found = events(http.get(subscribe(world.sponsor, kinds=offered.default_kinds)))
    phase_ends = [summary for uid, summary in found.items() if uid.startswith("phase-end-")]
    assert {summary.split(" : ")[0] for summary in phase_ends} == {"Alpha", "Beta"}
    assert not any(uid.startswith("deadline-") for uid in found)
    assert not any(summary.startswith("Gamma") for summary in found.values())  # not hers


def test_the_feed_has_the_downloaded_files_events_and_uids(world, clock, http):
    found = events(http.get(subscribe(world.coach, "promotion", promotion_id=world.promotion_id)))
    downloaded = icalendar.Calendar.from_ical(key_dates.ics(world.coach, world.promotion_id)).walk("VEVENT")
    assert found == {str(e["uid"]): str(e["summary"]) for e in downloaded}
    assert any(uid.startswith("deadline-") for uid in found) and any(uid.startswith("committee-") or
                                                                      uid.startswith("phase-end-") for uid in found)


def test_a_key_date_shows_to_the_sponsor_once_its_bulletin_is_published(world, clock, http):
    feed = subscribe(world.sponsor, kinds=["key_date"])
    bulletins.file_bulletin(world.eig, world.alpha_id, BulletinIn(mood=3, priority="p", ups_downs="u",
                                                                  key_date=dt.date(2026, 12, 3),
                                                                  key_date_description="Démo au cabinet"),
                            now=MONDAY)
    before = http.get(feed)
    assert events(before) == {}
    assert list(events(http.get(subscribe(world.eig2, kinds=["key_date"]))).values()) == [
        "Alpha : Démo au cabinet"]  # its team reads it at once
    clock(AFTER_DEADLINE)
    after = http.get(feed)
    assert list(events(after).values()) == ["Alpha : Démo au cabinet"]
    assert after.headers["etag"] != before.headers["etag"]
    assert after.headers["last-modified"] == "Fri, 20 Nov 2026 14:00:00 GMT"


def test_a_repeated_fetch_answers_304_until_something_changes(world, clock, http):
    feed = subscribe(world.eig)
    first = http.get(feed)
    assert first.headers["cache-control"] == "private, no-cache"
    clock(MONDAY + dt.timedelta(hours=2))  # the same events, two hours later
    again = http.get(feed)
    assert (again.text, again.headers["etag"], again.headers["last-modified"]) == (
        first.text, first.headers["etag"], first.headers["last-modified"])
    assert "DTSTAMP:20261116T090000Z" in first.text  # the content's age, not the fetch's
    assert http.get(feed, headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    assert http.get(feed, headers={"If-Modified-Since": first.headers["last-modified"]}).status_code == 304
    assert http.get(feed, headers={"If-None-Match": '"autre"'}).status_code == 200
    not_modified = http.get(feed, headers={"If-None-Match": first.headers["etag"]})
    assert not_modified.content == b"" and not_modified.headers["etag"] == first.headers["etag"]


def test_revoked_expired_deactivated_and_logged_out_feeds_answer_404(world, clock, http):
    by_owner, by_admin, expiring, renewed = (subscribe(world.eig) for _ in range(4))
    deactivated, logged_out = subscribe(world.porteur), subscribe(world.sponsor)
    ids = dict(zip([by_owner, by_admin, expiring, renewed], sorted(calendar_feeds.my_feeds(world.eig)["id"]),
                   strict=True))
    calendar_feeds.revoke(world.eig, ids[by_owner])
    calendar_feeds.revoke(world.admin, ids[by_admin])
    with db.transaction() as s:
        s.execute(update(User).where(User.id == world.porteur.id).values(active=False))
    auth.end_sessions(world.sponsor)  # « Se déconnecter partout »
    for gone in (by_owner, by_admin, deactivated, logged_out):
        answer = http.get(gone)
        assert (answer.status_code, answer.headers["content-type"]) == (404, "text/plain; charset=utf-8"), gone
        assert "VCALENDAR" not in answer.text
    assert calendar_feeds.my_feeds(world.sponsor)["state"].tolist() == ["ended"]
    clock(MONDAY + dt.timedelta(days=300))
    calendar_feeds.renew(world.eig, ids[renewed])
    assert http.get(expiring).status_code == 200
    clock(MONDAY + dt.timedelta(days=366))
    assert http.get(expiring).status_code == 404
    assert http.get(renewed).status_code == 200
    mine = calendar_feeds.my_feeds(world.eig)
    states = dict(zip(mine["id"], mine["state"], strict=True))
    assert [states[ids[f]] for f in (by_owner, by_admin, expiring, renewed)] == ["revoked", "revoked", "expired",
                                                                                 "active"]
    with db.reading() as s:
        fetches = s.scalars(select(AuditEvent.after).where(AuditEvent.action == "calendar_feed_fetch")
                            .order_by(AuditEvent.id)).all()
    assert [e["state"] for e in fetches] == ["revoked", "revoked", "ended", "ended", "active", "expired", "active"]


def test_a_made_up_token_answers_404(world, clock, http):
    subscribe(world.eig)
    for token in (secrets.token_urlsafe(32), "x", "../../etc/passwd", "a" * 400):
        answer = http.get(f"/calendar/{token}.ics")
        assert answer.status_code == 404 and "VCALENDAR" not in answer.text
    assert http.get("/calendar/").status_code == 404


def test_a_promotion_feed_stops_when_its_owner_leaves_the_promotion(world, clock, http):
    feed = subscribe(world.beta_eig, "promotion", promotion_id=world.promotion_id)
    assert http.get(feed).status_code == 200
    with db.transaction() as s:
        s.execute(Membership.__table__.delete().where(Membership.user_id == world.beta_eig.id))
    assert http.get(feed).status_code == 404


def test_fetches_are_rate_limited_per_feed_and_audited(world, clock, http, monkeypatch):
    monkeypatch.setattr(calendar_feeds, "FETCHES_PER_WINDOW", 3)
    feed, other = subscribe(world.eig), subscribe(world.eig)
    assert [http.get(feed).status_code for _ in range(5)] == [200, 200, 200, 429, 429]
    assert http.get(other).status_code == 200  # per feed
    throttled = http.get(feed)
    assert 3000 < int(throttled.headers["retry-after"]) <= 3600
    clock(MONDAY + dt.timedelta(hours=1))
    assert http.get(feed).status_code == 200
    with db.reading() as s:
        fetches = s.scalars(select(AuditEvent).where(AuditEvent.action == "calendar_feed_fetch")
                            .order_by(AuditEvent.id)).all()
    # Three served and the first refusal of the hour, the other feed's, and the next hour's.
    assert [e.after["state"] for e in fetches] == ["active"] * 3 + ["throttled", "active", "active"]
    assert {e.user_id for e in fetches} == {world.eig.id}


def test_only_the_owner_renews_and_the_owner_or_an_admin_revokes(world, clock):
    subscribe(world.eig)
    [feed_id] = calendar_feeds.my_feeds(world.eig)["id"]
    for stranger in (world.coach, world.eig2):
        with pytest.raises(PermissionDenied):
            calendar_feeds.revoke(stranger, feed_id)
        with pytest.raises(PermissionDenied):
            calendar_feeds.renew(stranger, feed_id)
    with pytest.raises(PermissionDenied):
        calendar_feeds.all_feeds(world.coach)
    assert calendar_feeds.all_feeds(world.admin)["login"].tolist() == ["eig"]
    calendar_feeds.revoke(world.admin, feed_id)
    assert calendar_feeds.all_feeds(world.admin).empty
    with db.reading() as s:
        revoked = s.scalar(select(AuditEvent).where(AuditEvent.action == "revoke",
                                                    AuditEvent.entity == "calendar_feed"))
    assert revoked.user_id == world.admin.id and revoked.entity_id == feed_id


def test_subscribing_needs_a_defi_or_the_promotion(world, clock):
    with pytest.raises(ServiceError, match=said("feeds.no_defi")):
        calendar_feeds.subscribe(world.outsider, CalendarFeedIn(scope="defis", kinds=["event"]))
    with pytest.raises(PermissionDenied):
        calendar_feeds.subscribe(world.gamma_eig, CalendarFeedIn(scope="promotion", promotion_id=world.promotion_id,
                                                                  kinds=["event"]))
    assert calendar_feeds.options(world.outsider, world.promotion_id).scopes == []
    with pytest.raises(ValueError):
        CalendarFeedIn(scope="defis", kinds=[])
    with pytest.raises(ValueError):
        CalendarFeedIn(scope="defis", kinds=["anniversaire"])

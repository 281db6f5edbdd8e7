"""`GET /calendar/<token>.ics`: a subscribed calendar, fetched by a calendar app without a
browser or a login (lib/calendar_feeds.py decides what it holds, as its owner may read it now).
Anything refused is a 404 that says nothing of why; too many fetches, a 429."""

from email.utils import formatdate, parsedate_to_datetime

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from lib import calendar_feeds
from lib.clock import now_utc


def _not_modified(request: Request, feed: calendar_feeds.FeedFile) -> bool:
    """Whether the client's copy is current (RFC 9110: If-None-Match first, then If-Modified-Since)."""
    if (tags := request.headers.get("if-none-match")) is not None:
        return feed.etag in [tag.strip().removeprefix("W/") for tag in tags.split(",")] or tags.strip() == "*"
    try:
        since = parsedate_to_datetime(request.headers.get("if-modified-since", ""))
    except (TypeError, ValueError):
        return False
    return since.tzinfo is not None and feed.modified.replace(microsecond=0) <= since


def feed(request: Request) -> Response:
    """Run in Starlette's thread pool (a plain function): the feed is read from the database."""
    client = request.client.host if request.client else None
    try:
        served = calendar_feeds.fetch(request.path_params["token"], client)
    except calendar_feeds.FeedThrottled as throttled:
        wait = max(1, int((throttled.retry_at - now_utc()).total_seconds()))
        return PlainTextResponse(str(throttled), status_code=429, headers={"Retry-After": str(wait)})
    except calendar_feeds.FeedNotFound as refused:
        return PlainTextResponse(str(refused), status_code=404)
    headers = {"ETag": served.etag, "Last-Modified": formatdate(served.modified.timestamp(), usegmt=True),
               "Cache-Control": "private, no-cache"}
    if _not_modified(request, served):
        return Response(status_code=304, headers=headers)
    return Response(served.body, media_type="text/calendar; charset=utf-8", headers=headers)


ROUTES = [Route("/{token}.ics", feed, methods=["GET"])]

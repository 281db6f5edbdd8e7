"""The app's own HTTP routes, beside the pages (docs/design.md, Architecture): thin like the
pages, each one parses the request, calls one lib/ service with the identity it establishes
(none for the health check, a feed's token for a calendar, ProConnect's answer for a sign-in)
and answers. A group of routes is
a module mounted under its prefix here; app.py serves them with the pages."""

from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount, Route

from lib import proconnect as proconnect_flow
from lib.calendar_feeds import ROUTE_PREFIX
from routes import calendar, health, proconnect, session
from routes.headers import SecurityHeaders

ROUTES: list[BaseRoute] = [
    Route("/healthz", health.healthz, methods=["GET"]),
    # Everything under /calendar is ours: an unknown address there is a 404, not the page shell.
    Mount(ROUTE_PREFIX, routes=calendar.ROUTES),
    *session.ROUTES,
    Mount(proconnect_flow.PREFIX, app=proconnect.application),
]
MIDDLEWARE = [Middleware(SecurityHeaders)]

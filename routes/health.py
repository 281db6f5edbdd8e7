"""`GET /healthz`: 200 while this process can serve (database reachable, at the migration this
code expects), 503 with the reason otherwise; for the proxy and for monitoring."""

from starlette.requests import Request
from starlette.responses import JSONResponse

from lib import health


def healthz(request: Request) -> JSONResponse:
    """Run in Starlette's thread pool (a plain function): the check blocks on the database."""
    report = health.check()
    return JSONResponse(report.model_dump(), status_code=200 if report.ok else 503,
                        headers={"Cache-Control": "no-store"})

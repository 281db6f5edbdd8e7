"""The process's health as a load balancer asks it (`GET /healthz`): the database answers and
is at the migration this code expects. The report names no host, URL or error text."""

from __future__ import annotations

import logging
import tomllib
from functools import cache

from pydantic import BaseModel

from lib import db
from lib.config import ROOT

log = logging.getLogger(__name__)


@cache
def version() -> str:
    """The application's version, as pyproject.toml declares it."""
    with (ROOT / "pyproject.toml").open("rb") as fh:
        return tomllib.load(fh)["project"]["version"]


class Health(BaseModel):
    """What /healthz answers: `ok`, or the reason it is not (`database_unreachable`,
    `migration_not_at_head`: behind, or ahead during an upgrade), with the revisions it compared."""

    ok: bool
    reason: str | None = None
    database: str  # "reachable" or "unreachable"
    migration: str | None = None  # the database's revision
    head: str  # the revision this code expects
    version: str


def check() -> Health:
    """Ask the app's own database (its pool, as the pages do) for its migration revision."""
    head = db.migration_scripts().get_current_head()
    try:
        current = db.current_revision(db.get_engine())
    except Exception as exc:  # any failure to reach the database is the answer
        log.warning("health check: database unreachable (%s)", type(exc).__name__)
        return Health(ok=False, reason="database_unreachable", database="unreachable", head=head, version=version())
    if current != head:
        return Health(ok=False, reason="migration_not_at_head", database="reachable", migration=current, head=head,
                      version=version())
    return Health(ok=True, database="reachable", migration=current, head=head, version=version())

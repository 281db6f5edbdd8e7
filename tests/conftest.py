"""Real databases for the tests: every service test runs on SQLite and on a throwaway
PostgreSQL 15 server started here (as the `postgres` user when running as root). The whole
session runs at one moment of the app's clock (tests/moments.py, `--moment`).

When CI is set, a missing PostgreSQL is a failure, never a skip.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from lib import db
from lib.config import get_settings
from lib.i18n import t
from tests import pg
from tests.fixtures import World, build_world
from tests.moments import MOMENTS, PINNED, moment

IN_CI = bool(os.environ.get("CI"))

# Property-based tests: no deadline (database writes vary in time, timing is for `make bench`),
# and in CI the same examples every run, so a red build always reproduces.
settings.register_profile("suivi", deadline=None, max_examples=60,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("ci", parent=settings.get_profile("suivi"), derandomize=True, print_blob=True)
settings.load_profile("ci" if IN_CI else "suivi")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--moment", default=PINNED,
                     help=f"the app's clock for the whole session: {', '.join(MOMENTS)}, "
                          "or an ISO datetime with its offset (tests/moments.py)")


def pytest_configure(config: pytest.Config) -> None:
    """Pin the app's clock, and the demo seed's with it, for the session and the apps and seeds
    it starts in child processes: the suite is true at one moment, and `--moment` sweeps it."""
    try:
        os.environ["SUIVI_FAKE_NOW"] = moment(config.getoption("--moment")).isoformat()
    except ValueError as unknown:
        raise pytest.UsageError(str(unknown)) from None
    get_settings.cache_clear()


def pytest_report_header(config: pytest.Config) -> str:
    return f"app clock (--moment {config.getoption('--moment')}): {os.environ['SUIVI_FAKE_NOW']}"


def set_clock(monkeypatch: pytest.MonkeyPatch, moment: dt.datetime) -> None:
    """Move the app's clock (SUIVI_FAKE_NOW, as the e2e tests do) for the rest of the test."""
    monkeypatch.setenv("SUIVI_FAKE_NOW", moment.isoformat())
    get_settings.cache_clear()


ANY = "\x00"  # a value `said` leaves open (an error text from a library, a path)


def said(key: str, **values: object) -> str:
    """A `pytest.raises(match=...)` pattern for the whole catalogue message `key` with these
    values (ANY for one the test does not fix)."""
    return ".*".join(re.escape(part) for part in t(key, **values).split(ANY))


def missing(what: str) -> None:
    """Skip locally, fail in CI: real parts must run there."""
    if IN_CI:
        pytest.fail(f"{what} is required when CI is set")
    pytest.skip(f"{what} not available")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL server for the whole test session (one per xdist worker)."""
    if not pg.available():
        missing("PostgreSQL 15 binaries")
    with pg.throwaway_postgres() as url:
        yield url
        db.dispose_engines()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    db.upgrade_to_head(f"sqlite:///{path}")
    db.dispose_engines()
    return path


@pytest.fixture(scope="session")
def postgres_template(postgres_server: str) -> str:
    """A migrated PostgreSQL database, cloned (CREATE DATABASE ... TEMPLATE) for each test."""
    pg.admin_execute(postgres_server, "CREATE DATABASE suivi_template")
    db.upgrade_to_head(f"{postgres_server}/suivi_template")
    db.dispose_engines()
    return "suivi_template"


def empty_database(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A brand-new database of `kind`, without a single table (fresh_database's are migrated)."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    server, name = request.getfixturevalue("postgres_server"), f"e_{uuid.uuid4().hex[:12]}"
    pg.admin_execute(server, f"CREATE DATABASE {name}")
    yield f"{server}/{name}"
    db.dispose_engines()
    pg.admin_execute(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def fresh_database(kind: str, request: pytest.FixtureRequest, tmp_path: Path,
                   monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh, migrated database of `kind`, configured as the app's DATABASE_URL."""
    if kind == "sqlite":
        path = tmp_path / "suivi.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url, cleanup = f"sqlite:///{path}", None
    else:
        base = request.getfixturevalue("postgres_server")
        template = request.getfixturevalue("postgres_template")
        name = f"t_{uuid.uuid4().hex[:12]}"
        pg.admin_execute(base, f"CREATE DATABASE {name} TEMPLATE {template}")
        url, cleanup = f"{base}/{name}", (base, name)
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    db.dispose_engines()
    get_settings.cache_clear()
    if cleanup:
        pg.admin_execute(cleanup[0], f"DROP DATABASE IF EXISTS {cleanup[1]} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Each service test runs once on SQLite and once on PostgreSQL."""
    yield from fresh_database(request.param, request, tmp_path, monkeypatch)


@pytest.fixture
def engine(db_url: str):  # noqa: ANN201 - sqlalchemy Engine
    return db.get_engine(db_url)


@pytest.fixture
def world(engine) -> World:  # noqa: ANN001
    return build_world(engine)

"""Engine and sessions: the only place that opens database sessions.

SQLite file under data/ when DATABASE_URL is unset, PostgreSQL (psycopg 3) otherwise.
Each user action is one transaction (`transaction()`), which also bumps the data
version that keys every cached read.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.pool import NullPool

from lib.config import ROOT, get_settings
from lib.errors import Conflict, NotFound, PermissionDenied, StaleEdit
from lib.i18n import t
from lib.models import DataVersion
from lib.permissions import Action, Actor, Capacity, require

MIGRATIONS_DIR = ROOT / "migrations"
_ENGINES: dict[str, Engine] = {}
# The PostgreSQL advisory lock key every process takes while migrating (any fixed bigint).
MIGRATION_LOCK_KEY = 7_201_526_015
log = logging.getLogger(__name__)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001 - DB-API connection
        dbapi_conn.isolation_level = None  # the driver's own BEGIN: see _begin
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:  # noqa: ANN001 - Connection
        # A write transaction takes the write lock at once: a deferred one that read first
        # fails with "database is locked", without waiting, when another writer got there
        # in between. Reads stay deferred (WAL lets them run beside the writer).
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")


_WRITE = "suivi_write"


def get_engine(url: str | None = None) -> Engine:
    """The engine of `url`, by default the configured database; one per URL per process."""
    return _engine_for(url or get_settings().database_url)


@lru_cache(maxsize=8)
def _engine_for(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 15})  # busy wait, seconds
        _configure_sqlite(engine)
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)
    _ENGINES[url] = engine
    return engine


@lru_cache(maxsize=8)
def _session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(engine: Engine | None = None, bump: bool = True) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error, bump the data version
    (`bump=False` for writes no page reads through the cache, such as login attempts).

    A race the services' own checks could not see (a row changed, or the same unique row
    written, by another transaction between our read and our write) is refused in French."""
    factory = _session_factory(engine or get_engine())
    try:
        with factory() as session, session.begin():
            session.connection(execution_options={_WRITE: True})
            yield session
            session.flush()
            if bump:
                session.execute(update(DataVersion).where(DataVersion.id == 1)
                                .values(value=DataVersion.value + 1))
    except StaleDataError as exc:
        raise StaleEdit() from exc
    except IntegrityError as exc:
        raise Conflict(t("error.written_meanwhile")) from exc


Row = TypeVar("Row")


def _own_defi(row: Any) -> int:
    return row.defi_id


def load(s: Session, model: type[Row], row_id: int | None, expected_version: int | None = None, *,
         actor: Actor | None = None, action: Action | None = None, defi: Callable[[Any], int] = _own_defi,
         allow: Callable[[Capacity, Any], bool] | None = None) -> Row:
    """The write prologue: the row a service changes, refused in this order when it does
    not exist (NotFound), when the matrix forbids `action` on its défi (`defi(row)`) or
    `allow(capacity, row)` refuses it (rows people change only when theirs), and when someone
    changed it since the form was opened on `expected_version` (StaleEdit; None: no form)."""
    row = s.get(model, row_id) if row_id is not None else None
    if row is None:
        raise NotFound(t("error.not_found"))
    if action is not None:
        cap = require(s, actor, action, defi(row))
        if allow is not None and not allow(cap, row):
            raise PermissionDenied(t("error.not_owner"))
    if expected_version is not None:
        expect_version(row, expected_version)
    return row


def expect_version(row: Any | None, expected_version: int | None) -> None:
    """Optimistic locking: `row` (None when the form creates it) is still at the version its
    form was opened on (None for a creation)."""
    if (row.version if row is not None else None) != expected_version:
        raise StaleEdit()


def touch(row: Any, now: dt.datetime) -> None:
    """Bump a row's version when what changed lives in another table (its participants,
    categories, ratings): its `updated_at` is written even when the clock has not moved since
    the last write (a pinned test clock), which SQLAlchemy would otherwise skip."""
    row.updated_at = now
    flag_modified(row, "updated_at")


@contextmanager
def reading(engine: Engine | None = None) -> Iterator[Session]:
    """A session for reads; closing it rolls back and leaves loaded objects usable."""
    factory = _session_factory(engine or get_engine())
    with factory() as session:
        yield session


@contextmanager
def scratch_engine(url: str) -> Iterator[Engine]:
    """An unpooled engine without the app's settings, disposed on exit: backups and migrations
    open databases (a snapshot file, a restore target) that the app does not serve."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        yield engine
    finally:
        engine.dispose()


def dispose_engines() -> None:
    """Close every pooled connection (tests drop their databases afterwards)."""
    for engine in list(_ENGINES.values()):
        engine.dispose()
    _ENGINES.clear()
    _engine_for.cache_clear()
    _session_factory.cache_clear()


def data_version(engine: Engine | None = None) -> int:
    """The cheap read every cached query is keyed on; every write transaction bumps it."""
    with reading(engine) as s:
        return s.scalar(select(DataVersion.value).where(DataVersion.id == 1)) or 0


def alembic_config(url: str):  # noqa: ANN201 - alembic.config.Config, imported lazily
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migration_scripts():  # noqa: ANN201 - alembic.script.ScriptDirectory, imported lazily
    """The migrations this code knows (to compare a database's revision with them)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS_DIR))


def current_revision(engine: Engine) -> str | None:
    """The Alembic revision the database is at; None for an empty database."""
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade_to_head(url: str | None = None) -> None:
    """Bring the database to the latest migration (the app and `make run` call this).

    On PostgreSQL, app processes starting together share one database: each waits for a
    session advisory lock, so one migrates and the others then find the schema at head."""
    from alembic import command

    url = url or get_settings().database_url
    with scratch_engine(url) as engine, engine.connect() as lock:
        if engine.dialect.name == "postgresql":
            lock.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            lock.commit()
        before = current_revision(engine)
        command.upgrade(alembic_config(url), "head")
        after = current_revision(engine)
        if before != after:
            log.info("database migrated from %s to %s", before or "empty", after)
        # Closing the connection releases the lock, even when a migration failed.

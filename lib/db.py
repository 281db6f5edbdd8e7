"""Engine and sessions: the only place that opens database sessions.

SQLite file under data/ when DATABASE_URL is unset, PostgreSQL (psycopg 3) otherwise.
Each user action is one transaction (`transaction()`), which also bumps the versions of the
cache scopes it changed (a défi, a promotion, everything), which key the cached reads.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, inspect, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.pool import NullPool

from lib.config import ROOT, get_settings
from lib.errors import Conflict, NotFound, PermissionDenied, StaleEdit
from lib.i18n import t
from lib.models import (
    AuditEvent,
    Base,
    Bulletin,
    Committee,
    CommitteeAction,
    CommitteeParticipant,
    CompetencyRating,
    Defi,
    DefiPhase,
    HelpRequest,
    Indicator,
    JournalEntry,
    JournalEntryCategory,
    LoginThrottle,
    Measurement,
    Membership,
    MonthlyCarnet,
    OutboxMessage,
    PhaseObjective,
    ResetRequest,
    ScopeVersion,
)
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
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    event.listen(factory, "after_flush", _note_flushed_rows)
    event.listen(factory, "do_orm_execute", _note_bulk_write)
    return factory


@contextmanager
def transaction(engine: Engine | None = None, bump: bool = True) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error, bump the versions of the
    cache scopes the rows it wrote belong to (`bump=False` for writes no page reads through
    the cache, such as login attempts).

    A race the services' own checks could not see (a row changed, or the same unique row
    written, by another transaction between our read and our write) is refused in French."""
    global _bumping_commits
    factory = _session_factory(engine or get_engine())
    try:
        with factory() as session, session.begin():
            session.connection(execution_options={_WRITE: True})
            yield session
            session.flush()
            if bump and (scopes := _changed_scopes(session, session.info.get(_CHANGED, []))):
                _bump(session, scopes)
        if bump:
            _bumping_commits += 1
    except StaleDataError as exc:
        raise StaleEdit() from exc
    except IntegrityError as exc:
        raise Conflict(t("error.written_meanwhile")) from exc


# --- Cache scopes: what a write changed ---------------------------------------------------

_CHANGED = "suivi_changed_rows"  # Session.info key: the rows written in this transaction
_EVERYTHING = object()  # noted for a write whose rows are unknown (a bulk statement, a moved row)
_bumping_commits = 0
# Rows no cached read shows: the outbox comes with the change that sends it; throttles and reset
# requests serve the login form; the versions themselves. (An audit event is placed by its entity.)
_UNVERSIONED = frozenset(m.__table__ for m in (OutboxMessage, LoginThrottle, ResetRequest, ScopeVersion))
# How a row that names no défi reaches one that does: its parent, by foreign key.
_PARENT: dict[type, tuple[str, type]] = {
    HelpRequest: ("bulletin_id", Bulletin), JournalEntryCategory: ("entry_id", JournalEntry),
    CompetencyRating: ("carnet_id", MonthlyCarnet), PhaseObjective: ("defi_phase_id", DefiPhase),
    Committee: ("defi_phase_id", DefiPhase), CommitteeParticipant: ("committee_id", Committee),
    CommitteeAction: ("committee_id", Committee), Measurement: ("indicator_id", Indicator),
}
_MODELS = {mapper.class_.__tablename__: mapper.class_ for mapper in Base.registry.mappers}
# Rows that change what every défi of their promotion shows: memberships say who reads which
# défi (a member of one défi reads the published bulletins of the others).
_PROMOTION_WIDE = (Membership,)


def _note_flushed_rows(session: Session, _context: object) -> None:
    """Keep the rows a flush wrote (created, deleted, or with a column changed), and note a
    row moved to another défi or promotion as a change to everything."""
    rows = session.info.setdefault(_CHANGED, [])
    rows += [*session.new, *session.deleted]
    for row in session.dirty:
        if session.is_modified(row, include_collections=False):
            rows.append(_EVERYTHING if _moved(row) else row)


def _moved(row: Any) -> bool:
    placing = {"defi_id", "promotion_id", *(_PARENT[type(row)][:1] if type(row) in _PARENT else ())}
    state = inspect(row)
    return any(old is not None for name in placing & set(state.attrs.keys())
               for old in state.attrs[name].history.deleted)


def _note_bulk_write(state: ORMExecuteState) -> None:
    """A statement that writes rows the unit of work does not see changes everything, unless
    it writes rows no cached read shows."""
    if state.is_select:
        return
    if getattr(state.statement, "table", None) not in _UNVERSIONED:
        state.session.info.setdefault(_CHANGED, []).append(_EVERYTHING)


def _changed_scopes(s: Session, rows: list[Any]) -> set[str]:
    """The cache scopes the written rows belong to: a row of a défi changes that défi, its
    promotion and the programme; a row of a promotion alone (its phases, its trainings) or a
    membership changes every défi of the promotion too; a row of neither (a person, a
    promotion itself) or of unknown place changes everything (the global scope)."""
    if not rows:
        return set()
    versioned = [row for row in rows if row is _EVERYTHING or row.__table__ not in _UNVERSIONED]
    if not versioned:  # only rows no read shows, yet bumped: do not guess who reads them
        return {ScopeVersion.GLOBAL}
    written = {(type(row), inspect(row).identity): row for row in versioned if row is not _EVERYTHING}
    defis: dict[int, int | None] = {}  # défi -> its promotion (None: not known yet)
    whole_promotions: set[int] = set()
    for row in versioned:
        place = None if row is _EVERYTHING else _place(s, row, written)
        if place is None:
            return {ScopeVersion.GLOBAL}
        defi_id, promotion_id = place
        if defi_id is None:
            whole_promotions.add(promotion_id)
        else:
            defis[defi_id] = defis.get(defi_id) or promotion_id
    if unknown := [d for d, p in defis.items() if p is None]:
        found = dict(s.execute(select(Defi.id, Defi.promotion_id).where(Defi.id.in_(unknown))).all())
        if len(found) < len(unknown):  # a défi deleted meanwhile: its promotion is unknown
            return {ScopeVersion.GLOBAL}
        defis |= found
    whole_promotions |= {defis[row.defi_id] for row in versioned if isinstance(row, _PROMOTION_WIDE)}
    if whole_promotions:
        defis |= dict(s.execute(select(Defi.id, Defi.promotion_id)
                                .where(Defi.promotion_id.in_(whole_promotions))).all())
    return ({ScopeVersion.PROGRAMME} | {ScopeVersion.promotion(p) for p in whole_promotions | set(defis.values())}
            | {ScopeVersion.defi(d) for d in defis})


def _place(s: Session, row: Any, written: dict[tuple, Any]) -> tuple[int | None, int | None] | None:
    """(défi, promotion) of a row, either possibly None; None when the row is of neither."""
    if isinstance(row, AuditEvent):  # a save that changed nothing still records one
        model = _MODELS.get(row.entity)
        row = None if model is None or row.entity_id is None else (
            written.get((model, (row.entity_id,))) or s.get(model, row.entity_id))
        if row is None:
            return None
    if isinstance(row, Defi):
        return row.id, row.promotion_id
    while type(row) in _PARENT:
        attribute, parent = _PARENT[type(row)]
        parent_id = getattr(row, attribute)
        # A parent deleted in the same transaction is no longer in the database.
        row = written.get((parent, (parent_id,))) or s.get(parent, parent_id)
        if row is None:
            return None
    defi_id, promotion_id = getattr(row, "defi_id", None), getattr(row, "promotion_id", None)
    return None if defi_id is None and promotion_id is None else (defi_id, promotion_id)


def defi_of(model: type, row_id: int, engine: Engine | None = None) -> int | None:
    """The défi a row of `model` (a phase of a défi, a committee) belongs to; None when unknown."""
    with reading(engine) as s:
        row = s.get(model, row_id)
        place = _place(s, row, {}) if row is not None else None
    return place[0] if place else None


def reads_across_promotions(read: Callable[..., R]) -> Callable[..., R]:
    """Mark a read whose result depends on more than the promotion or défi its arguments name
    (the actor's défis in every promotion): cached, it is keyed on the programme scope."""
    read.reads_across_promotions = True  # type: ignore[attr-defined]
    return read


def _bump(s: Session, scopes: set[str]) -> None:
    """Add one to each scope's version, creating the rows of scopes never written. In one
    statement, in a fixed order: concurrent writers lock the rows they share in the same order
    (no deadlock)."""
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(ScopeVersion).values([{"scope": scope, "value": 1} for scope in sorted(scopes)])
    s.execute(statement.on_conflict_do_update(index_elements=[ScopeVersion.scope],
                                              set_={"value": ScopeVersion.value + 1}))


Row = TypeVar("Row")
R = TypeVar("R")


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


def scope_versions(engine: Engine | None = None) -> dict[str, int]:
    """Every cache scope's version, in one query: the table holds a row per scope written since
    the versions exist (a few per promotion, one per défi), small enough to read whole once per
    run (docs/design.md, Caching)."""
    with (engine or get_engine()).connect() as conn:
        return dict(conn.execute(select(ScopeVersion.scope, ScopeVersion.value)).all())


def bumping_commits() -> int:
    """How many transactions that bump versions this process committed: versions read before
    one of them are out of date."""
    return _bumping_commits


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

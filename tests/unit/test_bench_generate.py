"""The benchmark's data generator at a tiny scale: the counts follow the scale, every
constraint holds, the same scale gives the same rows on SQLite and PostgreSQL, and the
app's own services read and write the result. (The benchmark itself is `make bench`.)"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from bench.generate import BIG_SHARE, NOW, Scale, generate
from lib import db, journal, portfolio
from lib.models import (
    Base,
    Bulletin,
    Defi,
    DefiRole,
    GlobalRole,
    JournalEntry,
    JournalEntryCategory,
    Membership,
    MonthlyCarnet,
    Promotion,
    User,
)
from lib.permissions import Actor
from lib.schemas import JournalEntryIn
from tests.conftest import fresh_database

SCALE = Scale(0.01)
# One generation per database kind for the whole module, so the tests stay on one worker.
pytestmark = pytest.mark.xdist_group("bench_generate")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def generated_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        for url in fresh_database(request.param, request, tmp_path_factory.mktemp("bench"), monkeypatch):
            engine = db.get_engine(url)
            yield engine, generate(engine, SCALE, quiet=True)


@pytest.fixture
def engine(generated_db: tuple) -> Engine:
    return generated_db[0]


@pytest.fixture
def generated(generated_db: tuple) -> dict[str, int]:
    return generated_db[1]


def count(engine: Engine, model: type[Base]) -> int:
    with db.reading(engine) as s:
        return s.scalar(select(func.count()).select_from(model))


def test_counts_follow_the_scale(engine: Engine, generated: dict[str, int]) -> None:
    assert (SCALE.promotions, SCALE.defis, SCALE.entries, SCALE.users) == (10, 30, 10_000, 100)
    assert count(engine, Promotion) == SCALE.promotions
    assert count(engine, Defi) == SCALE.defis
    assert count(engine, User) == SCALE.users == generated["user"]
    assert count(engine, JournalEntry) == SCALE.entries
    # Every week of the finished promotion and of the running one up to now is on offer,
    # more than this scale asks for: the total is exactly the scale's.
    assert count(engine, Bulletin) == SCALE.bulletins == 1500
    assert generated == {table.name: count(engine, table) for table in Base.metadata.sorted_tables
                         if table.name in generated}


def test_one_defi_holds_a_twentieth_of_the_journal_and_is_first_in_the_pickers(engine: Engine,
                                                                              generated: dict[str, int]) -> None:
    with db.reading(engine) as s:
        newest = s.scalar(select(Promotion.id).order_by(Promotion.start_date.desc()).limit(1))
        first = s.scalar(select(Defi.id).where(Defi.promotion_id == newest).order_by(Defi.name).limit(1))
        sizes = dict(s.execute(select(JournalEntry.defi_id, func.count()).group_by(JournalEntry.defi_id)).all())
    assert sizes[first] == round(SCALE.entries * BIG_SHARE) == max(sizes.values())
    assert len(sizes) == SCALE.defis


def test_teams_follow_the_programme_shape(engine: Engine, generated: dict[str, int]) -> None:
    with db.reading(engine) as s:
        roles = s.execute(select(Membership.defi_id, Membership.role, func.count())
                          .group_by(Membership.defi_id, Membership.role)).all()
        latest_entry = s.scalar(select(func.max(JournalEntry.done_on)))
        late_carnet = s.scalar(select(func.max(MonthlyCarnet.month)))
        multi = s.scalar(select(func.count()).select_from(
            select(JournalEntryCategory.entry_id).group_by(JournalEntryCategory.entry_id)
            .having(func.count() > 1).subquery()))
    per_role: dict[DefiRole, set[int]] = {}
    for _defi, role, n in roles:
        per_role.setdefault(DefiRole(role), set()).add(n)
    assert per_role == {DefiRole.EIG: {2, 3}, DefiRole.PORTEUR: {1}, DefiRole.SPONSOR: {1}, DefiRole.COACH: {1}}
    assert latest_entry <= NOW.date() and late_carnet <= NOW.date()
    assert multi > 0  # some entries carry two categories


def test_the_coach_overview_reads_every_defi_of_the_newest_promotion(engine: Engine,
                                                                     generated: dict[str, int]) -> None:
    with db.reading(engine) as s:
        coach = Actor.of(s.scalars(select(User).where(User.role == GlobalRole.COACH)).first())
        newest = s.scalar(select(Promotion.id).order_by(Promotion.start_date.desc()).limit(1))
    overview = portfolio.promotion_overview(coach, newest, NOW.date())
    assert len(overview) == SCALE.defis // SCALE.promotions
    assert overview["last_week"].notna().all()


def rows_of(engine: Engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {table.name: sorted(conn.execute(select(table)).all(), key=repr)
                for table in Base.metadata.sorted_tables if table.name != "scope_version"}


def test_same_rows_on_every_run_and_database(engine: Engine, generated: dict[str, int], tmp_path: Path) -> None:
    """Generated again into another SQLite file: identical rows, whichever database the
    first run went to (so SQLite and PostgreSQL figures compare like with like)."""
    other_url = f"sqlite:///{tmp_path / 'again.db'}"
    db.upgrade_to_head(other_url)
    other = db.get_engine(other_url)
    generate(other, SCALE, quiet=True)
    mine, again = rows_of(engine), rows_of(other)
    assert mine.keys() == again.keys()
    for name in mine:
        assert mine[name] == again[name], name


def test_every_constraint_holds(engine: Engine, generated: dict[str, int]) -> None:
    """The database checked constraints while loading; foreign keys are checked again here
    (SQLite) and PostgreSQL's id sequences let the app insert after the generated rows.
    Last in the module: it writes."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    with db.reading(engine) as s:
        eig = s.scalars(select(User).join(Membership, Membership.user_id == User.id)
                        .where(Membership.role == DefiRole.EIG, User.active.is_(True)).order_by(User.id)).first()
        defi_id = s.scalar(select(Membership.defi_id).where(Membership.user_id == eig.id))
    before = count(engine, JournalEntry)
    journal.add_entry(Actor.of(eig), defi_id,
                      JournalEntryIn(done_on=dt.date(2026, 5, 12), tache="Après le banc d'essai",
                                     categories=["P"], news=0))
    assert count(engine, JournalEntry) == before + 1

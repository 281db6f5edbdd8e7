"""Cached reads stay coherent when another process writes to the same database, and a write
drops only the cached reads of what it changed (its défi, its promotion, the programme): one
team filing its bulletin leaves the others' pages warm."""

from __future__ import annotations

import datetime as dt
import functools
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable

import pytest
from sqlalchemy import create_engine
from streamlit.testing.v1 import AppTest

from lib import bulletins, db, portfolio
from lib.config import ROOT
from lib.models import Promotion
from lib.schemas import BulletinIn
from lib.ui import cached
from tests.moments import PARIS, WEDNESDAY

# « Promo ancienne » runs in 2025: its team files at its own dates.
OLD_PROMOTION_WEDNESDAY = dt.datetime(2025, 3, 12, 10, 0, tzinfo=PARIS)


def file(actor, defi_id: int, now: dt.datetime = WEDNESDAY) -> None:  # noqa: ANN001 - Actor
    bulletins.file_bulletin(actor, defi_id, BulletinIn(mood=3, priority="Livrer", ups_downs="Ça avance"), now=now)


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """How many times each read below really ran: a cached read calls its service by name, so
    counting the service's runs counts the cache misses."""
    runs: Counter = Counter()
    def counting(name: str, read: Callable) -> Callable:
        @functools.wraps(read)
        def counted(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            runs[name] += 1
            return read(*args, **kwargs)

        return counted

    for module, name in [(bulletins, "defi_bulletins"), (bulletins, "participation"), (portfolio, "promotions_for")]:
        monkeypatch.setattr(module, name, counting(name, getattr(module, name)))
    return runs


def test_a_coach_read_of_a_defi_stays_warm_while_other_defis_file(world, computed):
    read = cached(bulletins.defi_bulletins)
    assert read(world.coach, world.beta_id, WEDNESDAY).empty
    file(world.eig, world.alpha_id)  # another défi of the promotion
    file(world.gamma_eig, world.gamma_id, OLD_PROMOTION_WEDNESDAY)  # a défi of another promotion
    assert read(world.coach, world.beta_id, WEDNESDAY).empty
    assert computed["defi_bulletins"] == 1
    file(world.beta_eig, world.beta_id)
    assert len(read(world.coach, world.beta_id, WEDNESDAY)) == 1
    assert computed["defi_bulletins"] == 2


def test_a_promotion_read_is_recomputed_when_any_defi_of_it_changes_and_only_then(world, computed):
    read = cached(bulletins.participation)
    read(world.coach, world.promotion_id, WEDNESDAY)
    file(world.gamma_eig, world.gamma_id, OLD_PROMOTION_WEDNESDAY)
    read(world.coach, world.promotion_id, WEDNESDAY)
    assert computed["participation"] == 1
    file(world.eig, world.alpha_id)
    read(world.coach, world.promotion_id, WEDNESDAY)
    assert computed["participation"] == 2


def test_a_programme_read_is_recomputed_by_any_write(world, computed):
    read = cached(portfolio.promotions_for)
    read(world.coach)
    read(world.coach)
    file(world.gamma_eig, world.gamma_id, OLD_PROMOTION_WEDNESDAY)
    read(world.coach)
    assert computed["promotions_for"] == 2


def test_a_write_from_another_process_invalidates_cached_reads(world, db_url):
    read = cached(portfolio.promotions_for)
    before = [p.name for p in read(world.coach)]
    assert read(world.coach) == read(world.coach)  # served from the cache
    other_process = create_engine(db_url)  # its own engine and pool, as a second replica would have
    try:
        with db.transaction(other_process) as s:
            s.add(Promotion(name="Écrite ailleurs", start_date=dt.date(2027, 1, 4)))
    finally:
        other_process.dispose()
    after = [p.name for p in read(world.coach)]
    assert "Écrite ailleurs" not in before
    assert "Écrite ailleurs" in after


def file_in_another_process(db_url: str, actor, defi_id: int) -> None:  # noqa: ANN001 - Actor
    """File a bulletin from a separate Python process on the same database, as a second app
    process would."""
    code = ("import sys; from lib.permissions import Actor; from tests.unit.test_cache import file; "
            "file(Actor.model_validate_json(sys.argv[1]), int(sys.argv[2]))")
    subprocess.run([sys.executable, "-c", code, actor.model_dump_json(), str(defi_id)], cwd=ROOT, check=True,
                   env=os.environ | {"DATABASE_URL": db_url})


def test_a_defi_bulletin_filed_by_another_process_is_seen_by_a_cached_read_of_that_defi(world, db_url):
    read = cached(bulletins.defi_bulletins)
    assert read(world.coach, world.beta_id, WEDNESDAY).empty
    file_in_another_process(db_url, world.beta_eig, world.beta_id)
    assert len(read(world.coach, world.beta_id, WEDNESDAY)) == 1


def test_cached_reads_are_per_user(world):
    read = cached(portfolio.defis_for)
    assert [d.name for d in read(world.coach, world.promotion_id)] == ["Alpha", "Beta"]
    assert [d.name for d in read(world.eig, world.promotion_id)] == ["Alpha"]


def page(coach, beta_id: int, eig, alpha_id: int) -> None:  # noqa: ANN001 - Actor
    """A page's run, as AppTest runs it: three cached reads, on the first run a bulletin filed
    for Alpha, then the same reads again."""
    import streamlit as st

    from lib import bulletins, portfolio
    from lib.ui import cached
    from tests.moments import WEDNESDAY
    from tests.unit.test_cache import file

    def reads() -> tuple[int, int, int]:
        return (len(cached(portfolio.promotions_for)(coach)),
                len(cached(bulletins.defi_bulletins)(coach, beta_id, WEDNESDAY)),
                len(cached(bulletins.defi_bulletins)(coach, alpha_id, WEDNESDAY)))

    st.session_state.setdefault("runs", 0)
    before = reads()
    if st.session_state.runs == 0:
        file(eig, alpha_id)
    st.session_state.runs += 1
    st.write(f"{before} {reads()}")


def test_a_run_reads_the_versions_once_and_again_after_its_own_write(world, db_url, monkeypatch):
    reads = Counter()

    def counted(engine=None, _original=db.scope_versions):  # noqa: ANN001, ANN202
        reads["versions"] += 1
        return _original(engine)

    monkeypatch.setattr(db, "scope_versions", counted)
    at = AppTest.from_function(page, args=(world.coach, world.beta_id, world.eig, world.alpha_id), default_timeout=30)
    at.run()
    assert at.markdown[0].value == "(2, 0, 0) (2, 0, 1)"  # the run's own write is seen after it
    assert reads["versions"] == 2
    file_in_another_process(db_url, world.beta_eig, world.beta_id)
    at.run()
    assert at.markdown[0].value == "(2, 1, 1) (2, 1, 1)"  # another process's write, at the next run
    assert reads["versions"] == 3


def test_a_page_changing_a_cached_result_changes_it_for_no_one_else(world):
    """Results are stored once and shared: a frame is handed out as a copy on write, anything
    else unpickled anew, so a page adding a column, writing a cell or appending changes its own."""
    file(world.beta_eig, world.beta_id)
    frame = cached(bulletins.defi_bulletins)
    mine = frame(world.coach, world.beta_id, WEDNESDAY)
    mine["extra"] = 1
    mine.iloc[0, mine.columns.get_loc("mood")] = 4
    assert "extra" not in frame(world.coach, world.beta_id, WEDNESDAY)
    assert list(frame(world.coach, world.beta_id, WEDNESDAY)["mood"]) == [3]
    listing = cached(portfolio.defis_for)
    listing(world.coach, world.promotion_id).append("changed")
    listing(world.coach, world.promotion_id)[0].name = "Renommé"
    assert [d.name for d in listing(world.coach, world.promotion_id)] == ["Alpha", "Beta"]

"""Cached reads stay coherent when another process writes to the same database."""

import datetime as dt

from sqlalchemy import create_engine

from lib import db, portfolio
from lib.models import Promotion
from lib.ui import cached


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


def test_cached_reads_are_per_user(world):
    read = cached(portfolio.defis_for)
    assert [d.name for d in read(world.coach, world.promotion_id)] == ["Alpha", "Beta"]
    assert [d.name for d in read(world.eig, world.promotion_id)] == ["Alpha"]

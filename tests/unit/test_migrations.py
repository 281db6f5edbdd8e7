"""The migrations build exactly the schema the models describe, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

from lib import db
from lib.models import Base, DataVersion


def test_upgrade_from_empty_to_head_matches_models(db_url):
    engine = db.get_engine(db_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert context.get_current_revision() is not None
        diff = compare_metadata(context, Base.metadata)
    assert diff == []
    assert set(inspect(engine).get_table_names()) >= set(Base.metadata.tables)


def test_upgrade_is_idempotent_and_keeps_the_version_row(db_url):
    db.upgrade_to_head(db_url)
    with db.reading() as s:
        assert s.scalars(select(DataVersion.value)).all() == [0]


def test_every_write_transaction_bumps_the_data_version(db_url):
    before = db.data_version()
    with db.transaction():
        pass
    with db.reading():
        pass
    assert db.data_version() == before + 1

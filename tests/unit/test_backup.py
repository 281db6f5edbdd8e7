"""Snapshots restore: create, load into a fresh empty database, and find every table with
the same rows; a non-empty target and a snapshot from a newer migration are refused."""

from __future__ import annotations

import datetime as dt
import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, update

from lib import backup, db, journal
from lib.models import Base, User
from lib.schemas import JournalEntryIn
from tests.conftest import empty_database


@pytest.fixture
def empty_url(db_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A brand-new database of the same kind as `db_url`, without a single table."""
    yield from empty_database("sqlite" if db_url.startswith("sqlite") else "postgresql", request, tmp_path)


def _digests(url: str) -> dict[str, backup.TableDigest]:
    with db.scratch_engine(url) as engine, engine.connect() as conn:
        return backup.table_digests(conn)


def _count(url: str, table: str) -> int:
    with db.scratch_engine(url) as engine, engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(Base.metadata.tables[table]))


def test_create_then_restore_into_a_fresh_database_gives_back_every_row(world, db_url, empty_url, tmp_path):
    journal.add_entry(world.eig, world.alpha_id,
                      JournalEntryIn(done_on=dt.date(2026, 4, 8), categories=["A"],
                                 tache="Atelier « données » avec l'équipe — 1ʳᵉ séance"),
                      now=dt.datetime(2026, 4, 9, 10, tzinfo=dt.UTC))
    folder = backup.create(tmp_path / "snapshots", db_url)
    manifest = backup.read_manifest(folder)
    assert manifest.revision == db.migration_scripts().get_current_head()
    assert set(manifest.tables) == set(Base.metadata.tables) | {"alembic_version"}
    for table in Base.metadata.tables:
        assert manifest.tables[table].rows == _count(db_url, table), table
    assert manifest.tables["journal_entry"].rows == 1 and manifest.tables["user"].rows == 10
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / manifest.file).stat().st_mode) == 0o600

    backup.restore(folder, empty_url)

    assert _digests(empty_url) == _digests(db_url) == manifest.tables
    assert _count(empty_url, "journal_entry") == 1


def test_a_changed_value_changes_the_table_checksum(world, db_url):
    before = _digests(db_url)
    with db.transaction() as s:
        s.execute(update(User).where(User.id == world.eig.id).values(email="autre@example.org"))
    after = _digests(db_url)
    assert after["user"].rows == before["user"].rows
    assert after["user"].checksum != before["user"].checksum
    assert after["defi"] == before["defi"]


def test_restore_refuses_a_database_that_is_not_empty(world, db_url, tmp_path, capsys):
    folder = backup.create(tmp_path, db_url)
    with db.transaction() as s:
        s.execute(update(User).where(User.id == world.eig.id).values(display_name="Modifiée après"))
    assert backup.main(["restore", str(folder)]) == 2
    assert "n'est pas vide" in capsys.readouterr().err
    with db.reading() as s:
        assert s.scalar(select(User.display_name).where(User.id == world.eig.id)) == "Modifiée après"


def test_restore_refuses_a_snapshot_from_a_newer_migration(world, db_url, empty_url, tmp_path, capsys,
                                                            monkeypatch):
    folder = backup.create(tmp_path, db_url)
    manifest = json.loads((folder / backup.MANIFEST).read_text())
    manifest["revision"] = "0099_from_the_future"
    (folder / backup.MANIFEST).write_text(json.dumps(manifest))
    monkeypatch.setenv("DATABASE_URL", empty_url)
    from lib.config import get_settings

    get_settings.cache_clear()
    assert backup.main(["restore", str(folder)]) == 2
    assert "version plus récente de l'application" in capsys.readouterr().err
    with db.scratch_engine(empty_url) as engine:
        assert inspect(engine).get_table_names() == []


def test_restore_refuses_a_damaged_data_file(world, db_url, empty_url, tmp_path):
    folder = backup.create(tmp_path, db_url)
    data = folder / backup.read_manifest(folder).file
    data.write_bytes(data.read_bytes()[:-10])
    with pytest.raises(backup.BackupError, match="abîmé"):
        backup.restore(folder, empty_url)

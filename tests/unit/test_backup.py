"""Snapshots restore: create, load into a fresh empty database, and find every table with
the same rows; a non-empty target and a snapshot from a newer migration are refused."""

from __future__ import annotations

import datetime as dt
import json
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, make_url, select, text, update

from lib import backup, db, journal
from lib.config import get_settings
from lib.models import Base, User
from lib.schemas import JournalEntryIn
from tests import pg
from tests.conftest import ANY, empty_database, said


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


# --- Restore that cannot half-happen ------------------------------------------------------------


@pytest.fixture
def snapshot(world, db_url: str, tmp_path: Path) -> Path:  # noqa: ANN001
    return backup.create(tmp_path / "snapshots", db_url)


def _edit_manifest(folder: Path, **changes: object) -> None:
    manifest = json.loads((folder / backup.MANIFEST).read_text())
    manifest.update(changes)
    (folder / backup.MANIFEST).write_text(json.dumps(manifest))


def _restore_cli(target_url: str, snapshot: Path, monkeypatch: pytest.MonkeyPatch,
                 capsys: pytest.CaptureFixture) -> tuple[int, str]:
    """`python -m lib.backup restore SNAPSHOT` with DATABASE_URL=target_url: exit code and stderr."""
    monkeypatch.setenv("DATABASE_URL", target_url)
    get_settings.cache_clear()
    capsys.readouterr()
    code = backup.main(["restore", str(snapshot)])
    return code, capsys.readouterr().err


def _target_state(url: str) -> object:
    """All a restore could leave behind: the SQLite file and its folder's listing, or the
    target's tables and the server's databases."""
    if url.startswith("sqlite"):
        path = Path(make_url(url).database)
        return sorted(p.name for p in path.parent.iterdir()), path.read_bytes() if path.exists() else None
    with db.scratch_engine(url) as engine, engine.connect() as conn:
        databases = sorted(conn.scalars(text("SELECT datname FROM pg_database")))
        return inspect(conn).get_table_names(), databases


def _refused(code: int, err: str, key: str, **values: object) -> None:
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert re.fullmatch(said(key, **values) + "\n", err), err


@pytest.mark.parametrize("escape", ["parent", "absolute", "link"])
def test_a_manifest_naming_a_file_outside_the_snapshot_is_refused(snapshot, empty_url, tmp_path, monkeypatch,
                                                                  capsys, escape):
    data = snapshot / backup.read_manifest(snapshot).file
    elsewhere = tmp_path / "ailleurs"
    elsewhere.mkdir()
    outside = elsewhere / data.name
    data.rename(outside)  # a valid data file, with the checksum the manifest expects, out of the folder
    if escape == "link":
        (snapshot / "lien").symlink_to(outside)
    named = {"parent": f"../../ailleurs/{data.name}", "absolute": str(outside), "link": "lien"}[escape]
    _edit_manifest(snapshot, file=named)
    before = _target_state(empty_url)
    code, err = _restore_cli(empty_url, snapshot, monkeypatch, capsys)
    _refused(code, err, "backup.outside", file=named)
    assert _target_state(empty_url) == before


def test_a_failed_check_leaves_the_target_exactly_as_it_was(snapshot, empty_url, monkeypatch, capsys):
    manifest = json.loads((snapshot / backup.MANIFEST).read_text())
    manifest["tables"]["user"]["rows"] += 1  # the data file matches its checksum, not the table counts
    (snapshot / backup.MANIFEST).write_text(json.dumps(manifest))
    before = _target_state(empty_url)
    code, err = _restore_cli(empty_url, snapshot, monkeypatch, capsys)
    _refused(code, err, "backup.mismatch", tables="user")
    assert _target_state(empty_url) == before


def _missing_folder(folder: Path) -> Path:
    return folder.parent / "suivi-inexistant"


def _data_instead_of_folder(folder: Path) -> Path:
    return folder / backup.read_manifest(folder).file


def _no_manifest(folder: Path) -> Path:
    (folder / backup.MANIFEST).unlink()
    return folder


def _garbled_manifest(folder: Path) -> Path:
    (folder / backup.MANIFEST).write_bytes(b'\xff\xfe{"revision": \x00')
    return folder


def _damaged_data(folder: Path) -> Path:
    data = folder / backup.read_manifest(folder).file
    data.write_bytes(data.read_bytes()[:-10])
    return folder


def _newer_revision(folder: Path) -> Path:
    _edit_manifest(folder, revision="0099_from_the_future")
    return folder


OPERATOR_MISTAKES = {  # what the operator did -> (how, the refusal's catalogue key)
    "missing folder": (_missing_folder, "backup.no_snapshot"),
    "a file instead of a folder": (_data_instead_of_folder, "backup.not_a_folder"),
    "missing manifest": (_no_manifest, "backup.no_manifest"),
    "garbled manifest": (_garbled_manifest, "backup.no_manifest"),
    "wrong checksum": (_damaged_data, "backup.corrupt"),
    "snapshot from a newer migration": (_newer_revision, "backup.newer_revision"),
}


@pytest.mark.parametrize("mistake", OPERATOR_MISTAKES)
def test_each_operator_mistake_is_one_french_line_with_exit_code_2(snapshot, empty_url, monkeypatch, capsys,
                                                                   mistake):
    make, key = OPERATOR_MISTAKES[mistake]
    named = make(snapshot)
    before = _target_state(empty_url)
    code, err = _restore_cli(empty_url, named, monkeypatch, capsys)
    _refused(code, err, key, path=named, file=ANY, revision=ANY)
    assert _target_state(empty_url) == before


def test_an_unreachable_or_unusable_target_is_one_french_line_with_exit_code_2(snapshot, db_url, tmp_path,
                                                                               monkeypatch, capsys):
    if db_url.startswith("sqlite"):
        unreachable = f"sqlite:///{tmp_path / 'pas-de-dossier' / 'suivi.db'}"
    else:
        unreachable = f"postgresql+psycopg://postgres@127.0.0.1:{pg.free_port()}/suivi"
    _refused(*_restore_cli(unreachable, snapshot, monkeypatch, capsys), "backup.database_error", error=ANY)
    _refused(*_restore_cli("pas une adresse", snapshot, monkeypatch, capsys), "backup.bad_url", error=ANY)
    other = "postgresql+psycopg://postgres@127.0.0.1/suivi" if db_url.startswith("sqlite") else "sqlite:///x.db"
    _refused(*_restore_cli(other, snapshot, monkeypatch, capsys), "backup.kind_mismatch", snapshot=ANY, target=ANY)
    assert not (tmp_path / "pas-de-dossier").exists() and not Path("x.db").exists()


def test_a_restore_replaces_an_empty_target_file_and_leaves_no_scratch(snapshot, db_url, empty_url, monkeypatch,
                                                                       capsys):
    if empty_url.startswith("sqlite"):
        Path(make_url(empty_url).database).touch()  # an empty file is an empty SQLite database
    listing = _target_state(empty_url)[1 if empty_url.startswith("postgresql") else 0]
    code, _ = _restore_cli(empty_url, snapshot, monkeypatch, capsys)
    assert code == 0
    assert _digests(empty_url) == backup.read_manifest(snapshot).tables
    after = _target_state(empty_url)
    assert (after[1] if empty_url.startswith("postgresql") else after[0]) == listing

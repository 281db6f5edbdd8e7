"""Database snapshots that restore: `python -m lib.backup create [--to DIR]` and
`python -m lib.backup restore SNAPSHOT`.

A snapshot is a folder holding the data file (SQLite's online backup, or `pg_dump` custom
format) and `manifest.json`: time, migration revision, and each table's row count and
checksum, all read from the same consistent view as the data file. Restoring loads it into
a scratch database beside an empty target, checks every table against the manifest, and only
then moves it into place (docs/operations.md, "Restore drill"). Every refusal is one French line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Literal

from alembic.migration import MigrationContext
from pydantic import BaseModel, ValidationError
from sqlalchemy import URL, Connection, MetaData, inspect, make_url, select, text
from sqlalchemy.exc import ArgumentError, DBAPIError

from lib import db
from lib.config import DATA_DIR, get_settings
from lib.i18n import t
from lib.models import utcnow

MANIFEST = "manifest.json"
DEFAULT_DIR = DATA_DIR / "backups"
PG_INSTALLS = Path("/usr/lib/postgresql")
PG_MAINTENANCE_DB = "postgres"  # where a restore renames databases from (a database cannot rename itself)


class BackupError(Exception):
    """A refused or failed backup or restore; the message is French, the CLI exits with 2."""


class TableDigest(BaseModel):
    rows: int
    checksum: str


class Manifest(BaseModel):
    created_at: dt.datetime
    database: Literal["sqlite", "postgresql"]
    revision: str | None
    file: str
    sha256: str
    tables: dict[str, TableDigest]


def table_digests(conn: Connection) -> dict[str, TableDigest]:
    """Every table's row count and a SHA-256 of its rows in primary-key order."""
    meta = MetaData()
    meta.reflect(conn)
    digests = {}
    for name, table in sorted(meta.tables.items()):
        order = list(table.primary_key.columns) or list(table.columns)
        checksum, rows = hashlib.sha256(), 0
        for row in conn.execute(select(table).order_by(*order).execution_options(yield_per=1000)):
            checksum.update(json.dumps(list(row), default=str, sort_keys=True).encode() + b"\n")
            rows += 1
        digests[name] = TableDigest(rows=rows, checksum=checksum.hexdigest())
    return digests


def _read_state(conn: Connection) -> tuple[str | None, dict[str, TableDigest]]:
    return MigrationContext.configure(conn).get_current_revision(), table_digests(conn)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_tool(name: str) -> str:
    """`pg_dump` or `pg_restore`: from PATH, else the newest under /usr/lib/postgresql."""
    installed = sorted(PG_INSTALLS.glob(f"*/bin/{name}"),
                       key=lambda p: int(p.parents[1].name) if p.parents[1].name.isdigit() else 0)
    found = shutil.which(name) or (str(installed[-1]) if installed else None)
    if found is None:
        raise BackupError(t("backup.tool_missing", tool=name))
    return found


def _run_pg(tool: str, url: str, *args: str) -> subprocess.Popen:
    """Start a PostgreSQL client tool on `url`; the password goes through the environment,
    never the command line, which other users of the machine can read."""
    parsed = make_url(url)
    env = {**os.environ, **({"PGPASSWORD": parsed.password} if parsed.password else {})}
    target = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return subprocess.Popen([_pg_tool(tool), f"--dbname={target}", *args], env=env, text=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait(process: subprocess.Popen, tool: str) -> None:
    _, errors = process.communicate()
    if process.returncode:
        raise BackupError(t("backup.tool_failed", tool=tool, error=errors.strip()))


def _snapshot_sqlite(url: str, target: Path) -> tuple[str | None, dict[str, TableDigest]]:
    """SQLite's online backup API: a consistent copy even while the app writes."""
    path = make_url(url).database or ""
    if not Path(path).is_file():
        raise BackupError(t("backup.no_database", path=path))
    with closing(sqlite3.connect(path)) as source, closing(sqlite3.connect(target)) as copy:
        source.backup(copy)
    with db.scratch_engine(f"sqlite:///{target}") as engine, engine.connect() as conn:
        return _read_state(conn)


def _snapshot_postgresql(url: str, target: Path) -> tuple[str | None, dict[str, TableDigest]]:
    """pg_dump reads the snapshot this transaction exports, so the manifest counts exactly
    the rows the dump holds, whatever is written meanwhile."""
    with db.scratch_engine(url) as engine, engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
        dump = _run_pg("pg_dump", url, "--format=custom", f"--snapshot={snapshot}", f"--file={target}")
        try:
            state = _read_state(conn)
        finally:
            _wait(dump, "pg_dump")
        conn.rollback()
        return state


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())


@contextmanager
def _refusals() -> Iterator[None]:
    """A database, a file system or a URL that says no becomes a French refusal, never a traceback."""
    try:
        yield
    except ArgumentError as exc:
        raise BackupError(t("backup.bad_url", error=_one_line(exc))) from exc
    except (DBAPIError, sqlite3.Error) as exc:
        raise BackupError(t("backup.database_error", error=_one_line(getattr(exc, "orig", exc)))) from exc
    except OSError as exc:
        raise BackupError(t("backup.os_error", error=_one_line(exc))) from exc


def create(to: Path | None = None, url: str | None = None, now: dt.datetime | None = None) -> Path:
    """Write a snapshot of the database into a new folder under `to`; return the folder.
    The manifest is written last: a folder without one is an interrupted snapshot."""
    url = url or get_settings().database_url
    now = now or utcnow()
    with _refusals():
        kind = make_url(url).get_backend_name()
        folder = (to or DEFAULT_DIR) / f"suivi-{now:%Y%m%dT%H%M%SZ}"
        folder.parent.mkdir(parents=True, exist_ok=True)
        folder.mkdir(mode=0o700)  # personal data and password hashes: the operator's eyes only
        data = folder / ("suivi.sqlite" if kind == "sqlite" else "suivi.pgdump")
        data.touch(mode=0o600)
        revision, tables = (_snapshot_sqlite if kind == "sqlite" else _snapshot_postgresql)(url, data)
        manifest = Manifest(created_at=now, database=kind, revision=revision, file=data.name,
                            sha256=_file_sha256(data), tables=tables)
        pending = folder / f"{MANIFEST}.part"
        pending.write_text(manifest.model_dump_json(indent=2))
        pending.rename(folder / MANIFEST)
        return folder


def _snapshot_folder(snapshot: Path) -> Path:
    """The folder named on the command line (or the folder of the manifest named)."""
    folder = snapshot.parent if snapshot.name == MANIFEST and snapshot.is_file() else snapshot
    if not folder.exists():
        raise BackupError(t("backup.no_snapshot", path=snapshot))
    if not folder.is_dir():
        raise BackupError(t("backup.not_a_folder", path=snapshot))
    return folder


def read_manifest(snapshot: Path) -> Manifest:
    """The manifest of a snapshot folder (or of the manifest file itself)."""
    folder = _snapshot_folder(snapshot)
    try:
        return Manifest.model_validate_json((folder / MANIFEST).read_bytes())
    except (OSError, ValidationError) as exc:
        raise BackupError(t("backup.no_manifest", path=snapshot)) from exc


def _data_file(folder: Path, manifest: Manifest) -> Path:
    """The data file the manifest names, which must lie in the snapshot folder itself: a
    manifest naming `../…`, an absolute path or a link leading out is refused, as is a file
    whose checksum differs from the manifest's."""
    data = folder / manifest.file
    if (manifest.file in ("", ".", "..") or Path(manifest.file).name != manifest.file
            or data.resolve().parent != folder.resolve()):
        raise BackupError(t("backup.outside", file=manifest.file))
    if not data.is_file() or _file_sha256(data) != manifest.sha256:
        raise BackupError(t("backup.corrupt", file=data))
    return data


def _check(url: str, manifest: Manifest) -> None:
    """Every table's rows and checksum in the database at `url` against the manifest."""
    with db.scratch_engine(url) as engine, engine.connect() as conn:
        restored = table_digests(conn)
    differing = sorted(name for name in manifest.tables.keys() | restored.keys()
                       if manifest.tables.get(name) != restored.get(name))
    if differing:
        raise BackupError(t("backup.mismatch", tables=", ".join(differing)))


def _restore_sqlite(data: Path, url: URL, manifest: Manifest) -> None:
    """Load and check the snapshot in a scratch file beside the target, then rename it over
    the target: one atomic step, so the target is either untouched or the checked copy."""
    if not url.database or url.database == ":memory:":
        raise BackupError(t("backup.bad_url", error=url.render_as_string()))
    target = Path(url.database)
    if not target.parent.is_dir():
        raise BackupError(t("backup.database_error", error=t("backup.no_folder", path=target.parent)))
    if target.exists():
        with closing(sqlite3.connect(f"{target.resolve().as_uri()}?mode=ro", uri=True)) as conn:
            tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        if tables:
            raise BackupError(t("backup.not_empty", n=tables))
    if any(Path(f"{target}{suffix}").exists() for suffix in ("-wal", "-journal")):
        raise BackupError(t("backup.target_in_use"))
    scratch = target.with_name(f".{target.name}.restauration-{secrets.token_hex(4)}")
    os.close(os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        with closing(sqlite3.connect(f"{data.resolve().as_uri()}?mode=ro", uri=True)) as source, \
                closing(sqlite3.connect(scratch)) as copy:
            source.backup(copy)
        _check(f"sqlite:///{scratch}", manifest)
        os.replace(scratch, target)
    finally:
        scratch.unlink(missing_ok=True)


def _restore_postgresql(data: Path, url: URL, manifest: Manifest) -> None:
    """Load and check the snapshot in a scratch database, then give it the target's name and
    the empty target another name in one transaction; the empty one is dropped afterwards.
    Renaming needs a connection to a third database: the server's `postgres` database."""
    with db.scratch_engine(url) as engine:
        tables = inspect(engine).get_table_names()
    if tables:
        raise BackupError(t("backup.not_empty", n=len(tables)))
    token, stem = secrets.token_hex(4), (url.database or "")[:40]
    scratch, emptied = f"{stem}_restauration_{token}", f"{stem}_vide_{token}"
    with db.scratch_engine(url.set(database=PG_MAINTENANCE_DB)) as server:
        quote = server.dialect.identifier_preparer.quote
        with server.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f"CREATE DATABASE {quote(scratch)}"))
            try:
                _wait(_run_pg("pg_restore", url.set(database=scratch).render_as_string(hide_password=False),
                              "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                              str(data)), "pg_restore")
                _check(url.set(database=scratch).render_as_string(hide_password=False), manifest)
                try:
                    with server.begin() as swap:
                        swap.execute(text(f"ALTER DATABASE {quote(url.database)} RENAME TO {quote(emptied)}"))
                        swap.execute(text(f"ALTER DATABASE {quote(scratch)} RENAME TO {quote(url.database)}"))
                except DBAPIError as exc:
                    raise BackupError(t("backup.target_in_use")) from exc
            except BaseException:
                conn.execute(text(f"DROP DATABASE IF EXISTS {quote(scratch)} WITH (FORCE)"))
                raise
            try:
                conn.execute(text(f"DROP DATABASE {quote(emptied)}"))
            except DBAPIError as exc:
                raise BackupError(t("backup.leftover", name=emptied)) from exc


def restore(snapshot: Path, url: str | None = None) -> Manifest:
    """Load a snapshot into an empty database of the same kind, checking every table's rows
    and checksum against the manifest before the target sees any of it: all of it, checked,
    or nothing. A snapshot from a migration this code does not know (a newer version of the
    app) is refused: the code could not read its schema."""
    folder = _snapshot_folder(snapshot)
    manifest = read_manifest(folder)
    known = {script.revision for script in db.migration_scripts().walk_revisions()}
    if manifest.revision is not None and manifest.revision not in known:
        raise BackupError(t("backup.newer_revision", revision=manifest.revision))
    with _refusals():
        target = make_url(url or get_settings().database_url)
        kind = target.get_backend_name()
        if kind != manifest.database:
            raise BackupError(t("backup.kind_mismatch", snapshot=manifest.database, target=kind))
        data = _data_file(folder, manifest)
        (_restore_sqlite if kind == "sqlite" else _restore_postgresql)(data, target, manifest)
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lib.backup", description=t("backup.cli.description"))
    commands = parser.add_subparsers(dest="command", required=True)
    create_cmd = commands.add_parser("create", help=t("backup.cli.create"))
    create_cmd.add_argument("--to", type=Path, default=None, help=t("backup.cli.to"))
    restore_cmd = commands.add_parser("restore", help=t("backup.cli.restore"))
    restore_cmd.add_argument("snapshot", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.command == "create":
            folder = create(args.to)
            manifest = read_manifest(folder)
            print(t("backup.created", path=folder, n=len(manifest.tables),
                    rows=sum(d.rows for d in manifest.tables.values()), revision=manifest.revision))
        else:
            manifest = restore(args.snapshot)
            print(t("backup.restored", at=f"{manifest.created_at:%d/%m/%Y %H:%M} UTC", n=len(manifest.tables),
                    rows=sum(d.rows for d in manifest.tables.values())))
    except BackupError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Database snapshots that restore: `python -m lib.backup create [--to DIR]` and
`python -m lib.backup restore SNAPSHOT`.

A snapshot is a folder holding the data file (SQLite's online backup, or `pg_dump` custom
format) and `manifest.json`: time, migration revision, and each table's row count and
checksum, all read from the same consistent view as the data file. Restoring loads it into
an empty database, then checks every table against the manifest.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import Literal

from alembic.migration import MigrationContext
from pydantic import BaseModel, ValidationError
from sqlalchemy import Connection, MetaData, inspect, make_url, select, text

from lib import db
from lib.config import DATA_DIR, get_settings
from lib.i18n import t
from lib.models import utcnow

MANIFEST = "manifest.json"
DEFAULT_DIR = DATA_DIR / "backups"
PG_INSTALLS = Path("/usr/lib/postgresql")


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


def create(to: Path | None = None, url: str | None = None, now: dt.datetime | None = None) -> Path:
    """Write a snapshot of the database into a new folder under `to`; return the folder.
    The manifest is written last: a folder without one is an interrupted snapshot."""
    url = url or get_settings().database_url
    now = now or utcnow()
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


def read_manifest(snapshot: Path) -> Manifest:
    """The manifest of a snapshot folder (or of the manifest file itself)."""
    path = snapshot if snapshot.name == MANIFEST else snapshot / MANIFEST
    try:
        return Manifest.model_validate_json(path.read_text())
    except (OSError, ValidationError) as exc:
        raise BackupError(t("backup.no_manifest", path=snapshot)) from exc


def restore(snapshot: Path, url: str | None = None) -> Manifest:
    """Load a snapshot into an empty database of the same kind, then check every table's
    rows and checksum against the manifest. A snapshot from a migration this code does not
    know (a newer version of the app) is refused: the code could not read its schema."""
    url = url or get_settings().database_url
    manifest = read_manifest(snapshot)
    folder = snapshot.parent if snapshot.name == MANIFEST else snapshot
    known = {script.revision for script in db.migration_scripts().walk_revisions()}
    if manifest.revision is not None and manifest.revision not in known:
        raise BackupError(t("backup.newer_revision", revision=manifest.revision))
    kind = make_url(url).get_backend_name()
    if kind != manifest.database:
        raise BackupError(t("backup.kind_mismatch", snapshot=manifest.database, target=kind))
    data = folder / manifest.file
    if not data.is_file() or _file_sha256(data) != manifest.sha256:
        raise BackupError(t("backup.corrupt", file=data))
    with db.scratch_engine(url) as engine:
        tables = inspect(engine).get_table_names()
    if tables:
        raise BackupError(t("backup.not_empty", n=len(tables)))
    if kind == "sqlite":
        with closing(sqlite3.connect(f"file:{data}?mode=ro", uri=True)) as source, \
                closing(sqlite3.connect(make_url(url).database)) as target:
            source.backup(target)
    else:
        _wait(_run_pg("pg_restore", url, "--no-owner", "--no-privileges", "--exit-on-error",
                      "--single-transaction", str(data)), "pg_restore")
    with db.scratch_engine(url) as engine, engine.connect() as conn:
        restored = table_digests(conn)
    differing = sorted(name for name in manifest.tables.keys() | restored.keys()
                       if manifest.tables.get(name) != restored.get(name))
    if differing:
        raise BackupError(t("backup.mismatch", tables=", ".join(differing)))
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

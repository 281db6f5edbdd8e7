"""A throwaway PostgreSQL 15 server in a temporary directory (tests and benchmark).

As root the server refuses to run, so it runs as the `postgres` user then."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def available() -> bool:
    return (PG_BIN / "initdb").exists()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(*args: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """Start a server on a free port; yield its base URL (no database name); stop and delete it."""
    workdir = Path(tempfile.mkdtemp(prefix="suivi-pg-"))
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres")
    port, data = free_port(), workdir / "data"
    pg_ctl = str(PG_BIN / "pg_ctl")
    subprocess.run(_as_postgres(str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"),
                   check=True, capture_output=True)
    subprocess.run(_as_postgres(pg_ctl, "-D", str(data), "-o",
                                f"-k {workdir} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off "
                                "-c max_connections=200", "-w", "-l", str(workdir / "log"), "start"),
                   check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(_as_postgres(pg_ctl, "-D", str(data), "-m", "fast", "stop"), capture_output=True)
        shutil.rmtree(workdir, ignore_errors=True)


def admin_execute(base_url: str, statement: str) -> None:
    """Run a statement outside a transaction (CREATE/DROP DATABASE) on the server."""
    engine = create_engine(f"{base_url}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(statement))
    engine.dispose()

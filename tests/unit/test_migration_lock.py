"""Several app processes starting together on one empty PostgreSQL database: the schema
is migrated once, and every process starts."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid

from lib import db
from lib.config import ROOT
from tests import pg

# Each process imports, waits for a common start time, then migrates as the app does.
CHILD = """
import logging, sys, time
logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(message)s")
from lib.db import upgrade_to_head
time.sleep(max(0.0, float(sys.argv[1]) - time.time()))
upgrade_to_head()
"""


def test_processes_starting_together_migrate_an_empty_postgresql_once(postgres_server):
    name = f"t_{uuid.uuid4().hex[:12]}"
    pg.admin_execute(postgres_server, f"CREATE DATABASE {name}")
    url = f"{postgres_server}/{name}"
    try:
        start = str(time.time() + 3)
        env = {**os.environ, "DATABASE_URL": url}
        children = [subprocess.Popen([sys.executable, "-c", CHILD, start], cwd=ROOT, env=env, text=True,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
        outcomes = [child.communicate(timeout=120) for child in children]
        assert [child.returncode for child in children] == [0, 0], [err for _, err in outcomes]
        migrated = [out for out, _ in outcomes if "database migrated from empty" in out]
        assert len(migrated) == 1
        with db.scratch_engine(url) as engine:
            assert db.current_revision(engine) == db.migration_scripts().get_current_head()
    finally:
        db.dispose_engines()
        pg.admin_execute(postgres_server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


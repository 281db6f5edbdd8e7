"""What the two-step imports (lib.importers: the legacy journal; lib.roster: a promotion's roster)
share besides reading the file (lib.tabular): the store where an analysed file's rows and
problems wait between the preview and the confirmation, the analysis a page keeps in the
session, and the command line's common arguments.

The store is a folder of the machine's temporary directory, files readable by the app's user
only, one set per analysis under a random token; a page keeps the token, never the rows.
Files nobody confirmed are removed after a day.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, TextIO

from pydantic import BaseModel
from sqlalchemy import select

from lib import db
from lib.errors import NotFound, ServiceError
from lib.i18n import t
from lib.models import GlobalRole, Promotion, User
from lib.permissions import Actor
from lib.tabular import Problem

UPLOAD_MAX_MB = 20  # the largest legacy table is ~2 MB; the page refuses bigger files
SHOWN_PROBLEMS = 1000  # problems carried by the preview; the full list stays in the store
STORE = Path(tempfile.gettempdir()) / "suivi-imports"
STORE_TTL_S = 24 * 3600  # an analysed file nobody confirmed is removed after a day
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{32}")
KINDS = ("rows", "problems", "changes")  # the files an analysis may leave in the store
Progress = Callable[[int, int], None]


class Analysis(BaseModel):
    """What a page keeps in the session of an analysed file: counts and the first problems;
    the rows themselves wait in the store under `token`."""

    token: str
    filename: str
    promotion_id: int
    promotion_name: str
    records: int  # data records read
    valid: int
    errors: int  # lines in error
    warnings: int
    problems: list[Problem]  # the first SHOWN_PROBLEMS, by line

    @property
    def problem_count(self) -> int:
        return self.errors + self.warnings


class DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


def store_path(token: str, kind: str) -> Path:
    if not TOKEN_RE.fullmatch(token):
        raise NotFound(t("error.not_found"))
    return STORE / f"{token}.{kind}.jsonl"


def _sweep_store() -> None:
    """Remove the files of analyses nobody confirmed (a closed tab, a lost session)."""
    limit = time.time() - STORE_TTL_S
    for path in STORE.glob("*.jsonl"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            continue  # another process removed it first


def open_new(path: Path) -> TextIO:
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8")


def new_token() -> str:
    """A fresh token for an analysis's files, the store created and swept first."""
    STORE.mkdir(mode=0o700, exist_ok=True)
    _sweep_store()
    return secrets.token_urlsafe(24)


def remove(token: str) -> None:
    for kind in KINDS:
        store_path(token, kind).unlink(missing_ok=True)


def discard(preview: Analysis) -> None:
    """Remove the analysed file's rows, problems and changes (after the import, or a new analysis)."""
    remove(preview.token)


def open_stored(preview: Analysis, kind: str) -> TextIO:
    try:
        return store_path(preview.token, kind).open(encoding="utf-8")
    except FileNotFoundError:
        raise NotFound(t("import.expired")) from None


def stored_problems(preview: Analysis) -> Iterator[Problem]:
    """Every problem of the file, by line (the preview carries only the first ones)."""
    with open_stored(preview, "problems") as handle:
        for raw in handle:
            line, severity, message = json.loads(raw)
            yield Problem(line=line, severity=severity, message=message)


# --- Command line ----------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments every import command takes: the file, the promotion, --dry-run, --as."""
    parser.add_argument("file")
    parser.add_argument("--promotion", required=True)
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--as", dest="login", default=None, help=t("import.cli.as"))


def _cli_actor(login: str | None) -> Actor:
    with db.reading() as s:
        query = select(User).where(User.active.is_(True))
        query = (query.where(User.login == login) if login
                 else query.where(User.role == GlobalRole.ADMIN).order_by(User.id))
        user = s.scalars(query).first()
    if user is None:
        raise SystemExit(t("import.cli.no_user"))
    return Actor.of(user)


def command_line_input(args: argparse.Namespace) -> tuple[BinaryIO, Actor, int]:
    """The opened file, the acting user and the promotion's id of an import command; a file
    that cannot be opened or an unknown promotion is a French refusal (ServiceError)."""
    try:
        handle = open(args.file, "rb")  # noqa: SIM115 - the caller closes it, after the import
    except FileNotFoundError:
        raise ServiceError(t("import.cli.no_file", file=args.file)) from None
    except OSError:
        raise ServiceError(t("import.cli.unreadable", file=args.file)) from None
    try:
        actor = _cli_actor(args.login)
        with db.reading() as s:
            promotion_id = s.scalar(select(Promotion.id).where(Promotion.name == args.promotion))
        if promotion_id is None:
            raise ServiceError(t("import.cli.no_promotion", name=args.promotion))
    except BaseException:
        handle.close()
        raise
    return handle, actor, promotion_id

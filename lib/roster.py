"""Import of a promotion's roster: one row per person and défi (défi, administration,
person, email, role on the défi), from CSV or Excel (.xlsx).

Two steps, like the legacy journal import (lib.importers), through the same store
(lib.staging): `preview_roster()` streams the file, reports every problem by line and plans
what would change, chunk by chunk against the database, writing only the store's temporary
files: the valid rows, the problems and the changes; the preview keeps counts and the first
ones. `confirm_roster()` plans the stored rows again, chunk by chunk, and creates the missing
défis, the accounts (without a password: they cannot log in until invited or reset) and the
memberships, and updates changed roles, in one transaction. Nothing is ever removed, so
importing the same file again changes nothing. A file with errors is not imported at all: a
roster imported in part would leave people out without anyone noticing.

Memory holds one chunk of rows, the défis, and what the rules between rows need (one entry
per person, address and défi), never the whole file. The full report is `write_report()`
(text, the command line) or `report_csv()` (the page's download).

Command line: `python -m lib.roster FILE --promotion NAME [--dry-run] [--as LOGIN]`.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import functools
import heapq
import json
import re
import sys
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, TextIO

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException
from pydantic import BaseModel, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lib import audit, db
from lib.audit import record
from lib.auth import NO_PASSWORD
from lib.errors import Conflict, NotFound, ServiceError
from lib.exports import csv_bytes, unquote
from lib.i18n import t
from lib.models import Defi, DefiRole, GlobalRole, Membership, Promotion, User
from lib.permissions import Actor, require_account_manager, require_staff
from lib.schemas import RosterRowIn, errors_by_field
from lib.staging import (
    SHOWN_PROBLEMS,
    Analysis,
    DryRun,
    Progress,
    add_arguments,
    command_line_input,
    discard,
    new_token,
    open_new,
    open_stored,
    remove,
    store_path,
    stored_problems,
)
from lib.tabular import ImportFormatError, Problem, binary, csv_error_message, csv_reader, csv_records, numbered_lines
from lib.text import fold
from lib.users import MEMBERSHIP_FIELDS, USER_FIELDS, add_defi

HEADER = ["Défi", "Administration", "Personne", "Email", "Rôle"]
# Column -> the folded header names accepted for it.
COLUMNS = {"defi": ("defi",), "administration": ("administration",), "name": ("personne", "nom"),
           "email": ("email", "e-mail", "courriel", "adresse email"), "role": ("role", "role sur le defi")}
# Two défi names this similar (difflib ratio, folded) are one défi misspelt: "Alpah", "Alpha".
CLOSE_RATIO = 0.8
XLSX_MAGIC = b"PK\x03\x04"
STAFF_ROLES = (GlobalRole.COACH, GlobalRole.ADMIN)
ROSTER = {"source": "roster"}  # marks in the audit trail what the roster import made
CHUNK = 1000  # rows planned against the database at once
SHOWN_CHANGES = 20  # changes listed on the page; the report lists them all


@dataclass(frozen=True, slots=True)
class RosterRow:
    line: int
    defi: str
    administration: str
    name: str
    email: str
    role: DefiRole
    first_of_email: bool = True  # the file's first row for this address (where its account is made)


class RosterChanges(BaseModel):
    """What an import creates or changes, counted (planned by the preview, done by the confirmation)."""

    defis: int = 0  # new défis
    accounts: int = 0  # new accounts
    added: int = 0  # new memberships
    role_changes: int = 0
    unchanged: int = 0  # rows already in the database as written

    @property
    def empty(self) -> bool:
        return not (self.defis or self.accounts or self.added or self.role_changes)

    @property
    def listed(self) -> int:
        """The changes the report lists one by one: new défis and accounts, changed roles."""
        return self.defis + self.accounts + self.role_changes


class Change(BaseModel):
    """One listed change, at the file's line that causes it."""

    line: int
    kind: str  # "new_defi", "new_account" or "role_change"
    what: str  # the défi's name, "Name <email>", or "Name, défi : old → new"

    @property
    def text(self) -> str:
        return t(f"roster.report.{self.kind}", what=self.what)


class RosterPreview(Analysis):
    """An analysed roster and what confirming it would change: counts and the first changes."""

    changes: RosterChanges
    first_changes: list[Change]  # the first SHOWN_CHANGES, by line


class RosterResult(BaseModel):
    changes: RosterChanges
    dry_run: bool


@functools.lru_cache(maxsize=4096)  # a roster names few défis on many rows: one key string for each
def defi_key(name: str) -> str:
    return " ".join(fold(name).split())


# --- Reading ---------------------------------------------------------------------------------


def _csv_records(handle: BinaryIO) -> Iterator[tuple[int, list[str]] | Problem]:
    """(first physical line, cells) of each record, or the csv error of a record."""
    with numbered_lines(handle) as source:
        for cells, error, taken in csv_records(source, csv_reader(source)):
            first, last = taken[0][0], taken[-1][0]
            if cells is None:
                yield Problem(line=first, severity="error", message=csv_error_message(error, last))
            else:
                yield first, cells


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_records(handle: BinaryIO) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) of the workbook's first sheet, read row by row."""
    try:
        book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise ImportFormatError(t("roster.bad_xlsx")) from None
    try:
        for number, values in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
            yield number, [_cell_text(v) for v in values]
    finally:
        book.close()


def _columns(header: list[str]) -> dict[str, int]:
    """Column -> index in the header; a missing or duplicated column is refused."""
    got = [" ".join(fold(h).split()) for h in header]
    for name in got:
        if name and got.count(name) > 1:
            raise ImportFormatError(t("import.duplicate_column", name=header[got.index(name)].strip()))
    idx = {}
    for column, names in COLUMNS.items():
        found = [i for i, name in enumerate(got) if name in names]
        if len(found) != 1:
            raise ImportFormatError(t("roster.bad_header", expected=", ".join(HEADER)))
        idx[column] = found[0]
    return idx


FIELD_COLUMNS = dict(zip(COLUMNS, HEADER, strict=True))


def _check_row(line: int, cells: list[str], idx: dict[str, int]) -> RosterRow | list[Problem]:
    values = {column: unquote(cells[i]) if i < len(cells) else "" for column, i in idx.items()}
    try:
        row = RosterRowIn(**values)
    except ValidationError as exc:
        return [Problem(line=line, severity="error",
                        message=t("import.problem.field", column=FIELD_COLUMNS[name], message=message))
                for name, message in errors_by_field(exc).items()]
    return RosterRow(line=line, defi=row.defi, administration=row.administration, name=row.name,
                     email=row.email, role=row.role)


def read_roster(data: bytes | str | BinaryIO) -> Iterator[RosterRow | Problem]:
    """Valid rows and problems of each row by itself (by line), streamed; CSV or .xlsx."""
    handle = binary(data)
    is_xlsx = handle.read(4) == XLSX_MAGIC
    handle.seek(0)
    records = _xlsx_records(handle) if is_xlsx else _csv_records(handle)
    idx: dict[str, int] | None = None
    for record_ in records:
        if isinstance(record_, Problem):
            yield record_
            continue
        line, cells = record_
        if not any(cell.strip() for cell in cells):
            continue
        if idx is None:
            idx = _columns(cells)
            continue
        checked = _check_row(line, cells, idx)
        if isinstance(checked, RosterRow):
            yield checked
        else:
            yield from checked
    if idx is None:
        raise ImportFormatError(t("roster.bad_header", expected=", ".join(HEADER)))


@dataclass
class _FileRules:
    """Rules between the rows of one file: one email per person and one person per email,
    one role per person and défi, one administration per défi, no défi named like another."""

    existing: dict[str, str]  # folded name -> name of the promotion's défis
    people: dict[str, tuple[str, int]] = field(default_factory=dict)  # folded name -> (email, line)
    emails: dict[str, tuple[str, int]] = field(default_factory=dict)  # email -> (name, line)
    roles: dict[tuple[str, str], tuple[DefiRole, int]] = field(default_factory=dict)
    defis: dict[str, tuple[str, str, int]] = field(default_factory=dict)  # key -> (name, administration, line)
    close: dict[str, str | None] = field(default_factory=dict)  # key -> the name it looks misspelt from

    def check(self, row: RosterRow) -> tuple[RosterRow, list[Problem]]:
        """The row, marked when it is its address's first, and its problems against the rows
        before it (none: the row is kept)."""
        errors = []
        person, key = defi_key(row.name), defi_key(row.defi)
        email, line = self.people.setdefault(person, (row.email, row.line))
        if email != row.email:
            errors.append(t("roster.problem.two_emails", name=row.name, email=email, line=line))
        name, line = self.emails.setdefault(row.email, (row.name, row.line))
        if line != row.line:
            row = dataclasses.replace(row, first_of_email=False)
        if defi_key(name) != person:
            errors.append(t("roster.problem.shared_email", email=row.email, name=name, line=line))
        if key not in self.close:
            self.close[key] = self._close_name(key)
        if self.close[key]:
            errors.append(t("roster.problem.close_defi", defi=row.defi, other=self.close[key]))
        defi, administration, line = self.defis.setdefault(key, (row.defi, row.administration, row.line))
        if administration != row.administration:
            errors.append(t("roster.problem.two_administrations", defi=defi, administration=administration,
                            line=line))
        role, line = self.roles.setdefault((row.email, key), (row.role, row.line))
        if role != row.role:
            errors.append(t("roster.problem.two_roles", name=row.name, defi=row.defi, role=t(f"defi_role.{role}"),
                            line=line))
        elif line != row.line and not errors:
            return row, [Problem(line=row.line, severity="warning", message=t("roster.problem.repeated", line=line))]
        return row, [Problem(line=row.line, severity="error", message=message) for message in errors]

    def _close_name(self, key: str) -> str | None:
        """The name of an existing défi, or of an earlier one of the file, this one is close to."""
        if key in self.existing:
            return None
        names = {**{k: v[0] for k, v in self.defis.items()}, **self.existing}
        match = difflib.get_close_matches(key, list(names), n=1, cutoff=CLOSE_RATIO)
        return names[match[0]] if match else None


# --- Planning: what the rows change in the database, chunk by chunk -----------------------------


@dataclass
class _Planner:
    """Plans rows against the database a chunk at a time; between chunks it keeps only the
    promotion's défis (created ones included) and the counts."""

    s: Session
    actor: Actor
    promotion_id: int
    defis: dict[str, tuple[int, str]] = field(default_factory=dict)  # key -> (id, name) of the promotion's défis
    new_defis: set[str] = field(default_factory=set)  # keys of défis to create
    changes: RosterChanges = field(default_factory=RosterChanges)

    def __post_init__(self) -> None:
        self.defis = {defi_key(name): (i, name) for i, name in self.s.execute(
            select(Defi.id, Defi.name).where(Defi.promotion_id == self.promotion_id))}

    def plan(self, rows: list[RosterRow]) -> tuple[list[Problem], list[Change], dict[str, User], dict]:
        """The rows' problems and listed changes, counted in `changes`; with the accounts
        found by address and the memberships they hold in the promotion."""
        accounts: dict[str, list[User]] = {}
        for user in self.s.scalars(select(User).where(func.lower(User.email).in_({r.email for r in rows}))
                                   .order_by(User.id)):
            accounts.setdefault(user.email.lower(), []).append(user)
        users = {email: found[0] for email, found in accounts.items()}
        memberships = {(m.user_id, m.defi_id): m for m in self.s.scalars(
            select(Membership).join(Defi, Defi.id == Membership.defi_id)
            .where(Defi.promotion_id == self.promotion_id, Membership.user_id.in_([u.id for u in users.values()])))}
        problems: list[Problem] = []
        listed: list[Change] = []
        for row in rows:
            key, user = defi_key(row.defi), users.get(row.email)
            defi_id, defi_name = self.defis.get(key, (None, row.defi))
            errors = []
            if len(accounts.get(row.email, [])) > 1:
                errors.append(t("roster.problem.several_accounts", email=row.email))
            if row.role is DefiRole.COACH and user is None and self.actor.role is not GlobalRole.ADMIN:
                errors.append(t("roster.problem.coach_account_admin_only", name=row.name))
            if row.role is DefiRole.COACH and user is not None and user.role not in STAFF_ROLES:
                errors.append(t("roster.problem.not_a_coach", name=row.name, login=user.login))
            problems.extend(Problem(line=row.line, severity="error", message=message) for message in errors)
            if defi_id is None and key not in self.new_defis:
                self.new_defis.add(key)
                self.changes.defis += 1
                listed.append(Change(line=row.line, kind="new_defi", what=row.defi))
            if user is None and row.first_of_email:
                self.changes.accounts += 1
                listed.append(Change(line=row.line, kind="new_account", what=f"{row.name} <{row.email}>"))
            membership = memberships.get((user.id, defi_id)) if user and defi_id else None
            if membership is None:
                self.changes.added += 1
            elif membership.role != row.role:
                self.changes.role_changes += 1
                listed.append(Change(line=row.line, kind="role_change", what=t(
                    "roster.role_change", name=row.name, defi=defi_name, old=t(f"defi_role.{membership.role}"),
                    new=t(f"defi_role.{row.role}"))))
            else:
                self.changes.unchanged += 1
        return problems, listed, users, memberships


def _chunks(items: Iterable[RosterRow]) -> Iterator[list[RosterRow]]:
    chunk: list[RosterRow] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# --- Preview ---------------------------------------------------------------------------------


@dataclass
class _Tally:
    """The analysis's counts and first problems and changes, as they are written to the store."""

    problems_file: TextIO
    changes_file: TextIO
    records: int = 0
    errors: int = 0
    warnings: int = 0
    problems: list[Problem] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    _last_line: int = 0
    _last_error: int = 0

    def line(self, number: int) -> None:
        """A record at `number` (records come in line order, a line's items together)."""
        if number != self._last_line:
            self.records, self._last_line = self.records + 1, number

    def write(self, problems: list[Problem], changes: list[Change]) -> None:
        for problem in sorted(problems, key=lambda p: p.line):
            self.problems_file.write(json.dumps([problem.line, problem.severity, problem.message]) + "\n")
            if problem.severity == "warning":
                self.warnings += 1
            elif problem.line != self._last_error:
                self.errors, self._last_error = self.errors + 1, problem.line
            if len(self.problems) < SHOWN_PROBLEMS:
                self.problems.append(problem)
        for change in changes:
            self.changes_file.write(json.dumps([change.line, change.kind, change.what]) + "\n")
            if len(self.changes) < SHOWN_CHANGES:
                self.changes.append(change)


def _row_json(row: RosterRow) -> str:
    return json.dumps([row.line, row.defi, row.administration, row.name, row.email, row.role.value,
                       row.first_of_email]) + "\n"


def stored_rows(preview: RosterPreview) -> Iterator[RosterRow]:
    with open_stored(preview, "rows") as handle:
        for raw in handle:
            line, defi, administration, name, email, role, first = json.loads(raw)
            yield RosterRow(line, defi, administration, name, email, DefiRole(role), first)


def stored_changes(preview: RosterPreview) -> Iterator[Change]:
    """Every change the preview planned, by line (the preview carries only the first ones)."""
    with open_stored(preview, "changes") as handle:
        for raw in handle:
            line, kind, what = json.loads(raw)
            yield Change(line=line, kind=kind, what=what)


def preview_roster(actor: Actor, data: bytes | str | BinaryIO, promotion_id: int,
                   filename: str = "") -> RosterPreview:
    """Read a roster and plan it against the promotion, streamed: a chunk of rows at a time
    is planned and written to the store. Writes nothing in the database, only the store's
    temporary files (see lib.staging.discard)."""
    require_staff(actor)
    with db.reading() as s:
        promotion = s.get(Promotion, promotion_id)
        if promotion is None:
            raise NotFound(t("error.not_found"))
        existing = {defi_key(name): name for name in s.scalars(select(Defi.name)
                                                               .where(Defi.promotion_id == promotion_id))}
        promotion_name = promotion.name
    rules = _FileRules(existing=existing)
    token = new_token()
    try:
        with open_new(store_path(token, "rows")) as rows_file, \
                open_new(store_path(token, "problems")) as problems_file, \
                open_new(store_path(token, "changes")) as changes_file, db.reading() as s:
            planner, tally = _Planner(s, actor, promotion_id), _Tally(problems_file, changes_file)
            chunk: list[RosterRow] = []
            pending: list[Problem] = []
            for item in read_roster(data):
                tally.line(item.line)
                if isinstance(item, Problem):
                    pending.append(item)
                    continue
                row, found = rules.check(item)
                pending.extend(found)
                if not found:
                    chunk.append(row)
                    rows_file.write(_row_json(row))
                if len(chunk) == CHUNK:
                    planned, listed, *_ = planner.plan(chunk)
                    tally.write(pending + planned, listed)
                    chunk, pending = [], []
            planned, listed, *_ = planner.plan(chunk) if chunk else ([], [])
            tally.write(pending + planned, listed)
    except BaseException:
        remove(token)
        raise
    return RosterPreview(token=token, filename=filename, promotion_id=promotion_id, promotion_name=promotion_name,
                         records=tally.records, valid=tally.records - tally.errors, errors=tally.errors,
                         warnings=tally.warnings, problems=tally.problems, changes=planner.changes,
                         first_changes=tally.changes)


# --- Writing ---------------------------------------------------------------------------------


def _new_login(s: Session, email: str, taken: set[str]) -> str:
    """A free login from the email's local part: "lea.moreau", else "lea.moreau-2"..."""
    base = re.sub(r"[^a-z0-9._-]+", "-", fold(email.split("@")[0])).strip("-._")[:56]
    if len(base) < 3:
        base = f"compte-{base}".strip("-")
    taken |= set(s.scalars(select(User.login).where(User.login.startswith(base, autoescape=True))))
    login, n = base, 1
    while login in taken:
        n += 1
        login = f"{base}-{n}"
    taken.add(login)
    return login


def _apply(s: Session, actor: Actor, promotion: Promotion, rows: list[RosterRow], planner: _Planner,
           users: dict[str, User], memberships: dict, coaches: set[str]) -> None:
    """Create and update what one planned chunk changes; the défis created join `planner.defis`."""
    taken: set[str] = set()
    for row in rows:
        key = defi_key(row.defi)
        if key not in planner.defis:
            defi = add_defi(s, actor, promotion, row.defi, row.administration, source="roster")
            planner.defis[key] = (defi.id, defi.name)
        if row.email not in users:
            with audit.change(s, actor, "create", "user", None, USER_FIELDS, extra=ROSTER) as change:
                users[row.email] = change.add(User(
                    login=_new_login(s, row.email, taken), display_name=row.name, email=row.email,
                    role=GlobalRole.COACH if row.email in coaches else GlobalRole.MEMBER, password_hash=NO_PASSWORD,
                    active=True))
        user_id, defi_id = users[row.email].id, planner.defis[key][0]
        membership = memberships.get((user_id, defi_id))
        if membership is None:
            with audit.change(s, actor, "create", "membership", None, MEMBERSHIP_FIELDS, extra=ROSTER) as change:
                memberships[(user_id, defi_id)] = change.add(Membership(
                    user_id=user_id, defi_id=defi_id, role=row.role, created_by_id=actor.id))
        elif membership.role != row.role:
            with audit.change(s, actor, "update", "membership", membership, ["role"], extra=ROSTER):
                membership.role = row.role


def confirm_roster(actor: Actor, preview: RosterPreview, progress: Progress | None = None,
                   dry_run: bool = False) -> RosterResult:
    """Create and update what the preview planned, in one transaction, planned again chunk by
    chunk against the database of the moment: a row that no longer fits rolls it all back. A
    file with errors is refused; a dry run, or an import that changes nothing, writes nothing."""
    require_staff(actor)
    if preview.errors:
        raise Conflict(t("roster.has_errors", n=preview.errors))
    coaches = {row.email for row in stored_rows(preview) if row.role is DefiRole.COACH}
    result: RosterResult | None = None
    try:
        with db.transaction() as s:
            promotion = db.load(s, Promotion, preview.promotion_id)
            planner, done = _Planner(s, actor, promotion.id), 0
            for chunk in _chunks(stored_rows(preview)):
                problems, _, users, memberships = planner.plan(chunk)
                if any(row.email in coaches and row.email not in users for row in chunk):
                    require_account_manager(actor, GlobalRole.COACH)
                if problems:
                    first = problems[0]
                    raise Conflict(t("roster.changed_since", line=first.line, message=first.message))
                if not dry_run:
                    _apply(s, actor, promotion, chunk, planner, users, memberships, coaches)
                done += len(chunk)
                if progress:
                    progress(done, preview.valid)
            result = RosterResult(changes=planner.changes, dry_run=dry_run)
            if dry_run or planner.changes.empty:
                raise DryRun
            record(s, actor, "import", "roster", promotion.id,
                   after={"file": preview.filename, **planner.changes.model_dump()})
    except DryRun:
        pass
    assert result is not None
    return result


# --- Report and command line ---------------------------------------------------------------


def _by_line(preview: RosterPreview) -> Iterator[Problem | Change]:
    """Every problem and every planned change of the file, by line."""
    return heapq.merge(stored_problems(preview), stored_changes(preview), key=lambda item: item.line)


def write_report(out: TextIO, preview: RosterPreview, result: RosterResult | None = None) -> None:
    """The preview (or the import's result) as text, every problem and change listed, line by
    line as they are read from the store."""
    out.write(t("roster.report.summary", file=preview.filename or "-", promotion=preview.promotion_name,
                records=preview.records, valid=preview.valid, errors=preview.errors) + "\n")
    if preview.problem_count:
        out.write(t("import.report.problems", n=preview.problem_count) + "\n")
        for p in stored_problems(preview):
            out.write(f"  {t('import.line', line=p.line)} [{t(f'roster.severity.{p.severity}')}] {p.message}\n")
    changes = result.changes if result else preview.changes
    if preview.errors:
        out.write(t("roster.has_errors", n=preview.errors) + "\n")
    elif changes.empty:
        out.write(t("roster.nothing_to_change") + "\n")
    else:
        done = result is not None and not result.dry_run
        out.write(t("roster.report.done" if done else "roster.report.plan", defis=changes.defis,
                    accounts=changes.accounts, added=changes.added, changed=changes.role_changes,
                    unchanged=changes.unchanged) + "\n")
        for change in stored_changes(preview):
            out.write(f"  - {change.text}\n")
        if result and result.dry_run:
            out.write(t("import.report.dry_run") + "\n")


def report_csv(preview: RosterPreview) -> bytes:
    """The full report for a spreadsheet: one row per problem and per planned change, by line."""
    def row(item: Problem | Change) -> list[object]:
        if isinstance(item, Problem):
            return [item.line, t(f"roster.severity.{item.severity}"), item.message]
        return [item.line, t(f"roster.kind.{item.kind}"), item.what]

    return csv_bytes([t("import.col.line"), t("roster.col.kind"), t("roster.col.detail")],
                     map(row, _by_line(preview)), delimiter=";")


def main(argv: list[str] | None = None) -> int:
    """Analyse a roster, then import it unless it has errors (exit code 2, nothing written)."""
    parser = argparse.ArgumentParser(prog="python -m lib.roster", description=t("roster.cli.help"))
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        handle, actor, promotion_id = command_line_input(args)
        with handle:
            preview = preview_roster(actor, handle, promotion_id, filename=args.file)
    except ServiceError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    try:
        if preview.errors:
            write_report(sys.stdout, preview)
            return 2
        result = confirm_roster(actor, preview, dry_run=args.dry_run)
        write_report(sys.stdout, preview, result)
    except ServiceError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    finally:
        discard(preview)
    return 0


if __name__ == "__main__":
    sys.exit(main())

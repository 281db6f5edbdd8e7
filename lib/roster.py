"""Import of a promotion's roster: one row per person and défi (défi, administration,
person, email, role on the défi), from CSV or Excel (.xlsx).

Two steps, like the legacy journal import whose store it shares (lib.importers):
`preview_roster()` reads the file, reports every problem by line and computes what would
change, writing only the store's temporary files; `confirm_roster()` creates the missing
défis, the accounts (without a password: they cannot log in until invited or reset) and
the memberships, and updates changed roles, in one transaction. Nothing is ever removed,
so importing the same file again changes nothing. A file with errors is not imported at
all: a roster imported in part would leave people out without anyone noticing.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from lib import audit, db
from lib.audit import record
from lib.auth import NO_PASSWORD
from lib.errors import Conflict, NotFound
from lib.exports import unquote
from lib.i18n import t
from lib.importers import (
    SHOWN_PROBLEMS,
    Analysis,
    ImportFormatError,
    Problem,
    Progress,
    _DryRun,
    _encoding,
    _Lines,
    _open_new,
    _open_stored,
    _store_path,
    csv_error_message,
    csv_records,
    delimiter_of,
    new_token,
    stored_problems,
)
from lib.models import Defi, DefiRole, GlobalRole, Membership, Promotion, User
from lib.permissions import Actor, require_account_manager, require_staff
from lib.schemas import RosterRowIn, errors_by_field
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


@dataclass(frozen=True, slots=True)
class RosterRow:
    line: int
    defi: str
    administration: str
    name: str
    email: str
    role: DefiRole


class RosterChanges(BaseModel):
    """What an import creates or changes (planned by the preview, done by the confirmation)."""

    defis: list[str] = []  # new défis
    accounts: list[str] = []  # new accounts, "Name <email>"
    added: int = 0  # new memberships
    role_changes: list[str] = []  # "Name, défi : old → new"
    unchanged: int = 0  # rows already in the database as written

    @property
    def empty(self) -> bool:
        return not (self.defis or self.accounts or self.added or self.role_changes)


class RosterPreview(Analysis):
    """An analysed roster and what confirming it would change."""

    changes: RosterChanges


class RosterResult(BaseModel):
    changes: RosterChanges
    dry_run: bool


def defi_key(name: str) -> str:
    return " ".join(fold(name).split())


# --- Reading ---------------------------------------------------------------------------------


def _csv_records(handle: BinaryIO) -> Iterator[tuple[int, list[str]] | Problem]:
    """(first physical line, cells) of each record, or the csv error of a record."""
    text = io.TextIOWrapper(handle, encoding=_encoding(handle), newline="")
    try:
        source = _Lines(iter(text))
        first_line = next(source, "")
        source.push_back(source.taken)
        reader = csv.reader(source, delimiter=delimiter_of(first_line), strict=True)
        for cells, error, taken in csv_records(source, reader):
            first, last = taken[0][0], taken[-1][0]
            if cells is None:
                yield Problem(line=first, severity="error", message=csv_error_message(error, last))
            else:
                yield first, cells
    except UnicodeDecodeError:
        raise ImportFormatError(t("import.bad_encoding")) from None
    finally:
        text.detach()  # the caller's file stays open


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
    if isinstance(data, str):
        data = data.encode("utf-8")
    handle = io.BytesIO(data) if isinstance(data, bytes) else data
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

    def check(self, row: RosterRow) -> list[Problem]:
        """The row's problems against the rows before it (empty: the row is kept)."""
        errors = []
        person, key = defi_key(row.name), defi_key(row.defi)
        email, line = self.people.setdefault(person, (row.email, row.line))
        if email != row.email:
            errors.append(t("roster.problem.two_emails", name=row.name, email=email, line=line))
        name, line = self.emails.setdefault(row.email, (row.name, row.line))
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
            return [Problem(line=row.line, severity="warning", message=t("roster.problem.repeated", line=line))]
        return [Problem(line=row.line, severity="error", message=message) for message in errors]

    def _close_name(self, key: str) -> str | None:
        """The name of an existing défi, or of an earlier one of the file, this one is close to."""
        if key in self.existing:
            return None
        names = {**{k: v[0] for k, v in self.defis.items()}, **self.existing}
        match = difflib.get_close_matches(key, list(names), n=1, cutoff=CLOSE_RATIO)
        return names[match[0]] if match else None


# --- Planning: what the rows change in the database -----------------------------------------------


@dataclass
class _Plan:
    changes: RosterChanges
    problems: list[Problem]
    defis: dict[str, Defi]  # key -> existing défi
    users: dict[str, User]  # email -> existing account
    memberships: dict[tuple[int, int], Membership]
    new_coaches: bool  # a new account is a coach's


def _plan(s: Session, actor: Actor, promotion_id: int, rows: list[RosterRow]) -> _Plan:
    defis = {defi_key(d.name): d for d in s.scalars(select(Defi).where(Defi.promotion_id == promotion_id))}
    emails = {row.email for row in rows}
    accounts: dict[str, list[User]] = {}
    for user in s.scalars(select(User).where(User.email.in_(emails)).order_by(User.id)):
        accounts.setdefault(user.email, []).append(user)
    users = {email: found[0] for email, found in accounts.items()}
    memberships = {(m.user_id, m.defi_id): m for m in s.scalars(
        select(Membership).join(Defi, Defi.id == Membership.defi_id)
        .where(Defi.promotion_id == promotion_id, Membership.user_id.in_([u.id for u in users.values()])))}
    changes, problems = RosterChanges(), []
    new_defis: dict[str, str] = {}
    new_accounts: dict[str, RosterRow] = {}
    coaches = {row.email for row in rows if row.role is DefiRole.COACH}
    for row in rows:
        user, defi = users.get(row.email), defis.get(defi_key(row.defi))
        if len(accounts.get(row.email, [])) > 1:
            problems.append(Problem(line=row.line, severity="error",
                                    message=t("roster.problem.several_accounts", email=row.email)))
        if row.role is DefiRole.COACH and user is None and actor.role is not GlobalRole.ADMIN:
            problems.append(Problem(line=row.line, severity="error",
                                    message=t("roster.problem.coach_account_admin_only", name=row.name)))
        if row.role is DefiRole.COACH and user is not None and user.role not in STAFF_ROLES:
            problems.append(Problem(line=row.line, severity="error",
                                    message=t("roster.problem.not_a_coach", name=row.name, login=user.login)))
        if defi is None:
            new_defis.setdefault(defi_key(row.defi), row.defi)
        if user is None:
            new_accounts.setdefault(row.email, row)
        membership = memberships.get((user.id, defi.id)) if user and defi else None
        if membership is None:
            changes.added += 1
        elif membership.role != row.role:
            changes.role_changes.append(t("roster.role_change", name=row.name, defi=defi.name,
                                          old=t(f"defi_role.{membership.role}"), new=t(f"defi_role.{row.role}")))
        else:
            changes.unchanged += 1
    changes.defis = sorted(new_defis.values(), key=fold)
    changes.accounts = sorted((f"{r.name} <{r.email}>" for r in new_accounts.values()), key=fold)
    return _Plan(changes=changes, problems=problems, defis=defis, users=users, memberships=memberships,
                 new_coaches=bool(coaches & set(new_accounts)))


# --- Preview ---------------------------------------------------------------------------------


def _store_rows(token: str, rows: list[RosterRow]) -> None:
    with _open_new(_store_path(token, "rows")) as handle:
        for row in rows:
            handle.write(json.dumps([row.line, row.defi, row.administration, row.name, row.email, row.role.value])
                         + "\n")


def stored_rows(preview: RosterPreview) -> list[RosterRow]:
    with _open_stored(preview, "rows") as handle:
        return [RosterRow(line, defi, administration, name, email, DefiRole(role))
                for line, defi, administration, name, email, role in map(json.loads, handle)]


def preview_roster(actor: Actor, data: bytes | str | BinaryIO, promotion_id: int,
                   filename: str = "") -> RosterPreview:
    """Read a roster and plan it against the promotion; writes nothing in the database,
    only the store's temporary files (see lib.importers.discard)."""
    require_staff(actor)
    with db.reading() as s:
        promotion = s.get(Promotion, promotion_id)
        if promotion is None:
            raise NotFound(t("error.not_found"))
        existing = {defi_key(name): name for name in s.scalars(select(Defi.name)
                                                               .where(Defi.promotion_id == promotion_id))}
        promotion_name = promotion.name
    rules = _FileRules(existing=existing)
    rows: list[RosterRow] = []
    problems: list[Problem] = []
    for item in read_roster(data):
        found = [item] if isinstance(item, Problem) else rules.check(item)
        problems.extend(found)
        if not found:
            rows.append(item)
    with db.reading() as s:
        plan = _plan(s, actor, promotion_id, rows)
    problems = sorted(problems + plan.problems, key=lambda p: p.line)
    error_lines = {p.line for p in problems if p.severity == "error"}
    token = new_token()
    try:
        _store_rows(token, rows)
        with _open_new(_store_path(token, "problems")) as handle:
            for problem in problems:
                handle.write(json.dumps([problem.line, problem.severity, problem.message]) + "\n")
    except BaseException:
        for kind in ("rows", "problems"):
            _store_path(token, kind).unlink(missing_ok=True)
        raise
    records = len({p.line for p in problems} | {r.line for r in rows})
    return RosterPreview(token=token, filename=filename, promotion_id=promotion_id, promotion_name=promotion_name,
                         records=records, valid=records - len(error_lines), errors=len(error_lines),
                         warnings=sum(p.severity == "warning" for p in problems),
                         problems=problems[:SHOWN_PROBLEMS], changes=plan.changes)


# --- Writing ---------------------------------------------------------------------------------

PROGRESS_EVERY = 50  # rows between two progress reports


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


def _apply(s: Session, actor: Actor, promotion: Promotion, rows: list[RosterRow], plan: _Plan,
           progress: Progress | None) -> None:
    defis, users, taken = dict(plan.defis), dict(plan.users), set()
    coaches = {row.email for row in rows if row.role is DefiRole.COACH}
    for done, row in enumerate(rows, start=1):
        key = defi_key(row.defi)
        if key not in defis:
            defis[key] = add_defi(s, actor, promotion, row.defi, row.administration, source="roster")
        if row.email not in users:
            with audit.change(s, actor, "create", "user", None, USER_FIELDS, extra=ROSTER) as change:
                users[row.email] = change.add(User(
                    login=_new_login(s, row.email, taken), display_name=row.name, email=row.email,
                    role=GlobalRole.COACH if row.email in coaches else GlobalRole.MEMBER, password_hash=NO_PASSWORD,
                    active=True))
        user_id, defi_id = users[row.email].id, defis[key].id
        membership = plan.memberships.get((user_id, defi_id))
        if membership is None:
            with audit.change(s, actor, "create", "membership", None, MEMBERSHIP_FIELDS, extra=ROSTER) as change:
                plan.memberships[(user_id, defi_id)] = change.add(Membership(
                    user_id=user_id, defi_id=defi_id, role=row.role, created_by_id=actor.id))
        elif membership.role != row.role:
            with audit.change(s, actor, "update", "membership", membership, ["role"], extra=ROSTER):
                membership.role = row.role
        if progress and (done % PROGRESS_EVERY == 0 or done == len(rows)):
            progress(done, len(rows))


def confirm_roster(actor: Actor, preview: RosterPreview, progress: Progress | None = None,
                   dry_run: bool = False) -> RosterResult:
    """Create and update what the preview planned, in one transaction, planned again against
    the database of the moment. A file with errors is refused; a dry run, or an import
    that changes nothing, writes nothing at all."""
    require_staff(actor)
    if preview.errors:
        raise Conflict(t("roster.has_errors", n=preview.errors))
    rows = stored_rows(preview)
    result: RosterResult | None = None
    try:
        with db.transaction() as s:
            promotion = db.load(s, Promotion, preview.promotion_id)
            plan = _plan(s, actor, promotion.id, rows)
            if plan.new_coaches:
                require_account_manager(actor, GlobalRole.COACH)
            if plan.problems:
                first = plan.problems[0]
                raise Conflict(t("roster.changed_since", line=first.line, message=first.message))
            result = RosterResult(changes=plan.changes, dry_run=dry_run)
            if dry_run or plan.changes.empty:
                raise _DryRun
            _apply(s, actor, promotion, rows, plan, progress)
            record(s, actor, "import", "roster", promotion.id,
                   after={"file": preview.filename, **plan.changes.model_dump()})
    except _DryRun:
        pass
    assert result is not None
    return result


def format_report(preview: RosterPreview, result: RosterResult | None = None) -> str:
    """The preview (or the import's result) as text, with every problem of the file."""
    lines = [t("roster.report.summary", file=preview.filename or "-", promotion=preview.promotion_name,
               records=preview.records, valid=preview.valid, errors=preview.errors)]
    if preview.problem_count:
        lines.append(t("import.report.problems", n=preview.problem_count))
        lines.extend(f"  {t('import.line', line=p.line)} [{t(f'roster.severity.{p.severity}')}] {p.message}"
                     for p in stored_problems(preview))
    changes = result.changes if result else preview.changes
    if preview.errors:
        lines.append(t("roster.has_errors", n=preview.errors))
    elif changes.empty:
        lines.append(t("roster.nothing_to_change"))
    else:
        done = result is not None and not result.dry_run
        lines.append(t("roster.report.done" if done else "roster.report.plan", defis=len(changes.defis),
                       accounts=len(changes.accounts), added=changes.added, changed=len(changes.role_changes),
                       unchanged=changes.unchanged))
        lines.extend(f"  - {t('roster.report.new_defi', name=name)}" for name in changes.defis)
        lines.extend(f"  - {t('roster.report.new_account', account=account)}" for account in changes.accounts)
        lines.extend(f"  - {change}" for change in changes.role_changes)
        if result and result.dry_run:
            lines.append(t("import.report.dry_run"))
    return "\n".join(lines)

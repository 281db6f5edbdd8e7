"""Import of the programme's legacy journal tables (2016-2019), exported as CSV with the
header `Défi,Livrable,Tâche,Fait le,Cat,OK`.

Two steps, so nothing is written until a coach confirms: `preview_logbook()` parses the
file, reports every problem by line number and groups the spellings of each défi label;
`confirm_import()` then writes everything in one transaction, skipping rows already in
the database (same défi, date, tâche and livrable), so re-importing a file is harmless.

Imported entries have no author (the legacy tables do not say who wrote a row): their
`author_id` is NULL and `created_by_id` is the importing coach. Only coaches edit them.

Command line: `python -m lib.importers logbook FILE --promotion NAME [--dry-run]`.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from lib import db
from lib.audit import record
from lib.errors import NotFound, ServiceError
from lib.exports import unquote
from lib.i18n import t
from lib.logbook import LEGACY_HEADER, search_text
from lib.models import Administration, Category, Defi, GlobalRole, LogEntry, LogEntryCategory, Promotion, User
from lib.permissions import Actor, require_staff
from lib.phases import create_defi_phases
from lib.text import fold

CHUNK = 1000
DATE_RE = re.compile(r"^[<\[]?\s*(\d{4})-(\d{2})-(\d{2})(?:[ \t][^>\]]*)?[>\]]?$")
LETTER_SEPARATORS = set(" \t,;+/-")
Progress = Callable[[int, int], None]


class ImportFormatError(ServiceError):
    """The file is not a legacy journal table (wrong header, unreadable encoding)."""


@dataclass(frozen=True, slots=True)
class ParsedRow:
    line: int  # physical line where the record starts in the file
    label: str
    livrable: str
    tache: str
    done_on: dt.date
    categories: tuple[Category, ...]
    news: int


class Problem(BaseModel):
    line: int
    severity: str  # "error": the row is left out; "warning": imported, with the note
    message: str


class LabelGroup(BaseModel):
    """Spellings of one défi label (accents, plural, case), suggested as one défi."""

    key: str
    variants: dict[str, int]  # label as written -> rows
    name: str  # suggested name: the existing défi's, else the most frequent spelling
    defi_id: int | None  # the existing défi of the promotion it matches, if any

    @property
    def rows(self) -> int:
        return sum(self.variants.values())


class Preview(BaseModel):
    filename: str
    promotion_id: int
    promotion_name: str
    records: int  # data records read
    rows: list[ParsedRow]  # the valid ones
    problems: list[Problem]
    groups: list[LabelGroup]
    defis: dict[int, str]  # existing défis of the promotion

    @property
    def errors(self) -> int:
        return len({p.line for p in self.problems if p.severity == "error"})


class Target(BaseModel):
    """Where a label's rows go: an existing défi, or a new one to create."""

    defi_id: int | None = None
    new_name: str | None = None


class ImportResult(BaseModel):
    inserted: int
    duplicates: int
    created_defis: list[str]
    dry_run: bool


# --- Parsing -------------------------------------------------------------------------------


def label_key(label: str) -> str:
    """Fold accents and case, drop punctuation and a plural s/x: "Données ouvertes" and
    "donnee ouverte" share a key."""
    words = re.split(r"[^0-9a-z]+", fold(label))
    return " ".join(w[:-1] if len(w) > 3 and w[-1] in "sx" else w for w in words if w)


def parse_date(text: str) -> dt.date | None:
    """An org timestamp (<2018-02-15 jeu.>, [2018-02-15 jeu. 10:00]) or an ISO date."""
    match = DATE_RE.match(text.strip())
    if not match:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def parse_categories(text: str) -> tuple[tuple[Category, ...], list[str]]:
    """Letters run together ("AP", "MCU"): the known categories and the unknown letters."""
    known: list[Category] = []
    unknown: list[str] = []
    for char in text:
        if char in LETTER_SEPARATORS:
            continue
        letter = char.upper()
        if letter in Category.__members__ and Category(letter) not in known:
            known.append(Category(letter))
        elif letter not in Category.__members__:
            unknown.append(char)
    return tuple(sorted(known, key=list(Category).index)), unknown


def parse_news(text: str) -> int | None:
    return {"": 0, "0": 0, "1": 1, "+1": 1, "-1": -1}.get(text.strip())


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFormatError(t("import.bad_encoding"))


def parse_logbook(data: bytes | str) -> tuple[list[ParsedRow], list[Problem], int]:
    """Rows, problems (by physical line number) and the number of records read."""
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    wanted = [fold(h) for h in LEGACY_HEADER]
    got = [fold(h.strip()) for h in header or []]
    if any(w not in got for w in wanted):
        raise ImportFormatError(t("import.bad_header", expected=",".join(LEGACY_HEADER)))
    idx = [got.index(w) for w in wanted]
    rows: list[ParsedRow] = []
    problems: list[Problem] = []
    records = 0
    previous_end = reader.line_num
    for record_cells in reader:
        line, previous_end = previous_end + 1, reader.line_num
        if not any(cell.strip() for cell in record_cells):
            continue
        records += 1
        if len(record_cells) <= max(idx):
            problems.append(Problem(line=line, severity="error", message=t("import.problem.columns")))
            continue
        label, livrable, tache, done, cats, ok = (unquote(record_cells[i]).strip() for i in idx)
        errors: list[str] = []
        if not label:
            errors.append(t("import.problem.no_defi"))
        if not tache:
            errors.append(t("import.problem.empty_task"))
        elif len(tache) > 1000:
            errors.append(t("import.problem.task_too_long", n=len(tache)))
        if len(livrable) > 200:
            errors.append(t("import.problem.livrable_too_long", n=len(livrable)))
        day = parse_date(done)
        if day is None:
            errors.append(t("import.problem.bad_date", value=done))
        news = parse_news(ok)
        if news is None:
            errors.append(t("import.problem.bad_ok", value=ok))
        categories, unknown = parse_categories(cats)
        problems.extend(Problem(line=line, severity="error", message=m) for m in errors)
        if unknown:
            problems.append(Problem(line=line, severity="warning",
                                    message=t("import.problem.unknown_letter", letters=", ".join(unknown),
                                              cell=cats)))
        if not errors:
            rows.append(ParsedRow(line=line, label=label, livrable=livrable, tache=tache, done_on=day,
                                  categories=categories, news=news))
    return rows, problems, records


def _group_labels(rows: list[ParsedRow], defis: dict[int, str]) -> list[LabelGroup]:
    counts: dict[str, dict[str, int]] = {}
    for row in rows:
        variants = counts.setdefault(label_key(row.label), {})
        variants[row.label] = variants.get(row.label, 0) + 1
    existing = {label_key(name): (i, name) for i, name in defis.items()}
    groups = []
    for key, variants in counts.items():
        match = existing.get(key)
        name = match[1] if match else max(variants, key=lambda v: (variants[v], -list(variants).index(v)))
        groups.append(LabelGroup(key=key, variants=variants, name=name, defi_id=match[0] if match else None))
    return sorted(groups, key=lambda g: fold(g.name))


def preview_logbook(actor: Actor, data: bytes | str, promotion_id: int, filename: str = "") -> Preview:
    """Parse and match a legacy file against a promotion's défis; writes nothing."""
    require_staff(actor)
    rows, problems, records = parse_logbook(data)
    with db.reading() as s:
        promotion = s.get(Promotion, promotion_id)
        if promotion is None:
            raise NotFound(t("error.not_found"))
        defis = dict(s.execute(select(Defi.id, Defi.name).where(Defi.promotion_id == promotion_id)).all())
        name = promotion.name
    return Preview(filename=filename, promotion_id=promotion_id, promotion_name=name, records=records, rows=rows,
                   problems=sorted(problems, key=lambda p: p.line), groups=_group_labels(rows, defis), defis=defis)


def plan(preview: Preview, split: frozenset[str] | set[str] = frozenset(),
         names: dict[str, str] | None = None) -> dict[str, Target]:
    """Label as written -> target. Groups are kept as one défi unless their key is in
    `split` (then each spelling is its own défi); `names` renames a new défi (by group key,
    or by spelling for split groups)."""
    names = names or {}
    by_key = {label_key(name): i for i, name in preview.defis.items()}
    by_fold = {fold(name): i for i, name in preview.defis.items()}
    targets: dict[str, Target] = {}
    for group in preview.groups:
        if group.key not in split:
            target = (Target(defi_id=group.defi_id) if group.defi_id
                      else Target(new_name=names.get(group.key, group.name).strip()))
            targets.update({variant: target for variant in group.variants})
            continue
        for variant in group.variants:
            existing = by_fold.get(fold(variant))
            if existing is None and len(group.variants) == 1:
                existing = by_key.get(group.key)
            targets[variant] = (Target(defi_id=existing) if existing
                                else Target(new_name=names.get(variant, variant).strip()))
    return targets


# --- Writing -------------------------------------------------------------------------------


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


def _resolve_targets(s: Session, actor: Actor, promotion: Promotion, targets: dict[str, Target],
                     administration: str) -> dict[str, int]:
    """Label -> défi id, creating the missing défis (with their phases)."""
    resolved: dict[str, int] = {}
    created: dict[str, int] = {}
    for label, target in targets.items():
        if target.defi_id is not None:
            defi = s.get(Defi, target.defi_id)
            if defi is None or defi.promotion_id != promotion.id:
                raise NotFound(t("error.not_found"))
            resolved[label] = defi.id
            continue
        name = (target.new_name or label).strip()[:200]
        if name.lower() in created:
            resolved[label] = created[name.lower()]
            continue
        defi_id = s.scalar(select(Defi.id).where(Defi.promotion_id == promotion.id,
                                                 func.lower(Defi.name) == name.lower()))
        if defi_id is None:
            admin = s.scalar(select(Administration).where(Administration.name == administration))
            if admin is None:
                admin = Administration(name=administration, created_by_id=actor.id)
                s.add(admin)
                s.flush()
            defi = Defi(promotion_id=promotion.id, administration_id=admin.id, name=name, created_by_id=actor.id)
            s.add(defi)
            s.flush()
            create_defi_phases(s, defi, promotion)
            record(s, actor, "create", "defi", defi.id, after={"name": name, "promotion_id": promotion.id,
                                                              "source": "import"})
            defi_id = defi.id
        created[name.lower()] = defi_id
        resolved[label] = defi_id
    return resolved


def confirm_import(actor: Actor, preview: Preview, targets: dict[str, Target], administration: str | None = None,
                   progress: Progress | None = None, dry_run: bool = False) -> ImportResult:
    """Write the previewed rows in one transaction, creating the missing défis and skipping
    rows already present (same défi, date, tâche, livrable). A dry run rolls it all back."""
    require_staff(actor)
    administration = (administration or t("import.default_administration")).strip()
    total = len(preview.rows)
    result: ImportResult | None = None
    try:
        with db.transaction() as s:
            promotion = s.get(Promotion, preview.promotion_id)
            if promotion is None:
                raise NotFound(t("error.not_found"))
            before = set(s.scalars(select(Defi.id).where(Defi.promotion_id == promotion.id)))
            resolved = _resolve_targets(s, actor, promotion, targets, administration)
            created = [name for i, name in s.execute(select(Defi.id, Defi.name)
                                                     .where(Defi.promotion_id == promotion.id)) if i not in before]
            seen = {(d, day, tache, livrable) for d, day, tache, livrable in s.execute(
                select(LogEntry.defi_id, LogEntry.done_on, LogEntry.tache, LogEntry.livrable)
                .where(LogEntry.defi_id.in_(set(resolved.values()))))}
            fresh = [r for r in preview.rows
                     if (resolved[r.label], r.done_on, r.tache, r.livrable) not in seen]
            duplicates = total - len(fresh)
            if progress:
                progress(duplicates, total)
            for start in range(0, len(fresh), CHUNK):
                chunk = fresh[start:start + CHUNK]
                ids = s.scalars(insert(LogEntry).returning(LogEntry.id, sort_by_parameter_order=True), [
                    {"defi_id": resolved[r.label], "author_id": None, "created_by_id": actor.id,
                     "done_on": r.done_on, "livrable": r.livrable, "tache": r.tache, "news": r.news,
                     "search_text": search_text(r.livrable, r.tache), "version": 1} for r in chunk]).all()
                categories = [{"entry_id": i, "category": c} for i, r in zip(ids, chunk, strict=True)
                              for c in r.categories]
                if categories:
                    s.execute(insert(LogEntryCategory), categories)
                if progress:
                    progress(duplicates + start + len(chunk), total)
            result = ImportResult(inserted=len(fresh), duplicates=duplicates, created_defis=sorted(created),
                                  dry_run=dry_run)
            record(s, actor, "import", "log_entry", None, after={
                "file": preview.filename, "promotion_id": promotion.id, "inserted": len(fresh),
                "duplicates": duplicates, "created_defis": sorted(created), "errors": preview.errors})
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    assert result is not None
    return result


# --- Report and command line ---------------------------------------------------------------


def format_report(preview: Preview, targets: dict[str, Target], result: ImportResult | None = None) -> str:
    """The same report as the import page, as text."""
    lines = [t("import.report.summary", file=preview.filename or "-", promotion=preview.promotion_name,
               records=preview.records, valid=len(preview.rows), errors=preview.errors)]
    lines.append(t("import.report.defis"))
    for group in preview.groups:
        variants = ", ".join(f"« {v} » ({n})" for v, n in group.variants.items())
        destinations = {(targets[v].defi_id, targets[v].new_name) for v in group.variants}
        where = " ; ".join(preview.defis[d] if d else t("import.report.new_defi", name=n) for d, n in destinations)
        lines.append(f"  - {variants} -> {where}")
    if preview.problems:
        lines.append(t("import.report.problems", n=len(preview.problems)))
        lines.extend(f"  {t('import.line', line=p.line)} [{t('import.severity.' + p.severity)}] {p.message}"
                     for p in preview.problems)
    if result:
        lines.append(t("import.report.result", inserted=result.inserted, duplicates=result.duplicates,
                       created=len(result.created_defis)))
        if result.dry_run:
            lines.append(t("import.report.dry_run"))
    return "\n".join(lines)


def _cli_actor(login: str | None) -> Actor:
    with db.reading() as s:
        query = select(User).where(User.active.is_(True))
        query = (query.where(User.login == login) if login
                 else query.where(User.role == GlobalRole.ADMIN).order_by(User.id))
        user = s.scalars(query).first()
    if user is None:
        raise SystemExit(t("import.cli.no_user"))
    return Actor.of(user)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lib.importers", description=t("import.cli.description"))
    commands = parser.add_subparsers(dest="command", required=True)
    logbook = commands.add_parser("logbook", help=t("import.cli.logbook"))
    logbook.add_argument("file")
    logbook.add_argument("--promotion", required=True)
    logbook.add_argument("--dry-run", action="store_true")
    logbook.add_argument("--as", dest="login", default=None, help=t("import.cli.as"))
    logbook.add_argument("--administration", default=None, help=t("import.cli.administration"))
    args = parser.parse_args(argv)
    actor = _cli_actor(args.login)
    with db.reading() as s:
        promotion_id = s.scalar(select(Promotion.id).where(Promotion.name == args.promotion))
    if promotion_id is None:
        print(t("import.cli.no_promotion", name=args.promotion), file=sys.stderr)
        return 2
    with open(args.file, "rb") as handle:
        data = handle.read()
    try:
        preview = preview_logbook(actor, data, promotion_id, filename=args.file)
    except ImportFormatError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    targets = plan(preview)
    result = confirm_import(actor, preview, targets, args.administration, dry_run=args.dry_run)
    print(format_report(preview, targets, result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

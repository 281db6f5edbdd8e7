"""Import of the programme's legacy journal tables (2016-2019), exported as CSV with the
header `Défi,Livrable,Tâche,Fait le,Cat,OK`.

Two steps, so nothing is written until a coach confirms: `preview_journal()` streams the
file, checks every row with the journal form's schema, reports every problem by line
number and groups the spellings of each défi label; the valid rows wait in a temporary
file (never in the user's session) until `confirm_import()` writes them in one
transaction, skipping rows already in the database (same défi, date, tâche and livrable),
so re-importing a file is harmless. `lib.staging.discard()` removes the temporary file.

Imported entries have no author (the legacy tables do not say who wrote a row): their
`author_id` is NULL and `created_by_id` is the importing coach. Only coaches edit them.

Command line: `python -m lib.importers journal FILE --promotion NAME [--dry-run]`.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from lib import db
from lib.audit import record
from lib.clock import now_utc
from lib.errors import NotFound, ServiceError
from lib.exports import unquote
from lib.i18n import t
from lib.journal import LEGACY_HEADER, search_text
from lib.models import Category, Defi, JournalEntry, JournalEntryCategory, Promotion
from lib.permissions import Actor, require_staff
from lib.schemas import EARLIEST, DefiIn, LegacyEntryIn, errors_by_field
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
from lib.tabular import (
    ImportFormatError,
    NumberedLines,
    Problem,
    binary,
    csv_error_message,
    csv_reader,
    csv_records,
    numbered_lines,
)
from lib.text import fold
from lib.users import add_defi

CHUNK = 1000
DATE_RE = re.compile(r"^[<\[]?\s*(\d{4})-(\d{2})-(\d{2})(?:[ \t][^>\]]*)?[>\]]?$")
LETTER_SEPARATORS = set(" \t,;+/-")
FIELD_COLUMNS = {"label": "Défi", "livrable": "Livrable", "tache": "Tâche", "done_on": "Fait le",
                 "categories": "Cat", "news": "OK"}

@dataclass(frozen=True, slots=True)
class ParsedRow:
    line: int  # physical line where the record starts in the file
    label: str
    livrable: str
    tache: str
    done_on: dt.date
    categories: tuple[Category, ...]
    news: int


class LabelGroup(BaseModel):
    """Spellings of one défi label (accents, plural, case), suggested as one défi."""

    key: str
    variants: dict[str, int]  # label as written -> rows
    name: str  # suggested name: the existing défi's, else the most frequent spelling
    defi_id: int | None  # the existing défi of the promotion it matches, if any

    @property
    def rows(self) -> int:
        return sum(self.variants.values())


class Preview(Analysis):
    """An analysed legacy journal, with its défi labels grouped."""

    groups: list[LabelGroup]
    defis: dict[int, str]  # existing défis of the promotion


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


def _looks_like_row(line: str, delimiter: str, width: int, date_column: int) -> bool:
    """A physical line that is a whole row by itself (enough cells, a date where the date
    goes): found inside a quoted cell, it means a quote was left open."""
    try:
        cells = next(csv.reader([line], delimiter=delimiter))
    except (csv.Error, StopIteration):
        return False
    return len(cells) >= width and parse_date(cells[date_column]) is not None


def _check_row(line: int, cells: list[str], idx: list[int], today: dt.date) -> Iterator[ParsedRow | Problem]:
    """The row through the journal form's schema (same lengths, date window, no control
    characters), plus the legacy formats of dates, OK values and category letters."""
    label, livrable, tache, done, cats, ok = (unquote(cells[i]).strip() for i in idx)
    errors: dict[str, str] = {}
    day, news = parse_date(done), parse_news(ok)
    if day is None:
        errors["done_on"] = t("import.problem.bad_date", value=done[:100])
    if news is None:
        errors["news"] = t("import.problem.bad_ok", value=ok[:20])
    categories, unknown = parse_categories(cats)
    try:
        entry = LegacyEntryIn(label=label, livrable=livrable, tache=tache, done_on=day or EARLIEST,
                              categories=list(categories), news=0 if news is None else news)
    except ValidationError as exc:
        for field, message in errors_by_field(exc).items():
            errors.setdefault(field, t("import.problem.field", column=FIELD_COLUMNS[field], message=message))
    else:
        if entry.done_on > today:
            errors.setdefault("done_on", t("import.problem.field", column=FIELD_COLUMNS["done_on"],
                                           message=t("validation.future_date")))
    for field in FIELD_COLUMNS:
        if field in errors:
            yield Problem(line=line, severity="error", message=errors[field])
    if unknown:
        yield Problem(line=line, severity="warning",
                      message=t("import.problem.unknown_letter", n=len(unknown[:20]),
                                letters=", ".join(unknown[:20]), cell=cats[:100]))
    if not errors:
        yield ParsedRow(line=line, label=entry.label, livrable=entry.livrable, tache=entry.tache,
                        done_on=entry.done_on, categories=tuple(entry.categories), news=entry.news)


def read_journal(data: bytes | str | BinaryIO, today: dt.date) -> Iterator[ParsedRow | Problem]:
    """Valid rows and problems (by physical line), streamed. Every physical line is a row,
    a blank line or part of a quoted cell; a quoted cell that holds whole rows is a quote
    left open: its line is an error and the lines it swallowed are read again."""
    with numbered_lines(binary(data)) as source:
        yield from _read_records(source, today)


def _read_records(source: NumberedLines, today: dt.date) -> Iterator[ParsedRow | Problem]:
    reader = csv_reader(source)
    delimiter = reader.dialect.delimiter
    try:
        header = next(reader, None) or []
    except csv.Error:
        header = []
    got = [fold(h.strip()) for h in header]
    for name in got:
        if name and got.count(name) > 1:
            raise ImportFormatError(t("import.duplicate_column", name=header[got.index(name)].strip()))
    wanted = [fold(h) for h in LEGACY_HEADER]
    if any(w not in got for w in wanted):
        raise ImportFormatError(t("import.bad_header", expected=",".join(LEGACY_HEADER)))
    idx = [got.index(w) for w in wanted]
    width, date_column = max(idx) + 1, idx[3]
    for cells, error, taken in csv_records(source, reader):
        first, last = taken[0][0], taken[-1][0]
        if len(taken) > 1 and any(_looks_like_row(line, delimiter, width, date_column) for _, line in taken[1:]):
            source.push_back(taken[1:])
            yield Problem(line=first, severity="error",
                          message=t("import.problem.open_quote", first=taken[1][0], last=last))
        elif cells is None:
            yield Problem(line=first, severity="error", message=csv_error_message(error, last))
        elif not any(cell.strip() for cell in cells):
            continue
        elif len(cells) < width:
            yield Problem(line=first, severity="error", message=t("import.problem.columns"))
        else:
            yield from _check_row(first, cells, idx, today)


# --- The store: parsed rows between the preview and the confirmation ----------------------------


def stored_rows(preview: Preview) -> Iterator[ParsedRow]:
    with open_stored(preview, "rows") as handle:
        for raw in handle:
            line, label, livrable, tache, day, letters, news = json.loads(raw)
            yield ParsedRow(line=line, label=label, livrable=livrable, tache=tache,
                            done_on=dt.date.fromisoformat(day), categories=tuple(Category(c) for c in letters),
                            news=news)


def _group_labels(labels: dict[str, int], defis: dict[int, str]) -> list[LabelGroup]:
    counts: dict[str, dict[str, int]] = {}
    for label, rows in labels.items():
        counts.setdefault(label_key(label), {})[label] = rows
    existing = {label_key(name): (i, name) for i, name in defis.items()}
    groups = []
    for key, variants in counts.items():
        match = existing.get(key)
        name = match[1] if match else max(variants, key=lambda v: (variants[v], -list(variants).index(v)))
        groups.append(LabelGroup(key=key, variants=variants, name=name, defi_id=match[0] if match else None))
    return sorted(groups, key=lambda g: fold(g.name))


def preview_journal(actor: Actor, data: bytes | str | BinaryIO, promotion_id: int, filename: str = "",
                    now: dt.datetime | None = None) -> Preview:
    """Parse and match a legacy file against a promotion's défis; writes nothing in the
    database, only the store's temporary files (see `discard`)."""
    require_staff(actor)
    with db.reading() as s:
        promotion = s.get(Promotion, promotion_id)
        if promotion is None:
            raise NotFound(t("error.not_found"))
        defis = dict(s.execute(select(Defi.id, Defi.name).where(Defi.promotion_id == promotion_id)).all())
        name, timezone = promotion.name, promotion.timezone or "Europe/Paris"
    today = (now or now_utc()).astimezone(ZoneInfo(timezone)).date()
    token = new_token()
    labels: dict[str, int] = {}
    shown: list[Problem] = []
    valid = warnings = 0
    error_lines: set[int] = set()
    try:
        with open_new(store_path(token, "rows")) as rows, open_new(store_path(token, "problems")) as problems:
            for item in read_journal(data, today):
                if isinstance(item, ParsedRow):
                    valid += 1
                    labels[item.label] = labels.get(item.label, 0) + 1
                    rows.write(json.dumps([item.line, item.label, item.livrable, item.tache, item.done_on.isoformat(),
                                           "".join(c.value for c in item.categories), item.news]) + "\n")
                    continue
                problems.write(json.dumps([item.line, item.severity, item.message]) + "\n")
                if item.severity == "error":
                    error_lines.add(item.line)
                else:
                    warnings += 1
                if len(shown) < SHOWN_PROBLEMS:
                    shown.append(item)
    except BaseException:
        remove(token)
        raise
    return Preview(token=token, filename=filename, promotion_id=promotion_id, promotion_name=name,
                   records=valid + len(error_lines), valid=valid, errors=len(error_lines), warnings=warnings,
                   problems=sorted(shown, key=lambda p: p.line), groups=_group_labels(labels, defis), defis=defis)


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


def _chunks(rows: Iterator[ParsedRow]) -> Iterator[tuple[int, list[ParsedRow]]]:
    """(rows read so far, next CHUNK rows): one INSERT per chunk, memory for one chunk."""
    chunk: list[ParsedRow] = []
    done = 0
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            done += len(chunk)
            yield done, chunk
            chunk = []
    if chunk:
        yield done + len(chunk), chunk


def _new_defi(promotion: Promotion, name: str, administration: str) -> DefiIn:
    """A défi the import creates, checked as the admin page checks one: a name typed on the
    import page, or a label of the file, is a défi's name like any other."""
    try:
        return DefiIn(promotion_id=promotion.id, name=name, administration=administration)
    except ValidationError as exc:
        problems = errors_by_field(exc)
        field = next(iter(problems))
        raise ServiceError(t("import.bad_new_defi", name=name[:80], column=t(f"import.new_defi.{field}"),
                             message=problems[field])) from None


def _resolve_targets(s: Session, actor: Actor, promotion: Promotion, targets: dict[str, Target],
                     administration: str) -> dict[str, int]:
    """Label -> défi id, creating the missing défis (with their phases)."""
    resolved: dict[str, int] = {}
    created: dict[str, int] = {}
    for label, target in targets.items():
        if target.defi_id is not None:
            defi = db.load(s, Defi, target.defi_id)
            if defi.promotion_id != promotion.id:
                raise NotFound(t("error.not_found"))
            resolved[label] = defi.id
            continue
        name = _new_defi(promotion, target.new_name or label, administration).name
        if name.lower() in created:
            resolved[label] = created[name.lower()]
            continue
        defi_id = s.scalar(select(Defi.id).where(Defi.promotion_id == promotion.id,
                                                 func.lower(Defi.name) == name.lower()))
        if defi_id is None:
            defi_id = add_defi(s, actor, promotion, name, administration, source="import").id
        created[name.lower()] = defi_id
        resolved[label] = defi_id
    return resolved


def confirm_import(actor: Actor, preview: Preview, targets: dict[str, Target], administration: str | None = None,
                   progress: Progress | None = None, dry_run: bool = False) -> ImportResult:
    """Write the previewed rows in one transaction, creating the missing défis and skipping
    rows already present (same défi, date, tâche, livrable). A dry run rolls it all back."""
    require_staff(actor)
    administration = (administration or t("import.default_administration")).strip()
    total, inserted = preview.valid, 0
    result: ImportResult | None = None
    try:
        with db.transaction() as s:
            promotion = db.load(s, Promotion, preview.promotion_id)
            before = set(s.scalars(select(Defi.id).where(Defi.promotion_id == promotion.id)))
            resolved = _resolve_targets(s, actor, promotion, targets, administration)
            created = [name for i, name in s.execute(select(Defi.id, Defi.name)
                                                     .where(Defi.promotion_id == promotion.id)) if i not in before]
            seen = {(d, day, tache, livrable) for d, day, tache, livrable in s.execute(
                select(JournalEntry.defi_id, JournalEntry.done_on, JournalEntry.tache, JournalEntry.livrable)
                .where(JournalEntry.defi_id.in_(set(resolved.values()))))}
            for done, chunk in _chunks(stored_rows(preview)):
                fresh = [r for r in chunk if (resolved[r.label], r.done_on, r.tache, r.livrable) not in seen]
                if fresh:
                    ids = s.scalars(insert(JournalEntry).returning(JournalEntry.id, sort_by_parameter_order=True), [
                        {"defi_id": resolved[r.label], "author_id": None, "created_by_id": actor.id,
                         "done_on": r.done_on, "livrable": r.livrable, "tache": r.tache, "news": r.news,
                         "search_text": search_text(r.livrable, r.tache), "version": 1} for r in fresh]).all()
                    categories = [{"entry_id": i, "category": c} for i, r in zip(ids, fresh, strict=True)
                                  for c in r.categories]
                    if categories:
                        s.execute(insert(JournalEntryCategory), categories)
                inserted += len(fresh)
                if progress:
                    progress(done, total)
            duplicates = total - inserted
            result = ImportResult(inserted=inserted, duplicates=duplicates, created_defis=sorted(created),
                                  dry_run=dry_run)
            record(s, actor, "import", "journal_entry", None, after={
                "file": preview.filename, "promotion_id": promotion.id, "inserted": inserted,
                "duplicates": duplicates, "created_defis": sorted(created), "errors": preview.errors})
            if dry_run:
                raise DryRun
    except DryRun:
        pass
    assert result is not None
    return result


# --- Report and command line ---------------------------------------------------------------


def format_report(preview: Preview, targets: dict[str, Target], result: ImportResult | None = None) -> str:
    """The same report as the import page, as text, with every problem of the file."""
    lines = [t("import.report.summary", file=preview.filename or "-", promotion=preview.promotion_name,
               records=preview.records, valid=preview.valid, errors=preview.errors)]
    lines.append(t("import.report.defis"))
    for group in preview.groups:
        variants = ", ".join(f"« {v} » ({n})" for v, n in group.variants.items())
        destinations = {(targets[v].defi_id, targets[v].new_name) for v in group.variants}
        where = " ; ".join(preview.defis[d] if d else t("import.report.new_defi", name=n) for d, n in destinations)
        lines.append(f"  - {variants} -> {where}")
    if preview.problem_count:
        lines.append(t("import.report.problems", n=preview.problem_count))
        lines.extend(f"  {t('import.line', line=p.line)} [{t(f'import.severity.{p.severity}')}] {p.message}"
                     for p in sorted(stored_problems(preview), key=lambda p: p.line))
    if result:
        lines.append(t("import.report.result", inserted=result.inserted, duplicates=result.duplicates,
                       created=len(result.created_defis)))
        if result.dry_run:
            lines.append(t("import.report.dry_run"))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lib.importers", description=t("import.cli.description"))
    commands = parser.add_subparsers(dest="command", required=True)
    journal = commands.add_parser("journal", help=t("import.cli.journal"))
    add_arguments(journal)
    journal.add_argument("--administration", default=None, help=t("import.cli.administration"))
    args = parser.parse_args(argv)
    try:
        handle, actor, promotion_id = command_line_input(args)
        with handle:
            preview = preview_journal(actor, handle, promotion_id, filename=args.file)
    except ServiceError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    try:
        targets = plan(preview)
        result = confirm_import(actor, preview, targets, args.administration, dry_run=args.dry_run)
        print(format_report(preview, targets, result))
    finally:
        discard(preview)
    return 0


if __name__ == "__main__":
    sys.exit(main())

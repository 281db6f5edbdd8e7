"""The défi journal (carnet de bord): paginated, filtered reads, entry writes with
ownership and stale-edit checks, SQL aggregations for the charts, CSV/Excel export.

Search is accent-insensitive on every engine: each entry stores `search_text`, the
folded copy of livrable + tâche, and queries match it with LIKE on the folded query.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator

import pandas as pd
from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, Select, case, func, literal, select
from sqlalchemy.orm import Session, aliased

from lib import audit, db
from lib.audit import snapshot
from lib.bulletins import promotion_of_defi
from lib.clock import local_today, now_utc
from lib.errors import NotFound
from lib.exports import csv_bytes
from lib.i18n import t
from lib.models import Category, Defi, DefiRole, JournalEntry, JournalEntryCategory, Membership, User
from lib.permissions import Action, Actor, Capacity, allowed, owns_or_may, require
from lib.programme import CATEGORY_LABELS
from lib.schemas import JournalEntryIn
from lib.text import fold

ENTRY_FIELDS = ["defi_id", "author_id", "done_on", "livrable", "tache", "news"]
PAGE_SIZE = 50
FRENCH_DAYS = ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."]
LEGACY_HEADER = ["Défi", "Livrable", "Tâche", "Fait le", "Cat", "OK"]
EXPORT_HEADER = [*LEGACY_HEADER, "Date", "Catégories"]


class JournalFilters(BaseModel):
    """What the journal page filters on; hashable, so cached reads can key on it."""

    model_config = ConfigDict(frozen=True)

    start: dt.date | None = None
    end: dt.date | None = None
    categories: tuple[Category, ...] = ()
    author_id: int | None = None
    livrable: str | None = None
    news: int | None = None  # -1, 0 or 1
    query: str = ""


class EntryView(BaseModel):
    id: int
    defi_id: int
    done_on: dt.date
    livrable: str
    tache: str
    categories: list[Category]
    news: int
    author_id: int | None
    author: str
    version: int
    can_edit: bool


class EntryPage(BaseModel):
    entries: list[EntryView]
    total: int
    page: int
    pages: int


def search_text(livrable: str, tache: str) -> str:
    return fold(f"{livrable} {tache}")


def org_timestamp(day: dt.date) -> str:
    """The legacy tables' Emacs org timestamp: <2018-02-15 jeu.>."""
    return f"<{day.isoformat()} {FRENCH_DAYS[day.weekday()]}>"


def category_letters(categories: list[Category]) -> str:
    return "".join(c.value for c in sorted(categories, key=list(Category).index))


# --- Reads ---------------------------------------------------------------------------------


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filtered(query: Select, defi_id: int, f: JournalFilters) -> Select:
    query = query.where(JournalEntry.defi_id == defi_id)
    if f.start:
        query = query.where(JournalEntry.done_on >= f.start)
    if f.end:
        query = query.where(JournalEntry.done_on <= f.end)
    if f.categories:
        # Correlated on the category table's primary key (entry_id, category): only this
        # défi's entries are probed, never the categories of the whole programme.
        tagged = aliased(JournalEntryCategory)  # the chart queries join the category table too
        query = query.where(select(tagged.entry_id).where(
            tagged.entry_id == JournalEntry.id, tagged.category.in_(f.categories)).correlate(JournalEntry).exists())
    if f.author_id is not None:
        query = query.where(JournalEntry.author_id == f.author_id)
    if f.livrable is not None:
        query = query.where(JournalEntry.livrable == f.livrable)
    if f.news is not None:
        query = query.where(JournalEntry.news == f.news)
    for word in fold(f.query).split():
        query = query.where(JournalEntry.search_text.like(f"%{_like_escape(word)}%", escape="\\"))
    return query


def _can_edit(actor: Actor, cap: Capacity, author_id: int | None) -> bool:
    """Who may change an entry (update_entry, delete_entry) and the page asks: writers their own, coaches any."""
    return allowed(cap, Action.WRITE_JOURNAL) and owns_or_may(actor, cap, author_id, Action.EDIT_ANY_JOURNAL_ENTRY)


def list_entries(actor: Actor, defi_id: int, filters: JournalFilters | None = None, page: int = 1,
                 page_size: int = PAGE_SIZE) -> EntryPage:
    """One page of the défi's entries, newest first; counted and sliced in SQL."""
    filters = filters or JournalFilters()
    with db.reading() as s:
        cap = require(s, actor, Action.READ_JOURNAL, defi_id)
        total = s.scalar(_filtered(select(func.count(JournalEntry.id)), defi_id, filters)) or 0
        pages = max(1, -(-total // page_size))
        page = min(max(1, page), pages)
        rows = s.execute(
            _filtered(select(JournalEntry, User.display_name).outerjoin(User, User.id == JournalEntry.author_id),
                      defi_id, filters)
            .order_by(JournalEntry.done_on.desc(), JournalEntry.id.desc())
            .limit(page_size).offset((page - 1) * page_size)
        ).all()
        entries = [_view(actor, cap, entry, name) for entry, name in rows]
    return EntryPage(entries=entries, total=total, page=page, pages=pages)


def _view(actor: Actor, cap: Capacity, entry: JournalEntry, author: str | None) -> EntryView:
    return EntryView(id=entry.id, defi_id=entry.defi_id, done_on=entry.done_on, livrable=entry.livrable,
                     tache=entry.tache, categories=sorted((c.category for c in entry.categories),
                                                          key=list(Category).index),
                     news=entry.news, author_id=entry.author_id, author=author or t("journal.author_unknown"),
                     version=entry.version, can_edit=_can_edit(actor, cap, entry.author_id))


def get_entry(actor: Actor, entry_id: int) -> EntryView:
    with db.reading() as s:
        entry = s.get(JournalEntry, entry_id)
        if entry is None:
            raise NotFound(t("error.not_found"))
        cap = require(s, actor, Action.READ_JOURNAL, entry.defi_id)
        author = s.scalar(select(User.display_name).where(User.id == entry.author_id)) if entry.author_id else None
        return _view(actor, cap, entry, author)


def authors(actor: Actor, defi_id: int) -> list[tuple[int, str]]:
    """People who wrote in the journal, plus the défi's current EIGs (filter options)."""
    with db.reading() as s:
        require(s, actor, Action.READ_JOURNAL, defi_id)
        wrote = select(JournalEntry.author_id).where(JournalEntry.defi_id == defi_id).distinct()
        team = select(Membership.user_id).where(Membership.defi_id == defi_id, Membership.role == DefiRole.EIG)
        rows = s.execute(select(User.id, User.display_name)
                         .where(User.id.in_(wrote) | User.id.in_(team)).order_by(User.display_name)).all()
    return [(i, n) for i, n in rows]


def livrables(actor: Actor, defi_id: int) -> list[str]:
    with db.reading() as s:
        require(s, actor, Action.READ_JOURNAL, defi_id)
        return list(s.scalars(select(JournalEntry.livrable)
                              .where(JournalEntry.defi_id == defi_id, JournalEntry.livrable != "")
                              .distinct().order_by(JournalEntry.livrable)))


# --- Writes --------------------------------------------------------------------------------


def _check_date(day: dt.date, now: dt.datetime | None, session: Session, defi_id: int) -> None:
    if day > local_today(promotion_of_defi(session, defi_id), now or now_utc()):
        raise ValueError(t("validation.future_date"))


def add_entry(actor: Actor, defi_id: int, data: JournalEntryIn, now: dt.datetime | None = None) -> int:
    """A new entry written by the actor (an EIG of the défi or a coach)."""
    with db.transaction() as s:
        require(s, actor, Action.WRITE_JOURNAL, defi_id)
        _check_date(data.done_on, now, s, defi_id)
        with audit.change(s, actor, "create", "journal_entry", None, _snapshot) as change:
            entry = change.add(JournalEntry(defi_id=defi_id, author_id=actor.id, created_by_id=actor.id,
                                        done_on=data.done_on, livrable=data.livrable, tache=data.tache,
                                        news=data.news, search_text=search_text(data.livrable, data.tache),
                                        categories=[JournalEntryCategory(category=c) for c in data.categories]))
        return entry.id


def _snapshot(entry: JournalEntry) -> dict:
    return {**snapshot(entry, ENTRY_FIELDS), "categories": category_letters([c.category for c in entry.categories])}


def update_entry(actor: Actor, entry_id: int, data: JournalEntryIn, expected_version: int,
                 now: dt.datetime | None = None) -> None:
    """Edit an entry: EIGs their own, coaches any; a stale form is refused, nothing overwritten."""
    with db.transaction() as s:
        entry = db.load(s, JournalEntry, entry_id, expected_version, actor=actor, action=Action.WRITE_JOURNAL,
                        allow=lambda cap, entry: _can_edit(actor, cap, entry.author_id))
        _check_date(data.done_on, now, s, entry.defi_id)
        with audit.change(s, actor, "update", "journal_entry", entry, _snapshot):
            entry.done_on, entry.livrable, entry.tache, entry.news = (data.done_on, data.livrable, data.tache,
                                                                      data.news)
            entry.search_text = search_text(data.livrable, data.tache)
            current = {c.category: c for c in entry.categories}
            for category in set(current) - set(data.categories):
                entry.categories.remove(current[category])
            for category in data.categories:
                if category not in current:
                    entry.categories.append(JournalEntryCategory(category=category))
            db.touch(entry, now_utc())  # a categories-only change still bumps the version


def delete_entry(actor: Actor, entry_id: int, expected_version: int) -> None:
    with db.transaction() as s:
        entry = db.load(s, JournalEntry, entry_id, expected_version, actor=actor, action=Action.WRITE_JOURNAL,
                        allow=lambda cap, entry: _can_edit(actor, cap, entry.author_id))
        with audit.change(s, actor, "delete", "journal_entry", entry, _snapshot):
            s.delete(entry)


# --- Aggregations for the charts (in SQL) ---------------------------------------------------


def _week_start(s: Session):  # noqa: ANN202 - SQL expression
    if s.get_bind().dialect.name == "postgresql":
        return func.to_char(func.date_trunc("week", JournalEntry.done_on), "YYYY-MM-DD")
    return func.date(JournalEntry.done_on, "weekday 0", "-6 days")


def _month_start(s: Session):  # noqa: ANN202 - SQL expression
    if s.get_bind().dialect.name == "postgresql":
        return func.to_char(JournalEntry.done_on, "YYYY-MM-01")
    return func.strftime("%Y-%m-01", JournalEntry.done_on)


def _category_counts(s: Session, defi_id: int, filters: JournalFilters, *keys: ColumnElement) -> list:
    """Filtered entries counted per `keys` and category, in SQL: an entry with two categories
    counts in both."""
    query = (select(*keys, JournalEntryCategory.category, func.count(JournalEntry.id))
             .join(JournalEntryCategory, JournalEntryCategory.entry_id == JournalEntry.id))
    return s.execute(_filtered(query, defi_id, filters).group_by(*keys, JournalEntryCategory.category)
                     .order_by(*keys)).all()


def weekly_by_category(actor: Actor, defi_id: int, filters: JournalFilters | None = None) -> pd.DataFrame:
    """Entries per ISO week (Monday) and category; an entry with two categories counts in both."""
    filters = filters or JournalFilters()
    with db.reading() as s:
        require(s, actor, Action.READ_JOURNAL, defi_id)
        rows = _category_counts(s, defi_id, filters, _week_start(s).label("week"))
    df = pd.DataFrame(rows, columns=["week", "category", "entries"])
    df["week"] = pd.to_datetime(df["week"]).dt.date
    df["category"] = df["category"].map(lambda c: Category(c).value)
    return df


def category_share(actor: Actor, defi_id: int, filters: JournalFilters | None = None) -> pd.DataFrame:
    filters = filters or JournalFilters()
    with db.reading() as s:
        require(s, actor, Action.READ_JOURNAL, defi_id)
        rows = _category_counts(s, defi_id, filters)
    df = pd.DataFrame([(Category(c).value, CATEGORY_LABELS[Category(c)], n) for c, n in rows],
                      columns=["category", "label", "entries"])
    return df.sort_values("entries", ascending=False, ignore_index=True)


def news_by_month(actor: Actor, defi_id: int, filters: JournalFilters | None = None) -> pd.DataFrame:
    """Good and bad news per month (neutral entries are left out)."""
    filters = filters or JournalFilters()
    with db.reading() as s:
        require(s, actor, Action.READ_JOURNAL, defi_id)
        month = _month_start(s).label("month")
        rows = s.execute(
            _filtered(select(month, _count_where(JournalEntry.news == 1), _count_where(JournalEntry.news == -1)),
                      defi_id, filters).where(JournalEntry.news != 0).group_by(month).order_by(month)
        ).all()
    df = pd.DataFrame(rows, columns=["month", "good", "bad"])
    df["month"] = pd.to_datetime(df["month"]).dt.date
    return df


def _count_where(condition):  # noqa: ANN001, ANN202 - SQL expressions
    return func.sum(case((condition, literal(1)), else_=literal(0)))


# --- Export ----------------------------------------------------------------------------------


def _export_rows(actor: Actor, defi_id: int, filters: JournalFilters) -> Iterator[list[str]]:
    """Plain columns and one query for all the categories: no ORM object per entry, so a
    journal of tens of thousands of entries exports in a few seconds."""
    with db.reading() as s:
        require(s, actor, Action.READ_JOURNAL, defi_id)
        name = s.scalar(select(Defi.name).where(Defi.id == defi_id))
        entries = _filtered(select(JournalEntry.id), defi_id, filters)
        tags: dict[int, list[Category]] = {}
        for entry_id, category in s.execute(select(JournalEntryCategory.entry_id, JournalEntryCategory.category)
                                            .where(JournalEntryCategory.entry_id.in_(entries))):
            tags.setdefault(entry_id, []).append(category)
        rows = s.execute(entries.add_columns(JournalEntry.livrable, JournalEntry.tache, JournalEntry.done_on,
                                             JournalEntry.news)
                         .order_by(JournalEntry.done_on, JournalEntry.id))
        for entry_id, livrable, tache, done_on, news in rows:
            cats = sorted(tags.get(entry_id, []), key=list(Category).index)
            yield [name, livrable, tache, org_timestamp(done_on), category_letters(cats), str(news) if news else "",
                   done_on.isoformat(), " ; ".join(CATEGORY_LABELS[c] for c in cats)]


def export_csv(actor: Actor, defi_id: int, filters: JournalFilters | None = None) -> bytes:
    """The filtered journal as the legacy table (re-importable) plus ISO date and category names."""
    return csv_bytes(EXPORT_HEADER, _export_rows(actor, defi_id, filters or JournalFilters()))


def export_xlsx(actor: Actor, defi_id: int, filters: JournalFilters | None = None) -> bytes:
    """The same table as an Excel workbook; text is always stored as text, never as a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(t("journal.export.sheet"))
    sheet.append(EXPORT_HEADER)
    for row in _export_rows(actor, defi_id, filters or JournalFilters()):
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"  # "=..." typed by someone stays text, never a formula
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


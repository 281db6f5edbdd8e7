"""The défi journal services, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from sqlalchemy import select

from lib import db, journal
from lib.errors import PermissionDenied, StaleEdit
from lib.journal import JournalFilters
from lib.models import AuditEvent, Category, JournalEntry, JournalEntryCategory
from lib.schemas import JournalEntryIn
from tests.conftest import said
from tests.unit.test_permission_matrix import PLAYERS

NOW = dt.datetime(2026, 11, 20, 14, 0, tzinfo=dt.UTC)
DAY = dt.date(2026, 11, 18)


def entry(**overrides) -> JournalEntryIn:
    values = {"done_on": DAY, "livrable": "Prototype", "tache": "Réunion d'équipe avec la DINUM",
              "categories": [Category.M], "news": 0}
    return JournalEntryIn(**{**values, **overrides})


def insert_entries(defi_id: int, author_id: int | None, rows: list[tuple[dt.date, str, str, str, int]]) -> None:
    """Many entries straight into the database: (date, livrable, tâche, letters, news)."""
    with db.transaction() as s:
        for day, livrable, tache, letters, news in rows:
            s.add(JournalEntry(defi_id=defi_id, author_id=author_id, done_on=day, livrable=livrable, tache=tache,
                           news=news, search_text=journal.search_text(livrable, tache),
                           categories=[JournalEntryCategory(category=Category(c)) for c in letters]))


# --- Writing ---------------------------------------------------------------------------------


def test_eig_adds_an_entry_listed_with_author_categories_and_audit(world):
    entry_id = journal.add_entry(world.eig, world.alpha_id, entry(categories=[Category.P, Category.A]), now=NOW)
    page = journal.list_entries(world.eig, world.alpha_id)
    assert page.total == 1
    view = page.entries[0]
    assert (view.id, view.author, view.categories, view.can_edit) == (entry_id, "Léa EIG",
                                                                      [Category.A, Category.P], True)
    with db.reading() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.entity == "journal_entry")).one()
    assert (event.action, event.user_id, event.after["categories"]) == ("create", world.eig.id, "AP")


def test_entry_dated_in_the_future_is_refused(world):
    with pytest.raises(ValueError, match="futur"):
        journal.add_entry(world.eig, world.alpha_id, entry(done_on=dt.date(2026, 11, 21)), now=NOW)
    assert journal.list_entries(world.eig, world.alpha_id).total == 0


def test_entry_needs_a_task_a_category_and_bounded_texts():
    with pytest.raises(ValueError, match=said("validation.required")):
        entry(tache="  ")
    with pytest.raises(ValueError, match=said("journal.validation.categories")):
        entry(categories=[])
    with pytest.raises(ValueError, match=said("validation.too_long", max=200, n=201)):
        entry(livrable="x" * 201)
    with pytest.raises(ValueError, match=said("validation.too_long", max=1000, n=1001)):
        entry(tache="x" * 1001)
    with pytest.raises(ValueError, match=said("journal.validation.news")):
        entry(news=2)


@pytest.mark.parametrize("player", sorted(PLAYERS))
def test_who_reads_and_who_writes_the_journal(world, player):
    actor = getattr(world, player)
    column = PLAYERS[player]
    if column in {"staff", "eig", "porteur", "sponsor"}:
        journal.list_entries(actor, world.alpha_id)
    else:
        with pytest.raises(PermissionDenied):
            journal.list_entries(actor, world.alpha_id)
        with pytest.raises(PermissionDenied):
            journal.export_csv(actor, world.alpha_id)
    if column in {"staff", "eig"}:
        assert journal.add_entry(actor, world.alpha_id, entry(), now=NOW)
    else:
        with pytest.raises(PermissionDenied):
            journal.add_entry(actor, world.alpha_id, entry(), now=NOW)


def test_eig_edits_own_entry_but_not_a_teammates(world):
    mine = journal.add_entry(world.eig, world.alpha_id, entry(), now=NOW)
    theirs = journal.add_entry(world.eig2, world.alpha_id, entry(tache="Code"), now=NOW)
    journal.update_entry(world.eig, mine, entry(tache="Réunion revue"), expected_version=1, now=NOW)
    assert journal.get_entry(world.eig, mine).tache == "Réunion revue"
    assert journal.get_entry(world.eig, theirs).can_edit is False
    with pytest.raises(PermissionDenied):
        journal.update_entry(world.eig, theirs, entry(tache="Piraté"), expected_version=1, now=NOW)
    with pytest.raises(PermissionDenied):
        journal.delete_entry(world.eig, theirs, expected_version=1)
    assert journal.get_entry(world.coach, theirs).tache == "Code"


def test_coach_edits_and_deletes_any_entry(world):
    theirs = journal.add_entry(world.eig2, world.alpha_id, entry(), now=NOW)
    journal.update_entry(world.coach, theirs, entry(tache="Corrigé par le coach"), expected_version=1, now=NOW)
    view = journal.get_entry(world.coach, theirs)
    assert (view.tache, view.author, view.version) == ("Corrigé par le coach", "Hugo EIG", 2)
    journal.delete_entry(world.coach, theirs, expected_version=2)
    assert journal.list_entries(world.coach, world.alpha_id).total == 0


def test_sponsor_and_porteur_cannot_edit_or_delete(world):
    mine = journal.add_entry(world.eig, world.alpha_id, entry(), now=NOW)
    for actor in (world.sponsor, world.porteur, world.beta_eig):
        with pytest.raises(PermissionDenied):
            journal.update_entry(actor, mine, entry(tache="x"), expected_version=1, now=NOW)
        with pytest.raises(PermissionDenied):
            journal.delete_entry(actor, mine, expected_version=1)


def test_stale_edit_is_refused_and_nothing_is_overwritten(world):
    mine = journal.add_entry(world.eig, world.alpha_id, entry(), now=NOW)
    opened_at = journal.get_entry(world.eig, mine).version
    journal.update_entry(world.coach, mine, entry(tache="Version du coach"), expected_version=opened_at, now=NOW)
    with pytest.raises(StaleEdit, match=re.escape(StaleEdit().args[0])):
        journal.update_entry(world.eig, mine, entry(tache="Version de Léa"), expected_version=opened_at, now=NOW)
    with pytest.raises(StaleEdit):
        journal.delete_entry(world.eig, mine, expected_version=opened_at)
    assert journal.get_entry(world.eig, mine).tache == "Version du coach"


def test_changing_only_categories_bumps_the_version(world):
    mine = journal.add_entry(world.eig, world.alpha_id, entry(categories=[Category.M]), now=NOW)
    journal.update_entry(world.eig, mine, entry(categories=[Category.C, Category.U]), expected_version=1, now=NOW)
    view = journal.get_entry(world.eig, mine)
    assert (view.categories, view.version) == ([Category.C, Category.U], 2)


# --- Reading: order, pagination, filters, search ------------------------------------------------


def test_entries_are_newest_first_and_paginated_in_sql(world):
    start = dt.date(2026, 4, 6)
    insert_entries(world.alpha_id, world.eig.id,
                   [(start + dt.timedelta(days=i), "", f"Tâche {i}", "P", 0) for i in range(120)])
    first = journal.list_entries(world.eig, world.alpha_id, page=1, page_size=50)
    last = journal.list_entries(world.eig, world.alpha_id, page=3, page_size=50)
    assert (first.total, first.pages) == (120, 3)
    assert first.entries[0].tache == "Tâche 119" and first.entries[-1].tache == "Tâche 70"
    assert [e.tache for e in last.entries] == [f"Tâche {i}" for i in range(19, -1, -1)]
    assert journal.list_entries(world.eig, world.alpha_id, page=99, page_size=50).page == 3


def test_filters_by_period_category_author_livrable_and_news(world):
    insert_entries(world.alpha_id, world.eig.id, [
        (dt.date(2026, 5, 4), "API", "Déploiement", "P", 1),
        (dt.date(2026, 6, 1), "API", "Entretiens usagers", "UC", -1),
        (dt.date(2026, 7, 6), "", "Lecture", "A", 0),
    ])
    insert_entries(world.alpha_id, world.eig2.id, [(dt.date(2026, 6, 2), "Maquette", "Atelier", "U", 0)])

    def tasks(**f) -> list[str]:
        return [e.tache for e in journal.list_entries(world.coach, world.alpha_id, JournalFilters(**f)).entries]

    assert tasks(start=dt.date(2026, 5, 10), end=dt.date(2026, 6, 30)) == ["Atelier", "Entretiens usagers"]
    assert tasks(categories=(Category.U,)) == ["Atelier", "Entretiens usagers"]
    assert tasks(categories=(Category.A, Category.P)) == ["Lecture", "Déploiement"]
    assert tasks(author_id=world.eig2.id) == ["Atelier"]
    assert tasks(livrable="API") == ["Entretiens usagers", "Déploiement"]
    assert tasks(news=1) == ["Déploiement"]
    assert tasks(news=-1) == ["Entretiens usagers"]


def test_search_is_accent_and_case_insensitive(world):
    insert_entries(world.alpha_id, world.eig.id, [
        (dt.date(2026, 5, 4), "Réunion", "Point d'ÉQUIPE hebdomadaire", "M", 0),
        (dt.date(2026, 5, 5), "Données", "Nettoyage du jeu", "D", 0),
        (dt.date(2026, 5, 6), "", "100% des tests passent", "P", 0),
    ])

    def found(query: str) -> list[str]:
        return [e.livrable for e in journal.list_entries(world.eig, world.alpha_id,
                                                         JournalFilters(query=query)).entries]

    assert found("equipe") == ["Réunion"]
    assert found("Équipe hebdo") == ["Réunion"]
    assert found("donnees") == ["Données"]
    assert found("reunion") == ["Réunion"]
    assert found("%") == [""]  # a LIKE wildcard typed by someone is searched literally
    assert found("introuvable") == []


# --- Charts: aggregated in SQL ----------------------------------------------------------------------


def test_chart_aggregations(world):
    insert_entries(world.alpha_id, world.eig.id, [
        (dt.date(2026, 5, 4), "", "a", "P", 1),  # Monday
        (dt.date(2026, 5, 10), "", "b", "AP", -1),  # Sunday of the same ISO week
        (dt.date(2026, 5, 11), "", "c", "U", 1),  # next Monday
        (dt.date(2026, 6, 3), "", "d", "P", 0),
    ])
    weekly = journal.weekly_by_category(world.sponsor, world.alpha_id)
    counts = {(r.week, r.category): r.entries for r in weekly.itertuples()}
    assert counts == {(dt.date(2026, 5, 4), "A"): 1, (dt.date(2026, 5, 4), "P"): 2,
                      (dt.date(2026, 5, 11), "U"): 1, (dt.date(2026, 6, 1), "P"): 1}
    share = journal.category_share(world.sponsor, world.alpha_id, JournalFilters(end=dt.date(2026, 5, 31)))
    assert dict(zip(share["category"], share["entries"], strict=True)) == {"P": 2, "A": 1, "U": 1}
    news = journal.news_by_month(world.sponsor, world.alpha_id)
    assert [(r.month, r.good, r.bad) for r in news.itertuples()] == [(dt.date(2026, 5, 1), 2, 1)]
    # Filtered on a category: the entries that carry it, counted in each of their categories.
    only_a = JournalFilters(categories=(Category.A,))
    weekly = journal.weekly_by_category(world.sponsor, world.alpha_id, only_a)
    assert {(r.week, r.category): r.entries for r in weekly.itertuples()} == {
        (dt.date(2026, 5, 4), "A"): 1, (dt.date(2026, 5, 4), "P"): 1}
    share = journal.category_share(world.sponsor, world.alpha_id, only_a)
    assert dict(zip(share["category"], share["entries"], strict=True)) == {"A": 1, "P": 1}
    news = journal.news_by_month(world.sponsor, world.alpha_id, only_a)
    assert [(r.month, r.good, r.bad) for r in news.itertuples()] == [(dt.date(2026, 5, 1), 0, 1)]
    with pytest.raises(PermissionDenied):
        journal.weekly_by_category(world.beta_eig, world.alpha_id)


# --- Export ----------------------------------------------------------------------------------------


def test_csv_export_has_legacy_columns_iso_date_and_category_names(world):
    insert_entries(world.alpha_id, world.eig.id, [
        (dt.date(2018, 2, 15), "Doc, v2", 'Écrit "la" doc\nsur deux lignes', "AP", -1),
        (dt.date(2018, 2, 16), "", "Neutre", "", 0),
    ])
    rows = list(csv.reader(io.StringIO(journal.export_csv(world.sponsor, world.alpha_id).decode("utf-8-sig"))))
    assert rows[0] == ["Défi", "Livrable", "Tâche", "Fait le", "Cat", "OK", "Date", "Catégories"]
    assert rows[1] == ["Alpha", "Doc, v2", 'Écrit "la" doc\nsur deux lignes', "<2018-02-15 jeu.>", "AP", "-1",
                       "2018-02-15", "Apprentissage ; Production (code, données, doc)"]
    assert rows[2] == ["Alpha", "", "Neutre", "<2018-02-16 ven.>", "", "", "2018-02-16", ""]


def test_csv_export_follows_the_filters(world):
    insert_entries(world.alpha_id, world.eig.id, [(dt.date(2026, 5, 4), "", "bonne", "P", 1),
                                                  (dt.date(2026, 5, 5), "", "mauvaise", "P", -1)])
    text = journal.export_csv(world.coach, world.alpha_id, JournalFilters(news=1)).decode("utf-8-sig")
    assert "bonne" in text and "mauvaise" not in text


def test_excel_export_keeps_formulas_as_text(world):
    from openpyxl import load_workbook

    insert_entries(world.alpha_id, world.eig.id, [(dt.date(2026, 5, 4), "=1+1", "=HYPERLINK(\"x\")", "P", 0)])
    sheet = load_workbook(io.BytesIO(journal.export_xlsx(world.coach, world.alpha_id))).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:6] == ["Défi", "Livrable", "Tâche", "Fait le", "Cat", "OK"]
    assert values[1][1] == "=1+1" and sheet.cell(2, 2).data_type == "s"

"""Journal, carnet and import pages under AppTest: the journal (write, edit, stale edit, delete, read-only
for sponsors, search, charts), the monthly carnet (EIG form, coaches' view, privacy) and
the import page."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lib import carnets, db, formats, importers, journal, staging
from lib.errors import StaleEdit
from lib.i18n import t
from lib.models import Category, JournalEntry, MonthlyCarnet
from lib.schemas import CarnetIn, JournalEntryIn
from tests.conftest import set_clock
from tests.pages.conftest import click_twice, errors, form_button, labelled, offered, open_tab, texts

NOW = dt.datetime(2026, 11, 20, 14, 0, tzinfo=dt.UTC)
PHASE_3 = ["Analyse d'audience", "Gestion de communauté", "Marketing produit", "Hacking de croissance",
           "Mesure d'impact"]
NOVEMBER = formats.month(dt.date(2026, 11, 1))  # « novembre 2026 »
LEGACY = Path(__file__).resolve().parents[1] / "data" / "legacy_journal.csv"


@pytest.fixture(autouse=True)
def clock(monkeypatch):  # noqa: ANN001
    set_clock(monkeypatch, NOW)


def add(world, actor, tache: str, **values) -> int:  # noqa: ANN001
    data = {"done_on": dt.date(2026, 11, 18), "tache": tache, "categories": [Category.P], **values}
    return journal.add_entry(actor, world.alpha_id, JournalEntryIn(**data), now=NOW)


def carnet_form(world) -> str:  # noqa: ANN001
    """The key of Léa's November carnet form on Alpha, before she wrote it."""
    return f"carnet_{world.alpha_id}_{world.eig.id}_2026-11-01_None"


def new_entry_form(world, saved: int = 0) -> str:  # noqa: ANN001
    """The key of Alpha's add form after `saved` entries added through it (drawn anew after each)."""
    return f"journal_new_{world.alpha_id}_{saved}"


def add_entry_button(at, world):  # noqa: ANN001, ANN201
    return form_button(at, new_entry_form(world), t("journal.form.add"))


def tasks_in_table(at) -> list[str]:  # noqa: ANN001
    return list(at.dataframe[0].value["tache"])


# --- Journal ------------------------------------------------------------------------------------


def tasks_id(world) -> int:  # noqa: ANN001
    """The id of the one journal entry of the test world."""
    with db.reading() as s:
        return s.scalar(select(JournalEntry.id))


def write_tab(at, world):  # noqa: ANN001, ANN201
    return open_tab(at, f"journal_tabs_{world.alpha_id}", t("journal.tab.write"))


def test_eig_adds_an_entry_through_the_form(app_as, world):
    at = app_as("eig", page="pages/journal.py")
    assert t("journal.empty") in texts(at)
    write_tab(at, world)
    form = new_entry_form(world)
    at.text_input(key=f"{form}_livrable").input("Prototype")
    at.text_area(key=f"{form}_tache").input("Atelier avec l'équipe métier")
    at.multiselect(key=f"{form}_categories").select(Category.U).select(Category.C)
    at.radio(key=f"{form}_news").set_value(1)
    add_entry_button(at, world).click().run()
    assert not at.exception
    assert t("journal.added") in texts(at)
    assert not at.text_area(key=f"{new_entry_form(world, 1)}_tache").value  # a new form, empty for the next one
    # On the entries tab, the new entry is listed and open in the edit form.
    open_tab(at, f"journal_tabs_{world.alpha_id}", t("journal.tab.entries"))
    assert tasks_in_table(at) == ["Atelier avec l'équipe métier"]
    assert at.text_area(key=f"journal_entry_{tasks_id(world)}_1_tache").value == "Atelier avec l'équipe métier"
    with db.reading() as s:
        entry = s.scalar(select(JournalEntry))
        assert (entry.author_id, entry.news, sorted(c.category for c in entry.categories)) == (
            world.eig.id, 1, [Category.C, Category.U])


def test_a_second_click_on_add_adds_nothing_more(app_as, world):
    """The browser still shows the entry just added in the form it drew: a second click on
    « Ajouter » sends it again. The form drawn after a save is another one, empty."""
    at = write_tab(app_as("eig", page="pages/journal.py"), world)

    def field(widgets, label: str):  # noqa: ANN001, ANN202 - the add form's, whatever its key
        return next(w for w in widgets if w.label == label and w.form_id == labelled(at.button, add).form_id)

    add = t("journal.form.add")
    field(at.text_area, t("journal.form.tache")).input("Atelier avec l'équipe métier")
    field(at.multiselect, t("journal.form.categories")).select(Category.U)
    click_twice(at, labelled(at.button, add))
    assert not at.exception
    assert t("journal.added") in texts(at)
    assert journal.list_entries(world.coach, world.alpha_id).total == 1
    assert not field(at.text_area, t("journal.form.tache")).value


def test_missing_task_and_category_are_explained(app_as, world):
    at = write_tab(app_as("eig", page="pages/journal.py"), world)
    add_entry_button(at, world).click().run()
    assert errors(at) == [f"{t('journal.form.tache')} : {t('validation.required')}",
                          f"{t('journal.form.categories')} : {t('journal.validation.categories')}"]


def test_eig_edits_then_deletes_their_entry(app_as, world):
    entry_id = add(world, world.eig, "Première version")
    at = app_as("eig", page="pages/journal.py")
    at.text_area(key=f"journal_entry_{entry_id}_1_tache").input("Version corrigée")
    form_button(at, f"journal_entry_{entry_id}_1", t("journal.form.save")).click().run()
    assert t("journal.updated") in texts(at)
    assert tasks_in_table(at) == ["Version corrigée"]
    form_button(at, f"journal_entry_{entry_id}_2", t("journal.form.delete")).click().run()
    assert errors(at) == [t("journal.delete_unconfirmed")]
    at.checkbox(key=f"journal_entry_{entry_id}_2_confirm").check()
    form_button(at, f"journal_entry_{entry_id}_2", t("journal.form.delete")).click().run()
    assert t("journal.deleted") in texts(at)
    assert journal.list_entries(world.coach, world.alpha_id).total == 0


def test_stale_edit_is_refused_on_the_page(app_as, world):
    entry_id = add(world, world.eig, "Version de Léa")
    at = app_as("eig", page="pages/journal.py")
    # The coach edits the entry while Léa's form is open.
    journal.update_entry(world.coach, entry_id, JournalEntryIn(done_on=dt.date(2026, 11, 18), tache="Version du coach",
                                                           categories=[Category.P]), 1, now=NOW)
    at.text_area(key=f"journal_entry_{entry_id}_1_tache").input("Ma nouvelle version")
    form_button(at, f"journal_entry_{entry_id}_1", t("journal.form.save")).click().run()
    assert StaleEdit().args[0] in errors(at)
    assert journal.get_entry(world.coach, entry_id).tache == "Version du coach"


def test_eig_cannot_edit_a_teammates_entry_on_the_page(app_as, world):
    add(world, world.eig2, "Entrée de Hugo")
    at = app_as("eig", page="pages/journal.py")
    assert tasks_in_table(at) == ["Entrée de Hugo"]
    assert t("journal.form.none_editable") in texts(at)


def click_row(at, row: int):  # noqa: ANN001, ANN201
    """A click on a row of the journal's table, as the browser sends it."""
    table = next(df for df in at.dataframe if df.key and df.key.startswith("journal_table_"))
    at.session_state[table.key] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    return at.run()


def test_eig_picks_the_entry_to_edit_by_clicking_its_row(app_as, world):
    older = add(world, world.eig, "Entrée plus ancienne", done_on=dt.date(2026, 11, 10))
    add(world, world.eig2, "Entrée de Hugo", done_on=dt.date(2026, 11, 12))
    newer = add(world, world.eig, "Entrée récente")
    at = app_as("eig", page="pages/journal.py")
    assert tasks_in_table(at) == ["Entrée récente", "Entrée de Hugo", "Entrée plus ancienne"]
    assert not [b for b in at.selectbox if b.key and b.key.startswith("journal_pick")]  # no dropdown
    assert at.text_area(key=f"journal_entry_{newer}_1_tache").value == "Entrée récente"  # the first, unclicked
    click_row(at, 2)
    assert not at.exception
    assert at.text_area(key=f"journal_entry_{older}_1_tache").value == "Entrée plus ancienne"
    at.text_area(key=f"journal_entry_{older}_1_tache").input("Entrée ancienne corrigée")
    form_button(at, f"journal_entry_{older}_1", t("journal.form.save")).click().run()
    assert t("journal.updated") in texts(at)
    assert at.text_area(key=f"journal_entry_{older}_2_tache").value == "Entrée ancienne corrigée"  # still open
    click_row(at, 1)  # Hugo's: not hers to edit
    assert t("journal.form.not_editable") in texts(at)
    assert not [a for a in at.text_area if a.key and a.key.startswith("journal_entry_")]


def test_sponsor_reads_the_journal_and_its_charts_but_cannot_write(app_as, world):
    add(world, world.eig, "Mise en production", news=1)
    at = app_as("sponsor", page="pages/journal.py")
    assert not at.exception
    assert tasks_in_table(at) == ["Mise en production"]
    page = texts(at)
    assert t("journal.read_only") in page
    assert not at.get("plotly_chart")  # the charts tab is built once opened
    open_tab(at, f"journal_tabs_{world.alpha_id}", t("journal.tab.charts"))
    assert t("journal.chart.weekly") in texts(at)
    assert len(at.get("plotly_chart")) == 3
    assert not [b for b in at.button if b.label in (t("journal.form.add"), t("journal.form.save"))]


def test_search_is_accent_insensitive_on_the_page(app_as, world):
    add(world, world.eig, "Réunion d'équipe")
    add(world, world.eig, "Code de l'API")
    at = app_as("coach", page="pages/journal.py")
    at.text_input(key="journal_query").input("equipe").run()
    assert tasks_in_table(at) == ["Réunion d'équipe"]


def test_period_filter_is_a_choice_of_periods_then_a_filled_date_range(app_as, world):
    add(world, world.eig, "Cette semaine", done_on=dt.date(2026, 11, 18))
    add(world, world.eig, "Le mois dernier", done_on=dt.date(2026, 10, 28))
    at = app_as("coach", page="pages/journal.py")
    assert not [d for d in at.date_input if d.key == "journal_period"]  # no empty range (« dd/mm/yyyy »)
    at.selectbox(key="journal_span").set_value("week").run()
    assert tasks_in_table(at) == ["Cette semaine"]
    at.selectbox(key="journal_span").set_value("custom").run()
    period = at.date_input(key="journal_period")
    assert period.value == (dt.date(2026, 10, 21), dt.date(2026, 11, 20))  # the last 30 days, filled in
    assert sorted(tasks_in_table(at)) == ["Cette semaine", "Le mois dernier"]


def test_journal_is_not_in_the_menu_of_people_outside_any_team(app_as):
    assert not offered(app_as("outsider"), "pages/journal.py")


def test_eig_of_another_defi_only_reaches_their_own_journal(app_as, world):
    add(world, world.eig, "Secret d'Alpha")
    at = app_as("beta.eig", page="pages/journal.py")
    assert f"{t('page.journal')} · Beta" in texts(at)
    assert "Secret d'Alpha" not in texts(at) and not at.dataframe


# --- Monthly carnet --------------------------------------------------------------------------------


def test_eig_writes_their_monthly_carnet_through_the_form(app_as, world):
    at = app_as("eig", page="pages/carnet.py")
    assert t("carnet.not_written", month=NOVEMBER) in texts(at)
    assert t("carnet.editable_until", day="07/12/2026") in texts(at)
    form = carnet_form(world)
    at.text_area(key=f"{form}_objectifs").input("Lancer la bêta")
    at.text_area(key=f"{form}_apprentissages").input("Le DSFR")
    for competency in PHASE_3:
        at.radio(key=f"{form}_rating_{competency}").set_value(3)
    form_button(at, form, t("carnet.save")).click().run()
    assert not at.exception
    assert t("carnet.saved", month=NOVEMBER) in texts(at)
    [view] = carnets.carnets_of(world.eig, world.alpha_id, world.eig.id, now=NOW)
    assert (view.objectifs, view.apprentissages, set(view.ratings.values())) == ("Lancer la bêta", "Le DSFR", {3})
    assert t("carnet.written", month=NOVEMBER) in texts(at)
    open_tab(at, f"carnet_tabs_{world.alpha_id}", t("carnet.tab.history"))
    assert len(at.get("plotly_chart")) == 1  # self-ratings over time


def test_unrated_competencies_are_refused(app_as, world):
    at = app_as("eig", page="pages/carnet.py")
    form = carnet_form(world)
    at.text_area(key=f"{form}_objectifs").input("Lancer la bêta")
    form_button(at, form, t("carnet.save")).click().run()
    assert errors(at) == [t("carnet.ratings_mismatch", names=", ".join(PHASE_3))]
    with db.reading() as s:
        assert s.scalar(select(func.count(MonthlyCarnet.id))) == 0


def write_secret_carnet(world) -> None:  # noqa: ANN001
    carnets.save_carnet(world.eig, world.alpha_id, dt.date(2026, 11, 1),
                        CarnetIn(objectifs="Objectif secret", ratings={c: 2 for c in PHASE_3}), None, now=NOW)


def test_coach_sees_the_eigs_carnets_and_who_has_not_written(app_as, world):
    write_secret_carnet(world)
    at = app_as("coach", page="pages/carnet.py")
    assert not at.exception
    page = texts(at)
    assert t("carnet.coach.missing", names="Hugo EIG") in page
    at.selectbox(key=f"carnet_eig_{world.alpha_id}").set_value(world.eig.id).run()
    assert "Objectif secret" in texts(at)
    assert t("carnet.save") not in [b.label for b in at.button]


@pytest.mark.parametrize("login", ["porteur", "sponsor"])
def test_carnet_page_is_not_in_the_menu_of_porteurs_and_sponsors(app_as, world, login):
    write_secret_carnet(world)
    at = app_as(login)
    assert not offered(at, "pages/carnet.py")
    assert "Objectif secret" not in texts(at)


@pytest.mark.parametrize("login", ["eig2", "beta.eig"])
def test_other_eigs_only_see_their_own_carnet(app_as, world, login):
    write_secret_carnet(world)
    at = app_as(login, page="pages/carnet.py")
    assert not at.exception
    assert t("carnet.not_written", month=NOVEMBER) in texts(at)
    assert "Objectif secret" not in texts(at) + str([ta.value for ta in at.text_area])


# --- Import ----------------------------------------------------------------------------------------


def test_coach_confirms_a_previewed_import(app_as, world):
    preview = importers.preview_journal(world.coach, LEGACY.read_bytes(), world.promotion_id, "legacy_journal.csv")
    at = app_as("coach", page="pages/import.py")
    at.session_state["import_preview"] = preview
    at.run()
    assert not at.exception
    page = texts(at)
    assert t("import.group.existing", name="Alpha") in page
    assert [row for row in at.dataframe[0].value["line"]] == [6, 9, 10, 11, 12, 17]
    with db.reading() as s:
        assert s.scalar(select(func.count(JournalEntry.id))) == 0  # nothing written before confirming
    at.text_input(key=f"import_name_{importers.label_key('Gamma lab')}").input("Laboratoire Gamma")
    at.button(key="import_confirm").click().run()
    assert t("import.done", inserted=9, duplicates=0, created=2) in texts(at)
    assert journal.list_entries(world.coach, world.alpha_id).total == 4


@pytest.mark.parametrize("login", ["eig", "sponsor"])
def test_import_page_is_for_staff_only(app_as, login):
    assert not offered(app_as(login), "pages/import.py")


def test_import_page_caps_uploads_and_refuses_a_bigger_file_in_french(app_as):
    at = app_as("coach", page="pages/import.py")
    assert at.file_uploader[0].proto.max_upload_size_mb == staging.UPLOAD_MAX_MB == 20
    config = tomllib.loads((Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == staging.UPLOAD_MAX_MB  # the server refuses more
    big = b"D\xc3\xa9fi,Livrable,T\xc3\xa2che,Fait le,Cat,OK\n" + b"x" * (21 * 1024 * 1024)
    at.file_uploader[0].set_value(("gros.csv", big, "text/csv")).run()
    at.button(key="import_analyse").click().run()
    assert not at.exception
    assert errors(at) == [t("import.too_big", size=21, max=20)]
    assert "import_preview" not in at.session_state


def test_an_uploaded_file_is_analysed_and_imported_without_its_rows_in_the_session(app_as, world, tmp_path,
                                                                                   monkeypatch):
    monkeypatch.setattr(staging, "STORE", tmp_path / "store")
    at = app_as("coach", page="pages/import.py")
    at.file_uploader[0].set_value(("legacy_journal.csv", LEGACY.read_bytes(), "text/csv")).run()
    at.button(key="import_analyse").click().run()
    assert not at.exception
    preview = at.session_state["import_preview"]
    assert (preview.records, preview.valid, preview.errors) == (13, 9, 4)
    assert not hasattr(preview, "rows") and len(preview.model_dump_json()) < 5_000
    assert [m.value for m in at.metric] == ["13", "9", "4", "2"]
    assert len(list((tmp_path / "store").iterdir())) == 2  # the rows and the problems wait there
    at.button(key="import_confirm").click().run()
    assert t("import.done", inserted=9, duplicates=0, created=2) in texts(at)
    assert list((tmp_path / "store").iterdir()) == []  # removed once imported
    assert journal.list_entries(world.coach, world.alpha_id).total == 4


def test_import_page_offers_every_problem_when_it_shows_only_the_first(app_as, world, tmp_path, monkeypatch):
    monkeypatch.setattr(staging, "STORE", tmp_path / "store")
    data = "Défi,Livrable,Tâche,Fait le,Cat,OK\n" + "Alpha,,,2018-01-01,P,\n" * 1500
    preview = importers.preview_journal(world.coach, data, world.promotion_id, "erreurs.csv")
    at = app_as("coach", page="pages/import.py", import_preview=preview)
    assert not at.exception
    assert len(at.dataframe[0].value) == staging.SHOWN_PROBLEMS
    assert t("import.problems.more", shown=staging.SHOWN_PROBLEMS, n=1500) in texts(at)
    assert [b.label for b in at.get("download_button")] == [t("import.report.download")]

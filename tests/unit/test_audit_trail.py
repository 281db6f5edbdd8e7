"""The audit trail as admins read it: every kind of event the services write has its French
phrase, and each event says who, what, about whom, on which défi and when (Paris time),
filtered and counted in SQL, for admins only."""

from __future__ import annotations

import ast
import datetime as dt

import pytest

from lib import audit, db, indicators, journal, privacy
from lib.config import ROOT
from lib.errors import PermissionDenied
from lib.i18n import t
from lib.models import Category, IndicatorTheme
from lib.schemas import IndicatorIn, JournalEntryIn, MeasurementIn
from tests.conftest import set_clock
from tests.moments import PARIS

NOW = dt.datetime(2026, 11, 18, 10, 0, tzinfo=PARIS)  # when the admin reads


@pytest.fixture(autouse=True)
def clock(monkeypatch):  # noqa: ANN001, ANN201
    """The services that take no `now` record their events at 09:55 in Paris."""
    set_clock(monkeypatch, NOW - dt.timedelta(minutes=5))


def _literals(node: ast.expr) -> list[str]:
    """The values an argument can take: a string, or either branch of `a if c else b`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _literals(node.body) + _literals(node.orelse)
    raise AssertionError(f"line {node.lineno}: a kind of event the scan cannot read: {ast.unparse(node)}")


def written_kinds() -> set[tuple[str, str]]:
    """(entity, action) of every `record(...)` and `audit.change(...)` call of lib/."""
    found = set()
    for path in sorted((ROOT / "lib").rglob("*.py")):
        if path.name == "audit.py":
            continue
        source = path.read_text(encoding="utf-8")
        bare = "from lib.audit import record" in source
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            by_module = (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                         and func.value.id == "audit" and func.attr in ("record", "change"))
            if by_module or (bare and isinstance(func, ast.Name) and func.id == "record"):
                found |= {(entity, action) for action in _literals(node.args[2]) for entity in _literals(node.args[3])}
    return found


def test_every_kind_the_services_write_is_registered_with_its_french_phrase():
    registered = {(entity, action) for entity, actions in audit.KINDS.items() for action in actions}
    written = written_kinds()
    assert ("user", "export_personal_data") in written and ("bulletin", "update") in written  # the scan reads
    assert sorted(written - registered) == [], "add the kind to audit.KINDS and its phrase to the catalogue"
    assert sorted(registered - written) == [], "a kind nothing writes any more"
    phrases = {audit.phrase(entity, action) for entity, action in registered}
    assert len(phrases) == len(registered)  # one phrase per kind, no two alike
    assert all(t(f"audit.kind.{entity}.{action}") for entity, action in registered)
    assert audit.phrase("user", "teleport") == t("audit.kind.unknown", kind="user.teleport")


def entry(tache: str = "Atelier usagers") -> JournalEntryIn:
    return JournalEntryIn(done_on=dt.date(2026, 11, 17), tache=tache, categories=[Category.M])


def record(actor, action: str, entity: str, entity_id: int | None, at: dt.datetime, **after) -> None:  # noqa: ANN001
    with db.transaction() as s:
        audit.record(s, actor, action, entity, entity_id, after=after or None, at=at)


def test_an_event_reads_who_what_about_whom_which_defi_and_when_in_paris_time(world):
    privacy.export_person(world.admin, world.eig.id, now=NOW - dt.timedelta(minutes=2))
    journal.add_entry(world.eig, world.alpha_id, entry())
    record(None, "login_failed", "user", world.eig2.id, dt.datetime(2026, 11, 17, 22, 30, tzinfo=dt.UTC))
    record(world.coach, "send_recap", "promotion", world.promotion_id, NOW - dt.timedelta(days=3))
    events = audit.trail(world.admin, now=NOW).events
    assert [(e.who, e.what, e.subject, e.defi, e.when) for e in events] == [
        ("Alice Admin", "Export des données personnelles", "Léa EIG", None, "aujourd'hui à 09:58"),
        ("Léa EIG", "Nouvelle entrée du carnet de bord", None, "Alpha", "aujourd'hui à 09:55"),
        # 22:30 UTC on the 17th is 23:30 in Paris: yesterday there.
        (t("audit.no_actor"), "Échec de connexion", "Hugo EIG", None, "hier à 23:30"),
        ("Claire Coach", "Envoi du récapitulatif de la semaine", "Promo test", None, "dimanche 15/11/2026 à 10:00")]


def test_a_deleted_rows_defi_is_read_from_its_snapshot(world):
    entry_id = journal.add_entry(world.eig, world.alpha_id, entry())
    journal.delete_entry(world.eig, entry_id, 1)
    trail = audit.trail(world.admin, audit.TrailFilters(defi_id=world.alpha_id), now=NOW)
    assert [(e.what, e.defi) for e in trail.events] == [("Suppression d'une entrée du carnet de bord", "Alpha"),
                                                        ("Nouvelle entrée du carnet de bord", "Alpha")]


def test_a_row_deleted_without_its_defi_in_its_snapshot_stays_in_that_defis_trail(world):
    """A measurement's snapshots name its indicator, not the défi: the défi is the event's own,
    fixed when it is written, so its creation and its deletion stay in Alpha's trail."""
    indicator_id = indicators.create_indicator(world.eig, world.alpha_id, IndicatorIn(
        theme=IndicatorTheme.PERFORMANCE_PRODUIT, name="Utilisateurs actifs", unit="utilisateurs"))
    measurement_id = indicators.add_measurement(world.eig, indicator_id,
                                                MeasurementIn(measured_on=dt.date(2026, 11, 16), value=12), now=NOW)
    indicators.delete_measurement(world.eig, measurement_id, 1)
    trail = audit.trail(world.admin, audit.TrailFilters(defi_id=world.alpha_id), now=NOW)
    assert [(e.what, e.defi) for e in trail.events] == [
        (t("audit.kind.measurement.delete"), "Alpha"), (t("audit.kind.measurement.create"), "Alpha"),
        (t("audit.kind.indicator.create"), "Alpha")]
    assert audit.trail(world.admin, audit.TrailFilters(defi_id=world.beta_id), now=NOW).events == []


def test_the_trail_is_filtered_by_person_defi_kind_and_paris_days(world):
    journal.add_entry(world.eig, world.alpha_id, entry())
    journal.add_entry(world.beta_eig, world.beta_id, entry())
    record(world.admin, "update", "user", world.eig.id, dt.datetime(2026, 11, 16, 23, 30, tzinfo=dt.UTC))
    record(world.eig, "login", "user", world.eig.id, dt.datetime(2026, 11, 16, 22, 30, tzinfo=dt.UTC))

    def shown(**filters: object) -> list[tuple[str, str]]:
        return [(e.who, e.what) for e in audit.trail(world.admin, audit.TrailFilters(**filters), now=NOW).events]

    # A person: what she did, and what was done to her account.
    assert shown(person_id=world.eig.id) == [("Léa EIG", "Nouvelle entrée du carnet de bord"),
                                             ("Alice Admin", "Modification d'un compte"), ("Léa EIG", "Connexion")]
    assert shown(defi_id=world.beta_id) == [("Bruno Beta", "Nouvelle entrée du carnet de bord")]
    assert shown(kinds=("user.update", "user.login")) == [("Alice Admin", "Modification d'un compte"),
                                                          ("Léa EIG", "Connexion")]
    # 23:30 UTC on the 16th is 00:30 on the 17th in Paris; 22:30 UTC is still the 16th there.
    assert shown(kinds=("user.update", "user.login"), start=dt.date(2026, 11, 17)) == [
        ("Alice Admin", "Modification d'un compte")]
    assert shown(kinds=("user.update", "user.login"), end=dt.date(2026, 11, 16)) == [("Léa EIG", "Connexion")]
    assert shown(person_id=world.eig.id, defi_id=world.beta_id) == []


def test_the_trail_is_counted_and_paged_newest_first(world):
    for minutes in range(5):
        record(world.coach, "login", "user", world.coach.id, NOW - dt.timedelta(minutes=minutes))
    first = audit.trail(world.admin, page_size=2, now=NOW)
    assert (first.total, first.page, first.pages) == (5, 1, 3)
    assert [e.when for e in first.events] == ["aujourd'hui à 10:00", "aujourd'hui à 09:59"]
    last = audit.trail(world.admin, page=9, page_size=2, now=NOW)  # past the end: the last page
    assert (last.page, [e.when for e in last.events]) == (3, ["aujourd'hui à 09:56"])


@pytest.mark.parametrize("player", ["coach", "eig", "sponsor", "outsider", "inactive"])
def test_only_admins_read_the_trail(world, player):
    with pytest.raises(PermissionDenied):
        audit.trail(getattr(world, player))

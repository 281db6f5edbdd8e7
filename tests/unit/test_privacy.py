"""Personal data: an admin exports everything the app holds about one person, and
anonymises a person who left while keeping what they wrote."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import zipfile
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from lib import auth, bulletins, db, help_requests, invitations, journal, privacy, users
from lib.config import get_settings
from lib.errors import Conflict
from lib.models import (
    AuditEvent,
    Base,
    Committee,
    CommitteeAction,
    CompetencyRating,
    DefiPhase,
    JournalEntry,
    LoginThrottle,
    MonthlyCarnet,
    ResetRequest,
    User,
)
from lib.schemas import BulletinIn, HelpAnswerIn, JournalEntryIn, UserIn
from tests.fixtures import PASSWORD

NOW = dt.datetime(2026, 11, 16, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))


def _lea_writes_everything(world) -> None:  # noqa: ANN001
    """Léa (EIG of Alpha) writes a journal entry, a bulletin with a help request, a carnet,
    and owns a committee action; the coach answers her help request."""
    journal.add_entry(world.eig, world.alpha_id, JournalEntryIn(done_on=NOW.date(), categories=["A"],
                                                           tache="Entretiens avec les agents de Léa"), now=NOW)
    bulletins.file_bulletin(world.eig, world.alpha_id, BulletinIn(mood=3, priority="Prototype de Léa",
                                                                  ups_downs="Démo réussie",
                                                                  help_request="Accès aux données"), now=NOW)
    ticket = int(help_requests.board(world.coach, world.promotion_id, now=NOW)["id"].iloc[0])
    help_requests.answer(world.coach, ticket, HelpAnswerIn(answer="Réponse de Claire", resolve=True), now=NOW)
    with db.transaction() as s:
        carnet = MonthlyCarnet(user_id=world.eig.id, defi_id=world.alpha_id, month=dt.date(2026, 11, 1),
                                 objectifs="Carnet de Léa", created_by_id=world.eig.id)
        carnet.ratings = [CompetencyRating(competency="Produit", rating=3)]
        phase = s.scalars(select(DefiPhase).where(DefiPhase.defi_id == world.alpha_id)).first()
        committee = Committee(defi_phase_id=phase.id, scheduled_at=NOW, created_by_id=world.coach.id)
        committee.actions = [CommitteeAction(description="Action de Léa", owner_id=world.eig.id,
                                             due_on=dt.date(2026, 12, 1))]
        s.add_all([carnet, committee])
    auth.check_login("eig", PASSWORD, client="poste-1", now=NOW)


def _unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_export_holds_account_memberships_texts_and_audit_without_password_hash(world):
    _lea_writes_everything(world)
    name, data = privacy.export_person(world.admin, world.eig.id, now=NOW)
    assert name == "donnees-personnelles-eig-20261116.zip"
    files = _unzip(data)
    tables = json.loads(files["donnees.json"])["tables"]
    assert tables["user"] == [tables["user"][0]] and tables["user"][0]["email"] == "eig@example.org"
    assert "password_hash" not in tables["user"][0] and b"$2b$" not in data and b"$2b$" not in files["user.csv"]
    assert [m["defi_id"] for m in tables["membership"] if m["user_id"] == world.eig.id] == [world.alpha_id]
    assert [e["tache"] for e in tables["journal_entry"]] == ["Entretiens avec les agents de Léa"]
    assert [c["category"] for c in tables["journal_entry_category"]] == ["A"]
    assert [b["priority"] for b in tables["bulletin"]] == ["Prototype de Léa"]
    assert [c["objectifs"] for c in tables["monthly_carnet"]] == ["Carnet de Léa"]
    assert [r["competency"] for r in tables["competency_rating"]] == ["Produit"]
    assert [a["description"] for a in tables["committee_action"]] == ["Action de Léa"]
    events = {(e["action"], e["entity"]) for e in tables["audit_event"]}
    assert events >= {("create", "journal_entry"), ("login", "user")}
    assert [h["created_by_id"] for h in tables["help_request"]] == [world.eig.id]  # the request she filed
    assert "committee" not in tables  # the coach's, where only her action is about her
    coach_tables = json.loads(_unzip(privacy.export_person(world.admin, world.coach.id, now=NOW)[1])["donnees.json"])
    assert [h["answer"] for h in coach_tables["tables"]["help_request"]] == ["Réponse de Claire"]
    rows = list(csv.DictReader(io.StringIO(files["journal_entry.csv"].decode("utf-8-sig"))))
    assert rows[0]["tache"] == "Entretiens avec les agents de Léa"
    assert "journal_entry.csv" in files["LISEZMOI.txt"].decode() and "Léa EIG" in files["LISEZMOI.txt"].decode()
    with db.reading() as s:
        exports = s.execute(select(AuditEvent.user_id, AuditEvent.entity_id)
                            .where(AuditEvent.action == "export_personal_data")).all()
    assert sorted(exports) == sorted([(world.admin.id, world.eig.id), (world.admin.id, world.coach.id)])


def test_anonymising_replaces_identity_disables_login_and_keeps_texts(world):
    _lea_writes_everything(world)
    new_login = privacy.anonymise_person(world.admin, world.eig.id, now=NOW)
    assert new_login == f"ancien-membre-{world.eig.id}"
    with db.reading() as s:
        user = s.get(User, world.eig.id)
        entry = s.scalars(select(JournalEntry)).one()
        events = s.scalars(select(AuditEvent).where(AuditEvent.entity == "user",
                                                    AuditEvent.entity_id == world.eig.id)).all()
    assert (user.display_name, user.login, user.active) == ("ancien·ne membre", new_login, False)
    assert "eig@example.org" not in user.email and user.email.endswith(".invalid")
    assert not auth.check_password(PASSWORD, user.password_hash)
    assert not auth.check_login("eig", PASSWORD, client="poste-1").ok
    assert not auth.check_login(new_login, PASSWORD, client="poste-1").ok
    assert (entry.tache, entry.author_id) == ("Entretiens avec les agents de Léa", world.eig.id)
    assert [a for _, a in journal.authors(world.coach, world.alpha_id) if a == "ancien·ne membre"]
    assert "Léa" not in json.dumps([[e.before, e.after] for e in events], ensure_ascii=False)
    assert ("anonymise", world.admin.id) in {(e.action, e.user_id) for e in events}
    with pytest.raises(Conflict):
        privacy.anonymise_person(world.admin, world.eig.id)


def test_anonymising_removes_the_name_from_the_account_audit_trail(world):
    uid = users.create_user(world.admin, UserIn(login="partant", display_name="Paul Partant",
                                                email="paul.partant@example.org", password="un-mot-de-passe"))
    privacy.anonymise_person(world.admin, uid)
    with db.reading() as s:
        trail = s.scalars(select(AuditEvent).where(AuditEvent.entity_id == uid, AuditEvent.entity == "user")).all()
    dumped = json.dumps([[e.before, e.after] for e in trail], ensure_ascii=False)
    assert "Paul" not in dumped and "paul.partant" not in dumped and "partant\"" not in dumped
    assert [e.action for e in trail] == ["create", "anonymise"]


def test_anonymising_leaves_the_login_and_email_nowhere_even_in_events_written_after_deactivation(world):
    identity = UserIn(login="zoe.depart", display_name="Zoé Départ", email="zoe.depart@example.org",
                      password="un-mot-de-passe")
    uid = users.create_user(world.admin, identity)
    auth.check_login("zoe.depart", "un-mot-de-passe", client="poste-1", now=NOW)
    version = int(users.list_users(world.admin).set_index("login").loc["zoe.depart", "version"])
    users.update_user(world.admin, uid, identity, False, version)
    # After the deactivation, these name the person only by what was typed or vouched for.
    auth.check_login("zoe.depart", "un-mot-de-passe", client="poste-1", now=NOW)
    auth.check_login("Zoe.Depart@example.org", "devine", client="poste-1", now=NOW)
    assert auth.provider_login("zoe.depart@example.org", True, client="poste-1", now=NOW).refusal
    invitations.request_reset("zoe.depart@example.org", "poste-1", now=NOW)
    privacy.anonymise_person(world.admin, uid, now=NOW)
    traces = ["zoe.depart", "zoé départ", *(hashlib.sha256(v.encode()).hexdigest()
                                           for v in ("zoe.depart", "zoe.depart@example.org"))]
    assert _found_anywhere(traces) == []


def _found_anywhere(needles: list[str]) -> list[tuple[str, str, str]]:
    """(table, column, needle) for every value of every table that holds one of `needles`."""
    found = []
    with db.reading() as s:
        for table in Base.metadata.sorted_tables:
            for row in s.execute(select(table)).mappings():
                for column, value in row.items():
                    text = json.dumps(value, default=str, ensure_ascii=False).lower()
                    found += [(table.name, column, needle) for needle in needles if needle in text]
    return found


def test_rate_limits_count_by_a_keyed_hash_of_the_login_and_address(world, monkeypatch):
    address = "eig@example.org"
    stored = []
    for key in ("une-premiere-cle-de-cookie-assez-longue", "une-seconde-cle-de-cookie-assez-longue"):
        monkeypatch.setenv("SUIVI_COOKIE_KEY", key)
        get_settings.cache_clear()
        invitations.request_reset(address, "poste-1", now=NOW)
        auth.check_login("eig", "devine", client="poste-1", now=NOW)
        with db.reading() as s:
            stored.append((s.scalars(select(ResetRequest.address_hash).order_by(ResetRequest.id)).all()[-1],
                           s.scalars(select(LoginThrottle.login)).all()))
    get_settings.cache_clear()
    (first_address, first_logins), (second_address, second_logins) = stored
    assert first_address != hashlib.sha256(address.encode()).hexdigest()
    assert first_address != second_address  # the same address, counted under another server secret
    assert "eig" not in first_logins and set(second_logins) > set(first_logins)  # new counters, keyed anew


def test_an_admin_cannot_anonymise_themselves(world):
    with pytest.raises(Conflict):
        privacy.anonymise_person(world.admin, world.admin.id)


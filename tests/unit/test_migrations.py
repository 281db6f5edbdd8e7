"""The migrations build exactly the schema the models describe, on both databases."""


import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError

from lib import db
from lib.models import AuditEvent, Base, JournalEntry, MonthlyCarnet, PasswordToken, User
from tests.conftest import empty_database


def test_upgrade_from_empty_to_head_matches_models(db_url):
    engine = db.get_engine(db_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert context.get_current_revision() is not None
        diff = compare_metadata(context, Base.metadata)
    assert diff == []
    assert set(inspect(engine).get_table_names()) >= set(Base.metadata.tables)


def test_upgrade_is_idempotent_and_keeps_the_versions(db_url):
    db.upgrade_to_head(db_url)
    assert db.scope_versions() == {"global": 0}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path):  # noqa: ANN001, ANN201 - a database URL
    """An empty database, not migrated (fresh_database's are at head)."""
    yield from empty_database(request.param, request, tmp_path)


def test_0008_keeps_journal_entries_carnets_and_their_history_under_the_new_names(empty_url):
    command.upgrade(db.alembic_config(empty_url), "0007_password_tokens")
    stamp = "'2026-11-02 10:00:00+00'"
    with db.scratch_engine(empty_url) as engine, engine.begin() as conn:
        if engine.dialect.name == "postgresql":  # the rows' parents (défi, user) do not matter here
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("INSERT INTO log_entry (id, defi_id, done_on, livrable, tache, news, search_text, "
                          f"created_at, updated_at, version) VALUES (7, 1, '2026-11-02', '', 'Atelier', 1, "
                          f"'atelier', {stamp}, {stamp}, 1)"))
        conn.execute(text("INSERT INTO log_entry_category (entry_id, category) VALUES (7, 'U')"))
        conn.execute(text("INSERT INTO monthly_checkin (id, user_id, defi_id, month, objectifs, besoins, "
                          f"apprentissages, trajectoire, created_at, updated_at, version) VALUES (3, 1, 1, "
                          f"'2026-11-01', 'Livrer', '', '', '', {stamp}, {stamp}, 1)"))
        conn.execute(text("INSERT INTO competency_rating (id, checkin_id, competency, rating) "
                          "VALUES (1, 3, 'Produit', 2)"))
        conn.execute(text(f"INSERT INTO audit_event (at, action, entity, entity_id) VALUES ({stamp}, 'create', "
                          f"'log_entry', 7), ({stamp}, 'create', 'monthly_checkin', 3)"))
    db.upgrade_to_head(empty_url)
    with db.reading(db.get_engine(empty_url)) as s:
        entry = s.get(JournalEntry, 7)
        assert (entry.tache, [c.category.value for c in entry.categories]) == ("Atelier", ["U"])
        carnet = s.get(MonthlyCarnet, 3)
        assert (carnet.objectifs, [(r.competency, r.rating) for r in carnet.ratings]) == ("Livrer", [("Produit", 2)])
        assert sorted(s.execute(select(AuditEvent.entity, AuditEvent.entity_id)).all()) == [
            ("journal_entry", 7), ("monthly_carnet", 3)]


def test_0010_normalises_stored_addresses_and_binds_pending_links_to_the_account_state(empty_url):
    command.upgrade(db.alembic_config(empty_url), "0009_membership_joined_on")
    sent, changed = "'2026-11-02 10:00:00+00'", "'2026-11-03 10:00:00+00'"
    with db.scratch_engine(empty_url) as engine, engine.begin() as conn:
        for n, (email, updated) in enumerate([("Coach.Karim@Example.ORG", sent), ("coach.karim@example.org", sent),
                                              ("victime<attaquant@evil.example>", sent),
                                              ("lea@example.org", changed)], start=1):
            conn.execute(text('INSERT INTO "user" (id, login, display_name, email, password_hash, role, active, '
                              f"created_at, updated_at, version, session_epoch) VALUES ({n}, 'user{n}', 'U', "
                              f"'{email}', '$2-no-password', 'member', true, {sent}, {updated}, 1, 3)"))
        # Two links sent at `sent`: Karim's account has not changed since, Léa's has (maybe her address).
        for n, user_id in ((1, 1), (2, 4)):
            conn.execute(text("INSERT INTO password_token (id, user_id, purpose, token_hash, created_at, expires_at) "
                              f"VALUES ({n}, {user_id}, 'invitation', 'h{n}', {sent}, '2026-11-09 10:00:00+00')"))
    db.upgrade_to_head(empty_url)
    with db.reading(db.get_engine(empty_url)) as s:
        assert s.scalars(select(User.email).order_by(User.id)).all() == [
            "coach.karim@example.org", "coach.karim@example.org", "victime<attaquant@evil.example>", "lea@example.org"]
        assert [s.get(PasswordToken, n).session_epoch for n in (1, 2)] == [3, 2]


def test_0013_admits_bulletin_links_to_a_defi_only_and_keeps_the_pending_password_links(empty_url):
    command.upgrade(db.alembic_config(empty_url), "0012_outbox")
    stamp = "'2026-11-02 10:00:00+00'"
    with db.scratch_engine(empty_url) as engine, engine.begin() as conn:
        if engine.dialect.name == "postgresql":  # the rows' parents (défi, user) do not matter here
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("INSERT INTO password_token (id, user_id, purpose, token_hash, created_at, expires_at, "
                          f"session_epoch) VALUES (1, 1, 'invitation', 'h1', {stamp}, {stamp}, 0)"))
    db.upgrade_to_head(empty_url)

    def insert(n: int, purpose: str, defi_id: str) -> None:
        with db.scratch_engine(empty_url) as engine, engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text("INSERT INTO password_token (id, user_id, purpose, defi_id, token_hash, created_at, "
                              f"expires_at, session_epoch) VALUES ({n}, 1, '{purpose}', {defi_id}, 'h{n}', {stamp}, "
                              f"{stamp}, 0)"))

    insert(2, "bulletin", "1")
    for n, purpose, defi_id in [(3, "bulletin", "NULL"), (4, "reset", "1"), (5, "autre", "NULL")]:
        with pytest.raises(IntegrityError):
            insert(n, purpose, defi_id)
    with db.reading(db.get_engine(empty_url)) as s:
        assert [(t.purpose, t.defi_id) for t in s.scalars(select(PasswordToken).order_by(PasswordToken.id))] == [
            ("invitation", None), ("bulletin", 1)]
    db.dispose_engines()
    command.downgrade(db.alembic_config(empty_url), "0012_outbox")
    with db.scratch_engine(empty_url) as engine, engine.connect() as conn:
        assert conn.execute(text("SELECT id, purpose FROM password_token")).all() == [(1, "invitation")]


def test_0014_carries_the_data_version_on_as_the_global_scope_and_back(empty_url):
    """A counter never goes back: no key cached before the upgrade (or the downgrade) is met again."""
    command.upgrade(db.alembic_config(empty_url), "0013_bulletin_links")
    with db.scratch_engine(empty_url) as engine, engine.begin() as conn:
        conn.execute(text("UPDATE data_version SET value = 41"))
    db.upgrade_to_head(empty_url)
    assert db.scope_versions(db.get_engine(empty_url)) == {"global": 41}
    with db.scratch_engine(empty_url) as engine, engine.begin() as conn:
        conn.execute(text("INSERT INTO scope_version (scope, value) VALUES ('defi:1', 3)"))
    db.dispose_engines()
    command.downgrade(db.alembic_config(empty_url), "0013_bulletin_links")
    with db.scratch_engine(empty_url) as engine, engine.connect() as conn:
        assert conn.execute(text("SELECT id, value FROM data_version")).all() == [(1, 45)]


def test_0015_reads_each_events_defi_from_its_row_or_from_the_snapshots_of_a_deleted_one(empty_url):
    command.upgrade(db.alembic_config(empty_url), "0014_scope_versions")
    stamp = "'2026-11-02 10:00:00+00'"
    with db.scratch_engine(empty_url) as engine, engine.begin() as conn:
        if engine.dialect.name == "postgresql":  # the rows' parents (promotion, user) do not matter here
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("INSERT INTO defi (id, promotion_id, administration_id, name, description, public_code, "
                          "published_datasets, libraries, created_at, updated_at, version) VALUES "
                          f"(4, 1, 1, 'Alpha', '', false, 0, 0, {stamp}, {stamp}, 1)"))
        conn.execute(text("INSERT INTO bulletin (id, defi_id, iso_year, iso_week, week_start, mood, priority, "
                          f"ups_downs, help_request, created_at, updated_at, version) VALUES (9, 4, 2026, 45, "
                          f"'2026-11-02', 3, 'Avancer', 'RAS', 'Un accès', {stamp}, {stamp}, 1)"))
        conn.execute(text("INSERT INTO help_request (id, bulletin_id, status, answer, created_at, updated_at, "
                          f"version) VALUES (2, 9, 'open', '', {stamp}, {stamp}, 1)"))
        events = [("'create'", "'bulletin'", "9", "NULL", "NULL"),  # a row still there, and one through a parent
                  ("'create'", "'help_request'", "2", "NULL", "NULL"),
                  # deleted rows: their snapshots name the défi, before first; an import's summary has no row
                  ("'delete'", "'journal_entry'", "70", """'{"defi_id": 5}'""", "NULL"),
                  ("'update'", "'key_date'", "71", """'{"defi_id": 6}'""", """'{"defi_id": 7}'"""),
                  ("'import'", "'journal_entry'", "NULL", "NULL", """'{"defi_id": 4, "entries": 12}'"""),
                  ("'delete'", "'committee'", "72", """'{"notes": ""}'""", "NULL"),  # kept no défi
                  ("'login'", "'user'", "1", "NULL", """'{"defi_id": 4}'""")]  # a person, in no défi
        for action, entity, entity_id, before, after in events:
            conn.execute(text("INSERT INTO audit_event (at, action, entity, entity_id, before, after) VALUES "
                              f"({stamp}, {action}, {entity}, {entity_id}, {before}, {after})"))
    db.upgrade_to_head(empty_url)
    with db.reading(db.get_engine(empty_url)) as s:
        assert s.execute(select(AuditEvent.entity, AuditEvent.defi_id).order_by(AuditEvent.id)).all() == [
            ("bulletin", 4), ("help_request", 4), ("journal_entry", 5), ("key_date", 6), ("journal_entry", 4),
            ("committee", None), ("user", None)]
    db.dispose_engines()
    command.downgrade(db.alembic_config(empty_url), "0014_scope_versions")
    with db.scratch_engine(empty_url) as engine:
        assert "defi_id" not in {c["name"] for c in inspect(engine).get_columns("audit_event")}

"""A write bumps the cache scopes of what it changed, found from the rows it flushed: a row of a
défi bumps that défi, its promotion and the programme; a row of a promotion alone, or a
membership, every défi of that promotion too; anything else (a person, a promotion itself, a
row written in bulk or moved) the global scope every cached read is keyed on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import select, update

from lib import db
from lib.models import (
    AuditEvent,
    Committee,
    CommitteeAction,
    DefiPhase,
    DefiRole,
    JournalEntry,
    Membership,
    PhaseTemplate,
    ScopeVersion,
    User,
)

WHEN = dt.datetime(2026, 11, 18, 9, 0, tzinfo=dt.UTC)


def bumped(write: Callable[[object], None]) -> set[str]:
    """The scopes whose versions one transaction running `write(session)` moved."""
    before = db.scope_versions()
    with db.transaction() as s:
        write(s)
    after = db.scope_versions()
    return {scope for scope, value in after.items() if value != before.get(scope, 0)}


def defi_scopes(world, *names: str) -> set[str]:  # noqa: ANN001 - tests.fixtures.World
    return {ScopeVersion.defi(getattr(world, f"{name}_id")) for name in names}


def test_a_row_of_a_defi_bumps_that_defi_its_promotion_and_the_programme(world):
    def write(s):  # noqa: ANN001, ANN202
        s.add(JournalEntry(defi_id=world.alpha_id, done_on=dt.date(2026, 11, 17), tache="Atelier"))

    assert bumped(write) == {ScopeVersion.PROGRAMME, ScopeVersion.promotion(world.promotion_id),
                             *defi_scopes(world, "alpha")}


def test_a_row_reached_through_its_parents_bumps_their_defi(world):
    """A committee's action names no défi: its committee's phase does."""
    with db.transaction() as s:
        phase = s.scalars(select(DefiPhase).where(DefiPhase.defi_id == world.beta_id)).first()
        committee = Committee(defi_phase_id=phase.id, scheduled_at=WHEN)
        s.add(committee)
    assert bumped(lambda s: s.add(CommitteeAction(committee_id=committee.id, description="Relancer",
                                                  due_on=dt.date(2026, 12, 1)))) \
        == {ScopeVersion.PROGRAMME, ScopeVersion.promotion(world.promotion_id), *defi_scopes(world, "beta")}


def test_a_save_that_changed_nothing_bumps_the_defi_its_audit_event_names(world):
    """The event a save records even when no value changed is placed by its entity."""
    with db.transaction() as s:
        entry = JournalEntry(defi_id=world.beta_id, done_on=dt.date(2026, 11, 17), tache="Atelier")
        s.add(entry)
    assert bumped(lambda s: s.add(AuditEvent(action="update", entity="journal_entry", entity_id=entry.id))) \
        == {ScopeVersion.PROGRAMME, ScopeVersion.promotion(world.promotion_id), *defi_scopes(world, "beta")}


def test_a_row_of_a_promotion_alone_bumps_every_defi_of_it_and_no_other(world):
    def write(s):  # noqa: ANN001, ANN202
        phase = s.scalars(select(PhaseTemplate).where(PhaseTemplate.promotion_id == world.promotion_id)).first()
        phase.summary = "Revu"

    assert bumped(write) == {ScopeVersion.PROGRAMME, ScopeVersion.promotion(world.promotion_id),
                             *defi_scopes(world, "alpha", "beta")}


def test_a_membership_bumps_every_defi_of_its_promotion(world):
    """A member of one défi reads the published bulletins of the others."""
    assert bumped(lambda s: s.add(Membership(user_id=world.outsider.id, defi_id=world.beta_id, role=DefiRole.EIG))) \
        == {ScopeVersion.PROGRAMME, ScopeVersion.promotion(world.promotion_id), *defi_scopes(world, "alpha", "beta")}


def test_a_person_changed_bumps_the_global_scope(world):
    assert bumped(lambda s: setattr(s.get(User, world.coach.id), "display_name", "Claire C.")) \
        == {ScopeVersion.GLOBAL}


def test_a_bulk_statement_or_a_moved_row_bumps_the_global_scope(world):
    assert bumped(lambda s: s.execute(update(JournalEntry).values(news=1))) == {ScopeVersion.GLOBAL}

    def move(s):  # noqa: ANN001, ANN202
        s.scalars(select(Membership).where(Membership.user_id == world.beta_eig.id)).one().defi_id = world.alpha_id

    assert bumped(move) == {ScopeVersion.GLOBAL}


def test_a_transaction_that_writes_nothing_bumps_nothing(world):
    assert bumped(lambda s: s.get(User, world.coach.id)) == set()

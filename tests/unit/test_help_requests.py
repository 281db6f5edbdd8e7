"""Help requests: the coaches' board, assignment, answers and resolution, what the
défi sees, and the promotion's response times measured in SQL."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from lib import bulletins, db, help_requests
from lib.errors import NotFound, PermissionDenied, StaleEdit
from lib.models import AuditEvent
from lib.schemas import BulletinIn, HelpAnswerIn, HelpTicketIn
from tests.conftest import said

PARIS = ZoneInfo("Europe/Paris")
FILED = dt.datetime(2026, 11, 16, 10, 0, tzinfo=PARIS)


def ask(world, actor=None, defi_id=None, text="Besoin d'un contact juridique") -> int:  # noqa: ANN001
    bulletins.file_bulletin(actor or world.eig, defi_id or world.alpha_id,
                            BulletinIn(mood=2, priority="Cadrer", ups_downs="Bloqués", help_request=text), now=FILED)
    board = help_requests.board(world.coach, world.promotion_id, now=FILED)
    return int(board[board["request"] == text]["id"].iloc[0])


def test_help_request_appears_open_on_the_board_with_its_age(world):
    ask(world)
    board = help_requests.board(world.coach, world.promotion_id, now=FILED + dt.timedelta(days=3, hours=1))
    row = board.iloc[0]
    assert (row["defi"], row["week"], row["status"], row["age_days"]) == ("Alpha", "S47 (16-22 nov.)", "open", 3)


@pytest.mark.parametrize("login", ["eig", "porteur", "sponsor", "beta_eig", "outsider"])
def test_only_coaches_see_the_board_and_act_on_tickets(world, login):
    ticket = ask(world)
    actor = getattr(world, login)
    with pytest.raises(PermissionDenied):
        help_requests.board(actor, world.promotion_id)
    with pytest.raises(PermissionDenied):
        help_requests.assign(actor, ticket, world.coach.id)
    with pytest.raises(PermissionDenied):
        help_requests.answer(actor, ticket, HelpAnswerIn(answer="x", resolve=True))
    with pytest.raises(PermissionDenied):
        help_requests.response_times(actor, world.promotion_id)


def test_assign_answer_resolve_and_the_defi_sees_status_and_answer(world):
    ticket = ask(world)
    help_requests.assign(world.coach, ticket, world.admin.id, expected_version=1, now=FILED + dt.timedelta(hours=2))
    row = help_requests.board(world.coach, world.promotion_id, assignee_id=world.admin.id).iloc[0]
    assert (row["status"], row["assignee"]) == ("assigned", "Alice Admin")
    with pytest.raises(StaleEdit):
        help_requests.answer(world.coach, ticket, HelpAnswerIn(answer="Vu"), expected_version=1)
    help_requests.answer(world.coach, ticket, HelpAnswerIn(answer="Contactez la DAJ de la part du programme."),
                         expected_version=2, now=FILED + dt.timedelta(hours=6))
    help_requests.answer(world.coach, ticket, HelpAnswerIn(answer="Rendez-vous pris.", resolve=True),
                         expected_version=3, now=FILED + dt.timedelta(hours=30))
    for reader in (world.eig, world.sponsor):
        # After the week's deadline: a sponsor reads a week once it is published.
        seen = help_requests.defi_tickets(reader, world.alpha_id, now=FILED + dt.timedelta(days=5)).iloc[0]
        assert (seen["status_label"], seen["answer"]) == ("résolue", "Rendez-vous pris.")
    with pytest.raises(PermissionDenied):
        help_requests.defi_tickets(world.beta_eig, world.alpha_id)
    times = help_requests.response_times(world.coach, world.promotion_id)
    assert (times.total, times.resolved, times.hours_to_first_answer, times.hours_to_resolve) == (1, 1, 6.0, 30.0)


def test_filters_by_status_and_defi(world):
    alpha = ask(world)
    ask(world, actor=world.beta_eig, defi_id=world.beta_id, text="Un designer en renfort ?")
    help_requests.answer(world.coach, alpha, HelpAnswerIn(answer="Fait", resolve=True), now=FILED)
    assert list(help_requests.board(world.coach, world.promotion_id, status="open")["defi"]) == ["Beta"]
    assert list(help_requests.board(world.coach, world.promotion_id, status="resolved")["defi"]) == ["Alpha"]
    assert list(help_requests.board(world.coach, world.promotion_id, defi_id=world.beta_id)["defi"]) == ["Beta"]
    # Unresolved first on the unfiltered board.
    assert list(help_requests.board(world.coach, world.promotion_id)["defi"]) == ["Beta", "Alpha"]
    times = help_requests.response_times(world.coach, world.promotion_id)
    assert (times.open, times.resolved, times.hours_to_first_answer) == (1, 1, 0.0)


def test_resolving_needs_an_answer_and_only_coaches_are_assignees(world):
    ticket = ask(world)
    with pytest.raises(ValidationError):
        HelpAnswerIn(answer="", resolve=True)
    with pytest.raises(NotFound):
        help_requests.assign(world.coach, ticket, world.eig.id)


def test_reopen_brings_a_resolved_ticket_back(world):
    ticket = ask(world)
    help_requests.answer(world.coach, ticket, HelpAnswerIn(answer="Fait", resolve=True), now=FILED)
    help_requests.reopen(world.coach, ticket, now=FILED)
    row = help_requests.board(world.coach, world.promotion_id).iloc[0]
    assert (row["status"], row["assignee"], row["answer"]) == ("assigned", "Claire Coach", "Fait")


def test_one_submit_assigns_answers_and_resolves_in_one_audited_step(world):
    ticket = ask(world)
    help_requests.treat(world.coach, ticket, HelpTicketIn(assignee_id=world.admin.id, answer="Voyez la DAJ.",
                                                          status="resolved"),
                        expected_version=1, now=FILED + dt.timedelta(hours=4))
    row = help_requests.board(world.coach, world.promotion_id).iloc[0]
    assert (row["status"], row["assignee"], row["answer"], row["version"]) == (
        "resolved", "Alice Admin", "Voyez la DAJ.", 2)  # one write, one version
    times = help_requests.response_times(world.coach, world.promotion_id)
    assert (times.hours_to_first_answer, times.hours_to_resolve) == (4.0, 4.0)
    with db.reading() as s:
        events = s.scalars(select(AuditEvent.action).where(AuditEvent.entity == "help_request")).all()
    assert events == ["create", "treat"]  # the bulletin created it; the coach treated it once
    with pytest.raises(StaleEdit):  # someone else's save since version 1
        help_requests.treat(world.coach, ticket, HelpTicketIn(assignee_id=world.coach.id, answer="x"),
                            expected_version=1)


def test_treating_a_resolved_ticket_as_in_progress_reopens_it_and_keeps_resolution_time_otherwise(world):
    ticket = ask(world)
    help_requests.treat(world.coach, ticket, HelpTicketIn(assignee_id=world.coach.id, answer="Fait",
                                                          status="resolved"), now=FILED + dt.timedelta(hours=1))
    help_requests.treat(world.coach, ticket, HelpTicketIn(assignee_id=world.coach.id, answer="Fait, et relancé.",
                                                          status="resolved"), now=FILED + dt.timedelta(hours=9))
    assert help_requests.response_times(world.coach, world.promotion_id).hours_to_resolve == 1.0
    help_requests.treat(world.coach, ticket, HelpTicketIn(assignee_id=world.coach.id, answer="Fait, et relancé."))
    row = help_requests.board(world.coach, world.promotion_id).iloc[0]
    assert (row["status"], row["resolved_at"]) == ("assigned", None)


def test_treating_refuses_non_coaches_an_unknown_assignee_and_resolving_without_answer(world):
    ticket = ask(world)
    for login in ("eig", "porteur", "sponsor", "beta_eig", "outsider"):
        with pytest.raises(PermissionDenied):
            help_requests.treat(getattr(world, login), ticket, HelpTicketIn(assignee_id=world.coach.id))
    with pytest.raises(NotFound):
        help_requests.treat(world.coach, ticket, HelpTicketIn(assignee_id=world.eig.id))
    with pytest.raises(ValidationError, match=said("validation.help_answer_required")):
        HelpTicketIn(assignee_id=world.coach.id, answer="  ", status="resolved")
    with pytest.raises(ValidationError, match=said("validation.help_assignee_required")):
        HelpTicketIn(assignee_id=None, answer="x")
    with pytest.raises(ValidationError, match=said("validation.help_status")):
        HelpTicketIn(assignee_id=world.coach.id, status="open")
    assert help_requests.board(world.coach, world.promotion_id).iloc[0]["status"] == "open"

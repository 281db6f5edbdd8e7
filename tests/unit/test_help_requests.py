"""Help requests: the coaches' board, assignment, answers and resolution, what the
défi sees, and the promotion's response times measured in SQL."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from lib import bulletins, help_requests
from lib.errors import NotFound, PermissionDenied, StaleEdit
from lib.schemas import BulletinIn, HelpAnswerIn

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
        seen = help_requests.defi_tickets(reader, world.alpha_id).iloc[0]
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

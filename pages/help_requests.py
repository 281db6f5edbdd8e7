"""Demandes d'aide: the coaches' board of a promotion's help requests."""

import pandas as pd
import streamlit as st

from lib import formats, help_requests, portfolio, ui
from lib.i18n import t
from lib.schemas import HelpTicketIn
from lib.ui import cached, md

TICKET_FIELDS = ["assignee_id", "answer", "status"]

ctx = ui.page("page.help_requests")
actor = ctx.actor
now = ui.now()

STATES = ["assigned", "resolved"]
# The ticket a to-do line (home) opens the board on: every request listed, that one picked.
opened_ticket = st.session_state.pop("help_open", None)


def hours(h: float | None) -> str:
    return t("help.hours", h=formats.decimal(h)) if h is not None else t("help.na")


def response_times() -> None:
    """How many requests are open, assigned, resolved, and how fast they are answered."""
    times = cached(help_requests.response_times)(actor, ctx.promotion.id)
    c1, c2, c3, c4, c5 = st.columns(5)
    c1.metric(t("help.metric.open"), times.open)
    c2.metric(t("help.metric.assigned"), times.assigned)
    c3.metric(t("help.metric.resolved"), times.resolved)
    c4.metric(t("help.metric.first_answer"), hours(times.hours_to_first_answer),
              help=t("help.metric.first_answer_help"))
    c5.metric(t("help.metric.resolve"), hours(times.hours_to_resolve), help=t("help.metric.resolve_help"))


def filtered_board(coaches: list) -> pd.DataFrame:
    """The promotion's requests, filtered by status, coach and défi."""
    defis = cached(portfolio.defis_for)(actor, ctx.promotion.id)
    if opened_ticket is not None:
        st.session_state.update(help_status=None, help_assignee=None, help_defi=None)
    f1, f2, f3 = st.columns(3)
    status = f1.selectbox(t("help.filter.status"), [None, "open", "assigned", "resolved"], key="help_status",
                          format_func=lambda s: t("help.filter.all") if s is None else t(f"help.status.{s}"),
                          placeholder=t("widget.choose"))
    assignee = f2.selectbox(t("help.filter.assignee"), [None, *coaches], key="help_assignee",
                            format_func=lambda c: t("help.filter.all") if c is None else c.name,
                            placeholder=t("widget.choose"))
    defi = f3.selectbox(t("help.filter.defi"), [None, *defis], key="help_defi",
                        format_func=lambda d: t("help.filter.all") if d is None else d.name,
                        placeholder=t("widget.choose"))
    return cached(help_requests.board)(actor, ctx.promotion.id, status, assignee.id if assignee else None,
                                       defi.id if defi else None, now)


def picked_ticket(board: pd.DataFrame) -> dict | None:
    """The board, and the ticket of the row the coach clicked (or None)."""
    key = ui.rows_key("help_board", ctx.promotion.id, list(board["id"]))
    if opened_ticket in list(board["id"]):
        st.session_state[key] = {"selection": {"rows": [list(board["id"]).index(opened_ticket)], "columns": []}}
    # Columns that fit a 1,280 px screen, the request wrapping on three lines; the answer is in
    # the form a click opens.
    clicked = ui.table(
        board[["defi", "week", "request", "status_label", "assignee", "age_days"]],
        lines=3, width="stretch", on_select="rerun", selection_mode="single-row", key=key,
        column_config={"defi": st.column_config.TextColumn(t("help.col.defi"), width=120),
                       "week": st.column_config.TextColumn(t("help.col.week"), width=115),
                       "request": st.column_config.TextColumn(t("help.col.request"), width=250),
                       "status_label": st.column_config.TextColumn(t("help.col.status"), width=90),
                       "assignee": st.column_config.TextColumn(t("help.col.assignee"), width=110),
                       "age_days": st.column_config.NumberColumn(t("help.col.age"), width=70)})
    chosen = list(getattr(clicked.selection, "rows", None) or [])
    return board.iloc[chosen[0]].to_dict() if chosen and chosen[0] < len(board) else None


def ticket_form(pick: dict, coaches: list) -> None:
    """Assign, answer and resolve one request, in one versioned form."""
    st.header(t("help.manage", defi=md(pick["defi"]), week=pick["week"]))
    st.text(pick["request"])
    opened = ui.edit("help_ticket", pick["id"], pick["version"])
    ui.newer_version(opened, lambda: st.text(f"{pick['status_label']} · {pick['assignee']}\n{pick['answer']}"))
    names = {c.id: c.name for c in coaches}
    holder = pick["assignee_id"] if pick["assignee_id"] in names else actor.id if actor.id in names else None
    with st.form(opened.key):
        st.selectbox(t("help.assign_to"), list(names), index=list(names).index(holder) if holder in names else None,
                     format_func=names.get, key=opened.field("assignee_id"), placeholder=t("widget.choose"))
        st.text_area(t("help.answer"), pick["answer"], max_chars=1000, key=opened.field("answer"))
        st.radio(t("help.state"), STATES, index=int(pick["status"] == "resolved"), horizontal=True,
                 format_func=lambda s: t(f"help.state.{s}"), key=opened.field("status"))
        ui.save_button(t("help.save"), opened, lambda: ui.typed(HelpTicketIn, opened.key, TICKET_FIELDS),
                       lambda data: help_requests.treat(actor, pick["id"], data, opened.expected),
                       lambda data, _: t(f"help.treated.{data.status}", name=md(names[data.assignee_id])),
                       labels={"assignee_id": t("help.assign_to"), "answer": t("help.answer"),
                               "status": t("help.state")}, type="primary")


response_times()
coaches = cached(help_requests.coaches)(actor)
board = filtered_board(coaches)
st.header(t("help.board_title"))
if board.empty:
    st.info(t("help.empty"))
    st.stop()
pick = picked_ticket(board)
if pick is None:
    st.caption(t("help.click_to_treat"))
else:
    ticket_form(pick, coaches)

"""Demandes d'aide: the coaches' board of a promotion's help requests."""

import streamlit as st

from lib import formats, help_requests, portfolio
from lib.clock import now_utc
from lib.i18n import t
from lib.schemas import HelpAnswerIn
from lib.ui import cached, context, done, md, submit

ctx = context()
actor = ctx.actor
st.title(t("page.help_requests"))
if ctx.promotion is None:
    st.info(t("retro.no_promotion"))
    st.stop()
now = now_utc().replace(second=0, microsecond=0)

times = cached(help_requests.response_times)(actor, ctx.promotion.id)
c1, c2, c3, c4, c5 = st.columns(5)
c1.metric(t("help.metric.open"), times.open)
c2.metric(t("help.metric.assigned"), times.assigned)
c3.metric(t("help.metric.resolved"), times.resolved)
hours = lambda h: t("help.hours", h=formats.decimal(h)) if h is not None else t("help.na")  # noqa: E731
c4.metric(t("help.metric.first_answer"), hours(times.hours_to_first_answer))
c5.metric(t("help.metric.resolve"), hours(times.hours_to_resolve))

coaches = cached(help_requests.coaches)(actor)
defis = cached(portfolio.defis_for)(actor, ctx.promotion.id)
f1, f2, f3 = st.columns(3)
status = f1.selectbox(t("help.filter.status"), [None, "open", "assigned", "resolved"], key="help_status",
                      format_func=lambda s: t("help.filter.all") if s is None else t(f"help.status.{s}"),
                      placeholder=t("widget.choose"))
assignee = f2.selectbox(t("help.filter.assignee"), [None, *coaches], key="help_assignee",
                        format_func=lambda c: t("help.filter.all") if c is None else c.name,
                        placeholder=t("widget.choose"))
defi = f3.selectbox(t("help.filter.defi"), [None, *defis], key="help_defi",
                    format_func=lambda d: t("help.filter.all") if d is None else d.name, placeholder=t("widget.choose"))
board = cached(help_requests.board)(actor, ctx.promotion.id, status, assignee.id if assignee else None,
                                    defi.id if defi else None, now)

st.subheader(t("help.board_title"))
if board.empty:
    st.info(t("help.empty"))
    st.stop()
st.dataframe(board[["defi", "week", "request", "status_label", "assignee", "age_days", "answer"]], hide_index=True,
             width="stretch", column_config={
                 "defi": t("help.col.defi"), "week": t("help.col.week"), "request": t("help.col.request"),
                 "status_label": t("help.col.status"), "assignee": t("help.col.assignee"),
                 "age_days": st.column_config.NumberColumn(t("help.col.age")), "answer": t("help.col.answer")})

st.subheader(t("help.manage"))
tickets = board.to_dict("records")
pick = st.selectbox(t("help.pick"), tickets, key="help_pick",
                    format_func=lambda r: f"{r['defi']} · {r['week']} · {r['status_label']} · {r['request'][:60]}",
                    placeholder=t("widget.choose"))
st.text(pick["request"])
left, right = st.columns(2)
with left, st.form(f"assign_{pick['id']}_{pick['version']}"):
    ids = [c.id for c in coaches]
    coach = st.selectbox(t("help.assign_to"), coaches, format_func=lambda c: c.name,
                         index=ids.index(pick["assignee_id"]) if pick["assignee_id"] in ids else 0,
                         placeholder=t("widget.choose"))
    if st.form_submit_button(t("help.assign")) and submit(
            lambda: coach.id,
            lambda coach_id: help_requests.assign(actor, pick["id"], coach_id, pick["version"]) or True):
        done(t("help.assigned", name=md(coach.name)))
with right, st.form(f"answer_{pick['id']}_{pick['version']}"):
    answer = st.text_area(t("help.answer"), pick["answer"], max_chars=1000)
    resolve = st.checkbox(t("help.resolve"), value=pick["status"] == "resolved")
    if st.form_submit_button(t("help.save_answer")):
        answered = submit(lambda: HelpAnswerIn(answer=answer, resolve=resolve),
                          lambda data: help_requests.answer(actor, pick["id"], data, pick["version"]) or True,
                          labels={"answer": t("help.answer")})
        if answered:
            done(t("help.answered"))
if pick["status"] == "resolved" and st.button(t("help.reopen")) and submit(
        lambda: pick["id"], lambda hid: help_requests.reopen(actor, hid, pick["version"]) or True):
    done(t("help.reopened"))

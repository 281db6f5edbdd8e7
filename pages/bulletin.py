"""Bulletin de la semaine: the défi's EIGs file or edit this week's bulletin until the deadline."""

import streamlit as st

from lib import bulletins, formats, help_requests, ui
from lib.i18n import t
from lib.programme import mood_label
from lib.schemas import BulletinIn
from lib.ui import cached, md

ctx = ui.page("page.bulletin")
actor = ctx.actor

now = ui.now()
state = cached(bulletins.week_state)(actor, ctx.defi.id, now)
clock = cached(bulletins.clock_now)(actor, ctx.defi.promotion_id, now)
deadline = formats.moment(state.deadline, state.timezone)
st.caption(f"{md(ctx.defi.name)} · {md(ctx.defi.administration)}")

LABELS = {"mood": t("bulletin.mood"), "priority": t("bulletin.priority"), "ups_downs": t("bulletin.ups_downs"),
          "help_request": t("bulletin.help_request"), "key_date": t("bulletin.key_date"),
          "key_date_description": t("bulletin.key_date_description")}

def show_bulletin(b: bulletins.WeekState) -> None:
    """The week's filed bulletin, read-only."""
    ui.bulletin_card(b.label, b.mood, b.priority, b.ups_downs, more=((LABELS["help_request"], b.help_request),))


if not state.open:
    st.warning(t("bulletin.closed", week=state.label, next=formats.moment(state.next_deadline, state.timezone)))
    if state.bulletin_id:
        show_bulletin(state)
else:
    st.info(t("bulletin.intro", week=state.label, clock=clock.label, deadline=deadline))
    if state.bulletin_id:
        st.caption(t("bulletin.filed_by_team"))
    # One bulletin a week per défi, which every EIG of the team may file or edit.
    opened = ui.edit("bulletin", f"{ctx.defi.id}_{state.label}", state.version)
    ui.newer_version(opened, lambda: show_bulletin(state))
    moods = [1, 2, 3, 4]
    field = opened.field
    # max_chars shows a live counter under each text box as the person types.
    with st.form(opened.key, border=True):
        st.radio(LABELS["mood"], moods, index=moods.index(state.mood) if state.mood else None, horizontal=True,
                 format_func=mood_label, key=field("mood"))
        st.text_area(LABELS["priority"], state.priority, max_chars=300, height=90, key=field("priority"))
        st.text_area(LABELS["ups_downs"], state.ups_downs, max_chars=300, height=90, key=field("ups_downs"))
        st.text_area(LABELS["help_request"], state.help_request, max_chars=300, height=80, key=field("help_request"))
        left, right = st.columns([1, 2])
        # Typed in French: an empty date field of Streamlit's says « dd/mm/yyyy » (schemas.TypedDate).
        left.text_input(LABELS["key_date"], formats.date(state.key_date) if state.key_date else "", max_chars=10,
                        placeholder=t("widget.date_placeholder"), key=field("key_date"))
        right.text_input(LABELS["key_date_description"], state.key_date_description, max_chars=200,
                         key=field("key_date_description"))
        ui.save_button(
            t("bulletin.submit"), opened,
            lambda: BulletinIn(mood=opened.value("mood") or 0, priority=opened.value("priority"),
                               ups_downs=opened.value("ups_downs"), help_request=opened.value("help_request"),
                               key_date=opened.value("key_date"),
                               key_date_description=opened.value("key_date_description")),
            lambda data: bulletins.file_bulletin(actor, ctx.defi.id, data, expected_version=opened.expected),
            t("bulletin.saved", week=state.label, deadline=deadline), labels=LABELS, type="primary")

if state.help_status:
    st.markdown(t("bulletin.help_status", status=t(f"help.status.{state.help_status}")))
    if state.help_answer:
        st.info(t("bulletin.help_answer", answer=md(state.help_answer)))

tickets = cached(help_requests.defi_tickets)(actor, ctx.defi.id, now)
if not tickets.empty:
    with st.expander(t("help.defi_title")):
        ui.table(tickets[["week", "request", "status_label", "answer"]], width="stretch",
                 column_config={"week": t("help.col.week"), "request": t("help.col.request"),
                                "status_label": t("help.col.status"), "answer": t("help.col.answer")})

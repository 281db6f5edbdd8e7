"""Historique des actions (admins): the audit trail in French words and Paris time, newest
first, filtered by person, défi, kind of action and period (lib/audit.py)."""

import datetime as dt

import streamlit as st

from lib import audit, formats, portfolio, ui, users
from lib.clock import today_local
from lib.i18n import t
from lib.ui import cached

ctx = ui.page("page.audit")
actor = ctx.actor
today = today_local()
# The journal's periods, in its words: days back from today (0 = no limit); « custom » opens a range.
PERIODS = {"all": 0, "week": 7, "month": 31, "quarter": 92, "custom": 0}

st.caption(t("audit.intro"))
c1, c2 = st.columns(2)
people = cached(users.list_users)(actor)
names = {None: t("audit.filter.anyone"),
         **dict(zip(map(int, people["id"]), people["display_name"] + " (" + people["login"] + ")", strict=True))}
person = c1.selectbox(t("audit.filter.person"), list(names), format_func=names.get, key="audit_person",
                      placeholder=t("widget.choose"), help=t("audit.filter.person_help"))
defis = {None: t("audit.filter.any_defi"),
         **{d.id: d.name for d in (cached(portfolio.defis_for)(actor, ctx.promotion.id) if ctx.promotion else [])}}
defi = c2.selectbox(t("audit.filter.defi"), list(defis), format_func=defis.get, key="audit_defi",
                    placeholder=t("widget.choose"))
c3, c4 = st.columns(2)
every_kind = audit.kinds()
kinds = c3.multiselect(t("audit.filter.kinds"), list(every_kind), format_func=every_kind.get, key="audit_kinds",
                       placeholder=t("audit.filter.any_kind"), select_all=False)
span = c4.selectbox(t("audit.filter.period"), list(PERIODS), key="audit_span",
                    format_func=lambda p: t(f"journal.filter.period.{p}"), placeholder=t("widget.choose"))
period = (today - dt.timedelta(days=PERIODS[span]), today) if PERIODS[span] else ()
if span == "custom":
    period = c4.date_input(t("journal.filter.period_dates"), value=(today - dt.timedelta(days=30), today),
                           max_value=today, format=formats.DATE_FIELD, key="audit_period")
filters = audit.TrailFilters(person_id=person, defi_id=defi, kinds=tuple(kinds),
                             start=period[0] if period else None, end=period[-1] if period else None)

# Not cached: logins, which the trail lists, do not bump the data version.
page_number = st.session_state.get("audit_page", 1)
result = audit.trail(actor, filters, page_number, now=ui.now())
if not result.events:
    st.info(t("audit.empty"))
    st.stop()
st.caption(t("audit.count", n=result.total, page=result.page, pages=result.pages))
ui.table([{"when": e.when, "who": e.who, "what": e.what, "subject": e.subject, "defi": e.defi}
          for e in result.events], width="stretch", column_config={
    "when": t("audit.col.when"), "who": t("audit.col.who"), "what": t("audit.col.what"),
    "subject": t("audit.col.subject"), "defi": t("audit.col.defi")})
if result.pages > 1:
    if page_number > result.pages:  # the filters changed under the page number
        st.session_state["audit_page"] = result.pages
    st.number_input(t("audit.page"), min_value=1, max_value=result.pages, key="audit_page")

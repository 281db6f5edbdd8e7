"""Carnet de bord: the selected défi's journal, filtered and paginated, its charts, its
export, and the forms to write, edit and delete entries."""

import streamlit as st

from lib import logbook
from lib.charts import journal as charts
from lib.clock import today_local
from lib.errors import StaleEdit
from lib.i18n import t
from lib.logbook import JournalFilters
from lib.models import Category
from lib.schemas import LogEntryIn
from lib.ui import cached, context, done, md, submit

ctx = context()
actor = ctx.actor
if ctx.defi is None:
    st.info(t("journal.no_defi"))
    st.stop()
defi = ctx.defi
today = today_local()
can_write = actor.is_staff or defi.my_role == "eig"
NEWS = [1, 0, -1]
LABELS = {"done_on": t("journal.form.date"), "livrable": t("journal.form.livrable"),
          "tache": t("journal.form.tache"), "categories": t("journal.form.categories"),
          "news": t("journal.form.news")}

st.title(t("journal.title", defi=md(defi.name)))


def news_label(value: int) -> str:
    return t(f"journal.news.{value}")


# --- Filters ------------------------------------------------------------------------------------

query = st.text_input(t("journal.filter.search"), key="journal_query")
with st.expander(t("journal.filters")):
    c1, c2, c3 = st.columns(3)
    period = c1.date_input(t("journal.filter.period"), value=(), max_value=today, format="DD/MM/YYYY",
                           key="journal_period")
    categories = c2.multiselect(t("journal.filter.categories"), list(Category), format_func=charts.category_name,
                                key="journal_categories")
    people = dict(cached(logbook.authors)(actor, defi.id))
    author = c3.selectbox(t("journal.filter.author"), [None, *people], key="journal_author",
                          format_func=lambda i: t("journal.filter.all") if i is None else people[i])
    c4, c5 = st.columns(2)
    livrable = c4.selectbox(t("journal.filter.livrable"), [None, *cached(logbook.livrables)(actor, defi.id)],
                            key="journal_livrable", format_func=lambda v: t("journal.filter.all") if v is None else v)
    news = c5.selectbox(t("journal.filter.news"), [None, *NEWS], key="journal_news",
                        format_func=lambda v: t("journal.filter.all") if v is None else news_label(v))
start = period[0] if len(period) >= 1 else None
end = period[1] if len(period) == 2 else start
filters = JournalFilters(start=start, end=end, categories=tuple(categories), author_id=author, livrable=livrable,
                         news=news, query=query)

tab_names = [t("journal.tab.entries"), t("journal.tab.charts")] + ([t("journal.tab.write")] if can_write else [])
tabs = st.tabs(tab_names)

# --- Entries ------------------------------------------------------------------------------------

with tabs[0]:
    page_number = st.session_state.get("journal_page", 1)
    result = cached(logbook.list_entries)(actor, defi.id, filters, page_number)
    if not result.entries:
        st.info(t("journal.empty") if can_write else t("journal.empty.reader"))
    else:
        st.caption(t("journal.count", total=result.total, page=result.page, pages=result.pages))
        table = [{"date": e.done_on, "livrable": e.livrable, "tache": e.tache,
                  "categories": ", ".join(charts.category_name(c.value) for c in e.categories),
                  "news": news_label(e.news), "author": e.author} for e in result.entries]
        st.dataframe(table, hide_index=True, width="stretch", column_config={
            "date": st.column_config.DateColumn(t("journal.col.date"), format="DD/MM/YYYY"),
            "livrable": t("journal.col.livrable"), "tache": st.column_config.TextColumn(t("journal.col.tache"),
                                                                                        width="large"),
            "categories": t("journal.col.categories"), "news": t("journal.col.news"),
            "author": t("journal.col.author")})
        if result.pages > 1:
            if page_number > result.pages:  # the filters changed under the page number
                st.session_state["journal_page"] = result.pages
            st.number_input(t("journal.page"), min_value=1, max_value=result.pages, key="journal_page")
        c1, c2 = st.columns(2)
        # The files are built on click only: a long journal's export takes seconds, the page must not.
        c1.download_button(t("journal.export.csv"), lambda: logbook.export_csv(actor, defi.id, filters),
                           file_name=f"carnet-{defi.name}.csv", mime="text/csv", help=t("journal.export.help"))
        c2.download_button(t("journal.export.xlsx"), lambda: logbook.export_xlsx(actor, defi.id, filters),
                           file_name=f"carnet-{defi.name}.xlsx", help=t("journal.export.help"),
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    if not can_write:
        st.caption(t("journal.read_only"))
    else:
        editable = [e for e in result.entries if e.can_edit]
        st.subheader(t("journal.form.edit_staff") if actor.is_staff else t("journal.form.edit"))
        if not editable:
            st.caption(t("journal.form.none_editable"))
        else:
            by_id = {e.id: e for e in editable}
            # A new entry (set by the add form below, before its rerun) opens in the edit form.
            chosen = st.session_state.pop("journal_pick_next", st.session_state.get("journal_pick"))
            st.session_state["journal_pick"] = chosen if chosen in by_id else editable[0].id
            picked = by_id[st.selectbox(t("journal.form.pick"), list(by_id), key="journal_pick",
                                        format_func=lambda i: f"{by_id[i].done_on:%d/%m/%Y} · {by_id[i].tache[:80]}")]
            # The version the form was opened on: a later change by someone else makes it stale.
            opened = st.session_state.setdefault(f"journal_opened_{picked.id}", picked.version)
            with st.form(f"journal_edit_{picked.id}"):
                k = f"{picked.id}_{opened}"
                done_on = st.date_input(t("journal.form.date"), picked.done_on, max_value=today, format="DD/MM/YYYY",
                                        key=f"edit_date_{k}")
                new_livrable = st.text_input(t("journal.form.livrable"), picked.livrable, max_chars=200,
                                             key=f"edit_livrable_{k}")
                tache = st.text_area(t("journal.form.tache"), picked.tache, max_chars=1000, key=f"edit_tache_{k}")
                cats = st.multiselect(t("journal.form.categories"), list(Category), picked.categories,
                                      format_func=charts.category_name, key=f"edit_categories_{k}")
                flag = st.radio(t("journal.form.news"), NEWS, NEWS.index(picked.news), format_func=news_label,
                                horizontal=True, key=f"edit_news_{k}")
                confirm = st.checkbox(t("journal.form.confirm_delete"), key=f"edit_confirm_{k}")
                save_col, delete_col = st.columns(2)
                save = save_col.form_submit_button(t("journal.form.save"), type="primary")
                remove = delete_col.form_submit_button(t("journal.form.delete"))
            def reopen_if_stale(write) -> bool:  # noqa: ANN001
                """Run the write; when the entry changed meanwhile, the next run reopens it as it is now."""
                try:
                    write()
                except StaleEdit:
                    st.session_state.pop(f"journal_opened_{picked.id}", None)
                    raise
                return True

            if save:
                saved = submit(lambda: LogEntryIn(done_on=done_on, livrable=new_livrable, tache=tache,
                                                  categories=cats, news=flag),
                               lambda data: reopen_if_stale(lambda: logbook.update_entry(actor, picked.id, data,
                                                                                         opened)),
                               labels=LABELS)
                if saved:
                    st.session_state.pop(f"journal_opened_{picked.id}", None)
                    done(t("journal.updated"))
            if remove:
                if not confirm:
                    st.warning(t("journal.delete_unconfirmed"))
                elif submit(lambda: picked.id,
                            lambda entry_id: reopen_if_stale(lambda: logbook.delete_entry(actor, entry_id, opened))):
                    done(t("journal.deleted"))

# --- Charts ------------------------------------------------------------------------------------


def chart(title: str, data, figure, columns: dict[str, str], key: str) -> None:  # noqa: ANN001
    """A chart with its "voir les données" table, or what to do when it is empty."""
    st.subheader(title)
    if data.empty:
        st.caption(t("journal.chart.empty"))
        return
    st.plotly_chart(figure(data), key=key, config={"displayModeBar": False})
    with st.expander(t("journal.see_data")):
        st.dataframe(data.rename(columns=columns), hide_index=True)


with tabs[1]:
    chart(t("journal.chart.weekly"), cached(logbook.weekly_by_category)(actor, defi.id, filters),
          charts.weekly_stacked, {"week": t("journal.chart.week"), "category": t("journal.chart.category"),
                                  "entries": t("journal.chart.entries")}, "journal_weekly")
    chart(t("journal.chart.share"), cached(logbook.category_share)(actor, defi.id, filters),
          charts.category_share, {"category": t("journal.chart.category"), "label": t("journal.col.categories"),
                                  "entries": t("journal.chart.entries")}, "journal_share")
    chart(t("journal.chart.news"), cached(logbook.news_by_month)(actor, defi.id, filters),
          charts.news_by_month, {"month": t("journal.chart.month"), "good": t("journal.chart.good"),
                                 "bad": t("journal.chart.bad")}, "journal_news_chart")

# --- Write ------------------------------------------------------------------------------------

if can_write:
    with tabs[2], st.form("journal_new", clear_on_submit=True):
        st.subheader(t("journal.form.new"))
        done_on = st.date_input(t("journal.form.date"), today, max_value=today, format="DD/MM/YYYY", key="new_date")
        new_livrable = st.text_input(t("journal.form.livrable"), max_chars=200, key="new_livrable")
        tache = st.text_area(t("journal.form.tache"), max_chars=1000, key="new_tache")
        cats = st.multiselect(t("journal.form.categories"), list(Category), format_func=charts.category_name,
                              key="new_categories")
        flag = st.radio(t("journal.form.news"), NEWS, 1, format_func=news_label, horizontal=True, key="new_news")
        if st.form_submit_button(t("journal.form.add"), type="primary"):
            added = submit(lambda: LogEntryIn(done_on=done_on, livrable=new_livrable, tache=tache,
                                              categories=cats, news=flag),
                           lambda data: logbook.add_entry(actor, defi.id, data), labels=LABELS)
            if added:
                st.session_state["journal_pick_next"] = added
                done(t("journal.added"))

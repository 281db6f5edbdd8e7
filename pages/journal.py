"""Carnet de bord: the selected défi's journal, filtered and paginated, its charts, its
export, and the forms to write, edit and delete entries."""

import datetime as dt

import streamlit as st

from lib import formats, journal, ui
from lib.charts import drawn
from lib.charts import journal as charts
from lib.clock import today_local
from lib.i18n import t
from lib.journal import JournalFilters
from lib.models import Category
from lib.permissions import Action
from lib.schemas import JournalEntryIn
from lib.ui import cached

ctx = ui.page("page.journal")
actor = ctx.actor
defi = ctx.defi
today = today_local()
can_write = ctx.may(Action.WRITE_JOURNAL)
NEWS = [1, 0, -1]
LABELS = {"done_on": t("journal.form.date"), "livrable": t("journal.form.livrable"),
          "tache": t("journal.form.tache"), "categories": t("journal.form.categories"),
          "news": t("journal.form.news")}


# Period filter: days back from today (0 = no limit); « custom » opens a date range.
PERIODS = {"all": 0, "week": 7, "month": 31, "quarter": 92, "year": 366, "custom": 0}


def news_label(value: int) -> str:
    return t(f"journal.news.{value}")


# --- Filters ------------------------------------------------------------------------------------

query = st.text_input(t("journal.filter.search"), key="journal_query")
with st.expander(t("journal.filters")):
    c1, c2, c3 = st.columns(3)
    # A choice of periods rather than an empty date range, whose fields would read « dd/mm/yyyy ».
    span = c1.selectbox(t("journal.filter.period"), list(PERIODS), key="journal_span",
                        format_func=lambda p: t(f"journal.filter.period.{p}"), placeholder=t("widget.choose"))
    period = (today - dt.timedelta(days=PERIODS[span]), today) if PERIODS[span] else ()
    if span == "custom":
        period = c1.date_input(t("journal.filter.period_dates"), value=(today - dt.timedelta(days=30), today),
                               max_value=today, format=formats.DATE_FIELD, key="journal_period")
    categories = c2.multiselect(t("journal.filter.categories"), list(Category), format_func=charts.category_name,
                                key="journal_categories", placeholder=t("journal.filter.all"), select_all=False)
    people = dict(cached(journal.authors)(actor, defi.id))
    author = c3.selectbox(t("journal.filter.author"), [None, *people], key="journal_author",
                          format_func=lambda i: t("journal.filter.all") if i is None else people[i],
                          placeholder=t("widget.choose"))
    c4, c5 = st.columns(2)
    livrable = c4.selectbox(t("journal.filter.livrable"), [None, *cached(journal.livrables)(actor, defi.id)],
                            key="journal_livrable", format_func=lambda v: t("journal.filter.all") if v is None else v,
                            placeholder=t("widget.choose"))
    news = c5.selectbox(t("journal.filter.news"), [None, *NEWS], key="journal_news",
                        format_func=lambda v: t("journal.filter.all") if v is None else news_label(v),
                        placeholder=t("widget.choose"))
start = period[0] if len(period) >= 1 else None
end = period[1] if len(period) == 2 else start
filters = JournalFilters(start=start, end=end, categories=tuple(categories), author_id=author, livrable=livrable,
                         news=news, query=query)

def show_entry(entry: journal.EntryView) -> None:
    """An entry as saved, read-only."""
    st.text(f"{formats.date(entry.done_on)} · {entry.livrable or '—'} · "
            f"{', '.join(charts.category_name(c) for c in entry.categories)} · {news_label(entry.news)}")
    st.text(entry.tache)


ENTRY_FIELDS = ["done_on", "livrable", "tache", "categories", "news"]
EDIT_WORDS = {"confirm": t("journal.form.confirm_delete"), "save": t("journal.form.save"),
              "saved": t("journal.updated"), "delete": t("journal.form.delete"), "deleted": t("journal.deleted"),
              "unconfirmed": t("journal.delete_unconfirmed")}


def entry_fields(key: str, entry: journal.EntryView | None) -> None:
    """The fields of an entry, keyed under `key` (empty for a new one)."""
    st.date_input(t("journal.form.date"), entry.done_on if entry else today, max_value=today, format="DD/MM/YYYY",
                  key=f"{key}_done_on")
    st.text_input(t("journal.form.livrable"), entry.livrable if entry else "", max_chars=200, key=f"{key}_livrable")
    st.text_area(t("journal.form.tache"), entry.tache if entry else "", max_chars=1000, key=f"{key}_tache")
    st.multiselect(t("journal.form.categories"), list(Category), entry.categories if entry else [],
                   format_func=charts.category_name, key=f"{key}_categories", placeholder=t("widget.choose_many"),
                   select_all=False)
    st.radio(t("journal.form.news"), NEWS, NEWS.index(entry.news) if entry else 1, format_func=news_label,
             horizontal=True, key=f"{key}_news")


def edit_form(picked: journal.EntryView) -> None:
    """Edit or delete one entry; a change saved meanwhile by someone else is shown, never lost."""
    ui.same_defi(defi, picked)
    opened = ui.edit("journal_entry", picked.id, picked.version)
    ui.newer_version(opened, lambda: show_entry(picked))

    with st.form(opened.key):
        entry_fields(opened.key, picked)
        ui.save_or_delete(opened, lambda: ui.typed(JournalEntryIn, opened.key, ENTRY_FIELDS),
                          lambda data, version: journal.update_entry(actor, picked.id, data, version),
                          lambda version: journal.delete_entry(actor, picked.id, version), EDIT_WORDS, LABELS)


# --- Entries ------------------------------------------------------------------------------------

def entries_tab() -> None:
    page_number = st.session_state.get(f"journal_page_{defi.id}", 1)
    result = cached(journal.list_entries)(actor, defi.id, filters, page_number)
    if not result.entries:
        st.info(t("journal.empty") if can_write else t("journal.empty.reader"))
    else:
        st.caption(t("journal.count", n=result.total, page=result.page, pages=result.pages))
        table = [{"date": e.done_on, "livrable": e.livrable, "tache": e.tache,
                  "categories": ", ".join(charts.category_name(c.value) for c in e.categories),
                  "news": news_label(e.news), "author": e.author} for e in result.entries]
        # Writers pick the entry to edit by clicking its row.
        selectable = {"on_select": "rerun", "selection_mode": "single-row"} if can_write else {}
        # Columns that fit a 1,280 px screen, the texts wrapping on three lines.
        clicked = ui.table(table, lines=3, width="stretch",
                           key=ui.rows_key("journal_table", defi.id, [e.id for e in result.entries]),
                           **selectable, column_config={
            "date": st.column_config.DateColumn(t("journal.col.date"), format="DD/MM/YYYY", width=90),
            "livrable": st.column_config.TextColumn(t("journal.col.livrable"), width=125),
            "tache": st.column_config.TextColumn(t("journal.col.tache"), width=235),
            "categories": st.column_config.TextColumn(t("journal.col.categories"), width=125),
            "news": st.column_config.TextColumn(t("journal.col.news"), width=80),
            "author": st.column_config.TextColumn(t("journal.col.author"), width=105)})
        if result.pages > 1:
            if page_number > result.pages:  # the filters changed under the page number
                st.session_state[f"journal_page_{defi.id}"] = result.pages
            st.number_input(t("journal.page"), min_value=1, max_value=result.pages, key=f"journal_page_{defi.id}")
        c1, c2 = st.columns(2)
        # The files are built on click only: a long journal's export takes seconds, the page must not.
        with c1:
            ui.download(t("journal.export.csv"), lambda: journal.export_csv(actor, defi.id, filters),
                        f"carnet-{defi.name}.csv", f"journal_csv_{defi.id}", "text/csv", help=t("journal.export.help"))
        with c2:
            ui.download(t("journal.export.xlsx"), lambda: journal.export_xlsx(actor, defi.id, filters),
                        f"carnet-{defi.name}.xlsx", f"journal_xlsx_{defi.id}",
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        help=t("journal.export.help"))
    if not can_write:
        st.caption(t("journal.read_only"))
    else:
        editable = [e for e in result.entries if e.can_edit]
        st.header(t("journal.form.edit_staff") if ctx.may(Action.EDIT_ANY_JOURNAL_ENTRY) else t("journal.form.edit"))
        if not editable:
            st.caption(t("journal.form.none_editable"))
        else:
            by_id = {e.id: e for e in editable}
            pick_key = f"journal_pick_{defi.id}"
            rows = list(clicked.selection.rows) if result.entries else []
            if rows and rows[0] < len(result.entries):
                st.session_state[pick_key] = result.entries[rows[0]].id
            # A new entry (set by the add form, before its rerun) opens in the edit form.
            chosen = st.session_state.pop("journal_pick_next", st.session_state.get(pick_key))
            if rows and chosen not in by_id:
                st.caption(t("journal.form.not_editable"))
                return
            st.session_state[pick_key] = chosen if chosen in by_id else editable[0].id
            st.caption(t("journal.form.click_to_pick"))
            edit_form(by_id[st.session_state[pick_key]])


# --- Charts ------------------------------------------------------------------------------------


def chart_section(title: str, figure: dict | None, read, columns: dict[str, str], key: str) -> None:  # noqa: ANN001
    """A chart of the filtered entries and their data (`read`, the service charted), or what
    to do when the filters leave none."""
    st.header(title)
    if figure is None:
        st.caption(t("journal.chart.empty"))
        return
    ui.chart(figure, lambda: cached(read)(actor, defi.id, filters), key, columns)


def charts_tab() -> None:
    figures = cached(drawn.journal_figures)(actor, defi.id, filters)
    chart_section(t("journal.chart.weekly"), figures.weekly, journal.weekly_by_category,
                  {"week": t("journal.chart.week"), "category": t("journal.chart.category"),
                   "entries": t("journal.chart.entries")}, "journal_weekly")
    chart_section(t("journal.chart.share"), figures.share, journal.category_share,
                  {"category": t("journal.chart.category"), "label": t("journal.col.categories"),
                   "entries": t("journal.chart.entries")}, "journal_share")
    chart_section(t("journal.chart.news"), figures.news, journal.news_by_month,
                  {"month": t("journal.chart.month"), "good": t("journal.chart.good"), "bad": t("journal.chart.bad")},
                  "journal_news_chart")


# --- Write ------------------------------------------------------------------------------------

def write_tab() -> None:
    adding = ui.new("journal_new", defi.id)

    def added(entry_id: int) -> None:
        """The new entry opens in the edit form of the entries tab (this form is drawn empty)."""
        st.session_state["journal_pick_next"] = entry_id

    with st.form(adding.key):
        st.header(t("journal.form.new"))
        entry_fields(adding.key, None)
        ui.save_button(t("journal.form.add"), adding, lambda: ui.typed(JournalEntryIn, adding.key, ENTRY_FIELDS),
                       lambda data: journal.add_entry(actor, defi.id, data), t("journal.added"), labels=LABELS,
                       after=added, type="primary")


ui.sections(f"journal_tabs_{defi.id}", {t("journal.tab.entries"): entries_tab, t("journal.tab.charts"): charts_tab,
                                        **({t("journal.tab.write"): write_tab} if can_write else {})})

"""The display kit page bodies are made of: tabs built only when open, charts with their data,
tables that fit, downloads, bulletin cards, shared widgets and column headings, and the keys of
tables that pick rows."""

from __future__ import annotations

import zlib
from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from pandas.io.formats.style import Styler

from lib import formats, invitations, portfolio
from lib.charts.common import redraw
from lib.i18n import t
from lib.permissions import Actor
from lib.programme import mood_label
from lib.text import md
from lib.ui.cache import cached
from lib.ui.forms import new, send_button


def rows_key(name: str, owner: int, rows: list[object]) -> str:
    """The key of a table that picks or edits rows by clicks: its défi or promotion, and the
    rows it lists, in order (with their versions, for a table that edits them). A click or an
    edit names a row by its position, so when the rows change (a filter, a page, a save, a
    switch in the sidebar), the old one goes with them instead of landing on another row."""
    return f"{name}_{owner}_{zlib.crc32(','.join(map(str, rows)).encode())}"


def same_defi(defi: portfolio.DefiInfo, record: object) -> None:
    """Refuse to render a record of another défi than the one picked in the sidebar: the
    widgets that pick records are keyed by the défi, so this never happens unless a page
    forgets to."""
    if record.defi_id != defi.id:
        raise RuntimeError(f"{type(record).__name__} of défi {record.defi_id} shown on défi {defi.id}")


def invite_promotion(actor: Actor, promotion_id: int) -> None:
    """« Inviter les N personnes jamais invitées de cette promotion », when there are any: one
    click mails them all (`invitations.invite_promotion`), then says how many left and who
    was not invited, and why."""
    count = cached(invitations.never_invited)(actor, promotion_id)
    if not count:
        return

    def said(_: int, report: invitations.PromotionInvitations) -> str:
        sent = t("admin.invitations.promotion_sent", n=len(report.sent))
        return f"{sent} {md(invitations.failures(report.failed))}".strip()

    send_button(t("admin.invitations.invite_promotion", n=count), new("invite_promotion", promotion_id),
                lambda: promotion_id, lambda chosen: invitations.invite_promotion(actor, chosen), said,
                help=t("admin.invitations.invite_promotion_help"), type="primary")


# --- Sections built only when opened ------------------------------------------------------------


def sections(key: str, tabs: dict[str, Callable[[], None]]) -> None:
    """A page's tabs, each built only while open: switching tab reruns the page and builds
    that tab alone, instead of building and sending every tab on every run."""
    for tab, render in zip(st.tabs(list(tabs), key=key, on_change="rerun"), tabs.values(), strict=True):
        if tab.open:
            with tab:
                render()


def folded(label: str, key: str, render: Callable[[], None], expanded: bool = False) -> None:
    """An expander whose content is built only while open: opening it reruns the page, which
    builds it then; closed, it costs its label alone (a form, a table inside it are neither
    built nor sent on every run)."""
    panel = st.expander(label, expanded=expanded, key=key, on_change="rerun")
    if panel.open:
        with panel:
            render()


def chart(figure: go.Figure | dict | None, data: object, key: str, columns: dict[str, object] | None = None, *,
          caption: str | None = None, expanded: bool = False, **grid: object) -> None:
    """A chart and its data: the figure, then the "voir les données" table, its text
    alternative, in an expander that costs nothing while closed: the table is built and sent
    only once the person opens it (which reruns the page). `data` is a DataFrame or rows, or
    a function making them, so that nothing is computed while closed; `columns` its headings;
    `caption` reads under the figure; `grid` more of `table`'s options. No figure
    (nothing to draw yet): the table alone; no data (the page shows it in full beside
    the chart): the figure alone. `figure` may be a cached figure's dict (lib/charts/drawn.py)."""
    if figure is not None:
        st.plotly_chart(redraw(figure) if isinstance(figure, dict) else figure, key=key,
                        config={"displayModeBar": False})
    if caption:
        st.caption(caption)
    if data is None:
        return
    folded(t("chart.see_data"), f"see_data_{key}",
           lambda: table(data() if callable(data) else data, column_config=columns, **grid), expanded)


# A table is as tall as its rows up to this many (a promotion's défis all show), then scrolls.
FULL_ROWS = 25
# Streamlit's grid: its header and a row of one line (2.1875rem), and a row of `lines` lines,
# whose text wraps (the grid wraps a cell's text once rows are taller than 4rem).
_HEADER_PX, _ROW_PX, _LINE_PX, _BORDERS_PX = 35, 35, 21, 2


def table(data: object, lines: int = 1, **grid: object) -> object:
    """Every table of the app: Streamlit's grid without the index, « — » in a cell without a
    value (Streamlit writes « None »), as tall as its rows up to `FULL_ROWS` (Streamlit's
    default shows ten, in a box to scroll). `lines` > 1: rows that tall, long text wrapping
    in them instead of running off (the page sets the columns' widths so the grid fits a
    1,280 px screen). `grid` is more of st.dataframe's options; a selectable table returns its
    selection."""
    rows = len(data.data if isinstance(data, Styler) else data)
    row = _ROW_PX if lines == 1 else 14 + _LINE_PX * lines
    height = _HEADER_PX + row * min(max(rows, 1), FULL_ROWS) + _BORDERS_PX
    return st.dataframe(data, **{"hide_index": True, "placeholder": "—", "height": height, "row_height": row, **grid})


# The risk level's cell: its word in the state design system's error, warning and success
# colours on their tint (contrast above 4.5:1), so the level reads by colour and by word.
_RISK_CELL = {"eleve": "color: #ce0500; background-color: #ffe9e9",
              "a_surveiller": "color: #b34000; background-color: #ffe9e6",
              "faible": "color: #18753c; background-color: #b8fec9"}


def risk_coloured(df: pd.DataFrame, label: str = "level_label", level: str = "level") -> Styler:
    """A table whose risk column (`label`, the level's word) is coloured by its `level`."""
    return df.style.apply(lambda column: [_RISK_CELL.get(v, "") for v in df[level]], subset=[label])


def download(label: str, data: object, file_name: str, key: str, mime: str | None = None,
             **button: object) -> None:
    """A download button that leaves the page as it is: the file goes to the browser, the script
    does not rerun. `data` may be a function, called on click, for a file that takes time to
    build. Streamlit's default reruns the page on click, which costs a run for nothing and, with
    `data` a function, races the click: the rerun replaces the function's id, and when the
    browser's request for the file arrives after it (a loaded server), no file comes."""
    st.download_button(label, data, file_name=file_name, mime=mime, key=key, on_click="ignore", **button)


# --- Bulletins -----------------------------------------------------------------------------------


def bulletin_card(heading: str, mood: int, priority: str, ups_downs: str,
                  more: tuple[tuple[str, str | None], ...] = (), note: str = "") -> None:
    """A filed bulletin as every page shows it: its heading (a week, a défi: user text, made
    inert here) and its mood, then its texts under their captions, as typed; `more` are
    further (caption, text) pairs, left out when empty. `note` follows the mood."""
    with st.container(border=True):
        st.markdown(f"**{md(heading)}** · {mood_label(mood)}{note}")
        for caption, text in ((t("bulletin.priority"), priority), (t("bulletin.ups_downs"), ups_downs), *more):
            if text:
                st.caption(caption)
                st.text(text)


# --- Widgets shared by several pages ------------------------------------------------------------


def french_numbers(df: pd.DataFrame, decimals: dict[str, int], percents: list[str]) -> pd.DataFrame:
    """A table's decimals and shares written as French readers expect (« 2,75 », « 13,4 % »):
    Streamlit's grid formats numbers with a dot, or in the browser's language."""
    out = df.copy()
    for column, digits in decimals.items():
        if column in out:
            out[column] = out[column].map(lambda v, d=digits: "" if pd.isna(v) else formats.decimal(v, d))
    for column in percents:
        if column in out:
            out[column] = out[column].map(lambda v: "" if pd.isna(v) else formats.percent(v))
    return out


def phase_metrics(phases: list, current: object | None) -> None:
    """Where a défi stands in four figures (the Phases page and the sponsor's home):
    the current phase, its objectives done, its time elapsed, the phases validated."""
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("phases.metric.current"), f"{current.number} / {len(phases)}" if current else "—")
    c2.metric(t("phases.metric.objectives"),
              f"{current.objectives_done} / {len(current.objectives)}" if current else "—")
    c3.metric(t("phases.metric.time"), f"{round(current.time_elapsed * 100)} %" if current else "—")
    c4.metric(t("phases.metric.validated"), f"{sum(p.state == 'validee' for p in phases)} / {len(phases)}")
    if current:
        c1.caption(f"{md(current.name)} · {t(f'phase_state.{current.state}')}")


# --- Column headings shared by several pages ---------------------------------------------------


def indicator_columns() -> dict[str, object]:
    """Headings of `indicators.indicators_table` (the Indicateurs page and the sponsor's home)."""
    return {"theme": t("indicators.col.theme"), "name": t("indicators.col.name"), "unit": t("indicators.col.unit"),
            "baseline": t("indicators.col.baseline"), "target": t("indicators.col.target"),
            "latest_on": st.column_config.DateColumn(t("indicators.col.latest_on"), format="DD/MM/YYYY"),
            "latest": t("indicators.col.latest"),
            "progress": st.column_config.NumberColumn(t("indicators.col.progress"), format="%d %%")}

"""Portefeuille: every défi of the promotion for the coaches, with its signals, its risk
level and the reasons in words; filters, click-through to the défi, the rules as the
code applies them, and the form to log a coaching session."""

import pandas as pd
import streamlit as st

from lib import coaching, portfolio, risk, ui
from lib.clock import today_local
from lib.i18n import t
from lib.models import CoachingForm
from lib.programme import mood_label
from lib.schemas import CoachingSessionIn
from lib.ui import cached, md

ctx = ui.page("page.portfolio")
actor = ctx.actor
now = ui.now()
rows = cached(portfolio.coach_portfolio)(actor, ctx.promotion.id, now)
if rows.empty:
    st.info(t("portfolio.empty"))
    st.stop()


def levels_section(rows: pd.DataFrame) -> None:
    """The rules as the code applies them, then how many défis stand at each level."""
    with st.expander(t("portfolio.rules")):
        st.markdown("\n".join(f"- {line}" for line in risk.rule_docs()))

    if (rows["level"] == "").all():
        st.info(t("portfolio.not_running"))
    else:
        counts = rows["level"].value_counts()
        for column, level in zip(st.columns(3), reversed(risk.LEVELS), strict=True):
            column.metric(t("portfolio.metric", level=t(f"risk.level.{level}")), int(counts.get(level, 0)))


def filtered(rows: pd.DataFrame) -> pd.DataFrame:
    """The défis the coach's filters leave, in the order they chose."""
    f1, f2, f3, f4 = st.columns([1, 1, 1.5, 1.5])
    levels = f1.multiselect(t("portfolio.filter.level"), risk.LEVELS, key="portfolio_levels",
                            format_func=lambda level: t(f"risk.level.{level}"), placeholder=t("portfolio.filter.all"),
                            select_all=False)
    phase_names = dict(rows.dropna(subset=["phase_number"])[["phase_number", "phase"]].drop_duplicates().to_numpy())
    phases = f2.multiselect(t("portfolio.filter.phase"), sorted(phase_names), key="portfolio_phases",
                            format_func=lambda n: phase_names[n], placeholder=t("portfolio.filter.all"),
                            select_all=False)
    text = f3.text_input(t("portfolio.filter.text"), key="portfolio_text", placeholder=t("portfolio.filter.text_hint"))
    sort = f4.selectbox(t("portfolio.sort"), list(portfolio.SORTS), key="portfolio_sort",
                        format_func=lambda s: t(f"portfolio.sort.{s}"), placeholder=t("widget.choose"))
    mine = st.toggle(t("portfolio.filter.mine"), key="portfolio_mine")
    return portfolio.filter_portfolio(rows, levels, phases, text, actor.display_name if mine else None, sort)


def portfolio_table(view: pd.DataFrame) -> None:
    """The défis, a click on a row picking the défi below."""

    def _pick_from_table() -> None:
        """A click on a row picks that défi below (the table's selection drives the picker)."""
        selected = st.session_state["portfolio_table"].selection.rows
        if selected:
            st.session_state["portfolio_defi"] = int(st.session_state["portfolio_view_ids"][selected[0]])

    st.session_state["portfolio_view_ids"] = list(view["id"])
    # Six columns that fit a 1,280 px screen, the reasons wrapping on three lines; the signals
    # they come from are the picked défi's, below.
    ui.table(
        ui.risk_coloured(view), lines=3, width="stretch", key="portfolio_table", on_select=_pick_from_table,
        selection_mode="single-row",
        column_order=["level_label", "defi", "reasons", "phase", "objectives", "time"],
        column_config={
            "level_label": st.column_config.TextColumn(t("portfolio.col.level"), width=95),
            "defi": st.column_config.TextColumn(t("portfolio.col.defi"), width=130),
            "reasons": st.column_config.TextColumn(t("portfolio.col.reasons"), width=250),
            "phase": st.column_config.TextColumn(t("portfolio.col.phase"), width=120),
            "objectives": st.column_config.ProgressColumn(t("portfolio.col.objectives"), format="%d %%",
                                                          min_value=0, max_value=100, width=80,
                                                          help=t("portfolio.col.objectives_help")),
            "time": st.column_config.ProgressColumn(t("portfolio.col.time"), format="%d %%", min_value=0,
                                                    max_value=100, width=80, help=t("portfolio.col.time_help")),
        })
    st.caption(t("portfolio.click_hint"))


def signals(row: pd.Series) -> None:
    """The signals the risk rules read, for the picked défi (the table shows the reasons)."""
    moods = " → ".join(mood_label(m) for m in row["moods"]) or "—"
    help_age = f" ({t('portfolio.col.oldest_help_days')} : {int(row['oldest_help_days'])})" \
        if row["open_help"] else ""
    lines = [(t("portfolio.col.moods"), moods), (t("portfolio.col.participation"), row["participation"]),
             (t("portfolio.col.open_help"), f"{row['open_help']}{help_age}"),
             (t("portfolio.col.overdue_actions"), row["overdue_actions"]),
             (t("portfolio.col.weeks_without_contact"), row["weeks_without_contact"]),
             (t("portfolio.col.carnets_missing"), row["carnets_missing"])]
    st.caption(" · ".join(f"{label} : {value}" for label, value in lines))


def picked_defi(view: pd.DataFrame) -> None:
    """The picked défi: its reasons, and the way into its pages."""
    ids = list(view["id"])
    if st.session_state.get("portfolio_defi") not in ids:
        st.session_state["portfolio_defi"] = ids[0]
    names = dict(zip(view["id"], view["defi"], strict=True))
    picked = st.selectbox(t("portfolio.pick"), ids, key="portfolio_defi", format_func=lambda i: names[i],
                          placeholder=t("widget.choose"))
    row = view.set_index("id").loc[picked]
    with st.container(border=True, key="portfolio_details"):
        if row["level"]:
            st.badge(t("portfolio.badge", level=row["level_label"]), color=portfolio.LEVEL_COLOURS[row["level"]])
        st.caption(f"{t('portfolio.col.coach')} : {md(row['coach'] or '—')}")
        signals(row)
        if row["reasons"]:
            st.markdown("\n".join(f"- {reason}" for reason in row["reasons"].split("; ")))
        elif row["level"]:
            st.caption(t("portfolio.no_reason"))
        buttons = st.columns(3)
        for column, (page, label) in zip(buttons, [("pages/phases.py", "portfolio.open.phases"),
                                                   ("pages/retrospectives.py", "portfolio.open.retrospectives"),
                                                   ("pages/journal.py", "portfolio.open.journal")], strict=True):
            column.button(t(label), key=f"open_{page}", on_click=ui.open_page, args=(ctx, page, picked))


# --- Log a coaching session -----------------------------------------------------------------


def coaching_form(rows: pd.DataFrame) -> None:
    """Log a coaching session on any défi of the promotion (the picked one first)."""
    st.header(t("coaching.title"))
    all_names = dict(zip(rows["id"], rows["defi"], strict=True))
    logging = ui.new("coaching", ctx.promotion.id)
    with st.form(logging.key):
        ids = list(rows.sort_values("defi")["id"])
        default = st.session_state.get("portfolio_defi")
        c1, c2, c3 = st.columns([2, 1, 1])
        c1.selectbox(t("coaching.defi"), ids, index=ids.index(default) if default in ids else 0,
                     format_func=lambda i: all_names[i], key=logging.field("defi_id"), placeholder=t("widget.choose"))
        c2.date_input(t("coaching.held_on"), value=today_local(), format="DD/MM/YYYY", key=logging.field("held_on"))
        c3.selectbox(t("coaching.form"), list(CoachingForm), format_func=lambda f: t(f"coaching.form.{f.value}"),
                     key=logging.field("form"), placeholder=t("widget.choose"))
        st.text_area(t("coaching.note"), max_chars=500, placeholder=t("coaching.note_hint"), key=logging.field("note"))
        ui.save_button(t("coaching.save"), logging,
                       lambda: ui.typed(CoachingSessionIn, logging.key, ["defi_id", "held_on", "form", "note"]),
                       lambda data: coaching.log_session(actor, data),
                       lambda data, _: t("coaching.saved", defi=md(all_names[data.defi_id])),
                       labels={"held_on": t("coaching.held_on"), "note": t("coaching.note"),
                               "form": t("coaching.form")})


def coaching_sessions() -> None:
    """The promotion's latest coaching sessions."""
    sessions = cached(coaching.promotion_sessions)(actor, ctx.promotion.id)
    with st.expander(t("coaching.latest", n=len(sessions))):
        if sessions.empty:
            st.info(t("coaching.none"))
        else:
            ui.table(sessions[["held_on", "defi", "form_label", "coach", "note"]],
                     width="stretch", column_config={
                         "held_on": st.column_config.DateColumn(t("coaching.held_on"), format="DD/MM/YYYY"),
                         "defi": t("coaching.defi"), "form_label": t("coaching.form"),
                         "coach": t("portfolio.col.coach"), "note": t("coaching.note")})


st.caption(t("portfolio.intro"))
levels_section(rows)
view = filtered(rows)
st.header(t("portfolio.table_title", n=len(view), total=len(rows)))
if view.empty:
    st.info(t("portfolio.no_match"))
else:
    portfolio_table(view)
    picked_defi(view)
coaching_form(rows)
coaching_sessions()

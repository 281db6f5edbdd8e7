"""Rétrospectives: a défi's mood, participation and bulletins, and the promotion-wide
trends (heatmap, participation, moods per phase), each chart with its table."""


import datetime as dt

import streamlit as st

from lib import bulletins, formats, sharing, ui
from lib.charts import retro
from lib.i18n import t
from lib.permissions import Action
from lib.programme import mood_label
from lib.schemas import ShareLinkIn
from lib.ui import cached, done, md, submit

ctx = ui.page("page.retrospectives")
actor = ctx.actor

now = ui.now()
clock = cached(bulletins.clock_now)(actor, ctx.promotion.id, now)
st.caption(t("retro.now", clock=clock.label))
open_week = cached(bulletins.open_week)(actor, ctx.promotion.id, now)
axis = st.radio(t("retro.axis"), [retro.CALENDAR, retro.PROGRAMME], horizontal=True, key="retro_axis",
                format_func=lambda a: t(f"retro.axis.{a}"))
WEEK_COLUMNS = {"week": t("retro.col.week"), "clock": t("retro.col.clock")}


def defi_view() -> None:
    defi = ctx.defi
    trend = cached(bulletins.mood_trend)(actor, defi.id, now)
    rows = cached(bulletins.defi_bulletins)(actor, defi.id, now)
    st.header(f"{md(defi.name)} · {md(defi.administration)}")
    if rows.empty:
        st.info(t("retro.no_bulletin"))
    else:
        stats = bulletins.streaks(trend)
        st.markdown(f"**{t('retro.streaks')}**")
        c1, c2, c3 = st.columns(3)
        c1.metric(t("retro.streak.filed"), f"{stats['filed']} / {stats['weeks']}")
        c2.metric(t("retro.streak.current"), t("retro.streak.weeks", n=stats["current"]))
        c3.metric(t("retro.streak.longest"), t("retro.streak.weeks", n=stats["longest"]))
        if trend["in_progress"].any():
            st.caption(t("retro.in_progress_note", week=open_week.label, deadline=open_week.deadline))
        st.markdown(f"**{t('retro.mood_title')}**")
        ui.chart(retro.mood_line(trend, axis), trend[["week", "clock", "mood"]], f"retro_mood_{defi.id}",
                 {**WEEK_COLUMNS, "mood": t("retro.col.mood")}, caption=t("retro.mood_gap"), width="stretch")
        ui.download(t("retro.export_csv"), lambda: bulletins.export_csv(actor, defi.id, now),
                    f"bulletins-{defi.name}.csv", f"bulletins_csv_{defi.id}", "text/csv")
        st.markdown(f"### {t('retro.bulletins_by_month')}")
        team = ctx.may(Action.READ_HELP_ANSWERS)
        for (year, month), group in rows.groupby([rows["week_start"].map(lambda d: d.year),
                                                  rows["week_start"].map(lambda d: d.month)], sort=False):
            st.markdown(f"#### {formats.month(dt.date(year, month, 1)).capitalize()}")
            for b in group.itertuples():
                more = []
                if b.help_request and team:
                    answer = f"\n→ {b.help_answer}" if b.help_answer else ""
                    more.append((f"{t('bulletin.help_request')} · {b.help_status}", f"{b.help_request}{answer}"))
                if b.key_date_description:
                    more.append((f"{t('bulletin.key_date')} · {formats.date(b.key_date)}", b.key_date_description))
                ui.bulletin_card(b.week, b.mood, b.priority, b.ups_downs, more=tuple(more),
                                 note="" if b.published else f" · {t('retro.unpublished')}")
    if ctx.staff:
        share_section(defi)


def share_section(defi) -> None:  # noqa: ANN001 - portfolio.DefiInfo
    with st.expander(t("share.title")):
        st.caption(t("share.intro"))
        sharing_form = ui.new("share", defi.id)
        with st.form(sharing_form.key):
            st.number_input(t("share.days"), min_value=1, max_value=365, value=14, step=1,
                            key=sharing_form.field("days"))
            ui.save_button(t("share.create"), sharing_form, lambda: ui.typed(ShareLinkIn, sharing_form.key, ["days"]),
                           lambda data: sharing.create_link(actor, defi.id, data), t("share.created"),
                           labels={"days": t("share.days")})
        links = cached(sharing.list_links)(actor, defi.id, now)
        for link in links.itertuples():
            cols = st.columns([5, 2, 1])
            cols[0].code(link.url, language=None)
            cols[1].caption(f"{link.state_label} · {t('share.col.expires_at')} "
                            f"{formats.moment(link.expires_at)}")
            if link.state == "active" and cols[2].button(t("share.revoke"), key=f"revoke_{link.id}") and submit(
                    lambda link_id=link.id: link_id, lambda link_id: sharing.revoke(actor, link_id)):
                done(t("share.revoked"))


def promotion_view() -> None:
    heat = cached(bulletins.promotion_heatmap)(actor, ctx.promotion.id, now)
    if heat.empty or heat["mood"].isna().all():
        st.info(t("retro.empty_promotion"))
        return
    if heat["in_progress"].any():  # the heatmap and the participation draw it apart
        st.caption(t("retro.in_progress_note", week=open_week.label, deadline=open_week.deadline))
    st.markdown(f"**{t('retro.heatmap_title')}**")
    # The table by défi and week, its columns in calendar order (labels like « S1 (4-10 janv.) »
    # do not sort by text).
    ui.chart(retro.heatmap(heat, axis),
             lambda: heat.pivot(index="defi", columns="week", values="mood")[heat.drop_duplicates("week")["week"]],
             "retro_heatmap", caption=t("retro.heatmap_missing"), hide_index=False, width="stretch")
    rates = cached(bulletins.participation)(actor, ctx.promotion.id, now)
    st.markdown(f"**{t('retro.participation_title')}**")
    # Whole percents « 75 % » (the grid's "percent" preset writes « 75.00% »).
    ui.chart(retro.participation_bars(rates, axis),
             lambda: rates[["week", "clock", "in_progress", "filed", "defis", "rate"]].assign(rate=rates["rate"] * 100),
             "retro_participation", {**WEEK_COLUMNS, "in_progress": t("retro.col.in_progress"),
                                     "filed": t("retro.col.filed"), "defis": t("retro.col.defis"),
                                     "rate": st.column_config.ProgressColumn(t("retro.col.rate"), format="%d %%",
                                                                             min_value=0, max_value=100)},
             width="stretch")
    dist = cached(bulletins.mood_by_phase)(actor, ctx.promotion.id, now)
    if not dist.empty:
        st.markdown(f"**{t('retro.distribution_title')}**")
        ui.chart(retro.mood_distribution(dist), lambda: dist.assign(mood=dist["mood"].map(mood_label))[
            ["phase", "mood", "count"]], "retro_distribution", {"phase": t("retro.col.phase"),
                                                               "mood": t("retro.col.mood"),
                                                               "count": t("retro.col.count")}, width="stretch")
    st.header(t("retro.week_bulletins"))
    labels = dict(zip(rates["week_start"], rates["week"], strict=True))
    pick = st.selectbox(t("retro.pick_week"), list(reversed(labels)), key="retro_week", format_func=labels.get,
                        placeholder=t("widget.choose"))
    if pick:
        year, week = pick.isocalendar()[:2]
        rows = cached(bulletins.week_bulletins)(actor, ctx.promotion.id, year, week, now)
        if rows.empty:
            st.info(t("retro.no_bulletin"))
        elif len(rows) > (size := bulletins.WEEK_PAGE_SIZE):
            # A promotion of hundreds of défis: one page of cards at a time, not hundreds per run.
            pages = -(-len(rows) // size)
            if st.session_state.get("retro_week_page", 1) > pages:  # a week with fewer bulletins
                st.session_state["retro_week_page"] = pages
            page = st.number_input(t("retro.week_page", count=len(rows), size=size), min_value=1, max_value=pages,
                                   key="retro_week_page")
            rows = rows.iloc[(page - 1) * size:page * size]
        for row in rows.itertuples():
            ui.bulletin_card(row.name, row.mood, row.priority, row.ups_downs)


ui.sections("retro_tabs", {**({t("retro.tab.defi"): defi_view} if ctx.defi is not None else {}),
                           t("retro.tab.promotion"): promotion_view})

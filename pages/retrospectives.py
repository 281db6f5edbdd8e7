"""Rétrospectives: a défi's mood, participation and bulletins, and the promotion-wide
trends (heatmap, participation, moods per phase), each chart with its table."""


import datetime as dt

import streamlit as st

from lib import bulletins, formats, sharing, ui
from lib.charts import drawn, retro
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
    st.header(f"{md(defi.name)} · {md(defi.administration)}")
    if not trend["filed"].any():
        st.info(t("retro.no_bulletin_team" if ctx.may(Action.WRITE_BULLETIN) else
                  "retro.no_bulletin_staff" if ctx.may(Action.READ_BULLETIN_UNPUBLISHED) else "retro.no_bulletin"))
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
        ui.chart(cached(drawn.mood_figure)(actor, defi.id, axis, now), trend[["week", "clock", "mood"]],
                 f"retro_mood_{defi.id}", {**WEEK_COLUMNS, "mood": t("retro.col.mood")}, caption=t("retro.mood_gap"),
                 width="stretch")
        ui.download(t("retro.export_csv"), lambda: bulletins.export_csv(actor, defi.id, now),
                    f"bulletins-{defi.name}.csv", f"bulletins_csv_{defi.id}", "text/csv")
        st.markdown(f"### {t('retro.bulletins_by_month')}")
        defi_cards(defi.id, ctx.may(Action.READ_HELP_ANSWERS))
    if ctx.staff:
        share_section(defi)


def pager(key: str, paged: bulletins.Paged, back: str, forward: str) -> None:
    """The buttons to the page of cards before and after, each disabled at its end; `key`
    holds the page number."""
    if paged.pages == 1:
        return

    def turn(number: int) -> None:
        st.session_state[key] = number

    before, after, _ = st.columns([1, 1, 3])
    before.button(back, key=f"{key}_back", icon=":material/arrow_back:", disabled=paged.page == 1,
                  on_click=turn, args=(paged.page - 1,))
    after.button(forward, key=f"{key}_forward", icon=":material/arrow_forward:", disabled=paged.page == paged.pages,
                 on_click=turn, args=(paged.page + 1,))


@st.fragment
def defi_cards(defi_id: int, team: bool) -> None:
    """The défi's bulletins ten at a time, newest first, under their months, and the search
    over them: turning a page or searching reruns this section alone, not the charts above."""
    who, key = ui.fragment_actor(actor), f"retro_page_{defi_id}"
    search = st.text_input(t("retro.search"), key=f"retro_search_{defi_id}", max_chars=80,
                           placeholder=t("retro.search_placeholder"), help=t("retro.search_help"),
                           on_change=st.session_state.pop, args=(key, None)).strip()  # on its first page
    found = cached(bulletins.defi_bulletin_page)(who, defi_id, search, st.session_state.get(key, 1), ui.now())
    if not found.total:
        st.info(t("retro.no_result", query=md(search)) if search else t("retro.no_bulletin"))
        return
    count = t("retro.found", n=found.total, query=md(search)) if search else t("retro.count", n=found.total)
    st.caption(count + (f" · {t('retro.range', first=found.first, last=found.last)}" if found.pages > 1 else ""))
    for n, card in enumerate(found.cards):
        if n == 0 or card.week_start.month != found.cards[n - 1].week_start.month:
            st.markdown(f"#### {formats.month(card.week_start.replace(day=1)).capitalize()}")
        more = []
        if card.help_request and team:
            answer = f"\n→ {card.help_answer}" if card.help_answer else ""
            more.append((f"{t('bulletin.help_request')} · {card.help_status}", f"{card.help_request}{answer}"))
        if card.key_date_description:
            more.append((f"{t('bulletin.key_date')} · {formats.date(card.key_date)}", card.key_date_description))
        ui.bulletin_card(card.week, card.mood, card.priority, card.ups_downs, more=tuple(more),
                         note="" if card.published else f" · {t('retro.unpublished')}")
    pager(key, found, t("retro.newer"), t("retro.older"))


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
    ui.chart(cached(drawn.heatmap_figure)(actor, ctx.promotion.id, axis, now),
             lambda: heat.pivot(index="defi", columns="week", values="mood")[heat.drop_duplicates("week")["week"]],
             "retro_heatmap", caption=t("retro.heatmap_missing"), hide_index=False, width="stretch")
    rates = cached(bulletins.participation)(actor, ctx.promotion.id, now)
    st.markdown(f"**{t('retro.participation_title')}**")
    # Whole percents « 75 % » (the grid's "percent" preset writes « 75.00% »).
    ui.chart(cached(drawn.participation_figure)(actor, ctx.promotion.id, axis, now),
             lambda: rates[["week", "clock", "in_progress", "filed", "defis", "rate"]].assign(rate=rates["rate"] * 100),
             "retro_participation", {**WEEK_COLUMNS, "in_progress": t("retro.col.in_progress"),
                                     "filed": t("retro.col.filed"), "defis": t("retro.col.defis"),
                                     "rate": st.column_config.ProgressColumn(t("retro.col.rate"), format="%d %%",
                                                                             min_value=0, max_value=100)},
             width="stretch")
    dist = cached(bulletins.mood_by_phase)(actor, ctx.promotion.id, now)
    if not dist.empty:
        st.markdown(f"**{t('retro.distribution_title')}**")
        ui.chart(cached(drawn.mood_by_phase_figure)(actor, ctx.promotion.id, now),
                 lambda: dist.assign(mood=dist["mood"].map(mood_label))[["phase", "mood", "count"]],
                 "retro_distribution", {"phase": t("retro.col.phase"), "mood": t("retro.col.mood"),
                                        "count": t("retro.col.count")}, width="stretch")
    st.header(t("retro.week_bulletins"))
    week_cards(ctx.promotion.id, dict(zip(rates["week_start"], rates["week"], strict=True)))


@st.fragment
def week_cards(promotion_id: int, labels: dict[dt.date, str]) -> None:
    """A week's bulletins of the promotion, ten at a time by défi name: picking a week or
    turning a page reruns this section alone, not the charts above."""
    who = ui.fragment_actor(actor)
    pick = st.selectbox(t("retro.pick_week"), list(reversed(labels)), key=f"retro_week_{promotion_id}",
                        format_func=labels.get, placeholder=t("widget.choose"))
    if not pick:
        return
    key = f"retro_week_page_{promotion_id}_{pick.isoformat()}"
    found = cached(bulletins.week_bulletin_page)(who, promotion_id, *pick.isocalendar()[:2],
                                                 st.session_state.get(key, 1), ui.now())
    if not found.total:
        st.info(t("retro.week_empty"))
        return
    count = t("retro.week_count", n=found.total)
    st.caption(count + (f" · {t('retro.week_range', first=found.first, last=found.last)}" if found.pages > 1 else ""))
    for card in found.cards:
        ui.bulletin_card(card.name, card.mood, card.priority, card.ups_downs)
    pager(key, found, t("retro.previous"), t("retro.next"))


ui.sections("retro_tabs", {**({t("retro.tab.defi"): defi_view} if ctx.defi is not None else {}),
                           t("retro.tab.promotion"): promotion_view})

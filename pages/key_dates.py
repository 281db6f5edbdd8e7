"""Dates clés: the promotion's calendar (bulletin deadlines, committees, phase ends, the
programme's events, the teams' key dates) for a défi or the whole promotion, week by week,
on a time line, as an ICS file, and as a calendar the person subscribes to."""

import datetime as dt
from zoneinfo import ZoneInfo

import streamlit as st

from lib import calendar_feeds, formats, key_dates, ui
from lib.charts import drawn
from lib.clock import today_local
from lib.i18n import t
from lib.schemas import CalendarFeedIn
from lib.ui import cached, done, submit

ctx = ui.page("page.key_dates")
actor = ctx.actor
now = ui.now()
today = today_local()
PARIS = ZoneInfo("Europe/Paris")


def week_of(monday: dt.date) -> str:
    """« Semaine du 23 novembre » (the year only when it is not this year's); never an ISO code."""
    return formats.week(monday, with_year=monday.year != today.year).capitalize()


scopes = ["promotion"] if ctx.defi is None else ["defi", "promotion"]
c1, c2 = st.columns([1, 2])
scope = c1.radio(t("keydates.scope"), scopes, key="keydates_scope", format_func=lambda s: t(f"keydates.scope.{s}"))
kinds = c2.multiselect(t("calendar.kinds"), key_dates.KINDS, default=key_dates.KINDS, key="calendar_kinds",
                       format_func=lambda k: t(f"calendar.kind.{k}"),
                       placeholder=t("widget.choose_many"), select_all=False)
show_past = st.toggle(t("calendar.show_past"), key="calendar_past")
defi_ids = [ctx.defi.id] if scope == "defi" else None
events = cached(key_dates.calendar)(actor, ctx.promotion.id, defi_ids, kinds, now)

ui.download(t("keydates.download_ics"), lambda: key_dates.ics(actor, ctx.promotion.id, now, defi_ids, kinds),
            f"calendrier-{ctx.promotion.name}.ics", "calendar_ics", "text/calendar")
st.caption(f"{t('keydates.ics_help')} {t('calendar.ics_help')}")

# The address of the feed made in this session: only its hash is kept, so it is shown now or never.
NEW_FEED = "calendar_feed_address"


def new_feed(form: ui.New) -> CalendarFeedIn:
    scope = form.value("scope")
    return CalendarFeedIn(scope=scope, promotion_id=ctx.promotion.id if scope == "promotion" else None,
                          kinds=form.value("kinds") or [])


def day_of(moment: dt.datetime) -> str:
    """« 23/11/2026 », the day in Paris of a stored (UTC) moment."""
    return formats.date(moment.astimezone(PARIS).date())


def feed_line(feed) -> None:  # noqa: ANN001 - a row of calendar_feeds.my_feeds
    """One of the person's feeds: what it lists, its state and last fetch, and its buttons."""
    text, renew, revoke = st.columns([6, 2, 1], vertical_alignment="center")
    fetched = formats.moment(feed.last_fetched_at) if feed.last_fetched_at is not None else t("feeds.never")
    text.markdown(t("feeds.line", scope=ui.md(feed.scope_label), kinds=ui.md(feed.kinds_label)))
    text.caption(t("feeds.details", state=feed.state_label, created=day_of(feed.created_at),
                   expires=day_of(feed.expires_at), fetched=fetched))
    if feed.state != "active":
        return
    if renew.button(t("feeds.renew"), key=f"renew_feed_{feed.id}"):
        submit(lambda: feed.id, lambda feed_id: calendar_feeds.renew(actor, feed_id),
               after=lambda until: done(t("feeds.renewed", date=day_of(until))))
    if revoke.button(t("feeds.revoke"), key=f"revoke_feed_{feed.id}") and submit(
            lambda: feed.id, lambda feed_id: calendar_feeds.revoke(actor, feed_id)):
        done(t("feeds.revoked"))


def subscriptions() -> None:
    """« S'abonner au calendrier »: an address the person's calendar app fetches by itself."""
    with st.expander(t("feeds.title")):
        st.caption(t("feeds.intro"))
        offered = cached(calendar_feeds.options)(actor, ctx.promotion.id, now)
        creating = ui.new("calendar_feed", ctx.promotion.id)
        with st.form(creating.key):
            st.radio(t("feeds.scope"), offered.scopes, key=creating.field("scope"),
                     format_func=lambda s: t(f"feeds.scope.{s}", name=ui.md(ctx.promotion.name)))
            st.multiselect(t("calendar.kinds"), key_dates.KINDS, default=offered.default_kinds,
                           key=creating.field("kinds"), format_func=lambda k: t(f"calendar.kind.{k}"),
                           placeholder=t("widget.choose_many"), select_all=False)
            ui.save_button(t("feeds.create"), creating, lambda: new_feed(creating),
                           lambda data: calendar_feeds.subscribe(actor, data), t("feeds.created"),
                           labels={"kinds": t("calendar.kinds")},
                           after=lambda address: st.session_state.update({NEW_FEED: address}))
        if address := st.session_state.get(NEW_FEED):
            st.code(address, language=None)
            st.caption(t("feeds.address_once"))
        st.markdown(f"**{t('feeds.mine')}**")
        feeds = calendar_feeds.my_feeds(actor, now)  # uncached: fetches do not bump the data version
        if feeds.empty:
            st.caption(t("feeds.none"))
        for feed in feeds.itertuples():
            feed_line(feed)


subscriptions()

this_monday = today - dt.timedelta(days=today.weekday())
shown = events if show_past else events[events["week_start"] >= this_monday]
if shown.empty:
    st.info(t("calendar.empty"))
    st.stop()

st.markdown(f"**{t('keydates.timeline')}**")
ui.chart(cached(drawn.calendar_figure)(actor, ctx.promotion.id, defi_ids, kinds, now, today, show_past), None,
         "timeline")  # the weeks' tables follow

table = shown.assign(
    when=shown["day"].map(formats.weekday_short),
    time=shown["at"].map(lambda a: formats.time(a) if a is not None and a == a else ""))
# The same widths in every week's table, so the weeks line up down the page.
COLUMNS = {"when": st.column_config.TextColumn(t("calendar.col.day"), width=130),
           "time": st.column_config.TextColumn(t("calendar.col.time"), width=70),
           "kind_label": st.column_config.TextColumn(t("calendar.col.kind"), width=190),
           "defi": st.column_config.TextColumn(t("calendar.col.defi"), width=190),
           "title": st.column_config.TextColumn(t("calendar.col.title"), width="large")}
for monday, week in table.groupby("week_start", sort=True):
    suffix = f" · {t('calendar.this_week')}" if monday == this_monday else ""
    st.header(f"{week_of(monday)}{suffix}")
    ui.table(week[list(COLUMNS)], width="stretch", column_config=COLUMNS,
             key=f"calendar_week_{monday:%Y%m%d}")

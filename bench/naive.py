"""The "naive" way to compute the heaviest pages' figures: load whole tables into pandas
and aggregate there, as a first version of the app might have. The benchmark times each
next to the service that aggregates in SQL, and checks that both give the same figures."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from sqlalchemy import select

from lib import bulletins, db, journal, portfolio
from lib.models import (
    Bulletin,
    Defi,
    DefiRole,
    HelpRequest,
    HelpStatus,
    JournalEntry,
    JournalEntryCategory,
    Membership,
    User,
)
from lib.permissions import Actor


def _table(*columns) -> pd.DataFrame:  # noqa: ANN002 - SQLAlchemy columns
    with db.get_engine().connect() as conn:
        return pd.read_sql(select(*columns), conn)


def journal_charts(defi_id: int) -> dict[str, int]:
    """Entries per week and category, and good/bad news per month, of one défi."""
    entries = _table(JournalEntry.id, JournalEntry.defi_id, JournalEntry.done_on, JournalEntry.news)
    categories = _table(JournalEntryCategory.entry_id, JournalEntryCategory.category)
    mine = entries[entries["defi_id"] == defi_id]
    done_on = pd.to_datetime(mine["done_on"])
    weekly = (mine.assign(week=done_on - pd.to_timedelta(done_on.dt.weekday, unit="D"))
              .merge(categories, left_on="id", right_on="entry_id").groupby(["week", "category"]).size())
    news = mine[mine["news"] != 0].assign(month=done_on.dt.to_period("M")).groupby(["month", "news"]).size()
    return {"weekly_cells": len(weekly), "weekly_total": int(weekly.sum()), "news_total": int(news.sum())}


def journal_charts_sql(actor: Actor, defi_id: int) -> dict[str, int]:
    weekly = journal.weekly_by_category(actor, defi_id)
    news = journal.news_by_month(actor, defi_id)
    return {"weekly_cells": len(weekly), "weekly_total": int(weekly["entries"].sum()),
            "news_total": int(news["good"].sum() + news["bad"].sum())}


def home_overview(promotion_id: int) -> dict[str, int]:
    """Per défi of the promotion: active EIGs, last bulletin's week, open help requests."""
    defis = _table(Defi.id, Defi.promotion_id)
    ids = set(defis.loc[defis["promotion_id"] == promotion_id, "id"])
    members = _table(Membership.defi_id, Membership.user_id, Membership.role).merge(
        _table(User.id, User.active), left_on="user_id", right_on="id")
    eigs = members[members["defi_id"].isin(ids) & (members["role"] == DefiRole.EIG.value) & members["active"]]
    sheets = _table(Bulletin.id, Bulletin.defi_id, Bulletin.week_start, Bulletin.mood)
    sheets = sheets[sheets["defi_id"].isin(ids)]
    last = sheets.sort_values("week_start").groupby("defi_id").tail(1)
    tickets = _table(HelpRequest.bulletin_id, HelpRequest.status).merge(sheets, left_on="bulletin_id", right_on="id")
    open_help = tickets[tickets["status"] != HelpStatus.RESOLVED.value]
    return {"defis": len(ids), "eig": len(eigs), "with_bulletin": len(last), "open_help": len(open_help)}


def home_overview_sql(actor: Actor, promotion_id: int) -> dict[str, int]:
    df = portfolio.promotion_overview(actor, promotion_id)
    return {"defis": len(df), "eig": int(df["eig"].sum()), "with_bulletin": int(df["last_week"].notna().sum()),
            "open_help": int(df["open_help"].sum())}


def participation(promotion_id: int, weeks: list) -> dict[str, int]:  # noqa: ANN001
    """Bulletins filed per programme week of the promotion (coach's view, every week shown)."""
    defis = _table(Defi.id, Defi.promotion_id)
    ids = set(defis.loc[defis["promotion_id"] == promotion_id, "id"])
    sheets = _table(Bulletin.defi_id, Bulletin.week_start)
    sheets = sheets[sheets["defi_id"].isin(ids) & sheets["week_start"].isin(weeks)]
    return {"weeks": len(weeks), "filed": int(sheets.groupby("week_start")["defi_id"].nunique().sum())}


def participation_sql(actor: Actor, promotion_id: int) -> tuple[dict[str, int], list]:
    df = bulletins.participation(actor, promotion_id)
    return {"weeks": len(df), "filed": int(df["filed"].sum())}, list(df["week_start"])


def baselines(coach: Actor, promotion_id: int, big_defi: int) -> list[tuple[str, Callable, Callable]]:
    """(figure, SQL service, naive pandas version) for the heaviest pages."""
    weeks = participation_sql(coach, promotion_id)[1]
    return [
        ("journal: charts of the largest défi", lambda: journal_charts_sql(coach, big_defi),
         lambda: journal_charts(big_defi)),
        ("home: coach's promotion overview", lambda: home_overview_sql(coach, promotion_id),
         lambda: home_overview(promotion_id)),
        ("retrospectives: participation per week", lambda: participation_sql(coach, promotion_id)[0],
         lambda: participation(promotion_id, weeks)),
    ]

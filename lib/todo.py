"""The home page's to-do: what the acting user owes, and what needs them, this week, one
ordered list per role (coach, EIG, admin). Each item says where it is done (a page, and the
défi to open there). The rules are the other services' (risk, deadlines, carnets, committees,
help requests), reused here, not recomputed; counts are aggregated in SQL."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy import and_, case, func, select

from lib import committees, db, formats, help_requests, key_dates, portfolio
from lib.auth import LOGIN_ACTIONS, NO_PASSWORD, rate_limit_key
from lib.bulletins import load_promotion
from lib.carnets import last_writable_day, missing_carnets, owed_months, writable_months
from lib.clock import (
    current_week,
    deadline_of,
    local_today,
    now_utc,
    programme_end,
    runs_on,
    waiting_in_words,
    working_day,
)
from lib.i18n import t
from lib.models import (
    AuditEvent,
    Bulletin,
    Committee,
    Defi,
    DefiPhase,
    DefiRole,
    HelpStatus,
    LoginThrottle,
    Membership,
    MonthlyCarnet,
    PhaseTemplate,
    Promotion,
    ReportStatus,
    User,
)
from lib.permissions import Action, Actor, require, require_admin, require_staff
from lib.risk import THRESHOLDS

COMMITTEE_NOTICE = dt.timedelta(weeks=3)  # a phase ending this soon needs its committee scheduled
CARNET_NOTICE = dt.timedelta(days=14)  # missing carnets are listed this long before their last day
SOON = dt.timedelta(weeks=3)  # key dates and committees an EIG sees coming

# Where each kind of item is done, and the order of kinds at equal urgency and due date.
PAGES = {
    "risk": "pages/portfolio.py", "help": "pages/help_requests.py", "committee_to_schedule": "pages/committees.py",
    "report": "pages/committees.py", "overdue_action": "pages/committees.py", "carnets_missing": "pages/carnet.py",
    "bulletin_missing": "pages/retrospectives.py",
    "bulletin": "pages/bulletin.py", "carnet": "pages/carnet.py", "my_action": "pages/committees.py",
    "help_answer": "pages/bulletin.py", "committee": "pages/committees.py", "key_date": "pages/key_dates.py",
    "locked": "pages/admin.py", "never_used": "pages/admin.py", "defi_without_coach": "pages/admin.py",
    "defi_without_eig": "pages/admin.py", "promotion_without_phases": "pages/admin.py",
}
KINDS = list(PAGES)


class TodoItem(BaseModel):
    """One line of the to-do. `label` is the app's French text (never user text); `defi` and
    `detail` may be user text and are escaped where shown. `due` is a deadline (a datetime at
    a time of day, or a date due by its end); `on` the day of an event (a key date)."""

    kind: str
    label: str
    promotion_id: int | None = None  # where the line opens; None: the promotion picked
    defi_id: int | None = None
    defi: str = ""
    detail: str = ""
    due: dt.datetime | dt.date | None = None
    on: dt.datetime | dt.date | None = None
    urgent: bool = False  # overdue, or high risk: at the top
    done: bool = False  # already done this week (the EIG's bulletin, carnet): at the bottom
    record_id: int | None = None  # the record its page opens on, picked (a help request)

    @property
    def page(self) -> str:
        return PAGES[self.kind]


def _ordered(items: list[TodoItem], tz: str) -> list[TodoItem]:
    """Urgent first (by kind: a high risk before an old overdue action), done last; the rest
    by due date (dateless last), then by kind."""
    zone, far = ZoneInfo(tz), dt.datetime.max.replace(tzinfo=dt.UTC)

    def moment(item: TodoItem) -> dt.datetime:
        when = item.due or item.on
        if when is None:
            return far
        if isinstance(when, dt.datetime):
            return when
        return dt.datetime.combine(when, dt.time(23, 59), tzinfo=zone).astimezone(dt.UTC)

    return sorted(items, key=lambda i: (i.done, not i.urgent, KINDS.index(i.kind) if i.urgent else 0, moment(i),
                                       KINDS.index(i.kind), i.defi))


# --- Coach -------------------------------------------------------------------------------------


def coached_defis(actor: Actor, promotion_id: int) -> dict[int, str]:
    """The défis of the promotion the coach is référent of; every défi of the promotion when
    she is référent of none (a coach without défis of her own follows them all)."""
    require_staff(actor)
    with db.reading() as s:
        query = select(Defi.id, Defi.name).where(Defi.promotion_id == promotion_id).order_by(Defi.name)
        mine = dict(s.execute(query.join(Membership, Membership.defi_id == Defi.id).where(
            Membership.user_id == actor.id, Membership.role == DefiRole.COACH)).all())
        return mine or dict(s.execute(query).all())


def coached_promotions(actor: Actor, promotion_id: int, now: dt.datetime) -> list[int]:
    """The promotions a coach's to-do covers: the one she picked, then every running one she
    coaches in (référente of one of its défis), or every running one when she is référente in
    none (she follows them all). The picker may be on the next promotion, created before the
    running one ends: the running one's risks, requests and actions still need her."""
    require_staff(actor)
    with db.reading() as s:
        running = [p.id for p in s.scalars(select(Promotion).order_by(Promotion.start_date))
                   if runs_on(p, local_today(p, now))]
        coached = set(s.scalars(select(Defi.promotion_id).join(Membership, Membership.defi_id == Defi.id).where(
            Membership.user_id == actor.id, Membership.role == DefiRole.COACH)))
    followed = [p for p in running if p in coached] or running
    return [promotion_id, *(p for p in followed if p != promotion_id)]


def coach_todo(actor: Actor, promotion_id: int, now: dt.datetime | None = None) -> list[TodoItem]:
    """A coach's week, in the promotion she picked and every running one she coaches in
    (`coached_promotions`): her défis at risk (the portfolio's rules), help requests assigned to
    her or to nobody, committees to schedule, reports to write or publish, overdue committee
    actions, missing monthly carnets, bulletins not filed yet."""
    require_staff(actor)
    now = now or now_utc()
    items: list[TodoItem] = []
    for promotion in coached_promotions(actor, promotion_id, now):
        items += _coach_items(actor, promotion, now)
    with db.reading() as s:
        tz = load_promotion(s, promotion_id).timezone
    return _ordered(items, tz)


def _coach_items(actor: Actor, promotion_id: int, now: dt.datetime) -> list[TodoItem]:
    """The coach's lines of one promotion, unordered."""
    mine = coached_defis(actor, promotion_id)
    items: list[TodoItem] = []

    risky = portfolio.coach_portfolio(actor, promotion_id, now, list(mine))
    at_risk = risky[risky["level"].isin(["eleve", "a_surveiller"])]
    for row in at_risk.itertuples():
        items.append(TodoItem(kind="risk", label=t(f"todo.risk.{row.level}"), promotion_id=promotion_id,
                              defi_id=row.id, defi=row.defi, detail=row.reasons, urgent=row.level == "eleve"))

    with db.reading() as s:
        promotion = load_promotion(s, promotion_id)
        tz = promotion.timezone
        today = local_today(promotion, now)

    for status, assignee in ((HelpStatus.OPEN.value, None), (HelpStatus.ASSIGNED.value, actor.id)):
        board = help_requests.board(actor, promotion_id, status=status, assignee_id=assignee, now=now)
        for row in board.itertuples():
            if assignee is None and row.assignee_id is not None:
                continue
            key = "todo.help.unassigned" if assignee is None else "todo.help.assigned"
            items.append(TodoItem(kind="help", label=t(key, week=row.week,
                                                        waiting=waiting_in_words(row.created_at, now, tz)),
                                  promotion_id=promotion_id, defi_id=row.defi_id, defi=row.defi,
                                  detail=row.request, record_id=row.id,
                                  urgent=assignee is None or row.age_days >= THRESHOLDS.help_age_days))

    with db.reading() as s:
        ids = list(mine)
        for defi_id, number, end in s.execute(
                select(DefiPhase.defi_id, PhaseTemplate.number, DefiPhase.planned_end)
                .join(PhaseTemplate, PhaseTemplate.id == DefiPhase.phase_template_id)
                .outerjoin(Committee, Committee.defi_phase_id == DefiPhase.id)
                .where(DefiPhase.defi_id.in_(ids), Committee.id.is_(None), DefiPhase.validated_at.is_(None),
                       DefiPhase.planned_end <= today + COMMITTEE_NOTICE)):
            items.append(TodoItem(kind="committee_to_schedule", label=t("todo.committee_to_schedule", number=number),
                                  promotion_id=promotion_id, defi_id=defi_id, defi=mine[defi_id], due=end,
                                  urgent=end < today))
        for defi_id, number, held, text in s.execute(
                select(DefiPhase.defi_id, PhaseTemplate.number, Committee.scheduled_at, Committee.report_text)
                .join(DefiPhase, DefiPhase.id == Committee.defi_phase_id)
                .join(PhaseTemplate, PhaseTemplate.id == DefiPhase.phase_template_id)
                .where(DefiPhase.defi_id.in_(ids), Committee.scheduled_at <= now,
                       Committee.report_status != ReportStatus.PUBLISHED)):
            key = "todo.report.publish" if text.strip() else "todo.report.write"
            held_on = held.astimezone(ZoneInfo(tz)) if held.tzinfo else held.replace(tzinfo=dt.UTC)
            items.append(TodoItem(kind="report", label=t(key, number=number, held=formats.day_short(held_on)),
                                  promotion_id=promotion_id, defi_id=defi_id, defi=mine[defi_id]))

        # Monthly carnets: the month whose last writable day comes first (last month's during
        # its 7 days of grace), once that day is near; only from those who owe it.
        month = min(writable_months(today))
        if last_writable_day(month) - today <= CARNET_NOTICE:
            missing: dict[int, list[str]] = {}
            for eig in missing_carnets(s, promotion, month, today, ids):
                missing.setdefault(eig.defi_id, []).append(eig.name)
            for defi_id, names in missing.items():
                items.append(TodoItem(kind="carnets_missing", label=t(
                    "todo.carnets_missing", n=len(names), month=formats.month(month)), promotion_id=promotion_id,
                    defi_id=defi_id, defi=mine[defi_id], detail=", ".join(names), due=last_writable_day(month)))

        year, week = current_week(promotion, now)
        deadline = deadline_of(promotion, year, week)
        filed = set(s.scalars(select(Bulletin.defi_id).where(Bulletin.defi_id.in_(ids), Bulletin.iso_year == year,
                                                             Bulletin.iso_week == week)))
        running = programme_end(promotion) > today >= promotion.start_date
        items += _bulletins_missing(promotion, [d for d in ids if d not in filed] if running else [], mine,
                                    set(at_risk["id"]), deadline, now)

    for action in committees.overdue_actions(actor, promotion_id, today):
        if action.defi_id in mine:
            items.append(TodoItem(kind="overdue_action", label=t("todo.overdue_action"), promotion_id=promotion_id,
                                  defi_id=action.defi_id, defi=action.defi,
                                  detail=f"{action.description} ({action.owner or '—'})", due=action.due_on,
                                  urgent=True))
    return items


def _bulletins_missing(promotion: Promotion, missing: list[int], names: dict[int, str], at_risk: set[int],
                       deadline: dt.datetime, now: dt.datetime) -> list[TodoItem]:
    """This week's bulletins not filed yet. Early in the week every défi is in that case and
    nothing is late: one line for them all, until the deadline's eve (Thursday; Wednesday when
    a public holiday moved the deadline to Thursday), from which each défi has its own line. A
    défi at risk (a risk line above) has its own line all week."""
    week = formats.iso_week(*current_week(promotion, now))
    eve = working_day(deadline.astimezone(ZoneInfo(promotion.timezone)).date() - dt.timedelta(days=1))
    grouped = [] if local_today(promotion, now) >= eve else [d for d in missing if d not in at_risk]
    if len(grouped) < 2:
        grouped = []
    items = [TodoItem(kind="bulletin_missing", label=t("todo.bulletin_missing", week=week), promotion_id=promotion.id,
                      defi_id=d, defi=names[d], due=deadline, urgent=deadline <= now)
             for d in missing if d not in grouped]
    if grouped:
        items.append(TodoItem(kind="bulletin_missing", label=t("todo.bulletins_missing", n=len(grouped), week=week),
                              promotion_id=promotion.id, detail=", ".join(names[d] for d in grouped), due=deadline))
    return items


# --- EIG -----------------------------------------------------------------------------------------


def eig_todo(actor: Actor, promotion_id: int, now: dt.datetime | None = None) -> list[TodoItem]:
    """An EIG's week, for each of her défis of the promotion: this week's bulletin (filed or
    its deadline), this month's carnet (written or due), the committee actions she owns, the
    coaches' answers to the team's help requests, the coming key dates and committee."""
    now = now or now_utc()
    statuses = [x for x in portfolio.defi_statuses(actor, promotion_id, now) if x.defi.my_role == DefiRole.EIG]
    if not statuses:
        return []
    names = {x.defi.id: x.defi.name for x in statuses}
    items: list[TodoItem] = []
    tz = statuses[0].deadline_tz
    today = now.astimezone(ZoneInfo(tz)).date()
    with db.reading() as s:
        promotion = load_promotion(s, promotion_id)
        running = promotion.start_date <= today < programme_end(promotion)
    for status in statuses if running else []:  # bulletins are due while the programme runs
        d = status.defi
        if status.bulletin_filed:
            items.append(TodoItem(kind="bulletin", label=t("todo.bulletin.filed", week=status.week_label),
                                  defi_id=d.id, defi=d.name, done=True))
        else:
            key = "todo.bulletin.due" if now < status.deadline else "todo.bulletin.closed"
            items.append(TodoItem(kind="bulletin", label=t(key, week=status.week_label), defi_id=d.id, defi=d.name,
                                  due=status.deadline, urgent=now >= status.deadline - dt.timedelta(days=1)))

    with db.reading() as s:
        for d in statuses:
            require(s, actor, Action.WRITE_CARNET, d.defi.id)
        months = owed_months(s, promotion, actor.id, list(names), today)
        written = set(s.scalars(select(MonthlyCarnet.month).where(MonthlyCarnet.user_id == actor.id,
                                                                   MonthlyCarnet.month.in_(months))))
        upcoming = s.execute(
            select(DefiPhase.defi_id, PhaseTemplate.number, Committee.scheduled_at)
            .join(DefiPhase, DefiPhase.id == Committee.defi_phase_id)
            .join(PhaseTemplate, PhaseTemplate.id == DefiPhase.phase_template_id)
            .where(DefiPhase.defi_id.in_(list(names)), Committee.scheduled_at >= now,
                   Committee.scheduled_at <= now + SOON)).all()
    first = statuses[0].defi  # a carnet is per person and month: offered on her first défi
    for month in sorted(months, reverse=True):
        if month in written:
            if month == months[0]:
                items.append(TodoItem(kind="carnet", label=t("todo.carnet.written", month=formats.month(month)),
                                      defi_id=first.id, defi=first.name, done=True))
        else:
            due = last_writable_day(month)
            items.append(TodoItem(kind="carnet", label=t("todo.carnet.due", month=formats.month(month)),
                                  defi_id=first.id, defi=first.name, due=due,
                                  urgent=due - today <= dt.timedelta(days=2)))

    for action in committees.my_open_actions(actor, today):
        if action.defi_id in names:
            items.append(TodoItem(kind="my_action", label=t("todo.my_action"), defi_id=action.defi_id,
                                  defi=action.defi, detail=action.description, due=action.due_on,
                                  urgent=action.overdue))

    recent = now - dt.timedelta(weeks=2)
    for defi_id, name in names.items():
        tickets = help_requests.defi_tickets(actor, defi_id, now)
        for row in tickets.itertuples():
            answered = bool(row.answer) and (row.status != HelpStatus.RESOLVED.value
                                             or (row.resolved_at is not None and row.resolved_at >= recent))
            if answered:
                items.append(TodoItem(kind="help_answer", label=t(f"todo.help_answer.{row.status}", week=row.week),
                                      defi_id=defi_id, defi=name, detail=row.answer))
        dates = key_dates.key_dates(actor, promotion_id, defi_id, now)
        for row in dates[dates["upcoming"] & (dates["on_date"] <= today + SOON)].itertuples():
            items.append(TodoItem(kind="key_date", label=t("todo.key_date"), defi_id=defi_id, defi=name,
                                  detail=row.description, on=row.on_date))
    for defi_id, number, at in upcoming:
        items.append(TodoItem(kind="committee", label=t("todo.committee", number=number), defi_id=defi_id,
                              defi=names[defi_id], on=at if at.tzinfo else at.replace(tzinfo=dt.UTC)))
    return _ordered(items, tz)


# --- Admin ---------------------------------------------------------------------------------------


def admin_todo(actor: Actor, now: dt.datetime | None = None) -> list[TodoItem]:
    """The platform's loose ends: locked and never-used accounts, défis of running promotions
    without a coach or without EIGs, promotions without phases (the latest audit events: `audit.trail`).
    Not cached by the page: logins and locks do not bump the data version."""
    require_admin(actor)
    now = now or now_utc()
    items: list[TodoItem] = []
    with db.reading() as s:
        # The counters are keyed by a keyed hash of the login: the accounts are found by hashing theirs.
        locked = dict(s.execute(select(LoginThrottle.login, func.max(LoginThrottle.locked_until))
                                .where(LoginThrottle.locked_until > now).group_by(LoginThrottle.login)).all())
        accounts = s.execute(select(User.display_name, User.login).order_by(User.display_name)) if locked else []
        for name, login in accounts:
            if (until := locked.get(rate_limit_key(login))) is not None:
                until = until if until.tzinfo else until.replace(tzinfo=dt.UTC)
                items.append(TodoItem(kind="locked", label=t("todo.admin.locked"), detail=f"{name} ({login})",
                                      due=until, urgent=True))

        logged = select(AuditEvent.entity_id).where(AuditEvent.entity == "user", AuditEvent.action.in_(LOGIN_ACTIONS),
                                                    AuditEvent.entity_id.is_not(None))
        never = and_(User.active.is_(True), User.id.not_in(logged))
        count, without_password = s.execute(select(
            func.count(), func.coalesce(func.sum(case((User.password_hash == NO_PASSWORD, 1), else_=0)), 0)
        ).where(never)).one()
        if count:
            shown = s.scalars(select(User.display_name).where(never).order_by(User.display_name).limit(5)).all()
            label = (t("todo.admin.never_used_without_password", n=count, without=without_password)
                     if without_password else t("todo.admin.never_used", n=count))
            items.append(TodoItem(kind="never_used", label=label,
                                  detail=", ".join(shown) + (", …" if count > len(shown) else "")))

        running = [p for p in s.scalars(select(Promotion).order_by(Promotion.start_date))
                   if programme_end(p) > now.date()]
        running_ids = [p.id for p in running]

        def team(role: DefiRole):  # noqa: ANN202 - a Select of défi ids
            member = select(Membership.defi_id).join(User, User.id == Membership.user_id).where(
                Membership.role == role, User.active.is_(True))
            return (select(Defi.id, Defi.name, Promotion.id, Promotion.name)
                    .join(Promotion, Promotion.id == Defi.promotion_id)
                    .where(Defi.promotion_id.in_(running_ids), Defi.id.not_in(member)).order_by(Defi.name))

        for kind, role in (("defi_without_coach", DefiRole.COACH), ("defi_without_eig", DefiRole.EIG)):
            for defi_id, name, promotion_id, promotion in s.execute(team(role)):
                items.append(TodoItem(kind=kind, label=t(f"todo.admin.{kind}"), promotion_id=promotion_id,
                                      defi_id=defi_id, defi=name, detail=promotion))
        for name in s.scalars(select(Promotion.name).where(
                Promotion.id.not_in(select(PhaseTemplate.promotion_id))).order_by(Promotion.name)):
            items.append(TodoItem(kind="promotion_without_phases", label=t("todo.admin.promotion_without_phases"),
                                  detail=name, urgent=True))
    return _ordered(items, "Europe/Paris")

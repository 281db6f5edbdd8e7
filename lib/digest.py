"""The weekly recap and the Thursday and Friday reminders: French HTML + plain-text emails, and
Markdown messages for the promotion's channel and the team's room (lib.chat).

    python -m lib.digest recap [--week 2026-W47] [--promotion ID] [--send | --dry-run]
    python -m lib.digest remind [--send | --dry-run]

--send writes the messages to the outbox (lib.outbox), once per recipient and week (recap) or
day (reminder), then delivers them: run twice, or on two machines, it sends once. Without
--send (or with --dry-run) both print what would go that the outbox does not hold yet. The
recap of a week can only be built once that week's deadline has passed (before that, bulletins
are not public); without --week each promotion gets the recap of its latest closed week. SMTP
settings come from lib.config (SMTP_HOST, SMTP_PORT, SMTP_TLS, SMTP_USER, SMTP_PASSWORD,
SMTP_SENDER); the messages link to SUIVI_APP_URL, and each reminder mailed to an EIG carries their
personal link to the bulletin (lib/invitations.py). Cron lines: docs/operations.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lib import chat, db, formats, invitations, outbox
from lib.audit import record
from lib.bulletins import load_promotion
from lib.clock import (
    current_week,
    deadline_of,
    iso_week_of,
    now_utc,
    programme_clock,
    published_until,
    runs_on,
    week_monday,
)
from lib.config import get_settings
from lib.errors import Conflict, ServiceError
from lib.i18n import t
from lib.mail import Mail, compose, deliverable
from lib.models import AuditEvent, Bulletin, Defi, DefiRole, HelpRequest, KeyDate, Membership, Promotion, User
from lib.permissions import Actor, require_staff
from lib.phases import phase_windows
from lib.programme import mood_label
from lib.text import md

WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")
log = logging.getLogger(__name__)


def parse_week(text: str) -> tuple[int, int]:
    """« 2026-W47 » -> (2026, 47); ValueError with a French message otherwise."""
    match = WEEK_RE.match(text.strip())
    if not match:
        raise ValueError(t("digest.bad_week", week=text))
    year, week = int(match[1]), int(match[2])
    try:
        dt.date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValueError(t("digest.bad_week", week=text)) from None
    return year, week


def _running(s: Session, monday: dt.date) -> list[Promotion]:
    """Promotions whose programme covers the week starting `monday`."""
    promotions = s.scalars(select(Promotion).order_by(Promotion.start_date)).all()
    return [p for p in promotions if runs_on(p, monday)]


def _members(s: Session, promotion_id: int, by_email_only: bool) -> list[str]:
    """The addresses of the promotion's active members (in their normal form); with
    `by_email_only`, without those who turned the recap email off (the channel has it)."""
    query = (select(User.email).join(Membership, Membership.user_id == User.id)
             .join(Defi, Defi.id == Membership.defi_id)
             .where(Defi.promotion_id == promotion_id, User.active.is_(True)).distinct())
    if by_email_only:
        query = query.where(User.recap_email.is_(True))
    return sorted({a for a in map(deliverable, s.scalars(query)) if a})


@contextmanager
def _one_of_many(mail: str, entity: str, entity_id: int) -> Iterator[None]:
    """Build one of several mails: when the data it reads cannot make one (a name written
    before the schemas refused line breaks breaks the headers), the error is logged with the
    row it comes from and the other défis' and promotions' mails still go. A refusal (a week
    not published yet) is no bad data: it goes up to the operator."""
    try:
        yield
    except ServiceError:
        raise
    except Exception:
        log.exception("%s of %s %s not built, the others are sent", mail, entity, entity_id)


# --- Recap ---------------------------------------------------------------------------------


class Recap(BaseModel):
    """One week's recap of one promotion: the mail, who gets it by email, and the chat message
    when the promotion has a channel."""

    promotion_id: int
    iso_year: int
    iso_week: int
    mail: Mail
    recipients: list[str]
    chat_text: str | None


def build_recap(promotion_id: int, iso_year: int, iso_week: int, now: dt.datetime | None = None) -> Recap:
    """The recap of one week of one promotion: help requests first, then every bulletin,
    then the défis that did not file, then the key dates of the coming week. By email to every
    active member, but those who turned it off once the promotion has a channel."""
    now = now or now_utc()
    with db.reading() as s:
        promotion = s.get(Promotion, promotion_id)
        deadline = deadline_of(promotion, iso_year, iso_week)
        if now < deadline:
            # Before the deadline a week's bulletins are not public: no recap yet.
            raise Conflict(t("digest.not_published", week=formats.iso_week(iso_year, iso_week),
                             deadline=formats.moment(deadline, promotion.timezone)))
        monday = week_monday(iso_year, iso_week)
        rows = s.execute(
            select(Defi.name, Bulletin.mood, Bulletin.priority, Bulletin.ups_downs, Bulletin.help_request,
                   HelpRequest.status)
            .join(Defi, Defi.id == Bulletin.defi_id).outerjoin(HelpRequest, HelpRequest.bulletin_id == Bulletin.id)
            .where(Defi.promotion_id == promotion_id, Bulletin.iso_year == iso_year, Bulletin.iso_week == iso_week)
            .order_by(Defi.name)).all()
        filed = {r.name for r in rows}
        missing = [n for n in s.scalars(select(Defi.name).where(Defi.promotion_id == promotion_id)
                                        .order_by(Defi.name)) if n not in filed]
        next_monday = monday + dt.timedelta(days=7)
        key_dates = s.execute(
            select(KeyDate.on_date, Defi.name, KeyDate.description).join(Defi, Defi.id == KeyDate.defi_id)
            .outerjoin(Bulletin, Bulletin.id == KeyDate.bulletin_id)
            .where(Defi.promotion_id == promotion_id, KeyDate.on_date >= next_monday,
                   KeyDate.on_date < next_monday + dt.timedelta(days=7),
                   or_(KeyDate.bulletin_id.is_(None), Bulletin.week_start <= monday))
            .order_by(KeyDate.on_date, Defi.name)).all()
        clock = programme_clock(promotion, phase_windows(s, promotion), monday)
        in_chat = chat.has_channel(s, chat.promotion_room(promotion_id))
        recipients = _members(s, promotion_id, by_email_only=in_chat)
        name = promotion.name
    week = formats.iso_week(iso_year, iso_week)
    subject = t("digest.recap.subject", week=week, promotion=name)
    bulletins = [{"name": r.name, "mood": mood_label(r.mood), "priority": r.priority, "ups_downs": r.ups_downs}
                 for r in rows]
    helps = [{"name": r.name, "status": t(f"help.status.{r.status}") if r.status else "",
              "help_request": r.help_request} for r in rows if r.help_request]
    mail = compose("recap", subject, clock=clock.label, helps=helps, bulletins=bulletins, missing=missing,
                   key_dates=key_dates)
    return Recap(promotion_id=promotion_id, iso_year=iso_year, iso_week=iso_week, mail=mail, recipients=recipients,
                 chat_text=_recap_for_chat(week, name, clock.label, helps, len(rows), missing) if in_chat else None)


def _recap_for_chat(week: str, promotion: str, clock: str, helps: list[dict], filed: int, missing: list[str]) -> str:
    """The recap as a short Markdown message for the promotion's channel: the help requests
    first, how many défis filed and which did not, a link to the app. User text made inert."""
    lines = [f"**{t('digest.recap.subject', week=week, promotion=md(promotion, chat=True))}**", clock, "",
             f"**{t('digest.recap.help_title')}**", ""]
    lines += [f"- **{md(h['name'], chat=True)}** ({h['status']}) : {md(h['help_request'], chat=True)}"
              for h in helps] or [t("digest.recap.no_help")]
    lines += ["", t("digest.chat.filed", n=filed, total=filed + len(missing))]
    if missing:
        lines.append(t("digest.chat.missing", names=", ".join(md(n, chat=True) for n in missing)))
    lines += ["", f"[{t('digest.chat.open')}]({get_settings().app_url})"]
    return "\n".join(lines)


def _recap_drafts(recap: Recap) -> list[outbox.Draft]:
    room = chat.promotion_room(recap.promotion_id)
    period = f"{recap.iso_year}-W{recap.iso_week:02d}"
    drafts = [outbox.Draft(kind="recap", scope=room, period=period, channel="email", recipient=address,
                           subject=recap.mail.subject, body_text=recap.mail.text, body_html=recap.mail.html)
              for address in recap.recipients]
    if recap.chat_text is not None:
        drafts.append(outbox.Draft(kind="recap", scope=room, period=period, channel="chat", recipient=room,
                                   subject=recap.mail.subject, body_text=recap.chat_text))
    return drafts


def recaps(iso_year: int, iso_week: int, promotion_id: int | None = None,
           now: dt.datetime | None = None) -> list[Recap]:
    """The week's recap of each running promotion (or of one)."""
    with db.reading() as s:
        if promotion_id is not None:
            ids = [promotion_id]
        else:
            ids = [p.id for p in _running(s, week_monday(iso_year, iso_week))]
    return _recaps([(pid, iso_year, iso_week) for pid in ids], now)


def latest_recaps(promotion_id: int | None = None, now: dt.datetime | None = None) -> list[Recap]:
    """Each running promotion's (or one promotion's) recap of its latest closed week: the
    week in progress has no recap before its deadline (clock.in_progress_week)."""
    now = now or now_utc()
    with db.reading() as s:
        promotions = ([s.get(Promotion, promotion_id)] if promotion_id is not None
                      else s.scalars(select(Promotion).order_by(Promotion.start_date)).all())
        weeks = []
        for promotion in promotions:
            last = published_until(promotion, now)
            if promotion_id is not None or runs_on(promotion, last):
                weeks.append((promotion.id, *iso_week_of(last)))
    return _recaps(weeks, now)


def _recaps(weeks: list[tuple[int, int, int]], now: dt.datetime | None) -> list[Recap]:
    """The recap of each (promotion, ISO year, ISO week); one promotion's bad data leaves the
    others' recaps to go."""
    out = []
    for promotion_id, year, week in weeks:
        with _one_of_many("recap", "promotion", promotion_id):
            out.append(build_recap(promotion_id, year, week, now))
    return out


class RecapPreview(BaseModel):
    """What the recap of a week will say, as a coach previews it before sending."""

    promotion_id: int
    iso_year: int
    iso_week: int
    subject: str
    text: str
    html: str
    recipients: int


def preview_recap(actor: Actor, promotion_id: int, now: dt.datetime | None = None) -> RecapPreview:
    """The recap of the promotion's latest published week as it will be mailed (coaches)."""
    require_staff(actor)
    now = now or now_utc()
    with db.reading() as s:
        promotion = load_promotion(s, promotion_id)
        # The latest closed week, as the cron's recap without --week (latest_recaps).
        year, week = iso_week_of(published_until(promotion, now))
    recap = build_recap(promotion_id, year, week, now)
    return RecapPreview(promotion_id=promotion_id, iso_year=year, iso_week=week, subject=recap.mail.subject,
                        text=recap.mail.text, html=recap.mail.html, recipients=len(recap.recipients))


def send_recap(actor: Actor, promotion_id: int, iso_year: int, iso_week: int,
               now: dt.datetime | None = None) -> outbox.Delivery:
    """A coach sends the recap they previewed, from the app: written to the outbox and audited
    in one transaction, then delivered at once. A week already in the outbox (sent from the app
    or by the cron) is refused; a message that did not leave is retried by the outbox."""
    require_staff(actor)
    now = now or now_utc()
    recap = build_recap(promotion_id, iso_year, iso_week, now)
    week = formats.iso_week(iso_year, iso_week)
    code = f"{iso_year}-W{iso_week:02d}"
    with db.transaction() as s:
        # Locked, so that two sendings of the same week wait for each other (PostgreSQL; SQLite's
        # write transactions already do).
        s.get(Promotion, promotion_id, with_for_update=True)
        sent = outbox.written(s, "recap", chat.promotion_room(promotion_id), code)
        if sent is not None:
            raise Conflict(t("digest.already_sent", week=week, at=formats.moment(sent.created_at),
                             who=_sender(s, promotion_id, code)))
        ids = outbox.enqueue(s, _recap_drafts(recap), now)
        record(s, actor, "send_recap", "promotion", promotion_id, at=now,
               after={"week": week, "iso_week": code, "recipients": len(recap.recipients)})
    delivery = outbox.deliver(ids=ids, now=now)
    if delivery.errors and not delivery.sent:
        raise ServiceError(t("digest.send_failed", error=delivery.errors[0]))
    return delivery


def _sender(s: Session, promotion_id: int, code: str) -> str:
    """Who sent a week's recap from the app, or the scheduled command's name."""
    event = next((e for e in s.scalars(select(AuditEvent).where(
        AuditEvent.action == "send_recap", AuditEvent.entity == "promotion", AuditEvent.entity_id == promotion_id))
        if (e.after or {}).get("iso_week") == code), None)
    who = s.get(User, event.user_id) if event is not None and event.user_id else None
    return who.display_name if who else t("digest.sent_by_cron")


class RecapEmailChoice(BaseModel):
    """Whether a person may choose to do without the recap email (one of their promotions has
    a channel that carries it), and what they chose."""

    offered: bool
    by_email: bool


def recap_email_choice(actor: Actor) -> RecapEmailChoice:
    """The acting person's own choice about the recap email."""
    with db.reading() as s:
        user = db.load(s, User, actor.id)
        promotions = s.scalars(select(Defi.promotion_id).join(Membership, Membership.defi_id == Defi.id)
                               .where(Membership.user_id == actor.id).distinct()).all()
        offered = any(chat.has_channel(s, chat.promotion_room(p)) for p in promotions)
        return RecapEmailChoice(offered=offered, by_email=user.recap_email)


def set_recap_email(actor: Actor, by_email: bool, now: dt.datetime | None = None) -> None:
    """A person turns the recap email off (or on again) for themself; off only once one of their
    promotions has a channel, which carries the recap instead."""
    now = now or now_utc()
    if not by_email and not recap_email_choice(actor).offered:
        raise Conflict(t("digest.recap_email.no_channel"))
    with db.transaction() as s:
        user = db.load(s, User, actor.id)
        before, user.recap_email = user.recap_email, by_email
        record(s, actor, "set_recap_email", "user", user.id, before={"recap_email": before},
               after={"recap_email": by_email}, at=now)


# --- Reminder ------------------------------------------------------------------------------


class DueReminder(BaseModel):
    """A défi that has not filed its open week, on one day of reminders, and where its
    reminder goes: the team's room when it has one, else each of its EIGs by email."""

    defi_id: int
    defi_name: str
    iso_year: int
    iso_week: int
    deadline: str
    day: dt.date
    room: str | None
    eigs: list[tuple[int, str]]
    personal_links: bool  # its promotion's reminders carry each EIG's link (invitations.reminder_link)


def due_reminders(now: dt.datetime | None = None) -> list[DueReminder]:
    """The défis that have not filed the current week yet, while the week is still open."""
    now = now or now_utc()
    out = []
    with db.transaction(bump=False) as s:
        promotions = s.scalars(select(Promotion).order_by(Promotion.start_date)).all()
        for promotion in promotions:
            year, week = current_week(promotion, now)
            monday = week_monday(year, week)
            deadline = deadline_of(promotion, year, week)
            if not runs_on(promotion, monday) or now >= deadline:
                continue
            filed = select(Bulletin.defi_id).where(Bulletin.iso_year == year, Bulletin.iso_week == week)
            defis = s.execute(select(Defi.id, Defi.name).where(Defi.promotion_id == promotion.id,
                                                               Defi.id.not_in(filed)).order_by(Defi.name)).all()
            for defi_id, name in defis:
                room = chat.defi_room(defi_id)
                eigs = s.execute(
                    select(User.id, User.email).join(Membership, Membership.user_id == User.id)
                    .where(Membership.defi_id == defi_id, Membership.role == DefiRole.EIG, User.active.is_(True))
                    .order_by(User.email)).all()
                out.append(DueReminder(defi_id=defi_id, defi_name=name, iso_year=year, iso_week=week,
                                       deadline=formats.moment(deadline, promotion.timezone),
                                       day=now.astimezone(ZoneInfo(promotion.timezone)).date(),
                                       room=room if chat.has_channel(s, room) else None,
                                       eigs=[tuple(e) for e in eigs], personal_links=promotion.bulletin_links))
    return out


def compose_reminder(due: DueReminder, recipient: str, link: str | None = None) -> outbox.Draft:
    """The reminder of one défi's open week to one recipient: an EIG's address or the team's
    room. The one place its words and its link are chosen: an EIG's mail carries `link`, their
    personal link, once it is issued (`queue_reminders`); before, a placeholder stands for it."""
    week = formats.iso_week(due.iso_year, due.iso_week)
    subject = t("digest.remind.subject", week=week, defi=due.defi_name)
    key = {"kind": "reminder", "scope": chat.defi_room(due.defi_id), "period": due.day.isoformat(),
           "recipient": recipient, "subject": subject}
    page = invitations.bulletin_page_url()
    if recipient != due.room:
        link = link or (t("digest.remind.link_on_sending") if due.personal_links else page)
        mail = compose("reminder", subject, body=t("digest.remind.body", defi=due.defi_name, week=week,
                                                   deadline=due.deadline), link=link,
                       personal=due.personal_links, deadline=due.deadline)
        return outbox.Draft(**key, channel="email", body_text=mail.text, body_html=mail.html)
    name = md(due.defi_name, chat=True)
    text = "\n\n".join([f"**{t('digest.remind.subject', week=week, defi=name)}**",
                         t("digest.remind.body", defi=name, week=week, deadline=due.deadline),
                         f"[{t('digest.remind.link')}]({page})"])
    return outbox.Draft(**key, channel="chat", body_text=text)


def reminders(now: dt.datetime | None = None) -> list[outbox.Draft]:
    """Today's reminders, as they would go (a dry run): to the team's room when there is one,
    else to each EIG by email."""
    return [draft for due, draft, _ in _reminder_drafts(now)]


def _reminder_drafts(now: dt.datetime | None) -> list[tuple[DueReminder, outbox.Draft, int | None]]:
    """Each reminder with its défi and, for an EIG's mail, their account."""
    out = []
    for due in due_reminders(now):
        with _one_of_many("reminder", "défi", due.defi_id):
            if due.room is not None:
                out.append((due, compose_reminder(due, due.room), None))
            else:
                out += [(due, compose_reminder(due, address), user_id) for user_id, raw in due.eigs
                        if (address := deliverable(raw))]
    return out


def queue_reminders(now: dt.datetime) -> list[int]:
    """Write today's reminders to the outbox, in one transaction; returns the ids written now.
    An EIG's mail gets its personal link only once its message is written: a second run, or a
    second machine, writes nothing and issues (and voids) no link."""
    drafts = _reminder_drafts(now)
    ids = []
    with db.transaction() as s:
        for due, draft, user_id in drafts:
            ids += _queue_reminder(s, due, draft, user_id, now)
    return ids


def _queue_reminder(s: Session, due: DueReminder, draft: outbox.Draft, user_id: int | None,
                    now: dt.datetime) -> list[int]:
    written = outbox.enqueue(s, [draft], now)
    if written and user_id is not None and due.personal_links:
        promotion = s.get(Promotion, s.get(Defi, due.defi_id).promotion_id)
        link = invitations.reminder_link(s, s.get(User, user_id), promotion, due.defi_id,
                                         deadline_of(promotion, due.iso_year, due.iso_week), now)
        outbox.rewrite(s, written[0], compose_reminder(due, draft.recipient, link))
    return written


# --- Command line ------------------------------------------------------------------------------


def _print(drafts: list[outbox.Draft]) -> None:
    """Each distinct message once, with how many recipients it would go to."""
    grouped: dict[tuple[str, str, str], int] = {}
    for d in drafts:
        grouped[(d.channel, d.subject, d.body_text)] = grouped.get((d.channel, d.subject, d.body_text), 0) + 1
    for (channel, subject, text), n in grouped.items():
        print(f"=== {subject} · {t(f'outbox.channel.{channel}')} ({t('digest.recipients', n=n)})")
        print(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lib.digest", description=t("digest.cli.description"))
    commands = parser.add_subparsers(dest="command", required=True)
    recap_cmd = commands.add_parser("recap", help=t("digest.cli.recap"))
    recap_cmd.add_argument("--week", help="2026-W47 (défaut : la dernière semaine close de chaque promotion)")
    recap_cmd.add_argument("--promotion", type=int, help="identifiant de la promotion (défaut : toutes)")
    remind_cmd = commands.add_parser("remind", help=t("digest.cli.remind"))
    for command in (recap_cmd, remind_cmd):
        mode = command.add_mutually_exclusive_group()
        mode.add_argument("--send", action="store_true", help=t("digest.cli.send"))
        mode.add_argument("--dry-run", action="store_true", help=t("digest.cli.dry_run"))
    args = parser.parse_args(argv)
    now = now_utc()
    try:
        if args.command == "recap":
            built = (recaps(*parse_week(args.week), args.promotion, now) if args.week
                     else latest_recaps(args.promotion, now))
            drafts = [d for recap in built for d in _recap_drafts(recap)]
        else:
            drafts = reminders(now)
    except (ValueError, Conflict) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if not args.send:
        _print(outbox.unwritten(drafts))
        return 0
    if args.command == "recap":
        with db.transaction() as s:
            ids = outbox.enqueue(s, drafts, now)
    else:
        ids = queue_reminders(now)
    print(t("digest.queued", n=len(ids), known=len(drafts) - len(ids)))
    print(outbox.outcome(outbox.deliver(ids=ids, now=now)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

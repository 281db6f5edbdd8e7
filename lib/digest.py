"""The weekly recap and the Friday reminder, as French HTML + plain-text emails.

    python -m lib.digest recap [--week 2026-W47] [--promotion ID] [--send]
    python -m lib.digest remind [--send]

Without --send both print what they would send. The recap of a week can only be built
once that week's deadline has passed (before that, bulletins are not public); without
--week each promotion gets the recap of its latest closed week. SMTP
settings come from lib.config (SMTP_HOST, SMTP_PORT, SMTP_TLS, SMTP_USER, SMTP_PASSWORD,
SMTP_SENDER); each reminder carries its EIG's personal link to the bulletin, on SUIVI_APP_URL
(lib/invitations.py). Cron lines: docs/operations.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import re
import smtplib
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from pydantic import BaseModel
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lib import db, formats, invitations
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
from lib.errors import Conflict, ServiceError
from lib.i18n import t
from lib.mail import Email, compose, send
from lib.models import AuditEvent, Bulletin, Defi, DefiRole, HelpRequest, KeyDate, Membership, Promotion, User
from lib.permissions import Actor, require_staff
from lib.phases import phase_windows
from lib.programme import mood_label

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


def _members(s: Session, promotion_id: int, defi_ids: list[int] | None = None,
             roles: list[DefiRole] | None = None) -> list[str]:
    query = (select(User.email).join(Membership, Membership.user_id == User.id)
             .join(Defi, Defi.id == Membership.defi_id)
             .where(Defi.promotion_id == promotion_id, User.active.is_(True)).distinct())
    if defi_ids is not None:
        query = query.where(Defi.id.in_(defi_ids))
    if roles is not None:
        query = query.where(Membership.role.in_(roles))
    return sorted(set(s.scalars(query)))


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


def build_recap(promotion_id: int, iso_year: int, iso_week: int, now: dt.datetime | None = None) -> Email:
    """The recap of one week of one promotion: help requests first, then every bulletin,
    then the défis that did not file, then the key dates of the coming week."""
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
        recipients = _members(s, promotion_id)
        name = promotion.name
    subject = t("digest.recap.subject", week=formats.iso_week(iso_year, iso_week), promotion=name)
    bulletins = [{"name": r.name, "mood": mood_label(r.mood), "priority": r.priority, "ups_downs": r.ups_downs}
                 for r in rows]
    helps = [{"name": r.name, "status": t(f"help.status.{r.status}") if r.status else "",
              "help_request": r.help_request} for r in rows if r.help_request]
    return compose("recap", subject, recipients, clock=clock.label, helps=helps, bulletins=bulletins,
                   missing=missing, key_dates=key_dates)


def recaps(iso_year: int, iso_week: int, promotion_id: int | None = None,
           now: dt.datetime | None = None) -> list[Email]:
    """The week's recap of each running promotion (or of one)."""
    with db.reading() as s:
        if promotion_id is not None:
            ids = [promotion_id]
        else:
            ids = [p.id for p in _running(s, week_monday(iso_year, iso_week))]
    return _recaps([(pid, iso_year, iso_week) for pid in ids], now)


def latest_recaps(promotion_id: int | None = None, now: dt.datetime | None = None) -> list[Email]:
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


def _recaps(weeks: list[tuple[int, int, int]], now: dt.datetime | None) -> list[Email]:
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
    email = build_recap(promotion_id, year, week, now)
    return RecapPreview(promotion_id=promotion_id, iso_year=year, iso_week=week, subject=email.subject,
                        text=email.message.get_body(preferencelist=("plain",)).get_content(),
                        html=email.message.get_body(preferencelist=("html",)).get_content(),
                        recipients=len(email.recipients))


def send_recap(actor: Actor, promotion_id: int, iso_year: int, iso_week: int, now: dt.datetime | None = None) -> int:
    """A coach sends the recap they previewed, from the app (the cron command sends the same
    message): audited in the same transaction, which a failed sending rolls back. A week the
    app has sent already is refused (two coaches, two tabs); the cron's sendings are not
    audited, hence not seen here."""
    require_staff(actor)
    now = now or now_utc()
    email = build_recap(promotion_id, iso_year, iso_week, now)
    week = formats.iso_week(iso_year, iso_week)
    code = f"{iso_year}-W{iso_week:02d}"
    with db.transaction() as s:
        # Locked, so that two sendings of the same week wait for each other (PostgreSQL; SQLite's
        # write transactions already do).
        s.get(Promotion, promotion_id, with_for_update=True)
        sent = next((e for e in s.scalars(select(AuditEvent).where(
            AuditEvent.action == "send_recap", AuditEvent.entity == "promotion", AuditEvent.entity_id == promotion_id))
            if (e.after or {}).get("iso_week") == code), None)
        if sent is not None:
            who = s.get(User, sent.user_id) if sent.user_id else None
            raise Conflict(t("digest.already_sent", week=week, at=formats.moment(sent.at),
                             who=who.display_name if who else "—"))
        try:
            send([email])
        except (OSError, smtplib.SMTPException) as exc:
            raise ServiceError(t("digest.send_failed", error=type(exc).__name__)) from exc
        record(s, actor, "send_recap", "promotion", promotion_id, at=now,
               after={"week": week, "iso_week": code, "recipients": len(email.recipients)})
    return len(email.recipients)


# --- Reminder ------------------------------------------------------------------------------


def reminders(now: dt.datetime | None = None, issue_links: bool = True) -> list[Email]:
    """One email to each EIG (who file it) of each défi that has not filed the current week
    yet, while the week is still open, with their personal link to the bulletin
    (`invitations.reminder_link`; a dry run, without `issue_links`, issues none)."""
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
                when = formats.moment(deadline, promotion.timezone)
                label = formats.iso_week(year, week)
                with _one_of_many("reminder", "défi", defi_id):
                    subject = t("digest.remind.subject", week=label, defi=name)
                    body = t("digest.remind.body", defi=name, week=label, deadline=when)
                    for eig in _eigs(s, defi_id):
                        link = invitations.reminder_link(s, eig, promotion, defi_id, deadline, now, issue_links)
                        out.append(compose("reminder", subject, [eig.email], to=eig.email, body=body, link=link,
                                           personal=promotion.bulletin_links, deadline=when))
    return out


def _eigs(s: Session, defi_id: int) -> list[User]:
    """The défi's active EIGs, who file its bulletin."""
    return list(s.scalars(select(User).join(Membership, Membership.user_id == User.id)
                          .where(Membership.defi_id == defi_id, Membership.role == DefiRole.EIG,
                                 User.active.is_(True)).order_by(User.email)))


# --- Sending and command line ----------------------------------------------------------------


def _print(emails: list[Email]) -> None:
    for email in emails:
        print(f"=== {email.subject} ({t('digest.recipients', n=len(email.recipients))})")
        print(email.message.get_body(preferencelist=("plain",)).get_content())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lib.digest", description=t("digest.cli.description"))
    commands = parser.add_subparsers(dest="command", required=True)
    recap_cmd = commands.add_parser("recap", help=t("digest.cli.recap"))
    recap_cmd.add_argument("--week", help="2026-W47 (défaut : la dernière semaine close de chaque promotion)")
    recap_cmd.add_argument("--promotion", type=int, help="identifiant de la promotion (défaut : toutes)")
    recap_cmd.add_argument("--send", action="store_true", help=t("digest.cli.send"))
    remind_cmd = commands.add_parser("remind", help=t("digest.cli.remind"))
    remind_cmd.add_argument("--send", action="store_true", help=t("digest.cli.send"))
    args = parser.parse_args(argv)
    try:
        if args.command == "recap":
            emails = (recaps(*parse_week(args.week), args.promotion) if args.week
                      else latest_recaps(args.promotion))
        else:
            emails = reminders(issue_links=args.send)
    except (ValueError, Conflict) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if args.send:
        print(t("digest.sent", n=send(emails)))
    else:
        _print(emails)
    return 0


if __name__ == "__main__":
    sys.exit(main())

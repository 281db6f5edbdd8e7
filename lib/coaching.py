"""Coaching sessions: the contacts a coach has with a team outside the weekly bulletin and
the committees (a call, a meeting, a workshop, the help desk). The portfolio counts them
as coach contacts (lib/risk.py)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import select

from lib import audit, db
from lib.bulletins import promotion_of_defi
from lib.clock import local_today, now_utc
from lib.i18n import t
from lib.models import CoachingSession, Defi, User
from lib.permissions import Actor, require_staff
from lib.schemas import CoachingSessionIn

SESSION_FIELDS = ["defi_id", "coach_id", "held_on", "form", "note"]
SESSION_COLUMNS = ["id", "defi_id", "defi", "held_on", "form", "form_label", "coach", "note"]


def log_session(actor: Actor, data: CoachingSessionIn, now: dt.datetime | None = None) -> int:
    """Record a coaching session held by the acting coach; refuse a date in the future."""
    require_staff(actor)
    now = now or now_utc()
    with db.transaction() as s:
        if data.held_on > local_today(promotion_of_defi(s, data.defi_id), now):
            raise ValueError(t("validation.future_date"))
        with audit.change(s, actor, "create", "coaching_session", None, SESSION_FIELDS, at=now) as change:
            session = change.add(CoachingSession(defi_id=data.defi_id, coach_id=actor.id, held_on=data.held_on,
                                                 form=data.form, note=data.note, created_by_id=actor.id,
                                                 created_at=now, updated_at=now))
        return session.id


def promotion_sessions(actor: Actor, promotion_id: int, limit: int = 50) -> pd.DataFrame:
    """The promotion's latest coaching sessions, newest first (coaches only)."""
    require_staff(actor)
    with db.reading() as s:
        rows = s.execute(
            select(CoachingSession.id, Defi.id, Defi.name, CoachingSession.held_on, CoachingSession.form,
                   User.display_name, CoachingSession.note)
            .join(Defi, Defi.id == CoachingSession.defi_id).outerjoin(User, User.id == CoachingSession.coach_id)
            .where(Defi.promotion_id == promotion_id)
            .order_by(CoachingSession.held_on.desc(), CoachingSession.id.desc()).limit(limit)).all()
    return pd.DataFrame([(i, d, name, held, form.value, t(f"coaching.form.{form.value}"), coach or "—", note)
                         for i, d, name, held, form, coach, note in rows], columns=SESSION_COLUMNS)

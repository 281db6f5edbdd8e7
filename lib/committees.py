"""Evaluation committees: scheduling, notes, decided actions, the rapport d'évaluation
(draft, then published to the défi's members and sponsors) and the version history
read back from the audit trail."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from lib import audit, db, formats
from lib.audit import snapshot
from lib.clock import now_utc, today_local
from lib.errors import Conflict, NotFound
from lib.i18n import t
from lib.models import (
    ActionStatus,
    AuditEvent,
    Committee,
    CommitteeAction,
    CommitteeParticipant,
    Defi,
    DefiPhase,
    DefiRole,
    GlobalRole,
    Membership,
    PhaseTemplate,
    ReportStatus,
    User,
)
from lib.permissions import Action, Actor, Capacity, allowed, defis_where, owns_or_may, require
from lib.schemas import CommitteeActionIn, CommitteeNotesIn, CommitteeScheduleIn, ReportIn

AXES = ["entrepreneuriat", "innovation", "transformation"]
NOTES_FIELDS = ["successes", "difficulties", "objectives_rating", "orientation",
                *[f"{axis}_{part}" for axis in AXES for part in ("rating", "comment")]]
SCHEDULE_FIELDS = ["scheduled_at", "guests"]
REPORT_FIELDS = ["report_text"]
ACTION_FIELDS = ["description", "owner_id", "due_on", "status"]


# --- Read models ------------------------------------------------------------------------------


class Person(BaseModel):
    id: int
    name: str
    role: str  # défi role, or the global role for coaches outside the team


class ActionInfo(BaseModel):
    id: int
    committee_id: int
    defi_id: int
    defi: str
    phase_number: int
    description: str
    owner_id: int | None
    owner: str
    due_on: dt.date
    status: ActionStatus
    overdue: bool
    version: int


class CommitteeView(BaseModel):
    """A committee as the acting user may see it: the report text only when allowed."""

    id: int
    defi_id: int
    defi_phase_id: int
    phase_number: int
    phase_name: str
    scheduled_at: dt.datetime
    participants: list[Person]
    guests: str
    successes: str
    difficulties: str
    objectives_rating: int | None
    orientation: str
    entrepreneuriat_rating: int | None
    entrepreneuriat_comment: str
    innovation_rating: int | None
    innovation_comment: str
    transformation_rating: int | None
    transformation_comment: str
    report_status: ReportStatus
    report_visible: bool
    report_text: str | None  # None unless report_visible
    report_published_at: dt.datetime | None
    actions: list[ActionInfo]
    updatable: list[int]  # the actions whose status the actor may set (`may_set_status`)
    version: int
    phase_validated_at: dt.datetime | None
    phase_version: int


class ReportInfo(BaseModel):
    """A published report with the committee's ratings (1-4) it was written from."""

    committee_id: int
    defi_id: int
    phase_number: int
    phase_name: str
    scheduled_at: dt.datetime
    published_at: dt.datetime | None
    text: str
    objectives_rating: int | None
    entrepreneuriat_rating: int | None
    innovation_rating: int | None
    transformation_rating: int | None


class Change(BaseModel):
    field: str
    before: object = None
    after: object = None


class HistoryEntry(BaseModel):
    at: dt.datetime
    who: str
    action: str
    changes: list[Change]


def is_overdue(status: ActionStatus, due_on: dt.date, today: dt.date) -> bool:
    """An action is overdue when still open the day after its due date."""
    return status == ActionStatus.OPEN and due_on < today


# --- Loading helpers ----------------------------------------------------------------------------


def _committee_defi(committee: Committee) -> int:
    return committee.defi_phase.defi_id


def _load_committee(s: Session, committee_id: int) -> tuple[Committee, int]:
    committee = db.load(s, Committee, committee_id)
    return committee, _committee_defi(committee)


def _action_defi(action: CommitteeAction) -> int:
    return action.committee.defi_phase.defi_id


def _with_participants(committee: Committee) -> dict:
    return {**snapshot(committee, SCHEDULE_FIELDS), "participants": sorted({p.user_id for p in committee.participants})}


def _members(s: Session, defi_id: int) -> dict[int, tuple[str, DefiRole]]:
    return {uid: (name, role) for uid, name, role in s.execute(
        select(User.id, User.display_name, Membership.role).join(Membership, Membership.user_id == User.id)
        .where(Membership.defi_id == defi_id, User.active.is_(True)).order_by(Membership.role, User.display_name))}


def _owner_candidates(s: Session, defi_id: int) -> dict[int, tuple[str, str]]:
    """Who may own an action: the défi's EIGs, porteurs and coach référent, and any coach
    (sponsors arbitrate, they do not carry actions: the matrix gives them no update right)."""
    out = {uid: (name, role.value) for uid, (name, role) in _members(s, defi_id).items()
           if role != DefiRole.SPONSOR}
    for uid, name, role in s.execute(select(User.id, User.display_name, User.role).where(
            User.role.in_([GlobalRole.COACH, GlobalRole.ADMIN]), User.active.is_(True))
            .order_by(User.display_name)):
        out.setdefault(uid, (name, role.value))
    return out


def action_rows(s: Session, *conditions: object, today: dt.date) -> list[ActionInfo]:
    rows = s.execute(
        select(CommitteeAction, Committee.id, Defi.id, Defi.name, PhaseTemplate.number, User.display_name)
        .join(Committee, Committee.id == CommitteeAction.committee_id)
        .join(DefiPhase, DefiPhase.id == Committee.defi_phase_id)
        .join(PhaseTemplate, PhaseTemplate.id == DefiPhase.phase_template_id)
        .join(Defi, Defi.id == DefiPhase.defi_id)
        .outerjoin(User, User.id == CommitteeAction.owner_id)
        .where(*conditions).order_by(CommitteeAction.due_on, CommitteeAction.id)).all()
    return [ActionInfo(id=a.id, committee_id=cid, defi_id=did, defi=dname, phase_number=number,
                       description=a.description, owner_id=a.owner_id, owner=owner or "—", due_on=a.due_on,
                       status=a.status, overdue=is_overdue(a.status, a.due_on, today), version=a.version)
            for a, cid, did, dname, number, owner in rows]


# --- People -------------------------------------------------------------------------------------


def defi_people(actor: Actor, defi_id: int) -> list[Person]:
    """The défi's active members (participants are picked among them)."""
    with db.reading() as s:
        require(s, actor, Action.READ_COMMITTEE, defi_id)
        return [Person(id=uid, name=name, role=role.value) for uid, (name, role) in _members(s, defi_id).items()]


def action_owners(actor: Actor, defi_id: int) -> list[Person]:
    with db.reading() as s:
        require(s, actor, Action.READ_COMMITTEE, defi_id)
        return [Person(id=uid, name=name, role=role) for uid, (name, role) in _owner_candidates(s, defi_id).items()]


# --- Scheduling -----------------------------------------------------------------------------------


def _set_participants(s: Session, committee: Committee, defi_id: int, participant_ids: list[int]) -> None:
    members = _members(s, defi_id)
    unknown = set(participant_ids) - set(members)
    if unknown:
        raise Conflict(t("committees.participants.not_members"))
    committee.participants = [CommitteeParticipant(user_id=uid) for uid in dict.fromkeys(participant_ids)]


def schedule_committee(actor: Actor, defi_phase_id: int, data: CommitteeScheduleIn,
                       now: dt.datetime | None = None) -> int:
    """A coach schedules the committee closing one phase of one défi (one per phase)."""
    now = now or now_utc()
    with db.transaction() as s:
        phase = db.load(s, DefiPhase, defi_phase_id, actor=actor, action=Action.WRITE_COMMITTEE)
        if s.scalar(select(Committee.id).where(Committee.defi_phase_id == phase.id)):
            raise Conflict(t("committees.schedule.exists"))
        with audit.change(s, actor, "schedule", "committee", None, _with_participants, at=now, diff=True) as change:
            committee = change.add(Committee(defi_phase_id=phase.id, scheduled_at=data.scheduled_at,
                                             guests=data.guests, created_by_id=actor.id))
            _set_participants(s, committee, phase.defi_id, data.participant_ids)
        return committee.id


def update_schedule(actor: Actor, committee_id: int, data: CommitteeScheduleIn, expected_version: int,
                    now: dt.datetime | None = None) -> None:
    now = now or now_utc()
    with db.transaction() as s:
        committee = db.load(s, Committee, committee_id, expected_version, actor=actor,
                            action=Action.WRITE_COMMITTEE, defi=_committee_defi)
        with audit.change(s, actor, "schedule", "committee", committee, _with_participants, at=now, diff=True):
            if set(data.participant_ids) != {p.user_id for p in committee.participants}:
                db.touch(committee, now)  # participants live in another table: bump the version anyway
            committee.scheduled_at, committee.guests = data.scheduled_at, data.guests
            _set_participants(s, committee, _committee_defi(committee), data.participant_ids)


# --- Reading a committee ---------------------------------------------------------------------------


def committee_for_phase(actor: Actor, defi_phase_id: int, today: dt.date | None = None) -> CommitteeView | None:
    """The phase's committee as the actor may see it, or None if not scheduled yet."""
    today = today or today_local()
    with db.reading() as s:
        phase = s.get(DefiPhase, defi_phase_id)
        if phase is None:
            raise NotFound(t("error.not_found"))
        cap = require(s, actor, Action.READ_COMMITTEE, phase.defi_id)
        committee = s.scalar(select(Committee).where(Committee.defi_phase_id == phase.id))
        if committee is None:
            return None
        return _view(s, actor, committee, phase, cap, today)


def may_set_status(actor: Actor, cap: Capacity, owner_id: int | None) -> bool:
    """`set_action_status`'s rule: coaches update any action, its owner (EIG, porteur) their own."""
    return (allowed(cap, Action.WRITE_COMMITTEE) or allowed(cap, Action.UPDATE_OWN_ACTION)) and owns_or_may(
        actor, cap, owner_id, Action.WRITE_COMMITTEE)


def _view(s: Session, actor: Actor, committee: Committee, phase: DefiPhase, cap: Capacity,
          today: dt.date) -> CommitteeView:
    published = committee.report_status == ReportStatus.PUBLISHED
    visible = allowed(cap, Action.READ_REPORT_DRAFT) or published
    actions = action_rows(s, CommitteeAction.committee_id == committee.id, today=today)
    names = {uid: (name, role.value) for uid, (name, role) in _members(s, phase.defi_id).items()}
    participant_ids = [p.user_id for p in committee.participants]
    missing = set(participant_ids) - set(names)
    if missing:  # people who left the team since: still shown
        names.update({uid: (name, "") for uid, name in s.execute(
            select(User.id, User.display_name).where(User.id.in_(missing)))})
    template = s.get(PhaseTemplate, phase.phase_template_id)
    return CommitteeView(
        id=committee.id, defi_id=phase.defi_id, defi_phase_id=phase.id, phase_number=template.number,
        phase_name=template.name, scheduled_at=committee.scheduled_at,
        participants=[Person(id=uid, name=names[uid][0], role=names[uid][1]) for uid in participant_ids],
        guests=committee.guests, **{f: getattr(committee, f) for f in NOTES_FIELDS},
        report_status=committee.report_status, report_visible=visible,
        report_text=committee.report_text if visible else None,
        report_published_at=committee.report_published_at,
        actions=actions, updatable=[a.id for a in actions if may_set_status(actor, cap, a.owner_id)],
        version=committee.version, phase_validated_at=phase.validated_at, phase_version=phase.version)


# --- Notes and actions -----------------------------------------------------------------------------


def save_notes(actor: Actor, committee_id: int, data: CommitteeNotesIn, expected_version: int,
               now: dt.datetime | None = None) -> bool:
    """Coaches write the committee's notes; every change is kept (who, when, which fields).
    Returns False when nothing changed (no new version)."""
    now = now or now_utc()
    with db.transaction() as s:
        committee = db.load(s, Committee, committee_id, expected_version, actor=actor,
                            action=Action.WRITE_COMMITTEE, defi=_committee_defi)
        if snapshot(committee, NOTES_FIELDS) == data.model_dump():
            return False
        with audit.change(s, actor, "notes", "committee", committee, NOTES_FIELDS, at=now, diff=True) as change:
            for field, value in data.model_dump().items():
                setattr(committee, field, value)
        return change.recorded


def add_action(actor: Actor, committee_id: int, data: CommitteeActionIn) -> int:
    """A decided action: its owner is one of the défi's EIGs or porteurs, or a coach."""
    with db.transaction() as s:
        committee = db.load(s, Committee, committee_id, actor=actor, action=Action.WRITE_COMMITTEE,
                            defi=_committee_defi)
        if data.owner_id not in _owner_candidates(s, _committee_defi(committee)):
            raise Conflict(t("committees.actions.bad_owner"))
        with audit.change(s, actor, "create", "committee_action", None, ["committee_id", *ACTION_FIELDS]) as change:
            action = change.add(CommitteeAction(committee_id=committee.id, description=data.description,
                                                owner_id=data.owner_id, due_on=data.due_on, created_by_id=actor.id))
        return action.id


def set_action_status(actor: Actor, action_id: int, status: ActionStatus, expected_version: int,
                      now: dt.datetime | None = None) -> None:
    """The owner (EIG or porteur) updates their own action; coaches update any."""
    now = now or now_utc()
    with db.transaction() as s:
        action = db.load(s, CommitteeAction, action_id, expected_version, actor=actor, action=Action.READ_COMMITTEE,
                         defi=_action_defi, allow=lambda cap, a: may_set_status(actor, cap, a.owner_id))
        if action.status == status:
            return
        with audit.change(s, actor, "status", "committee_action", action, ["status"], at=now):
            action.status = ActionStatus(status)


# --- The rapport d'évaluation -------------------------------------------------------------------------


def save_report(actor: Actor, committee_id: int, data: ReportIn, expected_version: int,
                now: dt.datetime | None = None) -> bool:
    """A coach drafts (or, once published, amends) the report; each version is kept."""
    now = now or now_utc()
    with db.transaction() as s:
        committee = db.load(s, Committee, committee_id, expected_version, actor=actor, action=Action.WRITE_REPORT,
                            defi=_committee_defi)
        with audit.change(s, actor, "report", "committee", committee, REPORT_FIELDS, at=now, diff=True) as change:
            committee.report_text = data.text
        return change.recorded


def draft_report(actor: Actor, committee_id: int, today: dt.date | None = None) -> str:
    """The report's first draft, composed from the notes the coaches just wrote (successes,
    difficulties, objectives, orientation, the three axes, the decided actions): the
    starting point of the report text, which they then edit. Empty notes give no heading."""
    today = today or today_local()
    with db.reading() as s:
        committee, defi_id = _load_committee(s, committee_id)
        require(s, actor, Action.WRITE_REPORT, defi_id)
        template = s.get(PhaseTemplate, s.get(DefiPhase, committee.defi_phase_id).phase_template_id)
        notes = {field: getattr(committee, field) for field in NOTES_FIELDS}
        heading = t("committees.draft.heading", number=template.number, phase=template.name,
                    date=formats.moment(committee.scheduled_at))
        actions = action_rows(s, CommitteeAction.committee_id == committee.id, today=today)
    rating = lambda value: t(f"committees.rating.{value}") if value else ""  # noqa: E731
    blocks = [heading]
    for field in ("successes", "difficulties", "orientation"):
        if notes[field].strip():
            blocks.append(f"{t(f'committees.notes.{field}')}\n{notes[field].strip()}")
    if notes["objectives_rating"]:
        blocks.append(f"{t('committees.notes.objectives_rating')} : {rating(notes['objectives_rating'])}")
    axes = []
    for axis in AXES:
        parts = [rating(notes[f"{axis}_rating"]), notes[f"{axis}_comment"].strip()]
        if any(parts):
            axes.append(" · ".join([f"- {t(f'committees.axis.{axis}')}", *filter(None, parts)]))
    if axes:
        blocks.append("\n".join([t("committees.notes.axes"), *axes]))
    if actions:
        blocks.append("\n".join([t("committees.draft.actions"), *(
            t("committees.draft.action", description=a.description, owner=a.owner or "—",
              due=formats.date(a.due_on), status=t(f"action_status.{a.status.value}")) for a in actions)]))
    return "\n\n".join(blocks)


def publish_report(actor: Actor, committee_id: int, expected_version: int, now: dt.datetime | None = None) -> None:
    """Publication opens the report to the défi's members and sponsors: only after the
    committee has met, and only a report with some text."""
    now = now or now_utc()
    with db.transaction() as s:
        committee = db.load(s, Committee, committee_id, expected_version, actor=actor, action=Action.WRITE_REPORT,
                            defi=_committee_defi)
        if committee.report_status == ReportStatus.PUBLISHED:
            raise Conflict(t("committees.report.already_published"))
        if not committee.report_text.strip():
            raise Conflict(t("committees.report.empty"))
        if now < committee.scheduled_at:
            raise Conflict(t("committees.report.too_early"))
        with audit.change(s, actor, "publish", "committee", committee, ["report_status"], at=now):
            committee.report_status, committee.report_published_at = ReportStatus.PUBLISHED, now


def latest_published_report(actor: Actor, defi_id: int) -> ReportInfo | None:
    """The défi's most recent published report (home page)."""
    with db.reading() as s:
        require(s, actor, Action.READ_REPORT_PUBLISHED, defi_id)
        row = s.execute(
            select(Committee, PhaseTemplate.number, PhaseTemplate.name)
            .join(DefiPhase, DefiPhase.id == Committee.defi_phase_id)
            .join(PhaseTemplate, PhaseTemplate.id == DefiPhase.phase_template_id)
            .where(DefiPhase.defi_id == defi_id, Committee.report_status == ReportStatus.PUBLISHED)
            .order_by(Committee.report_published_at.desc(), Committee.id.desc()).limit(1)).first()
        if row is None:
            return None
        c, number, name = row
        return ReportInfo(committee_id=c.id, defi_id=defi_id, phase_number=number, phase_name=name,
                          scheduled_at=c.scheduled_at, published_at=c.report_published_at, text=c.report_text,
                          objectives_rating=c.objectives_rating, entrepreneuriat_rating=c.entrepreneuriat_rating,
                          innovation_rating=c.innovation_rating, transformation_rating=c.transformation_rating)


# --- Version history ------------------------------------------------------------------------------------


def version_history(actor: Actor, committee_id: int) -> list[HistoryEntry]:
    """Every change to the committee's schedule, notes and report, newest first. Report
    drafts made before publication are shown to coaches only (the text was theirs alone)."""
    with db.reading() as s:
        committee, defi_id = _load_committee(s, committee_id)
        cap = require(s, actor, Action.READ_COMMITTEE, defi_id)
        rows = s.execute(select(AuditEvent, User.display_name).outerjoin(User, User.id == AuditEvent.user_id)
                         .where(AuditEvent.entity == "committee", AuditEvent.entity_id == committee.id)
                         .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())).all()
        published_at = committee.report_published_at
    out = []
    for event, who in rows:
        if event.action == "report" and not allowed(cap, Action.READ_REPORT_DRAFT) and (
                published_at is None or event.at < published_at):
            continue
        before, after = event.before or {}, event.after or {}
        changes = [Change(field=k, before=before.get(k), after=after.get(k)) for k in dict.fromkeys([*after, *before])]
        out.append(HistoryEntry(at=event.at, who=who or "—", action=event.action, changes=changes))
    return out


# --- Actions across committees ----------------------------------------------------------------------------


def defi_actions(actor: Actor, defi_id: int, today: dt.date | None = None, open_only: bool = False) -> list[ActionInfo]:
    """Every action decided for the défi, overdue ones flagged."""
    today = today or today_local()
    with db.reading() as s:
        require(s, actor, Action.READ_COMMITTEE, defi_id)
        conditions = [DefiPhase.defi_id == defi_id]
        if open_only:
            conditions.append(CommitteeAction.status == ActionStatus.OPEN)
        return action_rows(s, *conditions, today=today)


def my_open_actions(actor: Actor, today: dt.date | None = None) -> list[ActionInfo]:
    """The acting user's open actions on the défis they still belong to (home page)."""
    today = today or today_local()
    with db.reading() as s:
        return action_rows(s, CommitteeAction.owner_id == actor.id, CommitteeAction.status == ActionStatus.OPEN,
                           defis_where(actor, Action.READ_COMMITTEE), today=today)


def overdue_actions(actor: Actor, promotion_id: int, today: dt.date | None = None) -> list[ActionInfo]:
    """Overdue actions of the promotion's défis the actor follows (all for coaches)."""
    today = today or today_local()
    with db.reading() as s:
        return action_rows(s, Defi.promotion_id == promotion_id, CommitteeAction.status == ActionStatus.OPEN,
                           CommitteeAction.due_on < today, defis_where(actor, Action.READ_COMMITTEE), today=today)


def actions_table(actions: list[ActionInfo]) -> pd.DataFrame:
    return pd.DataFrame([{"id": a.id, "defi": a.defi, "phase": a.phase_number, "action": a.description,
                          "owner": a.owner, "due_on": a.due_on, "status": t(f"action_status.{a.status.value}"),
                          "overdue": "⚠️ " + t("committees.actions.overdue") if a.overdue else ""}
                         for a in actions],
                        columns=["id", "defi", "phase", "action", "owner", "due_on", "status", "overdue"])


# --- History per défi ----------------------------------------------------------------------------------------


def committee_history(actor: Actor, defi_id: int) -> pd.DataFrame:
    """One row per committee of the défi with its ratings (the axis chart's data)."""
    columns = ["committee_id", "number", "phase", "scheduled_at", "objectives_rating", *[f"{a}_rating" for a in AXES],
               "report_status"]
    with db.reading() as s:
        require(s, actor, Action.READ_COMMITTEE, defi_id)
        rows = s.execute(
            select(Committee.id, PhaseTemplate.number, PhaseTemplate.name, Committee.scheduled_at,
                   Committee.objectives_rating, Committee.entrepreneuriat_rating, Committee.innovation_rating,
                   Committee.transformation_rating, Committee.report_status)
            .join(DefiPhase, DefiPhase.id == Committee.defi_phase_id)
            .join(PhaseTemplate, PhaseTemplate.id == DefiPhase.phase_template_id)
            .where(DefiPhase.defi_id == defi_id).order_by(PhaseTemplate.number)).all()
    return pd.DataFrame([{"committee_id": c, "number": n, "phase": f"{n}. {name}", "scheduled_at": at,
                          "objectives_rating": o, "entrepreneuriat_rating": e, "innovation_rating": i,
                          "transformation_rating": tr, "report_status": rs.value}
                         for c, n, name, at, o, e, i, tr, rs in rows], columns=columns)

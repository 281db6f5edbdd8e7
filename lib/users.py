"""Administration services: users, memberships, promotions and défis (coaches and admins)."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from lib import audit, db
from lib.audit import record
from lib.auth import NO_PASSWORD, hash_password, rate_limit_key
from lib.errors import Conflict, NotFound
from lib.i18n import t
from lib.models import Administration, Defi, LoginThrottle, Membership, PhaseTemplate, Promotion, User
from lib.permissions import Actor, require_account_manager, require_staff
from lib.phases import create_defi_phases
from lib.programme import DEFAULT_PHASES
from lib.schemas import DefiIn, MembershipIn, MembershipsIn, PasswordIn, PromotionIn, UserIn
from lib.text import fold

USER_FIELDS = ["login", "display_name", "email", "role", "active"]
MEMBERSHIP_FIELDS = ["user_id", "defi_id", "role", "joined_on"]


def list_users(actor: Actor, search: str = "") -> pd.DataFrame:
    """Every account, or those whose login, name or email contains `search` (accents and case
    ignored, as the journal's search)."""
    require_staff(actor)
    with db.reading() as s:
        # Plain tuples: pandas probes every SQLAlchemy Row for attributes, ten times slower on 10,000 accounts.
        rows = [tuple(row) for row in s.execute(select(User.id, User.login, User.display_name, User.email, User.role,
                                                       User.active, User.version).order_by(User.display_name))]
    df = pd.DataFrame(rows, columns=["id", "login", "display_name", "email", "role", "active", "version"])
    df["role"] = df["role"].astype(str)
    if words := fold(search).split():
        haystack = (df["login"] + " " + df["display_name"] + " " + df["email"]).map(fold)
        df = df[haystack.map(lambda text: all(word in text for word in words))].reset_index(drop=True)
    return df


def create_user(actor: Actor, data: UserIn) -> int:
    """A new account; without a password it cannot log in until its person accepts an invitation."""
    require_account_manager(actor, data.role)
    with db.transaction() as s:
        if s.scalar(select(User.id).where(User.login == data.login)):
            raise Conflict(t("admin.users.duplicate_login", login=data.login))
        with audit.change(s, actor, "create", "user", None, USER_FIELDS) as change:
            user = change.add(User(login=data.login, display_name=data.display_name, email=data.email,
                                   role=data.role, active=True,
                                   password_hash=hash_password(data.password) if data.password else NO_PASSWORD))
        return user.id


def update_user(actor: Actor, user_id: int, data: UserIn, active: bool, expected_version: int) -> None:
    """Edit a user's identity, role and activity; a stale form is refused. A change of email,
    role or activity ends the user's sessions and voids their pending links (models.ACCESS_STATE)."""
    require_staff(actor)
    if user_id == actor.id and not active:
        raise Conflict(t("admin.users.cannot_deactivate_self"))
    with db.transaction() as s:
        user = db.load(s, User, user_id, expected_version)
        require_account_manager(actor, user.role, data.role)
        if s.scalar(select(User.id).where(User.login == data.login, User.id != user_id)):
            raise Conflict(t("admin.users.duplicate_login", login=data.login))
        with audit.change(s, actor, "update", "user", user, USER_FIELDS):
            user.login, user.display_name, user.email = data.login, data.display_name, data.email
            user.role, user.active = data.role, active


def reset_password(actor: Actor, user_id: int, data: PasswordIn) -> None:
    """A new password, which ends the user's sessions (models.ACCESS_STATE), voids their pending
    links and lifts locks left by failed logins."""
    require_staff(actor)
    with db.transaction() as s:
        user = db.load(s, User, user_id)
        require_account_manager(actor, user.role)
        user.password_hash = hash_password(data.password)
        s.execute(delete(LoginThrottle).where(LoginThrottle.login == rate_limit_key(user.login)))
        record(s, actor, "reset_password", "user", user.id)


def list_memberships(actor: Actor, promotion_id: int) -> pd.DataFrame:
    require_staff(actor)
    with db.reading() as s:
        rows = [tuple(row) for row in s.execute(  # plain tuples, as in list_users
            select(Membership.id, User.display_name, User.login, Defi.name, Membership.role, Membership.joined_on)
            .join(User, User.id == Membership.user_id).join(Defi, Defi.id == Membership.defi_id)
            .where(Defi.promotion_id == promotion_id).order_by(Defi.name, Membership.role, User.display_name))]
    df = pd.DataFrame(rows, columns=["id", "user", "login", "defi", "role", "joined_on"])
    df["role"] = df["role"].map(lambda r: t(f"defi_role.{r}"))
    return df


def add_membership(actor: Actor, data: MembershipIn) -> int:
    require_staff(actor)
    with db.transaction() as s:
        user, defi = db.load(s, User, data.user_id), db.load(s, Defi, data.defi_id)
        if s.scalar(select(Membership.id).where(Membership.user_id == user.id, Membership.defi_id == defi.id)):
            raise Conflict(t("admin.memberships.duplicate"))
        with audit.change(s, actor, "create", "membership", None, MEMBERSHIP_FIELDS) as change:
            membership = change.add(Membership(user_id=user.id, defi_id=defi.id, role=data.role,
                                               joined_on=data.joined_on, created_by_id=actor.id))
        return membership.id


def add_memberships(actor: Actor, data: MembershipsIn) -> list[int]:
    """Several people join one défi with one role: all of them or, if one of them is
    already on the team, none (the refusal names who)."""
    require_staff(actor)
    with db.transaction() as s:
        defi = db.load(s, Defi, data.defi_id)
        people = s.scalars(select(User).where(User.id.in_(data.user_ids))).all()
        if len(people) != len(data.user_ids):
            raise NotFound(t("error.not_found"))
        already = s.scalars(select(User.display_name).join(Membership, Membership.user_id == User.id)
                            .where(Membership.defi_id == defi.id, User.id.in_(data.user_ids))
                            .order_by(User.display_name)).all()
        if already:
            raise Conflict(t("admin.memberships.duplicates", names=", ".join(already)))
        ids = []
        for user in sorted(people, key=lambda u: data.user_ids.index(u.id)):
            with audit.change(s, actor, "create", "membership", None, MEMBERSHIP_FIELDS) as change:
                membership = change.add(Membership(user_id=user.id, defi_id=defi.id, role=data.role,
                                                   joined_on=data.joined_on, created_by_id=actor.id))
            ids.append(membership.id)
        return ids


def remove_membership(actor: Actor, membership_id: int) -> None:
    require_staff(actor)
    with db.transaction() as s:
        membership = db.load(s, Membership, membership_id)
        with audit.change(s, actor, "delete", "membership", membership, MEMBERSHIP_FIELDS):
            s.delete(membership)


def create_promotion(actor: Actor, data: PromotionIn) -> int:
    """A new promotion, with the programme's 4 phases as its default templates."""
    require_staff(actor)
    with db.transaction() as s:
        if s.scalar(select(Promotion.id).where(Promotion.name == data.name)):
            raise Conflict(t("admin.promotions.duplicate", name=data.name))
        with audit.change(s, actor, "create", "promotion", None, ["name", "start_date"]) as change:
            promotion = change.add(Promotion(name=data.name, start_date=data.start_date, months=data.months,
                                             created_by_id=actor.id))
            promotion.phase_templates = [PhaseTemplate(created_by_id=actor.id, **phase) for phase in DEFAULT_PHASES]
        return promotion.id


def create_defi(actor: Actor, data: DefiIn) -> int:
    """A new défi in a promotion, its administration created on first use, its phases planned."""
    require_staff(actor)
    with db.transaction() as s:
        promotion = db.load(s, Promotion, data.promotion_id)
        duplicate = s.scalar(select(Defi.id).where(Defi.promotion_id == promotion.id,
                                                   func.lower(Defi.name) == data.name.lower()))
        if duplicate:
            raise Conflict(t("admin.defis.duplicate", name=data.name))
        return add_defi(s, actor, promotion, data.name, data.administration, data.description).id


def add_defi(s: Session, actor: Actor, promotion: Promotion, name: str, administration: str, description: str = "",
             source: str | None = None) -> Defi:
    """A new défi of the promotion, its administration created on first use, its phases planned,
    audited (`source`: the import that made it, if any)."""
    found = s.scalar(select(Administration).where(Administration.name == administration))
    if found is None:
        found = Administration(name=administration, created_by_id=actor.id)
        s.add(found)
        s.flush()
    with audit.change(s, actor, "create", "defi", None, ["name", "promotion_id"],
                      extra={"source": source} if source else None) as change:
        defi = change.add(Defi(promotion_id=promotion.id, administration_id=found.id, name=name,
                               description=description, created_by_id=actor.id))
        s.flush()
        create_defi_phases(s, defi, promotion)
    return defi

"""Personal data (RGPD): everything the app holds about one person, as a zip an admin hands
them, and the anonymisation of a person who left.

The export follows the data model rather than a list: every row of every table that points
at the person (author, owner, creator, assignee, member...), the rows hanging on those
(a carnet's ratings, an entry's categories), and the audit events about them.
"""

from __future__ import annotations

import datetime as dt
import enum
import io
import json
import re
import secrets
import zipfile

from sqlalchemy import Table, Text, cast, delete, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from lib import db, formats
from lib.audit import record
from lib.auth import hash_password, rate_limit_key
from lib.clock import now_utc
from lib.errors import Conflict
from lib.exports import csv_bytes
from lib.i18n import has, t
from lib.models import AuditEvent, Base, GlobalRole, LoginThrottle, ResetRequest, User
from lib.permissions import Actor, require_admin

FORMER_LOGIN = "ancien-membre-{id}"
FORMER_EMAIL = "ancien-membre-{id}@anonyme.invalid"  # .invalid: a domain that never resolves
IDENTITY_KEYS = ("login", "display_name", "email")


def _jsonable(value: object) -> object:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _person_rows(s: Session, user: User) -> dict[str, list[dict]]:
    """Rows about the person, table by table (parents first); secrets (`*_hash`) left out."""
    found: dict[str, list[dict]] = {}
    ids: dict[str, set] = {}
    for table in Base.metadata.sorted_tables:
        clauses = _clauses(table, user, ids)
        if not clauses:
            continue
        rows = s.execute(select(table).where(or_(*clauses)).order_by(*table.primary_key.columns)).mappings()
        kept = [{k: _jsonable(v) for k, v in row.items() if not k.endswith("_hash")} for row in rows]
        if kept:
            found[table.name] = kept
            if "id" in table.c:
                ids[table.name] = {row["id"] for row in kept}
    return found


def _clauses(table: Table, user: User, ids: dict[str, set]) -> list:
    """What makes a row of `table` about the person: a column pointing at them, or, for a
    table without one, a cascading link to a row already exported."""
    if table is User.__table__:
        return [table.c.id == user.id]
    if table is LoginThrottle.__table__:
        return [table.c.login == rate_limit_key(user.login)]
    clauses = [column == user.id for column in table.c
               if any(fk.column.table is User.__table__ for fk in column.foreign_keys)]
    if table is AuditEvent.__table__:
        clauses.append((table.c.entity == "user") & (table.c.entity_id == user.id))
    if clauses:
        return clauses
    return [column.in_(ids[fk.column.table.name]) for column in table.c for fk in column.foreign_keys
            if fk.ondelete == "CASCADE" and fk.column.table.name in ids]


def _readme(user: User, actor: Actor, now: dt.datetime, tables: list[str]) -> str:
    lines = [t("privacy.readme.intro", name=user.display_name, login=user.login, date=formats.moment(now),
               admin=actor.display_name), "", t("privacy.readme.json"), ""]
    for name in tables:
        key = f"privacy.table.{name}"
        lines.append(f"- {name}.csv : {t(key) if has(key) else t('privacy.table.other')}")
    return "\n".join(lines + ["", t("privacy.readme.columns")]) + "\n"


def export_person(actor: Actor, user_id: int, now: dt.datetime | None = None) -> tuple[str, bytes]:
    """The person's data as a zip (one JSON file, one CSV per table, a French readme) and
    its file name; the export itself is recorded in the audit trail."""
    require_admin(actor)
    now = now or now_utc()
    with db.transaction(bump=False) as s:
        user = db.load(s, User, user_id)
        tables = _person_rows(s, user)
        record(s, actor, "export_personal_data", "user", user.id, at=now)
        login = user.login
        readme = _readme(user, actor, now, list(tables))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("LISEZMOI.txt", readme)
        archive.writestr("donnees.json", json.dumps(
            {"user_id": user_id, "exported_at": now.isoformat(), "exported_by": actor.login, "tables": tables},
            ensure_ascii=False, indent=2, default=str))
        for name, rows in tables.items():
            header = list(rows[0])
            archive.writestr(f"{name}.csv", csv_bytes(header, (
                [json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v for v in row.values()]
                for row in rows)))
    return f"donnees-personnelles-{login}-{now:%Y%m%d}.zip", buffer.getvalue()


def anonymise_person(actor: Actor, user_id: int, now: dt.datetime | None = None) -> str:
    """Replace a departed person's name, email and login, make their account unusable, and
    keep what they wrote, shown under "ancien·ne membre". Their identity is also taken out of
    every audit event that names them, and their login counters and reset requests are
    dropped; the anonymisation itself is recorded. Returns the new login."""
    require_admin(actor)
    if user_id == actor.id:
        raise Conflict(t("privacy.cannot_anonymise_self"))
    with db.transaction() as s:
        user = db.load(s, User, user_id)
        if user.login == FORMER_LOGIN.format(id=user.id):
            raise Conflict(t("privacy.already_anonymised"))
        old = {"login": user.login, "email": user.email}
        user.login = FORMER_LOGIN.format(id=user.id)
        user.email = FORMER_EMAIL.format(id=user.id)
        user.display_name = t("privacy.former_member")
        # A hash of a secret thrown away at once: no password will ever match it.
        user.password_hash = hash_password(secrets.token_urlsafe(32))
        user.active, user.role = False, GlobalRole.MEMBER
        user.session_epoch += 1
        # Either may have been typed in the login form; a reset was asked for by the address.
        s.execute(delete(LoginThrottle).where(LoginThrottle.login.in_([rate_limit_key(v) for v in old.values()])))
        s.execute(delete(ResetRequest).where(ResetRequest.address_hash == rate_limit_key(old["email"])))
        new = {"login": user.login, "display_name": user.display_name, "email": user.email}
        for event in s.scalars(select(AuditEvent).where(_names_the_person(user.id, old))):
            about = event.entity == "user" and event.entity_id == user.id
            event.before = _scrubbed(event.before, old, new, about)
            event.after = _scrubbed(event.after, old, new, about)
        s.flush()
        record(s, actor, "anonymise", "user", user.id, after={"login": user.login}, at=now)
        return user.login


def _names_the_person(user_id: int, old: dict[str, str]) -> ColumnElement[bool]:
    """Audit events about the account, and every other one whose values hold its login or email
    (a login typed after the account was deactivated, an address ProConnect vouched for)."""
    # As the JSON text holds them: the login as a whole string, the address anywhere.
    needles = [json.dumps(old["login"]).lower(), json.dumps(old["email"])[1:-1].lower()]
    return or_((AuditEvent.entity == "user") & (AuditEvent.entity_id == user_id),
               *(func.lower(cast(column, Text)).contains(needle, autoescape=True)
                 for column in (AuditEvent.before, AuditEvent.after) for needle in needles))


def _scrubbed(values: object, old: dict[str, str], new: dict[str, str], about: bool) -> object:
    """A copy of an audit event's values with the person's login and email replaced wherever
    they are, whatever the case; in an event about the account, its name too."""
    if isinstance(values, dict):
        return {k: new[k] if about and k in IDENTITY_KEYS and v is not None else _scrubbed(v, old, new, about)
                for k, v in values.items()}
    if isinstance(values, list):
        return [_scrubbed(v, old, new, about) for v in values]
    if not isinstance(values, str):
        return values
    if values.lower() == old["login"].lower():
        return new["login"]
    return re.sub(re.escape(old["email"]), new["email"], values, flags=re.IGNORECASE)

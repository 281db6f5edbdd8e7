"""The whole data model (docs/design.md, Data model) as typed SQLAlchemy 2 models.

Rules that must hold whatever code writes the rows live here as constraints:
uniqueness (one bulletin per défi and ISO week...), rating ranges, text lengths.
Every table people edit carries `created_at`, `updated_at`, `created_by_id` and a
`version` used for optimistic concurrency (SQLAlchemy's version counter).
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
    inspect,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, declared_attr, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from lib.clock import now_utc

# Stable constraint names, so that migrations name things the same on every database.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """Row timestamps follow the app's clock, so a moved clock (tests, demo) dates writes with it."""
    return now_utc()


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every engine (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Edited:
    """Columns of every table people edit: who created it, when, and its version."""

    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr
    def created_by_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version}


# --- Enumerations ------------------------------------------------------------------------


class GlobalRole(enum.StrEnum):
    ADMIN = "admin"
    COACH = "coach"
    MEMBER = "member"


class DefiRole(enum.StrEnum):
    EIG = "eig"
    PORTEUR = "porteur"
    SPONSOR = "sponsor"
    COACH = "coach"


class Category(enum.StrEnum):
    """The programme's historical journal categories, by letter code."""

    A = "A"
    C = "C"
    D = "D"
    I = "I"  # noqa: E741 - the programme's own letter
    M = "M"
    P = "P"
    S = "S"
    T = "T"
    U = "U"


class HelpStatus(enum.StrEnum):
    OPEN = "open"
    ASSIGNED = "assigned"
    RESOLVED = "resolved"


class ReportStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class ActionStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


class IndicatorTheme(enum.StrEnum):
    POLITIQUE_PUBLIQUE = "politique_publique"
    PERFORMANCE_PRODUIT = "performance_produit"
    TRANSFORMATION_NUMERIQUE = "transformation_numerique"
    OUVERTURE = "ouverture"


class CoachingForm(enum.StrEnum):
    """How a coach met a team outside the weekly bulletin and the committees."""

    APPEL = "appel"
    RENDEZ_VOUS = "rendez_vous"
    ATELIER = "atelier"
    BUREAU_AIDE = "bureau_aide"


class Perennisation(enum.StrEnum):
    EN_PRODUCTION = "en_production"
    MISE_EN_PRODUCTION_PREVUE = "mise_en_production_prevue"
    PAS_DE_MISE_EN_PRODUCTION = "pas_de_mise_en_production"
    ABANDONNE = "abandonne"


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    """Store enums as their value in a VARCHAR with a CHECK, identical on both databases."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        values_callable=lambda e: [m.value for m in e],
        length=32,
    )


def _len_check(column: str, limit: int) -> CheckConstraint:
    return CheckConstraint(f"length({column}) <= {limit}", name=f"{column}_len")


def _rating_check(column: str, nullable: bool = True) -> CheckConstraint:
    rule = f"{column} BETWEEN 1 AND 4"
    if nullable:
        rule = f"{column} IS NULL OR ({rule})"
    return CheckConstraint(rule, name=f"{column}_range")


# --- People and programme structure ------------------------------------------------------


class User(Base):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[GlobalRole] = mapped_column(_enum(GlobalRole, "global_role"), default=GlobalRole.MEMBER)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    # What the account's access was issued for: login cookies, live sessions and password
    # links carry the epoch they were issued under, provider sign-ins are dated; a change of
    # ACCESS_STATE or "log out everywhere" moves it (see _access_changes_move_the_epoch), which
    # ends them all.
    session_epoch: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    session_epoch_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The identity provider's stable subject (ProConnect's `sub`), bound on the account's first
    # provider sign-in; later sign-ins are matched on it (auth.provider_login).
    provider_subject: Mapped[str | None] = mapped_column(String(255), unique=True, nullable=True)
    # The person's own choice: the weekly recap by email too, once their promotion's chat channel
    # carries it (digest.set_recap_email); without a channel the recap always comes by email.
    recap_email: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (CheckConstraint("password_hash LIKE '$2%'", name="bcrypt_hash"),)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", foreign_keys="Membership.user_id"
    )


# The account state access is issued for (with the session epoch itself).
ACCESS_STATE = ("email", "role", "password_hash", "active")


@event.listens_for(Session, "before_flush")
def _access_changes_move_the_epoch(session: Session, _context: object, _instances: object) -> None:
    """Whatever code changes an account's email, role, password or activity, its session epoch
    moves in the same flush, dated, so every cookie, session, link and provider sign-in issued
    before is void. An email change also unbinds the provider subject, bound on the old address."""
    for user in session.dirty:
        if not isinstance(user, User):
            continue
        state = inspect(user)
        changed = {name for name in (*ACCESS_STATE, "session_epoch") if state.attrs[name].history.has_changes()}
        if not changed:
            continue
        if "session_epoch" not in changed:
            user.session_epoch += 1
        if "email" in changed:
            user.provider_subject = None
        user.session_epoch_at = utcnow()


class Promotion(Edited, Base):
    __tablename__ = "promotion"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    start_date: Mapped[dt.date] = mapped_column(Date)
    months: Mapped[int] = mapped_column(Integer, default=10)
    # The weekly bulletin deadline: ISO weekday (5 = Friday), local time, timezone.
    deadline_weekday: Mapped[int] = mapped_column(Integer, default=5)
    deadline_time: Mapped[str] = mapped_column(String(5), default="15:00")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    # Whether the reminders carry each EIG's personal link to the week's bulletin (an admin may
    # turn them off: the reminders then link to the bulletin page, behind the login).
    bulletin_links: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    __table_args__ = (
        CheckConstraint("months BETWEEN 1 AND 36", name="months_range"),
        CheckConstraint("deadline_weekday BETWEEN 1 AND 7", name="deadline_weekday_range"),
    )

    phase_templates: Mapped[list[PhaseTemplate]] = relationship(
        back_populates="promotion", order_by="PhaseTemplate.number", cascade="all, delete-orphan"
    )
    defis: Mapped[list[Defi]] = relationship(back_populates="promotion")


class PhaseTemplate(Edited, Base):
    """A phase of a promotion's framework: the programme's 4 phases by default, but data."""

    __tablename__ = "phase_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    promotion_id: Mapped[int] = mapped_column(ForeignKey("promotion.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(String(300), default="")
    months: Mapped[int] = mapped_column(Integer)
    eig_competencies: Mapped[list[str]] = mapped_column(JSON, default=list)
    porteur_competencies: Mapped[list[str]] = mapped_column(JSON, default=list)

    __table_args__ = (
        UniqueConstraint("promotion_id", "number", name="uq_phase_template_promotion_number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("months BETWEEN 1 AND 24", name="months_range"),
    )

    promotion: Mapped[Promotion] = relationship(back_populates="phase_templates")


class Administration(Edited, Base):
    __tablename__ = "administration"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


class Defi(Edited, Base):
    __tablename__ = "defi"

    id: Mapped[int] = mapped_column(primary_key=True)
    promotion_id: Mapped[int] = mapped_column(ForeignKey("promotion.id", ondelete="RESTRICT"), index=True)
    administration_id: Mapped[int] = mapped_column(ForeignKey("administration.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    perennisation: Mapped[Perennisation | None] = mapped_column(_enum(Perennisation, "perennisation"), nullable=True)
    # Ouverture facts the programme counts (coaches record them): is the code public, how
    # many datasets and reusable libraries the défi published.
    public_code: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    published_datasets: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    libraries: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))

    __table_args__ = (
        UniqueConstraint("promotion_id", "name", name="uq_defi_promotion_name"),
        CheckConstraint("published_datasets >= 0", name="published_datasets_positive"),
        CheckConstraint("libraries >= 0", name="libraries_positive"),
    )

    promotion: Mapped[Promotion] = relationship(back_populates="defis")
    administration: Mapped[Administration] = relationship()
    memberships: Mapped[list[Membership]] = relationship(back_populates="defi", cascade="all, delete-orphan")


class Membership(Edited, Base):
    """A user's role in one défi: eig, porteur, sponsor or coach référent."""

    __tablename__ = "membership"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    defi_id: Mapped[int] = mapped_column(ForeignKey("defi.id", ondelete="CASCADE"), index=True)
    role: Mapped[DefiRole] = mapped_column(_enum(DefiRole, "defi_role"))
    # The day the person arrived in the défi when after the promotion's start; None: from the
    # start. An EIG owes no monthly carnet before it (docs/design.md, Monthly carnet).
    joined_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    # For an EIG once the programme is over: still working in the administration? None = unknown.
    stayed_in_administration: Mapped[bool | None] = mapped_column(Boolean, nullable=True)

    __table_args__ = (UniqueConstraint("user_id", "defi_id", name="uq_membership_user_defi"),)

    user: Mapped[User] = relationship(back_populates="memberships", foreign_keys=[user_id])
    defi: Mapped[Defi] = relationship(back_populates="memberships")


# --- Journal (the défi's carnet de bord) ------------------------------------------------


class JournalEntry(Edited, Base):
    """A dated entry of a défi's journal."""

    __tablename__ = "journal_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    defi_id: Mapped[int] = mapped_column(ForeignKey("defi.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True)
    done_on: Mapped[dt.date] = mapped_column(Date)
    livrable: Mapped[str] = mapped_column(String(200), default="")
    tache: Mapped[str] = mapped_column(String(1000))
    # -1 bad news, 0 neutral, 1 good news (the legacy "OK" column).
    news: Mapped[int] = mapped_column(Integer, default=0)
    # Lower-case, accent-free copy of livrable + tâche: accent-insensitive search on any engine.
    search_text: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        Index("ix_journal_entry_defi_done_on", "defi_id", "done_on"),
        CheckConstraint("news IN (-1, 0, 1)", name="news_values"),
        CheckConstraint("length(tache) BETWEEN 1 AND 1000", name="tache_len"),
        _len_check("livrable", 200),
    )

    categories: Mapped[list[JournalEntryCategory]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", lazy="selectin"
    )


class JournalEntryCategory(Base):
    __tablename__ = "journal_entry_category"

    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entry.id", ondelete="CASCADE"), primary_key=True)
    category: Mapped[Category] = mapped_column(_enum(Category, "category"), primary_key=True)

    entry: Mapped[JournalEntry] = relationship(back_populates="categories")


class MonthlyCarnet(Edited, Base):
    """An EIG's individual monthly carnet: private to the EIG and the coaches."""

    __tablename__ = "monthly_carnet"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    defi_id: Mapped[int] = mapped_column(ForeignKey("defi.id", ondelete="CASCADE"), index=True)
    month: Mapped[dt.date] = mapped_column(Date)  # first day of the month
    phase_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    objectifs: Mapped[str] = mapped_column(String(2000), default="")
    besoins: Mapped[str] = mapped_column(String(2000), default="")
    apprentissages: Mapped[str] = mapped_column(String(2000), default="")
    trajectoire: Mapped[str] = mapped_column(String(2000), default="")

    __table_args__ = (
        UniqueConstraint("user_id", "month", name="uq_monthly_carnet_user_month"),
        _len_check("objectifs", 2000),
        _len_check("besoins", 2000),
        _len_check("apprentissages", 2000),
        _len_check("trajectoire", 2000),
    )

    ratings: Mapped[list[CompetencyRating]] = relationship(
        back_populates="carnet", cascade="all, delete-orphan", lazy="selectin"
    )


class CompetencyRating(Base):
    __tablename__ = "competency_rating"

    id: Mapped[int] = mapped_column(primary_key=True)
    carnet_id: Mapped[int] = mapped_column(ForeignKey("monthly_carnet.id", ondelete="CASCADE"))
    competency: Mapped[str] = mapped_column(String(120))
    rating: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("carnet_id", "competency", name="uq_competency_rating_carnet_competency"),
        _rating_check("rating", nullable=False),
    )

    carnet: Mapped[MonthlyCarnet] = relationship(back_populates="ratings")


# --- Weekly retrospective ----------------------------------------------------------------


class Bulletin(Edited, Base):
    """A défi's weekly bulletin: one per défi and ISO week."""

    __tablename__ = "bulletin"

    id: Mapped[int] = mapped_column(primary_key=True)
    defi_id: Mapped[int] = mapped_column(ForeignKey("defi.id", ondelete="CASCADE"))
    iso_year: Mapped[int] = mapped_column(Integer)
    iso_week: Mapped[int] = mapped_column(Integer)
    week_start: Mapped[dt.date] = mapped_column(Date, index=True)  # Monday of the ISO week
    mood: Mapped[int] = mapped_column(Integer)
    priority: Mapped[str] = mapped_column(String(300))
    ups_downs: Mapped[str] = mapped_column(String(300))
    help_request: Mapped[str] = mapped_column(String(300), default="")

    __table_args__ = (
        UniqueConstraint("defi_id", "iso_year", "iso_week", name="uq_bulletin_defi_week"),
        # A défi's bulletins by date (its history, its latest) and their moods (charts),
        # read from the index alone: without it SQLite walks the whole table by week_start.
        Index("ix_bulletin_defi_week_start_mood", "defi_id", "week_start", "mood"),
        CheckConstraint("iso_week BETWEEN 1 AND 53", name="iso_week_range"),
        _rating_check("mood", nullable=False),
        CheckConstraint("length(priority) BETWEEN 1 AND 300", name="priority_len"),
        CheckConstraint("length(ups_downs) BETWEEN 1 AND 300", name="ups_downs_len"),
        _len_check("help_request", 300),
    )

    help: Mapped[HelpRequest | None] = relationship(back_populates="bulletin", cascade="all, delete-orphan")


class HelpRequest(Edited, Base):
    """The ticket a bulletin's help request becomes: open, assigned to a coach, resolved."""

    __tablename__ = "help_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    bulletin_id: Mapped[int] = mapped_column(ForeignKey("bulletin.id", ondelete="CASCADE"), unique=True)
    status: Mapped[HelpStatus] = mapped_column(_enum(HelpStatus, "help_status"), default=HelpStatus.OPEN)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True)
    answer: Mapped[str] = mapped_column(String(1000), default="")
    first_answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True)

    __table_args__ = (_len_check("answer", 1000),)

    bulletin: Mapped[Bulletin] = relationship(back_populates="help")


class KeyDate(Edited, Base):
    """An upcoming milestone of a défi: one per défi and date."""

    __tablename__ = "key_date"

    id: Mapped[int] = mapped_column(primary_key=True)
    defi_id: Mapped[int] = mapped_column(ForeignKey("defi.id", ondelete="CASCADE"))
    on_date: Mapped[dt.date] = mapped_column(Date, index=True)
    description: Mapped[str] = mapped_column(String(200))
    bulletin_id: Mapped[int | None] = mapped_column(ForeignKey("bulletin.id", ondelete="SET NULL"), nullable=True,
                                                    index=True)

    __table_args__ = (
        UniqueConstraint("defi_id", "on_date", name="uq_key_date_defi_date"),
        CheckConstraint("length(description) BETWEEN 1 AND 200", name="description_len"),
    )


class ShareLink(Edited, Base):
    """A signed, expiring, revocable read-only link to one défi's published bulletins."""

    __tablename__ = "share_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    defi_id: Mapped[int] = mapped_column(ForeignKey("defi.id", ondelete="CASCADE"), index=True)
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)



# What a calendar lists, in the order a day's events come (lib/key_dates.py).
CALENDAR_KINDS = ("deadline", "committee", "phase_end", "event", "key_date")


class CalendarFeed(Base):
    """A calendar a person subscribes to (`/calendar/<token>.ics`): their défis' dates or their
    promotion's, of the kinds they chose. Only the token's SHA-256 is stored. Every fetch acts
    as the owner, who must still be active under the session epoch the feed was made in; the
    fetches of the current hour are counted here for the rate limit."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(16))
    promotion_id: Mapped[int | None] = mapped_column(ForeignKey("promotion.id", ondelete="CASCADE"), nullable=True)
    kinds: Mapped[list[str]] = mapped_column(JSON)
    session_epoch: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True)
    last_fetched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    window_started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    window_fetches: Mapped[int] = mapped_column(Integer, default=0)
    # The served file's content (built at a fixed stamp) and since when it is that content:
    # its Last-Modified and its events' DTSTAMP.
    content_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    content_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        CheckConstraint("scope IN ('defis', 'promotion')", name="scope"),
        CheckConstraint("(scope = 'promotion') = (promotion_id IS NOT NULL)", name="promotion_scope"),
    )


# --- Phases and committees ---------------------------------------------------------------


class DefiPhase(Edited, Base):
    """One phase of one défi: planned window (shiftable by a coach) and validation."""

    __tablename__ = "defi_phase"

    id: Mapped[int] = mapped_column(primary_key=True)
    defi_id: Mapped[int] = mapped_column(ForeignKey("defi.id", ondelete="CASCADE"))
    phase_template_id: Mapped[int] = mapped_column(ForeignKey("phase_template.id", ondelete="CASCADE"))
    planned_start: Mapped[dt.date] = mapped_column(Date)
    planned_end: Mapped[dt.date] = mapped_column(Date)
    shift_reason: Mapped[str] = mapped_column(String(500), default="")
    validated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    validated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True)

    __table_args__ = (
        UniqueConstraint("defi_id", "phase_template_id", name="uq_defi_phase_defi_template"),
        CheckConstraint("planned_end > planned_start", name="window_order"),
        _len_check("shift_reason", 500),
    )

    template: Mapped[PhaseTemplate] = relationship()
    objectives: Mapped[list[PhaseObjective]] = relationship(
        back_populates="defi_phase", order_by="PhaseObjective.position", cascade="all, delete-orphan"
    )


class PhaseObjective(Edited, Base):
    __tablename__ = "phase_objective"

    id: Mapped[int] = mapped_column(primary_key=True)
    defi_phase_id: Mapped[int] = mapped_column(ForeignKey("defi_phase.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    label: Mapped[str] = mapped_column(String(300))
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True)

    __table_args__ = (CheckConstraint("length(label) BETWEEN 1 AND 300", name="label_len"),)

    defi_phase: Mapped[DefiPhase] = relationship(back_populates="objectives")


class Committee(Edited, Base):
    """The evaluation committee closing one phase of one défi, its notes and its report."""

    __tablename__ = "committee"

    id: Mapped[int] = mapped_column(primary_key=True)
    defi_phase_id: Mapped[int] = mapped_column(ForeignKey("defi_phase.id", ondelete="CASCADE"), unique=True)
    scheduled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    guests: Mapped[str] = mapped_column(String(500), default="")
    successes: Mapped[str] = mapped_column(Text, default="")
    difficulties: Mapped[str] = mapped_column(Text, default="")
    objectives_rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    orientation: Mapped[str] = mapped_column(Text, default="")
    entrepreneuriat_rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    entrepreneuriat_comment: Mapped[str] = mapped_column(Text, default="")
    innovation_rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    innovation_comment: Mapped[str] = mapped_column(Text, default="")
    transformation_rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    transformation_comment: Mapped[str] = mapped_column(Text, default="")
    report_text: Mapped[str] = mapped_column(Text, default="")
    report_status: Mapped[ReportStatus] = mapped_column(
        _enum(ReportStatus, "report_status"), default=ReportStatus.DRAFT
    )
    report_published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        _rating_check("objectives_rating"),
        _rating_check("entrepreneuriat_rating"),
        _rating_check("innovation_rating"),
        _rating_check("transformation_rating"),
        _len_check("guests", 500),
    )

    defi_phase: Mapped[DefiPhase] = relationship()
    participants: Mapped[list[CommitteeParticipant]] = relationship(cascade="all, delete-orphan")
    actions: Mapped[list[CommitteeAction]] = relationship(
        back_populates="committee", cascade="all, delete-orphan", order_by="CommitteeAction.id"
    )


class CommitteeParticipant(Base):
    __tablename__ = "committee_participant"

    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)


class CommitteeAction(Edited, Base):
    """An action decided in committee, tracked until done or dropped."""

    __tablename__ = "committee_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(String(500))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True)
    due_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[ActionStatus] = mapped_column(_enum(ActionStatus, "action_status"), default=ActionStatus.OPEN)

    __table_args__ = (CheckConstraint("length(description) BETWEEN 1 AND 500", name="description_len"),)

    committee: Mapped[Committee] = relationship(back_populates="actions")


# --- Coaching and programme facts --------------------------------------------------------


class CoachingSession(Edited, Base):
    """A coach's contact with a team outside bulletins and committees."""

    __tablename__ = "coaching_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    defi_id: Mapped[int] = mapped_column(ForeignKey("defi.id", ondelete="CASCADE"))
    coach_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True)
    held_on: Mapped[dt.date] = mapped_column(Date)
    form: Mapped[CoachingForm] = mapped_column(_enum(CoachingForm, "coaching_form"))
    note: Mapped[str] = mapped_column(String(500), default="")

    __table_args__ = (Index("ix_coaching_session_defi_held_on", "defi_id", "held_on"), _len_check("note", 500))


class Training(Edited, Base):
    """A training the programme gave to a promotion, with how many people attended."""

    __tablename__ = "training"

    id: Mapped[int] = mapped_column(primary_key=True)
    promotion_id: Mapped[int] = mapped_column(ForeignKey("promotion.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[dt.date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200))
    attendees: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        CheckConstraint("length(title) BETWEEN 1 AND 200", name="title_len"),
        CheckConstraint("attendees >= 0", name="attendees_positive"),
    )


# --- Indicators --------------------------------------------------------------------------


class Indicator(Edited, Base):
    """What a défi measures in one theme: where it started (baseline), where it aims (target)."""

    __tablename__ = "indicator"

    id: Mapped[int] = mapped_column(primary_key=True)
    defi_id: Mapped[int] = mapped_column(ForeignKey("defi.id", ondelete="CASCADE"), index=True)
    theme: Mapped[IndicatorTheme] = mapped_column(_enum(IndicatorTheme, "indicator_theme"))
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(40), default="")
    baseline: Mapped[float | None] = mapped_column(Float, nullable=True)
    target: Mapped[float | None] = mapped_column(Float, nullable=True)

    measurements: Mapped[list[Measurement]] = relationship(
        back_populates="indicator", cascade="all, delete-orphan", order_by="Measurement.measured_on"
    )


class Measurement(Edited, Base):
    __tablename__ = "measurement"

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id", ondelete="CASCADE"))
    measured_on: Mapped[dt.date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)

    __table_args__ = (UniqueConstraint("indicator_id", "measured_on", name="uq_measurement_indicator_date"),)

    indicator: Mapped[Indicator] = relationship(back_populates="measurements")


class LoginThrottle(Base):
    """Failed logins in a row for a typed login from one client (`client` "*": from every
    client) and, after too many, until when that pair is locked. Keyed by the login as typed,
    known or not, so an unknown login is throttled exactly like an account's; `login` holds its
    keyed hash (auth.rate_limit_key), never the login itself."""

    __tablename__ = "login_throttle"

    login: Mapped[str] = mapped_column(String(64), primary_key=True)
    client: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class PasswordToken(Base):
    """A single-use emailed link: to choose a password (an invitation, or a reset asked for on
    the login page), or a reminder's link that signs its EIG in on a défi's bulletin (`defi_id`).
    Only the token's SHA-256 is stored: the database alone opens nothing. Using it sets
    `used_at`; a newer link of the same kind for the same account sets `voided_at`; it works
    only while the account keeps the session epoch it was issued under (ACCESS_STATE)."""

    __tablename__ = "password_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    defi_id: Mapped[int | None] = mapped_column(ForeignKey("defi.id", ondelete="CASCADE"), nullable=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    session_epoch: Mapped[int] = mapped_column(Integer)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    voided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (CheckConstraint("purpose IN ('invitation', 'reset', 'bulletin')", name="purpose"),
                      CheckConstraint("(purpose = 'bulletin') = (defi_id IS NOT NULL)", name="bulletin_defi"))


class ResetRequest(Base):
    """One "Mot de passe oublié ?" request, kept for the rate limits: per address (its keyed
    hash, auth.rate_limit_key, so no address typed is kept, nor a hash of it anyone could
    recompute) and per client."""

    __tablename__ = "reset_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    address_hash: Mapped[str] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_reset_request_address", "address_hash", "requested_at"),
                      Index("ix_reset_request_client", "client", "requested_at"))


# --- What the app sends --------------------------------------------------------------------


class OutboxMessage(Base):
    """A message the app sends (mail or chat), written in the transaction that causes it and
    delivered by a separate step (lib.outbox), once. Its idempotency key is (kind, scope,
    period, channel, recipient): writing the same key again is a no-op. `recipient` is an
    address for mail, the configured room (`promotion:3`, `defi:5`) for chat, whose address is
    read at delivery. The bodies are cleared once sent: what a link mail carried does not stay."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(8))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    body_html: Mapped[str | None] = mapped_column(Text, nullable=True)
    state: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)

    __table_args__ = (
        UniqueConstraint("kind", "scope", "period", "channel", "recipient", name="uq_outbox_message_key"),
        CheckConstraint("state IN ('pending', 'sending', 'sent', 'failed')", name="state"),
        CheckConstraint("channel IN ('email', 'chat')", name="channel"),
        Index("ix_outbox_message_due", "state", "next_attempt_at"),
    )


class ChatChannel(Edited, Base):
    """A promotion's chat channel, or a défi team's room: an Apprise address (Mattermost, Slack,
    Matrix), a secret stored encrypted under a key derived from the cookie key (lib.chat) and
    never shown back."""

    __tablename__ = "chat_channel"

    id: Mapped[int] = mapped_column(primary_key=True)
    promotion_id: Mapped[int | None] = mapped_column(ForeignKey("promotion.id", ondelete="CASCADE"), unique=True,
                                                     nullable=True)
    defi_id: Mapped[int | None] = mapped_column(ForeignKey("defi.id", ondelete="CASCADE"), unique=True,
                                                nullable=True)
    address_encrypted: Mapped[str] = mapped_column(Text)

    __table_args__ = (CheckConstraint("(promotion_id IS NULL) <> (defi_id IS NULL)", name="one_owner"),)


# --- Audit and cache coherence -----------------------------------------------------------


class AuditEvent(Base):
    """Who did what, when, with the values before and after: also the version history."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True)
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    before: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    # The défi the event is about, fixed when it is written (lib/audit.py): the trail's défi
    # filter reads this column instead of reaching every event's row through its parents.
    defi_id: Mapped[int | None] = mapped_column(Integer, nullable=True)

    __table_args__ = (Index("ix_audit_event_entity", "entity", "entity_id"),
                      Index("ix_audit_event_at", "at", "id"),  # the trail, newest first
                      Index("ix_audit_event_user", "user_id"),  # what a person did
                      Index("ix_audit_event_defi_at", "defi_id", "at", "id"))


class ScopeVersion(Base):
    """A counter per cache scope that the writes changing that scope bump: the key of the
    cached reads of that scope (lib/ui/cache.py), kept in the database so several app processes
    sharing it never serve stale data. A scope is `global` (what every read may show: people,
    promotions themselves), `programme` (anything at all), `promotion:ID` or `defi:ID`; a scope
    never written has no row and reads as 0."""

    __tablename__ = "scope_version"

    scope: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)

    GLOBAL = "global"
    PROGRAMME = "programme"

    @staticmethod
    def promotion(promotion_id: int) -> str:
        return f"promotion:{promotion_id}"

    @staticmethod
    def defi(defi_id: int) -> str:
        return f"defi:{defi_id}"

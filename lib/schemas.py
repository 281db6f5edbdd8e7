"""Pydantic models for every input that comes from a person or a file.

French error messages live here, with the rule they explain. `errors_by_field()` turns
a ValidationError into {field: message} for showing next to the form.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from lib import addresses, formats
from lib.auth import DEMO_PASSWORD
from lib.i18n import t
from lib.models import CALENDAR_KINDS, Category, CoachingForm, DefiRole, GlobalRole, IndicatorTheme, Perennisation
from lib.text import fold

LOGIN_RE = re.compile(r"^[a-z0-9._-]{3,64}$")
# Roles on a défi as a roster spells them (folded): the programme's words, a few variants.
ROSTER_ROLES = {"eig": DefiRole.EIG, "porteur": DefiRole.PORTEUR, "porteuse": DefiRole.PORTEUR,
                "porteur de projet": DefiRole.PORTEUR, "porteuse de projet": DefiRole.PORTEUR,
                "sponsor": DefiRole.SPONSOR, "coach": DefiRole.COACH}
# C0 and C1 control characters other than tab and line breaks: invisible, never meant
# (pasted from a terminal or a PDF), and PostgreSQL refuses NUL in text. Refused, not
# dropped, so the person (or the imported file's line) sees what was wrong.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# What a one-line field refuses: line breaks (LF, CR, and Unicode's line and paragraph
# separators, which no C0/C1 rule catches), then any control character, tab included.
LINE_BREAK_RE = re.compile(r"[\n\r\u2028\u2029]")
ONE_LINE_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Dates people type are within the programme's plausible range (legacy journals start in
# 2017); a typo such as 0026 or 20260 is refused rather than stored and shown for years.
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2099, 12, 31)


def bounded(max_len: int, required: bool = True):  # noqa: ANN201 - returns a validator
    """A text rule: no control character, stripped, optionally required, at most `max_len`
    characters."""

    def check(value: str) -> str:
        control = CONTROL_RE.search(value or "")
        if control:
            raise ValueError(t("validation.control_char", code=f"U+{ord(control.group()):04X}"))
        value = (value or "").strip()
        if required and not value:
            raise ValueError(t("validation.required"))
        if len(value) > max_len:
            raise ValueError(t("validation.too_long", max=max_len, n=len(value)))
        return value

    return AfterValidator(check)


def one_line(value: str) -> str:
    """A one-line field (a name, a title, a label) holds no line break and no control
    character: a line break in a défi's name broke every mail naming it (a header is one line)."""
    if LINE_BREAK_RE.search(value):
        raise ValueError(t("validation.line_break"))
    control = ONE_LINE_CONTROL_RE.search(value)
    if control:
        raise ValueError(t("validation.control_char", code=f"U+{ord(control.group()):04X}"))
    return value


def _format_chars(value: str) -> list[str]:
    """Unicode's format characters (category Cf) in `value`: bidi controls (overrides,
    embeddings, isolates, marks), zero-width spaces and joiners, word joiners, soft hyphens,
    tags. None is seen, and each changes how the text around it shows."""
    return [] if value.isascii() else [c for c in value if unicodedata.category(c) == "Cf"]


def visible(value: str) -> str:
    """Refuse format characters in a name: a right-to-left override or a zero-width space
    makes a name display as another (« Alpha » beside « Al\u200bpha », a reversed address)."""
    if found := _format_chars(value):
        raise ValueError(t("validation.format_char", code=f"U+{ord(found[0]):04X}"))
    return value


def without_format(value: str) -> str:
    """Drop format characters from text that is not a name (docs/design.md, Text as typed):
    they come pasted from mail and office documents, unseen, so refusing them would ask the
    person to find what they cannot see; dropped, the text shows as it did to them."""
    found = set(_format_chars(value))
    return "".join(c for c in value if c not in found) if found else value


# The three kinds of text a person or a file gives, each bounded by `bounded()` at its field:
# a name (a person, a défi, an administration, a promotion, a phase, an indicator) is one line
# of visible characters; another one-line field (a title, a label, a reason) is one line, its
# format characters dropped; free text keeps its line breaks, its format characters dropped.
Name = Annotated[str, AfterValidator(one_line), AfterValidator(visible)]
Line = Annotated[str, AfterValidator(one_line), AfterValidator(without_format)]
Text = Annotated[str, AfterValidator(without_format)]


def between(low: int, high: int, message: str):  # noqa: ANN201 - returns a validator
    """A whole number from `low` to `high`, refused with the catalogue's `message`; None
    passes (an optional field)."""

    def check(value: int | None) -> int | None:
        if value is not None and not low <= value <= high:
            raise ValueError(t(message))
        return value

    return AfterValidator(check)


def password_rule(value: str) -> str:
    if len(value) < 8:
        raise ValueError(t("validation.password"))
    if len(value.encode()) > 72:  # bcrypt reads at most 72 bytes and refuses longer passwords
        raise ValueError(t("validation.password_too_long"))
    return value


def plausible_date(value: dt.date) -> dt.date:
    day = value.date() if isinstance(value, dt.datetime) else value
    if not EARLIEST <= day <= LATEST:
        raise ValueError(t("validation.date_range", start=formats.date(EARLIEST), end=formats.date(LATEST)))
    return value


def typed_date(value: object) -> object:
    """A day typed in French, « 03/12/2026 » (a text field where Streamlit's date field would
    show its English « dd/mm/yyyy »); an empty text is no date. Dates pass as they are."""
    if not isinstance(value, str):
        return value
    if not value.strip():
        return None
    try:
        return dt.datetime.strptime(value.strip(), "%d/%m/%Y").date()
    except ValueError:
        raise ValueError(t("validation.typed_date")) from None


Password = Annotated[str, AfterValidator(password_rule)]
# Stored, matched and mailed in its one normal form (lib.addresses).
EmailAddress = Annotated[str, AfterValidator(addresses.normalise)]
PlausibleDate = Annotated[dt.date, AfterValidator(plausible_date)]
TypedDate = Annotated[PlausibleDate | None, BeforeValidator(typed_date)]
Rating = Annotated[int, between(1, 4, "validation.rating")]
OptionalRating = Annotated[int | None, between(1, 4, "validation.rating")]


class Input(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")


def errors_by_field(exc: ValidationError) -> dict[str, str]:
    """{field: French message}, the first error of each field, for display."""
    out: dict[str, str] = {}
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "__root__"
        message = err["msg"].removeprefix("Value error, ")
        out.setdefault(field, message)
    return out


# --- Administration ----------------------------------------------------------------------


def login_rule(value: str) -> str:
    value = value.strip().lower()
    if not LOGIN_RE.match(value):
        raise ValueError(t("validation.login"))
    return value


Login = Annotated[str, AfterValidator(login_rule)]


class UserIn(Input):
    login: Login
    display_name: Annotated[Name, bounded(120)]
    email: EmailAddress
    role: GlobalRole = GlobalRole.MEMBER
    password: Password | None = None  # required on creation, ignored on edit


class PasswordIn(Input):
    password: Password


# A password a person chooses through an emailed link: longer than the one an admin types.
CHOSEN_PASSWORD_MIN = 12


class ChosenPasswordIn(Input):
    """A password chosen through an invitation or reset link, for the account `login`."""

    model_config = ConfigDict(extra="forbid")  # a password is taken as typed, spaces included

    login: Login
    password: str
    confirmation: str

    @model_validator(mode="after")
    def _rules(self) -> ChosenPasswordIn:
        if len(self.password) < CHOSEN_PASSWORD_MIN:
            raise ValueError(t("validation.chosen_password", n=CHOSEN_PASSWORD_MIN))
        password_rule(self.password)
        if self.password == DEMO_PASSWORD:
            raise ValueError(t("validation.password_is_demo"))
        if self.password.strip().lower() == self.login.lower():
            raise ValueError(t("validation.password_is_login"))
        if self.password != self.confirmation:
            raise ValueError(t("validation.password_mismatch"))
        return self


class MembershipIn(Input):
    user_id: int
    defi_id: int
    role: DefiRole
    joined_on: PlausibleDate | None = None  # an arrival after the promotion's start


class MembershipsIn(Input):
    """Several people added to one défi with one role, in one submit."""

    user_ids: list[int]
    defi_id: int
    role: DefiRole
    joined_on: PlausibleDate | None = None  # an arrival after the promotion's start

    @field_validator("user_ids")
    @classmethod
    def _someone(cls, value: list[int]) -> list[int]:
        if not value:
            raise ValueError(t("validation.memberships_empty"))
        return list(dict.fromkeys(value))


class RosterRowIn(Input):
    """A row of a promotion's roster (lib.roster): a person's role on a défi."""

    defi: Annotated[Name, bounded(200)]
    administration: Annotated[Name, bounded(200)]
    name: Annotated[Name, bounded(120)]
    email: EmailAddress
    role: DefiRole

    @field_validator("defi", "administration", "name")
    @classmethod
    def _spaces(cls, v: str) -> str:
        return " ".join(v.split())

    @field_validator("role", mode="before")
    @classmethod
    def _role(cls, v: object) -> object:
        role = ROSTER_ROLES.get(" ".join(fold(str(v)).split()))
        if role is None:
            raise ValueError(t("roster.problem.role", value=str(v)[:40]))
        return role


class PromotionIn(Input):
    name: Annotated[Name, bounded(120)]
    start_date: PlausibleDate
    months: Annotated[int, between(1, 36, "validation.months")] = 10


class DefiIn(Input):
    promotion_id: int
    name: Annotated[Name, bounded(200)]
    administration: Annotated[Name, bounded(200)]
    description: Annotated[Text, bounded(5000, required=False)] = ""


# --- Bulletins and retrospectives -------------------------------------------------------


class BulletinIn(Input):
    """This week's bulletin as the team files it (docs/design.md, Domain)."""

    mood: Annotated[int, between(1, 4, "validation.mood")]
    priority: Annotated[Text, bounded(300)]
    ups_downs: Annotated[Text, bounded(300)]
    help_request: Annotated[Text, bounded(300, required=False)] = ""
    key_date: TypedDate = None
    key_date_description: Annotated[Line, bounded(200, required=False)] = ""

    @model_validator(mode="after")
    def _key_date_both_or_neither(self) -> BulletinIn:
        # An upcoming key date needs both its date and what happens that day.
        if (self.key_date is None) != (not self.key_date_description):
            raise ValueError(t("validation.key_date_pair"))
        return self


class HelpAnswerIn(Input):
    """A coach's answer to a help request; resolving requires an answer."""

    answer: Annotated[Text, bounded(1000, required=False)] = ""
    resolve: bool = False

    @model_validator(mode="after")
    def _answer_to_resolve(self) -> HelpAnswerIn:
        if self.resolve and not self.answer:
            raise ValueError(t("validation.help_answer_required"))
        return self


class HelpTicketIn(Input):
    """A coach's whole treatment of a help request in one submit: who holds it, the answer
    the défi reads, and whether it is settled; resolving requires an answer."""

    assignee_id: int | None = Field(default=None, validate_default=True)  # required, with a French message
    answer: Annotated[Text, bounded(1000, required=False)] = ""
    status: Annotated[Line, bounded(20)] = "assigned"

    @field_validator("assignee_id")
    @classmethod
    def _assignee_required(cls, value: int | None) -> int:
        if value is None:
            raise ValueError(t("validation.help_assignee_required"))
        return value

    @field_validator("status")
    @classmethod
    def _known_status(cls, value: str) -> str:
        if value not in ("assigned", "resolved"):
            raise ValueError(t("validation.help_status"))
        return value

    @model_validator(mode="after")
    def _answer_to_resolve(self) -> HelpTicketIn:
        if self.status == "resolved" and not self.answer:
            raise ValueError(t("validation.help_answer_required"))
        return self


class ShareLinkIn(Input):
    """A read-only share link's lifetime, in days."""

    days: Annotated[int, between(1, 365, "validation.share_days")] = 14


class CalendarFeedIn(Input):
    """What a calendar subscription lists: the person's défis, or one promotion; which kinds of dates."""

    scope: Literal["defis", "promotion"]
    promotion_id: int | None = None
    kinds: list[str]

    @field_validator("kinds")
    @classmethod
    def known_kinds(cls, kinds: list[str]) -> list[str]:
        if not kinds or not set(kinds) <= set(CALENDAR_KINDS):
            raise ValueError(t("validation.feed_kinds"))
        return [kind for kind in CALENDAR_KINDS if kind in kinds]

    @model_validator(mode="after")
    def promotion_given(self) -> CalendarFeedIn:
        if (self.scope == "promotion") != (self.promotion_id is not None):
            raise ValueError(t("validation.feed_promotion"))
        return self


# --- Phases and committees --------------------------------------------------------------


class PhaseTemplateIn(Input):
    """A phase of a promotion's framework as a coach edits it."""

    name: Annotated[Name, bounded(120)]
    summary: Annotated[Line, bounded(300, required=False)] = ""
    months: Annotated[int, between(1, 24, "validation.phase_months")]
    eig_competencies: list[Annotated[Name, bounded(120)]] = []
    porteur_competencies: list[Annotated[Name, bounded(120)]] = []


class PhaseShiftIn(Input):
    """A défi's phase moved by a coach: the new window and why (kept with the phase)."""

    start: PlausibleDate
    end: PlausibleDate
    reason: Annotated[Line, bounded(500)]
    cascade: bool = True  # move the later phases by the same number of days

    @model_validator(mode="after")
    def _order(self) -> PhaseShiftIn:
        if self.end <= self.start:
            raise ValueError(t("validation.window_order"))
        return self


class ObjectiveIn(Input):
    label: Annotated[Line, bounded(300)]


class CommitteeScheduleIn(Input):
    """When the committee meets and who attends: défi members plus free-text guests."""

    scheduled_at: dt.datetime
    participant_ids: list[int] = []
    guests: Annotated[Name, bounded(500, required=False)] = ""

    @field_validator("scheduled_at")
    @classmethod
    def _aware(cls, v: dt.datetime) -> dt.datetime:
        if v.tzinfo is None:
            raise ValueError(t("validation.naive_datetime"))
        # A local time the clocks skip (spring forward) names no instant: refused, not guessed.
        if v.astimezone(dt.UTC).astimezone(v.tzinfo).replace(tzinfo=None) != v.replace(tzinfo=None):
            raise ValueError(t("validation.skipped_time"))
        # In UTC from here on: an hour the clocks repeat (fall back) compares like any other.
        return plausible_date(v).astimezone(dt.UTC)


class CommitteeNotesIn(Input):
    """The committee's notes: successes, difficulties, objectives reached (1-4),
    orientation, and the three impact axes rated 1-4 with a comment."""

    successes: Annotated[Text, bounded(5000, required=False)] = ""
    difficulties: Annotated[Text, bounded(5000, required=False)] = ""
    objectives_rating: OptionalRating = None
    orientation: Annotated[Text, bounded(5000, required=False)] = ""
    entrepreneuriat_rating: OptionalRating = None
    entrepreneuriat_comment: Annotated[Text, bounded(2000, required=False)] = ""
    innovation_rating: OptionalRating = None
    innovation_comment: Annotated[Text, bounded(2000, required=False)] = ""
    transformation_rating: OptionalRating = None
    transformation_comment: Annotated[Text, bounded(2000, required=False)] = ""


class CommitteeActionIn(Input):
    """An action decided in committee: what, who (a member of the défi or a coach), by when."""

    description: Annotated[Line, bounded(500)]
    owner_id: int
    due_on: PlausibleDate


class ReportIn(Input):
    text: Annotated[Text, bounded(20000, required=False)] = ""


# --- Journal and monthly carnet ----------------------------------------------------------


class JournalEntryIn(Input):
    """A défi journal entry as the form sends it (the date's "not in the future" rule is
    checked by lib.journal against the injected clock)."""

    done_on: PlausibleDate
    livrable: Annotated[Line, bounded(200, required=False)] = ""
    tache: Annotated[Text, bounded(1000)]
    categories: list[Category]
    news: int = 0

    @field_validator("categories")
    @classmethod
    def _categories(cls, v: list[Category]) -> list[Category]:
        if not v:
            raise ValueError(t("journal.validation.categories"))
        return sorted(set(v), key=list(Category).index)

    @field_validator("news")
    @classmethod
    def _news(cls, v: int) -> int:
        if v not in (-1, 0, 1):
            raise ValueError(t("journal.validation.news"))
        return v


class LegacyEntryIn(JournalEntryIn):
    """A row of the legacy journal tables (lib.importers): the form's rules, plus the défi
    label; categories may be empty, as those tables left some rows without one."""

    label: Annotated[Name, bounded(200)]

    @field_validator("categories")
    @classmethod
    def _categories(cls, v: list[Category]) -> list[Category]:
        return sorted(set(v), key=list(Category).index)


class CarnetIn(Input):
    """An EIG's monthly carnet: four texts and a 1-4 self-rating per competency."""

    objectifs: Annotated[Text, bounded(2000, required=False)] = ""
    besoins: Annotated[Text, bounded(2000, required=False)] = ""
    apprentissages: Annotated[Text, bounded(2000, required=False)] = ""
    trajectoire: Annotated[Text, bounded(2000, required=False)] = ""
    ratings: dict[str, Rating] = {}

    @model_validator(mode="after")
    def _something_written(self) -> CarnetIn:
        if not any((self.objectifs, self.besoins, self.apprentissages, self.trajectoire)):
            raise ValueError(t("carnet.validation.empty"))
        return self


# --- Portfolio and programme figures -----------------------------------------------------

MAX_COUNT = 100_000


def count_rule(value: int) -> int:
    if not 0 <= value <= MAX_COUNT:
        raise ValueError(t("validation.count", max=formats.integer(MAX_COUNT)))
    return value


Count = Annotated[int, AfterValidator(count_rule)]


class CoachingSessionIn(Input):
    """A coaching session as a coach logs it (lib.coaching refuses a date in the future
    against the injected clock)."""

    defi_id: int
    held_on: PlausibleDate
    form: CoachingForm
    note: Annotated[Text, bounded(500, required=False)] = ""


class DefiFactsIn(Input):
    """What the programme counts about a défi: its pérennisation and its ouverture."""

    perennisation: Perennisation | None = None
    public_code: bool = False
    published_datasets: Count = 0
    libraries: Count = 0


class TrainingIn(Input):
    """A training given to a promotion."""

    held_on: PlausibleDate
    title: Annotated[Name, bounded(200)]
    attendees: Count = 0


# --- Indicators --------------------------------------------------------------------------

MAX_AMOUNT = 1e12


def amount_rule(value: float) -> float:
    """An indicator value: a finite number of plausible size (no NaN, no infinity)."""
    if not math.isfinite(value) or abs(value) > MAX_AMOUNT:
        raise ValueError(t("validation.amount"))
    return value


Amount = Annotated[float, AfterValidator(amount_rule)]


class IndicatorIn(Input):
    """An indicator of a défi: its theme, what it counts and in which unit, where it
    started (baseline) and where the team aims (target); both optional."""

    theme: IndicatorTheme
    name: Annotated[Name, bounded(200)]
    unit: Annotated[Line, bounded(40, required=False)] = ""
    baseline: Amount | None = None
    target: Amount | None = None


class MeasurementIn(Input):
    """A dated value of an indicator (lib.indicators refuses a date in the future against
    the injected clock)."""

    measured_on: PlausibleDate
    value: Amount

    @field_validator("value", mode="before")
    @classmethod
    def _given(cls, v: object) -> object:
        if v is None or (isinstance(v, str) and not v.strip()):
            raise ValueError(t("validation.required"))
        return v

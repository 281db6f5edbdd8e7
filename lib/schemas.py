"""Pydantic models for every input that comes from a person or a file.

French error messages live here, with the rule they explain. `errors_by_field()` turns
a ValidationError into {field: message} for showing next to the form.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError, field_validator

from lib.i18n import t
from lib.models import DefiRole, GlobalRole

LOGIN_RE = re.compile(r"^[a-z0-9._-]{3,64}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def bounded(max_len: int, required: bool = True):  # noqa: ANN201 - returns a validator
    """A text rule: stripped, optionally required, at most `max_len` characters."""

    def check(value: str) -> str:
        value = (value or "").strip()
        if required and not value:
            raise ValueError(t("validation.required"))
        if len(value) > max_len:
            raise ValueError(t("validation.too_long", max=max_len, n=len(value)))
        return value

    return AfterValidator(check)


def rating(value: int | None) -> int | None:
    if value is not None and not 1 <= value <= 4:
        raise ValueError(t("validation.rating"))
    return value


def not_in_future(value: dt.date) -> dt.date:
    if value > dt.date.today():
        raise ValueError(t("validation.future_date"))
    return value


def password_rule(value: str) -> str:
    if len(value) < 8:
        raise ValueError(t("validation.password"))
    return value


Password = Annotated[str, AfterValidator(password_rule)]
Rating = Annotated[int, AfterValidator(rating)]
OptionalRating = Annotated[int | None, AfterValidator(rating)]


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


class UserIn(Input):
    login: str
    display_name: Annotated[str, bounded(120)]
    email: str
    role: GlobalRole = GlobalRole.MEMBER
    password: Password | None = None  # required on creation, ignored on edit

    @field_validator("login")
    @classmethod
    def _login(cls, v: str) -> str:
        v = v.strip().lower()
        if not LOGIN_RE.match(v):
            raise ValueError(t("validation.login"))
        return v

    @field_validator("email")
    @classmethod
    def _email(cls, v: str) -> str:
        if not EMAIL_RE.match(v.strip()):
            raise ValueError(t("validation.email"))
        return v.strip()


class PasswordIn(Input):
    password: Password


class MembershipIn(Input):
    user_id: int
    defi_id: int
    role: DefiRole


class PromotionIn(Input):
    name: Annotated[str, bounded(120)]
    start_date: dt.date
    months: int = 10

    @field_validator("months")
    @classmethod
    def _months(cls, v: int) -> int:
        if not 1 <= v <= 36:
            raise ValueError(t("validation.months"))
        return v


class DefiIn(Input):
    promotion_id: int
    name: Annotated[str, bounded(200)]
    administration: Annotated[str, bounded(200)]
    description: Annotated[str, bounded(5000, required=False)] = ""

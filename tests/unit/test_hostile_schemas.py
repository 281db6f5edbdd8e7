"""Every pydantic input model under hostile values: it refuses with a validation error, or
it yields clean values (trimmed, bounded, no control characters, plausible dates) that
validate again to the same model."""

from __future__ import annotations

import datetime as dt
import re
import typing
from typing import Annotated
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter, ValidationError

from lib import schemas
from lib.schemas import CommitteeScheduleIn, Input, errors_by_field
from tests.conftest import said
from tests.hostile import NASTY, payloads

MODELS = sorted(Input.__subclasses__(), key=lambda m: m.__name__)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_values(value: object) -> list[object]:
    """Every leaf value of a validated model, in nested lists and dict values (dict keys
    name things such as competencies, which the services match against the database)."""
    if isinstance(value, list | tuple):
        return [leaf for v in value for leaf in clean_values(v)]
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in clean_values(v)]
    return [value]


def check_clean(model: BaseModel) -> None:
    # Passwords are kept exactly as typed: hashed, never shown.
    for value in clean_values(model.model_dump(exclude={"password"})):
        if isinstance(value, str):
            assert not CONTROL.search(value), repr(value[:80])
            assert len(value) <= 20_000
            assert value == value.strip()
        elif isinstance(value, dt.datetime):
            assert value.tzinfo is not None
            assert schemas.EARLIEST <= value.date() <= schemas.LATEST
        elif isinstance(value, dt.date):
            assert schemas.EARLIEST <= value <= schemas.LATEST


def test_every_input_model_is_covered():
    # New models are picked up automatically; this guards against an empty parametrisation.
    assert {"BulletinIn", "JournalEntryIn", "CommitteeNotesIn", "UserIn", "CarnetIn"} <= {m.__name__ for m in MODELS}


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_input_model_refuses_or_cleans_hostile_values(model: type[Input]):
    @given(payloads(model))
    def check(kwargs: dict) -> None:
        try:
            value = model(**kwargs)
        except ValidationError as exc:
            messages = errors_by_field(exc)
            assert messages and all(isinstance(m, str) and m for m in messages.values())
            return
        check_clean(value)
        assert model(**value.model_dump()) == value  # validation is stable

    check()


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_input_model_refuses_unknown_fields(model: type[Input]):
    @given(payloads(model), st.sampled_from(["is_admin", "id", "version", "__class__"]))
    def check(kwargs: dict, extra: str) -> None:
        with pytest.raises(ValidationError):
            model(**kwargs, **{extra: True})

    check()


@pytest.mark.parametrize("text", NASTY)
def test_bounded_text_keeps_what_people_write_and_refuses_control_characters(text: str):
    class Note(Input):
        text: Annotated[str, schemas.bounded(300, required=False)] = ""

    try:
        note = Note(text=text)
    except ValidationError as exc:
        message = errors_by_field(exc)["text"]
        assert ("Caractère invisible non autorisé" in message) == bool(CONTROL.search(text))
        assert CONTROL.search(text) or "300 caractères au maximum" in message
        return
    assert not CONTROL.search(text)
    # Letters, emoji, markup and SQL survive as typed: they are text, not code.
    for kept in ("<script>", "onerror", "DROP TABLE", "😀", "\u202e", "e\u0301"):
        assert (kept in note.text) == (kept in text)


def free_text_fields() -> list[tuple[str, str, object]]:
    """(model, field, type with its rules) of every text a person types; login and email
    have their own patterns, which refuse control characters, and passwords (and their
    confirmation) are only hashed."""
    out = []
    for model in MODELS:
        for name, field in model.model_fields.items():
            if name in ("login", "email", "password", "confirmation"):
                continue
            if field.annotation is str:
                out.append((model.__name__, name, Annotated[(str, *field.metadata)]))
            elif typing.get_origin(field.annotation) is list and typing.get_origin(
                    typing.get_args(field.annotation)[0]) is typing.Annotated:
                out.append((model.__name__, name, field.annotation))
    return out


@pytest.mark.parametrize(("model", "field", "rules"), free_text_fields(), ids=lambda v: v if isinstance(v, str) else "")
@pytest.mark.parametrize("control", ["\x00", "\x1b", "\x7f", "\x85"], ids=["NUL", "ESC", "DEL", "NEL"])
def test_every_free_text_field_refuses_control_characters(model, field, rules, control):
    value = f"avant{control}après"
    is_list = typing.get_origin(rules) is list
    with pytest.raises(ValidationError, match=f"Caractère invisible non autorisé \\(U\\+{ord(control):04X}\\)"):
        TypeAdapter(rules).validate_python([value] if is_list else value)


def test_a_committee_at_an_hour_the_clocks_skip_is_refused_and_one_they_repeat_is_kept():
    paris = ZoneInfo("Europe/Paris")
    with pytest.raises(ValidationError, match=said("validation.skipped_time")):
        CommitteeScheduleIn(scheduled_at=dt.datetime(2026, 3, 29, 2, 30, tzinfo=paris))
    repeated = dt.datetime(2026, 10, 25, 2, 30, tzinfo=paris)
    assert CommitteeScheduleIn(scheduled_at=repeated).scheduled_at == repeated.astimezone(dt.UTC)

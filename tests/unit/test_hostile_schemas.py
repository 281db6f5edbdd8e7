"""Every pydantic input model under hostile values: it refuses with a validation error, or
it yields clean values (trimmed, bounded, no control characters, plausible dates) that
validate again to the same model."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from lib import schemas
from lib.schemas import Input, errors_by_field
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
    assert {"BulletinIn", "LogEntryIn", "CommitteeNotesIn", "UserIn", "CarnetIn"} <= {m.__name__ for m in MODELS}


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
def test_bounded_text_keeps_what_people_write_and_drops_control_characters(text: str):
    class Note(Input):
        text: Annotated[str, schemas.bounded(300, required=False)] = ""

    try:
        note = Note(text=text)
    except ValidationError as exc:
        assert "300 caractères au maximum" in errors_by_field(exc)["text"]
        return
    assert not CONTROL.search(note.text)
    # Letters, emoji, markup and SQL survive as typed: they are text, not code.
    for kept in ("<script>", "onerror", "DROP TABLE", "😀", "\u202e", "e\u0301"):
        assert (kept in note.text) == (kept in text)

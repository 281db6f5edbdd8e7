"""The three kinds of text (lib/schemas.py: Name, Line, Text) against each class of character
that makes text display other than it is: line breaks, control characters, bidi controls and
zero-width characters. Every text field of every input model is declared with one of them."""

from __future__ import annotations

import typing
from typing import Annotated

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import AfterValidator, TypeAdapter, ValidationError

from lib import schemas
from lib.schemas import Input, Line, Name, Text, bounded
from tests.conftest import ANY, said

KINDS = {"name": Name, "line": Line, "text": Text}
# Fields with a rule of their own: a login's and an address's pattern, a password as typed.
OWN_RULES = {"login", "email", "password", "confirmation"}
# What the programme's people and things are called: names refuse what would disguise them.
NAMES = {("UserIn", "display_name"), ("PromotionIn", "name"), ("DefiIn", "name"), ("DefiIn", "administration"),
         ("RosterRowIn", "defi"), ("RosterRowIn", "administration"), ("RosterRowIn", "name"),
         ("LegacyEntryIn", "label"), ("PhaseTemplateIn", "name"), ("IndicatorIn", "name")}

LINE_BREAKS = ["\n", "\r", "\r\n", "\u2028", "\u2029"]
CONTROLS = st.characters(categories=["Cc"]).filter(lambda c: c not in "\n\r")
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
        "\u200e", "\u200f", "\u061c"]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]
INVISIBLE = st.one_of(st.sampled_from(BIDI + ZERO_WIDTH), st.characters(categories=["Cf"]))
# Visible text around the character: letters, digits, punctuation, symbols and emoji, spaces.
VISIBLE = st.text(st.characters(categories=["L", "N", "P", "S", "Zs"]), max_size=30)


def validated(kind: str, value: str) -> str:
    return TypeAdapter(Annotated[KINDS[kind], bounded(200)]).validate_python(value)


def kind_of(rules: list[object]) -> str | None:
    """Which kind a field's validators make it, from its metadata."""
    checks = {rule.func for rule in rules if isinstance(rule, AfterValidator)} & {
        schemas.one_line, schemas.visible, schemas.without_format}
    return next((name for name, kind in KINDS.items()
                 if checks == {rule.func for rule in typing.get_args(kind)[1:]}), None)


def models(base: type = Input) -> list[type]:
    return [m for sub in base.__subclasses__() for m in (sub, *models(sub))]


def text_fields() -> list[tuple[str, str, str | None]]:
    """(model, field, kind) of every text field of every input model, lists of texts included."""
    out = []
    for model in models():
        for name, field in model.model_fields.items():
            if name in OWN_RULES:
                continue
            if field.annotation is str:
                out.append((model.__name__, name, kind_of(field.metadata)))
            elif typing.get_origin(field.annotation) is list:
                [item] = typing.get_args(field.annotation)
                if typing.get_origin(item) is Annotated and typing.get_args(item)[0] is str:
                    out.append((model.__name__, name, kind_of(list(typing.get_args(item)[1:]))))
    return out


def test_every_text_field_is_a_name_a_line_or_free_text():
    fields = text_fields()
    assert len(fields) > 30
    assert [(model, field) for model, field, kind in fields if kind is None] == []
    assert {(model, field) for model, field, kind in fields if kind == "name"} >= NAMES
    kinds = {(model, field): kind for model, field, kind in fields}
    assert kinds[("BulletinIn", "priority")] == "text" and kinds[("JournalEntryIn", "livrable")] == "line"


@settings(max_examples=60)
@given(before=VISIBLE, after=VISIBLE, kind=st.sampled_from(["name", "line"]), brk=st.sampled_from(LINE_BREAKS))
def test_one_line_fields_refuse_line_breaks(before, after, kind, brk):
    with pytest.raises(ValidationError, match=said("validation.line_break")):
        validated(kind, f"a{before}{brk}{after}b")


@settings(max_examples=60)
@given(before=VISIBLE, after=VISIBLE, kind=st.sampled_from(["name", "line"]), control=CONTROLS)
def test_one_line_fields_refuse_control_characters_tab_included(before, after, kind, control):
    with pytest.raises(ValidationError, match=said("validation.control_char", code=f"U+{ord(control):04X}")):
        validated(kind, f"a{before}{control}{after}b")


@settings(max_examples=60)
@given(before=VISIBLE, after=VISIBLE, brk=st.sampled_from(LINE_BREAKS))
def test_free_text_keeps_its_line_breaks(before, after, brk):
    assert brk in validated("text", f"a{before}{brk}{after}b")


@settings(max_examples=80)
@given(before=VISIBLE, after=VISIBLE, char=INVISIBLE)
def test_names_refuse_bidi_controls_and_zero_width_characters(before, after, char):
    with pytest.raises(ValidationError, match=said("validation.format_char", code=ANY)):
        validated("name", f"a{before}{char}{after}b")


@settings(max_examples=80)
@given(before=VISIBLE, after=VISIBLE, kind=st.sampled_from(["line", "text"]), char=INVISIBLE)
def test_other_text_drops_bidi_controls_and_zero_width_characters(before, after, kind, char):
    """Pasted from mail or an office document, unseen: dropped, the text shows as it did."""
    assert validated(kind, f"a{before}{char}{after}b") == f"a{before}{after}b".replace(char, "").strip()


@pytest.mark.parametrize("kind", ["name", "line", "text"])
def test_what_people_write_is_kept(kind):
    for typed in ("Léa Dupont-Müller", "Ministère de l'Intérieur (DNUM)", "Ψηφιακή Ελλάδα", "数据 😀 🇫🇷",
                  "عربي", "e\u0301té", "<b>gras</b> & 'quotes'"):
        assert validated(kind, typed) == typed

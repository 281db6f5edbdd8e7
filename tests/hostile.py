"""Hostile input for the property-based tests: strategies that mix plausible values with
what a browser, a pasted document or a file can send (control characters, right-to-left
marks, emoji, SQL and HTML fragments, 100,000-character strings, far dates, wrong types),
and `attempt()`, which runs one write and checks it was refused cleanly or written whole."""

from __future__ import annotations

import base64
import datetime as dt
import enum
import json
import re
import types
import typing
from collections.abc import Callable
from zoneinfo import ZoneInfo

from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import func, select

from lib import db
from lib.errors import ServiceError, StaleEdit
from lib.i18n import read_catalogue
from lib.models import Base

PARIS = ZoneInfo("Europe/Paris")
XSS_SCRIPT = "<script>window.__xss = 1</script>"
XSS_IMG = "<img src=x onerror=\"window.__xss = 1\">"
NASTY = [
    "", " ", "\t \n ", "\x00", "avant\x00après", "\x07\x08\x1b[31mrouge", "\x7f\x85\x9f", "\u202eevil\u202c",
    "\u200f\u200e\u200b\u2066x\u2069", "😀👩‍👩‍👧🇫🇷", "e\u0301", "\ufeffBOM", "\r\n", "\u2028\u2029",
    "'; DROP TABLE bulletin; --", "\" OR 1=1 --", "Robert'); DELETE FROM user; --", "%_\\", "\\x00",
    XSS_SCRIPT, XSS_IMG, "<b>gras</b>", "javascript:alert(1)", "{{7*7}}${7*7}", "=HYPERLINK(\"x\")",
    "é" * 300, "x" * 100_000, " " * 100_000, "😀" * 5001, "a" * 1001, "null", "None",
]

# Share tokens an address can carry that are no token `sharing.token_for` writes: a superscript
# or Arabic digit (`str.isdigit` says yes, `int` refuses the first), an expiry of 5,000 digits
# (more than `int` converts), signs, spaces, NUL, a line break, a fourth part.
CRAFTED_SHARE_TOKENS = ["a.².b", "a." + "9" * 5000 + ".b", "a.٣.b", "a.1.b", "..", "a.-1.b", "a.1.b.c", "\x00.1.b",
                        "é.1." + "A" * 43, "a.1." + "A" * 43 + "\n", "a.1e3." + "A" * 43, "a. 1." + "A" * 43]


def unsigned_token(claims: object, alg: str = "none") -> str:
    """A JWT whose header names `alg` and that carries no valid signature (`alg: none`)."""
    def part(data: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{part({'alg': alg, 'typ': 'JWT'})}.{part(claims)}."


def hostile_text() -> st.SearchStrategy[str]:
    """Any text a person or a file could send (never lone surrogates: UTF-8 cannot carry them)."""
    return st.one_of(
        st.sampled_from(NASTY),
        st.text(max_size=40),
        st.text(st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs", "Zl", "Zp", "So", "Lo"]), max_size=40),
        st.builds(lambda a, b, c: a + b + c, st.text(max_size=10), st.sampled_from(NASTY), st.text(max_size=10)),
    )


FAR_DATES = [dt.date(1, 1, 1), dt.date(1899, 12, 31), dt.date(1970, 1, 1), dt.date(2099, 12, 31),
             dt.date(2100, 1, 1), dt.date(9999, 12, 31)]


def hostile_dates() -> st.SearchStrategy[dt.date]:
    return st.one_of(st.sampled_from(FAR_DATES), st.dates(), st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31)))


def hostile_datetimes() -> st.SearchStrategy[dt.datetime]:
    aware = st.sampled_from([dt.UTC, PARIS, ZoneInfo("Pacific/Kiritimati")])
    return st.one_of(
        st.datetimes(timezones=st.one_of(st.none(), aware)),
        st.datetimes(dt.datetime(2026, 1, 1), dt.datetime(2027, 12, 31), timezones=aware),
        st.sampled_from([dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.UTC), dt.datetime(1, 1, 1, tzinfo=dt.UTC)]),
    )


def wrong_types() -> st.SearchStrategy[object]:
    return st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.binary(max_size=8),
                     st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(),
                                                                          max_size=2))


def composite(tp: object, part: Callable[[object], st.SearchStrategy], list_size: int) -> st.SearchStrategy | None:
    """A strategy for an annotated, union, list or dict type, built from `part`'s strategies
    for its parts (dict keys are `part(str)`); None for any other type."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Annotated:
        return part(args[0])
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(part(a) for a in args))
    if origin is list:
        return st.lists(part(args[0]), max_size=list_size)
    if origin is dict:
        return st.dictionaries(part(str), part(args[1]), max_size=3)
    return None


def plausible(tp: object) -> st.SearchStrategy[object]:
    """Values of the annotated type, hostile within that type."""
    if (strategy := composite(tp, plausible, list_size=4)) is not None:
        return strategy
    if tp is type(None):
        return st.none()
    if tp is str:
        return hostile_text()
    if tp is bool:
        return st.booleans()
    if tp is int:
        return st.one_of(st.integers(-2, 40), st.integers())
    if tp is dt.datetime:
        return hostile_datetimes()
    if tp is dt.date:
        return hostile_dates()
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return st.one_of(st.sampled_from(list(tp)), st.sampled_from([m.value for m in tp]), hostile_text())
    return wrong_types()


def safe(tp: object) -> st.SearchStrategy[object]:
    """Values a form would accept, still carrying odd characters (emoji, markup, controls)."""
    if (strategy := composite(tp, safe, list_size=3)) is not None:
        return strategy
    if tp is str:
        return st.builds(lambda a, nasty, b: a + nasty[:30] + b, st.text("abcdéèçàôÉ ", min_size=1, max_size=8),
                         st.sampled_from(NASTY), st.text(max_size=8))
    if tp is int:
        return st.integers(1, 4)
    if tp is dt.datetime:
        return st.datetimes(dt.datetime(2026, 1, 1), dt.datetime(2026, 12, 31), timezones=st.just(PARIS))
    if tp is dt.date:
        return st.dates(dt.date(2024, 1, 1), dt.date(2026, 11, 18))
    return plausible(tp)


@st.composite
def payloads(draw: st.DrawFn, model: type, **fixed: st.SearchStrategy) -> dict:
    """Keyword arguments for `model`: up to three fields hostile (plausible type or a wrong
    one), the others as a form would send them; optional fields sometimes left out;
    `fixed` gives some fields their own strategy (and always sends them)."""
    fields = model.model_fields
    hostile = set(draw(st.lists(st.sampled_from(sorted(fields)), max_size=min(3, len(fields)), unique=True)))
    out = {}
    for name, field in fields.items():
        if name in fixed:
            strategy = fixed[name]
        elif name in hostile:
            strategy = st.one_of(plausible(field.annotation), plausible(field.annotation), wrong_types())
        else:
            strategy = safe(field.annotation)
        if name in fixed or field.is_required() or draw(st.integers(0, 4)):
            out[name] = draw(strategy)
    return out


# --- Checking an attempted write -------------------------------------------------------------

_TEXTS = [form for m in read_catalogue() if m.id for form in (m.string if m.pluralizable else (m.string,))]
_MESSAGES = [re.compile("^" + re.sub(r"\\\{\w+\\\}", ".*", re.escape(text)) + "$", re.S) for text in _TEXTS]
_MESSAGES.append(re.compile("^" + re.escape(StaleEdit().args[0]) + "$"))


def is_catalogue_message(message: str) -> bool:
    """True when the message is one of the French catalogue's (placeholders filled)."""
    return any(p.match(message) for p in _MESSAGES)


def table_counts() -> tuple[int, ...]:
    """Row counts of every table, in one query (the cache versions aside)."""
    tables = [t for t in Base.metadata.sorted_tables if t.name != "scope_version"]
    with db.reading() as s:
        return tuple(s.execute(select(*(select(func.count()).select_from(t).scalar_subquery()
                                        for t in tables))).one())


def attempt(write: Callable[[], object]) -> tuple[bool, object]:
    """Run one write. A refusal must be a validation error or a service error carrying a
    French catalogue message, and must leave every table and the cache versions untouched.
    Returns (written, result)."""
    counts, version = table_counts(), db.scope_versions()
    try:
        return True, write()
    except ValidationError as exc:
        assert exc.errors()
    except (ServiceError, ValueError) as exc:
        assert is_catalogue_message(str(exc)), f"{type(exc).__name__}: {str(exc)[:200]!r}"
    assert table_counts() == counts, "a refused write changed some rows"
    assert db.scope_versions() == version, "a refused write was committed"
    return False, None

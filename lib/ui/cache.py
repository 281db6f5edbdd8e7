"""Cached reads: a read service cached on (database, data version, arguments), so that a write in
any app process sharing the database drops stale entries (docs/design.md, Architecture:
Caching), and the clock to the minute those reads are keyed on."""

from __future__ import annotations

import datetime as dt
import functools
import importlib
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import streamlit as st

from lib import db
from lib.clock import now_utc
from lib.config import get_settings

P = ParamSpec("P")
R = TypeVar("R")


@st.cache_data(ttl=3600, max_entries=2000, show_spinner=False)
def _cached_call(fn_name: str, url: str, version: int, args: tuple, kwargs: dict) -> object:
    module, name = fn_name.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)(*args, **kwargs)


def cached(fn: Callable[P, R]) -> Callable[P, R]:
    """Cache a read service on (database, data version, arguments). Every write bumps the
    version in the database, so all app processes sharing it drop stale entries at once;
    the acting user is always among the arguments, so permissions stay per user."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        url = get_settings().database_url
        return _cached_call(f"{fn.__module__}.{fn.__qualname__}", url, db.data_version(), args, kwargs)

    return wrapper


def now() -> dt.datetime:
    """The present to the minute, as pages pass it to cached reads: keyed on the time they are
    given, they would otherwise miss on every run (docs/design.md, Architecture: Caching)."""
    return now_utc().replace(second=0, microsecond=0)

"""Cached reads: a read service cached on (database, the versions of the scopes it reads,
arguments), so that a write in any app process sharing the database drops the entries it made
stale and only those (docs/design.md, Architecture: Caching), and the clock to the minute those
reads are keyed on."""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import inspect
import pickle
from collections.abc import Callable, Mapping
from typing import ParamSpec, TypeVar

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from lib import db
from lib.clock import now_utc
from lib.config import get_settings
from lib.models import Committee, DefiPhase, ScopeVersion

P = ParamSpec("P")
R = TypeVar("R")

# Arguments naming a row of one défi: the read is about that défi (such rows never move).
_ROWS_OF_A_DEFI = {"defi_phase_id": DefiPhase, "committee_id": Committee}
_RUN_VERSIONS = "_suivi_scope_versions"  # the attribute of a run's context holding its versions


@st.cache_resource(ttl=3600, max_entries=2000, show_spinner=False)
def _cached_call(fn_name: str, url: str, versions: tuple[int, int], args: tuple, kwargs: dict) -> object:
    """The read's result as stored: a DataFrame as it is, anything else pickled. A hit hands it
    out through `_handed_out`, cheaper than `st.cache_data`'s copy on every hit."""
    module, name = fn_name.rsplit(".", 1)
    result = getattr(importlib.import_module(module), name)(*args, **kwargs)
    return result if isinstance(result, pd.DataFrame) else pickle.dumps(result)


def _handed_out(stored: object) -> object:
    """A result no page can change for another: a frame's shallow copy (pandas copies on write,
    so whatever a page does to it never reaches the stored frame), anything else unpickled anew."""
    return stored.copy(deep=False) if isinstance(stored, pd.DataFrame) else pickle.loads(stored)  # noqa: S301


def cached(fn: Callable[P, R]) -> Callable[P, R]:
    """Cache a read service on (database, versions of the global scope and of the read's own
    scope, arguments). A write bumps, in the database, the scopes of the rows it wrote, so
    every app process sharing it drops those entries at once and keeps the others; the acting
    user is always among the arguments, so permissions stay per user."""
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        url = get_settings().database_url
        versions = run_versions(url)
        scope = read_scope(fn, signature.bind(*args, **kwargs).arguments, url)
        key = (versions.get(ScopeVersion.GLOBAL, 0), versions.get(scope, 0))
        return _handed_out(_cached_call(f"{fn.__module__}.{fn.__qualname__}", url, key, args, kwargs))

    return wrapper


def forget_reads() -> None:
    """Empty the cache of reads, as a process just started has it (the benchmark's cold runs)."""
    _cached_call.clear()


def read_scope(fn: Callable, arguments: Mapping[str, object], url: str) -> str:
    """The scope a read is keyed on, from its arguments: its promotion (`promotion_id`), else its
    défi (`defi_id`, or a row of the défi), else the whole programme, which every write bumps;
    the programme too for a read marked as reading across promotions."""
    if getattr(fn, "reads_across_promotions", False):
        return ScopeVersion.PROGRAMME
    if (promotion_id := arguments.get("promotion_id")) is not None:
        return ScopeVersion.promotion(promotion_id)
    if (defi_id := arguments.get("defi_id")) is not None:
        return ScopeVersion.defi(defi_id)
    for name, model in _ROWS_OF_A_DEFI.items():
        if (row_id := arguments.get(name)) is not None and (defi_id := _defi_of(url, model, row_id)) is not None:
            return ScopeVersion.defi(defi_id)
    return ScopeVersion.PROGRAMME


@functools.lru_cache(maxsize=4096)
def _defi_of(url: str, model: type, row_id: int) -> int | None:
    return db.defi_of(model, row_id, db.get_engine(url))


def run_versions(url: str) -> Mapping[str, int]:
    """The scopes' versions, read once per script run (and again after a write of this process):
    a run's reads are keyed on one reading of the database. Outside a run (tests, scripts),
    read at every call. Streamlit gives each run, and each fragment rerun, new cursors."""
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:
        return db.scope_versions(db.get_engine(url))
    cursors, commits, read_url, versions = getattr(ctx, _RUN_VERSIONS, (None, None, None, None))
    if cursors is not ctx.cursors or (commits, read_url) != (db.bumping_commits(), url):
        cursors, commits, read_url = ctx.cursors, db.bumping_commits(), url
        versions = db.scope_versions(db.get_engine(url))
        setattr(ctx, _RUN_VERSIONS, (cursors, commits, read_url, versions))
    return versions


def now() -> dt.datetime:
    """The present to the minute, as pages pass it to cached reads: keyed on the time they are
    given, they would otherwise miss on every run (docs/design.md, Architecture: Caching)."""
    return now_utc().replace(second=0, microsecond=0)

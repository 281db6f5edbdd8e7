"""Values handed once between the app's routes and its pages through the browser, which carries
only a random code for them: the login cookie's value, which the page may not write itself
(the cookie is HttpOnly) and hands to a route; the refusal of a ProConnect sign-in, which the
callback route hands to the page that shows it.

They stay in this process's memory for a minute: the browser's next request reaches the same
process, as the reverse proxy keeps a browser on one process for its websocket anyway
(docs/deployment.md, sticky sessions)."""

from __future__ import annotations

import secrets
import threading
import time

LIFETIME_S = 60.0

_lock = threading.Lock()
_waiting: dict[tuple[str, str], tuple[float, object]] = {}


def leave(kind: str, value: object) -> str:
    """Keep `value` for one `take` of the same kind; the code to hand the browser."""
    code = secrets.token_urlsafe(32)
    now = time.monotonic()
    with _lock:
        for key in [key for key, (until, _) in _waiting.items() if until < now]:
            del _waiting[key]
        _waiting[(kind, code)] = (now + LIFETIME_S, value)
    return code


def take(kind: str, code: object) -> object | None:
    """The value left under `code`, once; None for an unknown, spent or expired code."""
    if not isinstance(code, str):
        return None
    with _lock:
        until, value = _waiting.pop((kind, code), (0.0, None))
    return value if until >= time.monotonic() else None

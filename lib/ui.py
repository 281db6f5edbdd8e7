"""Streamlit glue shared by the frame (frame.py) and the pages: start-up, the login gate, the
promotion/défi picker, the pages' menu and gate, cached reads and error display, and the kit
page bodies are made of (charts with their data, bulletin cards, versioned forms, writes). No SQL
here: services only."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import functools
import importlib
import logging
import re
import runpy
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn, ParamSpec, TypeVar

import extra_streamlit_components
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
import streamlit_authenticator as stauth
from pandas.io.formats.style import Styler
from pydantic import ValidationError
from streamlit_authenticator.utilities import LoginError

from lib import auth, chrome, db, documents, formats, handoff, invitations, permissions, portfolio, proconnect
from lib.clock import now_utc
from lib.config import ROOT, get_settings
from lib.errors import ServiceError
from lib.i18n import t
from lib.permissions import Action, Actor, Capacity, allowed
from lib.programme import mood_label
from lib.schemas import errors_by_field

P = ParamSpec("P")
R = TypeVar("R")
M = TypeVar("M")


@st.cache_resource(show_spinner=False)
def _migrated(url: str) -> bool:
    """Upgrade the database to the latest migration once per process and database; the app's
    own log lines (loggers `lib.*`, such as "database migrated") go to stderr beside Streamlit's."""
    app_log = logging.getLogger("lib")
    if not app_log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        app_log.addHandler(handler)
        app_log.setLevel(logging.INFO)
    db.upgrade_to_head(url)
    return True


def boot() -> None:
    """Migrate the database, in production refuse unsafe configuration, and draw Streamlit's
    interface in French (lib/chrome.py)."""
    from lib.seed import DEMO_LOGINS

    _migrated(get_settings().database_url)
    auth.check_production_safety(DEMO_LOGINS)
    chrome.draw()


# --- Login ---------------------------------------------------------------------------------


# The session epoch this session was opened under (by the form, or by a cookie carrying it).
SESSION_EPOCH = "session_epoch"


def current_actor() -> Actor | None:
    """The seam: the logged-in user, from server-side session state set by the login form
    (or by a page test). Re-read from the database on every run, so a deactivated user, or one
    whose sessions were ended since (a reset, a role change), is out at once."""
    if not st.session_state.get("authentication_status"):
        return None
    return auth.actor_for_login(st.session_state.get("username"), st.session_state.get(SESSION_EPOCH))


def _script(code: str) -> None:
    """Run `code`, a fixed script of ours (no user text in it), in the page."""
    st.html(f"<script>{code}</script>", unsafe_allow_javascript=True)


# Characters of a one-time code (lib.handoff): nothing else may reach the script.
_CODE = re.compile(r"[A-Za-z0-9_-]+")


class _RouteCookie:
    """The login cookie, HttpOnly, through its route (lib/auth.py, SESSION_ROUTE): what
    streamlit-authenticator asks of its cookie manager (`set`, `delete`), done by a script in the
    page that calls the route. The page hands the script a one-time code for the cookie's value,
    never the value, and no script can read the cookie back: a script injected into the page
    could not carry a login away. The library reads the cookie from `st.context.cookies`.

    It replaces extra-streamlit-components' cookie component, which was drawn on every run only
    to read the cookies, and answered its first drawing and every write with a script run of
    its own, during which a person's click was lost. A script answers nothing."""

    def set(self, cookie: str, val: str, **_: object) -> None:
        code = handoff.leave(cookie, val)
        if not _CODE.fullmatch(code):
            raise ValueError("a one-time code is URL-safe base64")
        self._call("POST", f"body: '{code}'")

    def delete(self, cookie: str, **_: object) -> None:
        self._call("DELETE", "")

    @staticmethod
    def _call(method: str, body: str) -> None:
        _script(f"fetch('{auth.SESSION_ROUTE}', {{method: '{method}', credentials: 'same-origin', "
                f"headers: {{'{auth.SESSION_HEADER}': '1'}}, {body}}});")


# streamlit-authenticator builds its manager as `extra_streamlit_components.CookieManager()`.
extra_streamlit_components.CookieManager = _RouteCookie


def _authenticator() -> stauth.Authenticate:
    settings = get_settings()
    # Before login any account may log in or come back by cookie; after, only this one acts.
    logged_in = st.session_state.get("username") if st.session_state.get("authentication_status") else None
    authenticator = stauth.Authenticate(auth.credentials(logged_in), auth.COOKIE_NAME, settings.cookie_key,
                                        auth.COOKIE_EXPIRY_DAYS, auto_hash=False, login_sleep_time=0)
    # The library draws the form and keeps the cookie; the password itself is checked by
    # auth.check_login, which counts failures in the database and locks guessed accounts.
    authenticator.authentication_controller.authentication_model.check_credentials = _check_credentials
    # The cookie carries the session epoch it was issued under, and comes back only while
    # the account still has that epoch.
    cookies = authenticator.cookie_controller.cookie_model
    read_cookie = cookies.get_cookie

    def get_cookie() -> dict | None:
        token = read_cookie()
        if not token or auth.session_epoch(token["username"]) != token.get("epoch"):
            return None
        st.session_state[SESSION_EPOCH], st.session_state[_VIA] = token["epoch"], token.get("via")
        return token

    def token_encode() -> str:
        return auth.login_token(st.session_state["username"], st.session_state[SESSION_EPOCH],
                                st.session_state.get(_VIA), cookies.exp_date)

    cookies.get_cookie, cookies._token_encode = get_cookie, token_encode
    return authenticator


def _check_credentials(username: str, password: str) -> bool:
    outcome = auth.check_login(username, password, _client())
    st.session_state[_VIA] = None
    st.session_state["login_locked_until"] = outcome.locked_until
    st.session_state[SESSION_EPOCH] = outcome.session_epoch
    return outcome.ok


def _logout_everywhere(actor: Actor, authenticator: stauth.Authenticate) -> None:
    auth.end_sessions(actor)
    _logout(authenticator)


_REMEMBER = "ui_remember_login"


def _client() -> str | None:
    client = st.context.ip_address  # None on localhost (and not a string under AppTest)
    return client if isinstance(client, str) else None


# How this session was opened: None (the password form) or auth.PROCONNECT, which the login
# cookie carries too: logging out of such a session also ends ProConnect's.
_VIA = "ui_login_via"
# ProConnect's mark on its button, a file of ours drawn in the page (nothing from another host).
PROCONNECT_LOGO = ROOT / "lib" / "assets" / "proconnect.svg"
# The refusal of this browser's last ProConnect sign-in, shown until it logs in.
_PROVIDER_REFUSAL = "ui_proconnect_refusal"


@functools.cache
def _proconnect_logo() -> str:
    """The mark as a data URI for the button's CSS: st.html keeps styles but drops inline SVG."""
    return "data:image/svg+xml;base64," + base64.b64encode(PROCONNECT_LOGO.read_bytes()).decode()


def _proconnect_offer() -> None:
    """ProConnect's button, when configured (its sign-in runs on the app's routes: lib/proconnect.py),
    and the refusal its callback handed this page."""
    if get_settings().proconnect is None:
        return
    if proconnect.REFUSAL in st.query_params:
        refusal = handoff.take(proconnect.REFUSAL, st.query_params[proconnect.REFUSAL])
        st.session_state[_PROVIDER_REFUSAL] = refusal or t("login.proconnect.refused.provider")
        del st.query_params[proconnect.REFUSAL]
    if refusal := st.session_state.get(_PROVIDER_REFUSAL):
        st.error(md(refusal))  # it quotes the address the provider sent
    st.html(documents.render("proconnect_button.html", login=f"{proconnect.PREFIX}/login", logo=_proconnect_logo()))
    st.caption(t("login.proconnect.or"))


# The login cookie to delete on the next script run (a script drawn in a click callback, or
# just before st.rerun, does not reliably reach the browser: a reload then logged the person
# back in): True, by its route; auth.PROCONNECT, by ProConnect's logout route, which also ends
# the provider's session.
_FORGET = "ui_forget_login"


def _end_session(authenticator: stauth.Authenticate, forget: bool | str = True) -> None:
    authenticator.authentication_controller.logout()
    st.session_state[_FORGET] = forget
    st.session_state.pop(_PROVIDER_REFUSAL, None)


def _logout(authenticator: stauth.Authenticate) -> None:
    """End this session, and the provider's when the session was opened through ProConnect."""
    _end_session(authenticator, st.session_state.get(_VIA) or True)


def _forgot_password() -> None:
    """"Mot de passe oublié ?": one answer whatever the address (lib.invitations)."""
    if not st.session_state.get("login_forgot"):
        st.button(t("login.forgot.title"), key="forgot_button", type="tertiary",
                  on_click=st.session_state.update, args=({"login_forgot": True},))
        return
    with st.form("forgot_password"):
        st.markdown(f"**{t('login.forgot.title')}**")
        address = st.text_input(t("login.forgot.email"), key="forgot_email", autocomplete="email")
        if st.form_submit_button(t("login.forgot.button")) and address.strip():
            invitations.request_reset(address, _client())
            st.success(t("login.forgot.answer"))


def login_gate() -> tuple[Actor, stauth.Authenticate]:
    """Show the login form until someone logs in; return the acting user."""
    authenticator = _authenticator()
    if not st.session_state.get("authentication_status"):
        forget = st.session_state.pop(_FORGET, False)
        if forget == auth.PROCONNECT:
            _script(f"window.location.assign('{proconnect.PREFIX}/logout');")
        elif forget:
            authenticator.cookie_controller.delete_cookie()
        st.title(t("app.title"))
        st.caption(t("app.tagline"))
        _proconnect_offer()
        try:
            authenticator.login(fields={"Form name": t("app.login.title"), "Username": t("app.login.username"),
                                        "Password": t("app.login.password"), "Login": t("app.login.button")})
        except LoginError:
            st.session_state["authentication_status"] = False
        if st.session_state.get("authentication_status"):
            # Logged in by this run's form: redraw without it. The rerun discards the cookie
            # the library just sent, so the next run sends it again (see below).
            st.session_state[_REMEMBER] = True
            st.rerun()
        locked_until = st.session_state.get("login_locked_until")
        if st.session_state.get("authentication_status") is False and locked_until:
            st.error(t("app.login.locked", until=formats.moment(locked_until)))
        elif st.session_state.get("authentication_status") is False:
            st.error(t("app.login.failed"))
        elif st.session_state.get("logout"):
            st.success(t("app.logged_out"))
        else:
            st.info(t("app.login.prompt"))
        _forgot_password()
    actor = current_actor()
    if actor is not None and st.session_state.pop(_REMEMBER, False):
        authenticator.cookie_controller.set_cookie()  # so that a reload keeps the user logged in
    if actor is None:
        if st.session_state.get("authentication_status"):  # deactivated, or sessions ended, since login
            _end_session(authenticator)
            st.rerun()
        st.stop()
    return actor, authenticator


# --- Context: promotion and défi picked in the sidebar ---------------------------------------


@dataclass(frozen=True)
class PageContext:
    """The acting user and what they picked in the sidebar, with the rights pages ask about:
    read from lib/permissions.py, never derived from a role here."""

    actor: Actor
    promotion: portfolio.PromotionInfo | None
    defi: portfolio.DefiInfo | None

    @property
    def staff(self) -> bool:
        """Coaches and admins: administration and the coaches' pages (`permissions.staff`)."""
        return permissions.staff(self.actor)

    @property
    def admin(self) -> bool:
        """Admins: personal data and staff accounts (`permissions.admin`)."""
        return permissions.admin(self.actor)

    def may(self, action: Action) -> bool:
        """Whether the matrix lets the actor do `action` on the picked défi; before one is
        picked, whether a coach could on any (so the menu offers coaches a défi's pages)."""
        if self.defi is not None:
            return self.defi.may(action)
        return self.staff and allowed(Capacity.STAFF, action)


def role_label(actor: Actor, defi: portfolio.DefiInfo | None) -> str:
    """What the person is on the chosen défi (sponsor, porteur·se, EIG); coaches and admins
    keep their programme role; « membre » only for someone in no team of the promotion."""
    if defi is not None and defi.my_role is not None:
        return t(f"defi_role.{defi.my_role}")
    return t(f"role.{actor.role}")


def sidebar(actor: Actor, authenticator: stauth.Authenticate) -> PageContext:
    """Promotion and défi pickers offering only what the user may see; logout."""
    with st.sidebar:
        who = st.empty()  # filled once the défi is chosen: the role shown is the one on that défi
        promotions = cached(portfolio.promotions_for)(actor)
        promotion = defi = None
        if promotions:
            # Opens on the running promotion, not the newest: the next one is created before
            # the current one ends (portfolio.default_promotion).
            running = cached(portfolio.default_promotion)(actor, now())
            promotion = st.selectbox(t("app.sidebar.promotion"), promotions, format_func=lambda p: p.name,
                                     index=next((i for i, p in enumerate(promotions) if p.id == running), 0),
                                     key="promotion_pick", placeholder=t("widget.choose"))
            defis = cached(portfolio.defis_for)(actor, promotion.id)
            if defis:
                # A coach opens on a défi of hers; Streamlit comes back to this default when the
                # picked défi is not among a newly picked promotion's.
                defi = st.selectbox(t("app.sidebar.defi"), defis, key="defi_pick",
                                    index=defis.index(portfolio.default_defi(defis)),
                                    format_func=lambda d: f"{d.name} · {d.administration}",
                                    placeholder=t("widget.choose"))
            else:
                st.info(t("app.sidebar.no_defi"))
        who.caption(t("app.sidebar.logged_as", name=md(actor.display_name), role=role_label(actor, defi)))
        # Logging out in a callback runs before the next script run, so the page redraws
        # logged out at once and a click arriving during a rerun is not lost.
        st.button(t("app.logout"), key="logout_button", on_click=_logout, args=(authenticator,))
        st.button(t("app.logout_everywhere"), key="logout_everywhere_button", type="tertiary",
                  help=t("app.logout_everywhere.help"), on_click=_logout_everywhere, args=(actor, authenticator))
    context = PageContext(actor=actor, promotion=promotion, defi=defi)
    st.session_state["context"] = context
    return context


def _context() -> PageContext:
    """The page context frame.py set up for this run. Every page starts with it (`page`), so
    it also shows the message of the write that caused this run (see `done`).

    Taken, not read: a page that Streamlit ran without frame.py (its pages-directory mode, on a
    process's first run, because pages/ exists) finds none and goes through frame.py, the login
    gate, which then runs the page or shows the login form."""
    page_context = st.session_state.pop("context", None)
    if page_context is None:
        runpy.run_path(str(ROOT / "frame.py"))
        st.stop()
    _show_done()
    return page_context


# --- Cached reads --------------------------------------------------------------------------


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


# --- After a write ---------------------------------------------------------------------------


def done(message: str) -> NoReturn:
    """Rerun the page after a successful write and say so on the next run (a message shown
    now would vanish with the rerun); the page's forms reopen on what was written."""
    _forms().wrote(message)
    st.rerun()


def _show_done() -> None:
    """The message of the write that caused this run, once."""
    forms = _forms()
    if message := forms.done:
        forms.done = None
        st.success(message, icon=":material/check_circle:")


def rows_key(name: str, owner: int, rows: list[object]) -> str:
    """The key of a table that picks or edits rows by clicks: its défi or promotion, and the
    rows it lists, in order (with their versions, for a table that edits them). A click or an
    edit names a row by its position, so when the rows change (a filter, a page, a save, a
    switch in the sidebar), the old one goes with them instead of landing on another row."""
    return f"{name}_{owner}_{zlib.crc32(','.join(map(str, rows)).encode())}"


def same_defi(defi: portfolio.DefiInfo, record: object) -> None:
    """Refuse to render a record of another défi than the one picked in the sidebar: the
    widgets that pick records are keyed by the défi, so this never happens unless a page
    forgets to."""
    if record.defi_id != defi.id:
        raise RuntimeError(f"{type(record).__name__} of défi {record.defi_id} shown on défi {defi.id}")


# --- Forms: editing a versioned record, creating something -------------------------------------


class _Forms:
    """The session's forms: the openings of records, the generations of creating forms, the
    writes under way and their messages. Changed in place, never through st.session_state: a
    click callback is stopped at its next access to session state when a newer click arrives
    (Streamlit starts another script runner at once), and a write must not be left recorded
    by halves."""

    def __init__(self) -> None:
        self.openings: dict[str, dict] = {}  # name -> {"key", "seen"}
        self.generations: dict[str, int] = {}
        self.writing: dict[str, threading.Event] = {}  # form key -> set once its write is over
        self.written: dict[str, str] = {}  # form key -> the message of the write that used it
        self.errors: dict[str, list[str]] = {}
        self.done: str | None = None  # the message the next run shows

    def wrote(self, message: str) -> None:
        """After the person's own write: every form opened on a record reopens, on its next
        drawing, on the version it then reads, without saying that someone saved meanwhile (the
        committee's schedule, notes and report share its version: a save in one must not flag
        the others). A form whose record did not change keeps its key, and what is typed in it."""
        self.openings.clear()
        self.done = message


_FORMS = "ui_forms"
# Claims of forms are checked and taken under one lock: two clicks' callbacks may run at once.
_CLAIMS = threading.Lock()


def _forms() -> _Forms:
    return st.session_state.setdefault(_FORMS, _Forms())


@dataclass(frozen=True)
class Form:
    """A form as drawn: `key` names the form and its fields."""

    key: str
    name: str  # its entry in the session's forms
    forms: _Forms = dataclasses.field(repr=False, compare=False)

    def field(self, name: str) -> str:
        """The widget key of one of the form's fields."""
        return f"{self.key}_{name}"

    def value(self, name: str) -> object:
        """What the person has in a field (read by a save button's callback)."""
        return st.session_state.get(self.field(name))

    def current(self) -> bool:
        """Whether this is still the form the page draws, and no write of it is under way: a
        click on a form that a save has replaced (a double click's second) writes nothing."""
        raise NotImplementedError

    def claim(self) -> None:
        """Take the form for the write about to be made (under `_CLAIMS`)."""
        raise NotImplementedError

    def release(self) -> None:
        """Give the form back after a refused write, the person's input in it."""
        raise NotImplementedError


@dataclass(frozen=True)
class Edit(Form):
    """A form as its person opened it on a record. `key` stays the same until they save or
    start again, so what they type survives reruns and other people's saves; `newer` says
    someone else saved another version since they last saw it."""

    newer: bool = False
    opening: dict = dataclasses.field(default_factory=dict, repr=False, compare=False)

    @property
    def expected(self) -> int | None:
        """The version the person saw last, which their save claims to replace; read by the
        save button's callback, before the run that will show any newer version."""
        return self.opening["seen"]

    def current(self) -> bool:
        return self.forms.openings.get(self.name) is self.opening and self.key not in self.forms.writing

    def claim(self) -> None:
        self.forms.openings.pop(self.name, None)

    def release(self) -> None:
        self.forms.openings.setdefault(self.name, self.opening)

    def close(self) -> None:
        """Forget the opening (to start again from the saved version)."""
        self.forms.openings.pop(self.name, None)


def edit(form: str, record: object, version: int | None) -> Edit:
    """Open (or keep open) the form `form` on `record` at `version` (None: not written yet).
    A save refused as stale keeps the person's text; the page shows the other version with
    `newer_version`, and since they have now seen it, their next save may replace it."""
    forms, name = _forms(), f"{form}_{record}"
    opened = forms.openings.setdefault(name, {"key": f"{form}_{record}_{version}", "seen": version})
    newer, opened["seen"] = opened["seen"] != version, version
    return Edit(key=opened["key"], name=name, forms=forms, newer=newer, opening=opened)


@dataclass(frozen=True)
class New(Form):
    """A form that creates something (an entry, a measurement, an account, a sent recap)."""

    def current(self) -> bool:
        return _new_key(self.forms, self.name) == self.key and self.key not in self.forms.writing

    def claim(self) -> None:
        self.forms.generations[self.name] = self.forms.generations.get(self.name, 0) + 1

    def release(self) -> None:
        self.forms.generations[self.name] -= 1


def _new_key(forms: _Forms, name: str) -> str:
    return f"{name}_{forms.generations.get(name, 0)}"


def new(form: str, owner: object = None) -> New:
    """The form `form` that creates something (under `owner`: a défi, an indicator, a
    promotion): after each save its key changes, so an empty form is drawn. Emptying the fields'
    session keys is not enough: the browser keeps showing what it drew in the same widgets,
    and sends it again with the next click (one more entry, the whole promotion mailed again)."""
    forms, name = _forms(), form if owner is None else f"{form}_{owner}"
    return New(key=_new_key(forms, name), name=name, forms=forms)


def newer_version(opened: Edit, show: Callable[[], None]) -> None:
    """When someone else (another person, another tab) saved another version since this
    person opened the form: say so, show that version, and offer to start again from it. Their
    own text stays in the form. Their own saves never say so (`_Forms.wrote`)."""
    if not opened.newer:
        return
    with st.container(border=True):
        st.warning(t("edit.newer_version"), icon=":material/sync_problem:")
        show()
        st.button(t("edit.start_again"), key=f"{opened.key}_start_again", on_click=opened.close)


# --- Writes --------------------------------------------------------------------------------


def _validated(build: Callable[[], M], labels: dict[str, str] | None) -> tuple[M | None, list[str]]:
    """The input built and validated with pydantic, or each field's French error with its label."""
    try:
        return build(), []
    except ValidationError as exc:
        return None, [message if field == "__root__" else f"{(labels or {}).get(field, field)} : {message}"
                      for field, message in errors_by_field(exc).items()]
    except (ServiceError, ValueError) as exc:
        return None, [md(str(exc))]


def _performed(action: Callable[[M], R], data: M) -> tuple[R | None, list[str]]:
    """The write service's result, or its refusal as it said it."""
    try:
        return action(data), []
    except (ServiceError, ValueError) as exc:
        return None, [md(str(exc))]


# How long a click on a form being written waits for that write, to say what it did.
_WAIT_S = 60


def _writer(form: Form, build: Callable[[], M], action: Callable[[M], R], success: str | Callable[[M, R], str],
            labels: dict[str, str] | None, after: Callable[[R], None] | None) -> Callable[[], None]:
    """The click callback of a button that writes, run before the page's script run: the
    input validated, the form claimed, the write, then what the run shows (the message, or the
    errors under the form), and the form anew (`New`, `_Forms.wrote`). A click on a form a
    save has claimed writes nothing; the page says what that save did: a double click creates,
    sends or saves once."""
    forms = form.forms

    def said_again() -> None:
        if running := forms.writing.get(form.key):
            running.wait(_WAIT_S)
        forms.done = forms.written.get(form.key, forms.done)

    def write() -> None:
        if not form.current():
            return said_again()
        data, errors = _validated(build, labels)
        if errors:
            forms.errors[form.key] = errors
            return None
        with _CLAIMS:
            claimed = form.current()
            if claimed:
                form.claim()
                forms.writing[form.key] = threading.Event()
        if not claimed:
            return said_again()
        # From here to the end of the write, nothing touches st.session_state (see _Forms).
        try:
            result, errors = _performed(action, data)
            if errors:
                forms.errors[form.key] = errors
                form.release()
                return None
            message = success(data, result) if callable(success) else success
            forms.written[form.key] = message
            forms.wrote(message)
        finally:
            forms.writing.pop(form.key).set()
        if after:
            after(result)
        return None

    return write


def _errors(form: Form) -> None:
    """Under the button: why the form's last write was refused."""
    for message in form.forms.errors.pop(form.key, []):
        st.error(message)


def save_button(label: str, form: Form, build: Callable[[], M], action: Callable[[M], R],
                success: str | Callable[[M, R], str], labels: dict[str, str] | None = None,
                after: Callable[[R], None] | None = None, **button: object) -> None:
    """A form's submit button whose write runs in its click callback, before the page's
    script run: a save costs one run, which draws the saved data with `success` (a message,
    or one made from the input and the service's result) at the top of the page, and the
    page's forms anew (a `new` form empty), or the refusal under the button with the person's
    input kept. `build` reads the fields from session state (`typed`, `Form.value`); `action`
    reads nothing more from it (`Edit.expected` is not read from it); `after` runs once saved."""
    st.form_submit_button(label, on_click=_writer(form, build, action, success, labels, after), **button)
    _errors(form)


def send_button(label: str, form: New, build: Callable[[], M], action: Callable[[M], R],
                success: str | Callable[[M, R], str], **button: object) -> None:
    """A button outside any form that creates or sends something (an invitation): written
    like `save_button`, keyed by `form`, so that a double click sends once."""
    st.button(label, key=form.key, on_click=_writer(form, build, action, success, None, None), **button)
    _errors(form)


def invite_promotion(actor: Actor, promotion_id: int) -> None:
    """« Inviter les N personnes jamais invitées de cette promotion », when there are any: one
    click mails them all (`invitations.invite_promotion`), then says how many left and who
    was not invited, and why."""
    count = cached(invitations.never_invited)(actor, promotion_id)
    if not count:
        return

    def said(_: int, report: invitations.PromotionInvitations) -> str:
        sent = t("admin.invitations.promotion_sent", n=len(report.sent))
        return f"{sent} {md(invitations.failures(report.failed))}".strip()

    send_button(t("admin.invitations.invite_promotion", n=count), new("invite_promotion", promotion_id),
                lambda: promotion_id, lambda chosen: invitations.invite_promotion(actor, chosen), said,
                help=t("admin.invitations.invite_promotion_help"), type="primary")


def typed(schema: type[M], key: str, names: list[str]) -> M:
    """A form's fields under `key`, named as the schema's, validated by it (in a save
    button's callback, where widgets have not returned their values)."""
    return schema(**{name: st.session_state.get(f"{key}_{name}") for name in names})


def confirmed(form: Form, value: M, refusal: str) -> M:
    """What a form's action receives (the record it deletes, the mail it sends), once the
    form's `confirm` box is ticked; else the refusal."""
    if not form.value("confirm"):
        raise ValueError(refusal)
    return value


def submit(build: Callable[[], M], action: Callable[[M], R], success: str | None = None,
           labels: dict[str, str] | None = None, after: Callable[[R], None] | None = None) -> bool:
    """Validate a form with pydantic, run the write service, and show the outcome: each
    field's French error (with its label), the service's refusal, or `success`. Whether the
    write went through; `after` receives what the service returned (an id, a count, a file).
    Nothing that creates or sends goes through here, where a double click would do it twice
    (`save_button`, `send_button`); a write that goes on with `done` reopens the page's forms."""
    data, errors = _validated(build, labels)
    if not errors:
        result, errors = _performed(action, data)
    for message in errors:
        st.error(message)
    if errors:
        return False
    if success:
        st.success(success)
    if after:
        after(result)
    return True


def save_or_delete(opened: Edit, build: Callable[[], M], save: Callable[[M, int | None], object],
                   delete: Callable[[int | None], object], words: dict[str, str],
                   labels: dict[str, str] | None = None) -> None:
    """The foot of a form editing a record: a box to confirm the deletion, then the save and
    delete buttons side by side; `save` and `delete` receive the version the person saw
    (`Edit.expected`). `words` are the texts:
    `confirm`, `save`, `saved`, `delete`, `deleted` and `unconfirmed` (the deletion refused
    while the box is not ticked)."""
    st.checkbox(words["confirm"], key=opened.field("confirm"))
    save_col, delete_col = st.columns(2)
    with save_col:
        save_button(words["save"], opened, build, lambda data: save(data, opened.expected), words["saved"],
                    labels=labels, type="primary")
    with delete_col:
        save_button(words["delete"], opened, lambda: confirmed(opened, opened.expected, words["unconfirmed"]),
                    delete, words["deleted"])


# --- User text ------------------------------------------------------------------------------

# What opens Markdown or Streamlit syntax anywhere in a line (emphasis, code, links and images,
# HTML and autolinks, tables, strikethrough, LaTeX, entities, and Streamlit's `:red[...]`,
# `:material/...:` and `:smile:` (a colon before a letter): escaped with a
# backslash. Only these: widget labels also become the field's aria-label, where screen readers
# would read every backslash, so apostrophes, colons and periods stay as typed.
_INLINE_SYNTAX = re.compile(r"([\\`*_\[\]<>|~$])|&(?=#?\w+;)|:(?=[A-Za-z])")
# What opens a block at the start of a line: headings, lists, numbered lists, setext underlines.
_LINE_SYNTAX = re.compile(r"^([\u00a0]*(?:\d+(?=[.)]))?)([#+\-=.)])", re.MULTILINE)
# GitHub-flavoured Markdown links bare addresses (`http://…`, `www.…`, `name@host`) even when
# escaped, so an invisible word joiner goes inside each.
_BARE_ADDRESS = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?=@)", re.IGNORECASE)
# A line indented by four spaces after a blank line would be a code block, where escapes show.
_INDENT = re.compile(r"^[ \t]+", re.MULTILINE)


def md(text: object) -> str:
    """User text made inert inside anything that renders Markdown (st.markdown, alerts,
    captions, titles, widget and expander labels): it shows as typed, never as a link, an
    image, emphasis, colour or formula."""
    text = _BARE_ADDRESS.sub("\u2060", str(text))
    text = _INDENT.sub(lambda m: "\u00a0" * len(m.group()), text)
    text = _INLINE_SYNTAX.sub(lambda m: "\\" + m.group(0), text)
    return _LINE_SYNTAX.sub(r"\1\\\2", text).replace("\n", "  \n")


# --- The pages: the menu and each page's gate (docs/design.md, UI kit) ----------------------------


def _everyone(ctx: PageContext) -> bool:
    return True


@dataclass(frozen=True)
class Need:
    """Something a page needs of the context. The menu offers the page only where `offered`
    (a right: nothing picked in the sidebar gives it); the gate runs the page only where
    `met`, else shows the message `missing` (a catalogue key) and stops."""

    met: Callable[[PageContext], bool]
    missing: str
    offered: Callable[[PageContext], bool] = _everyone


def defi(missing: str) -> Need:
    """A défi picked in the sidebar; `missing` says to pick one, and what for."""
    return Need(lambda ctx: ctx.defi is not None, missing)


def may(action: Action, missing: str = "error.permission_denied") -> Need:
    """The matrix lets the actor do `action` on the picked défi (`PageContext.may`)."""
    return Need(lambda ctx: ctx.may(action), missing, offered=lambda ctx: ctx.may(action))


PROMOTION = Need(lambda ctx: ctx.promotion is not None, "retro.no_promotion")
STAFF = Need(lambda ctx: ctx.staff, "gate.staff_only", offered=lambda ctx: ctx.staff)
ADMIN = Need(lambda ctx: ctx.admin, "gate.admin_only", offered=lambda ctx: ctx.admin)


@dataclass(frozen=True)
class Page:
    """A page of the app: its script, its title in the menu (a catalogue key), icon and
    section, what it needs, whether its title names the picked défi (so that after a switch
    in the sidebar nobody edits one défi believing it is another), its own heading
    when that is not the menu's title, and its title in the coaches' and admins' menu when
    the page is another thing for them (an EIG's « Mon carnet » is where staff read everyone's)."""

    script: str
    title: str
    icon: str
    section: str
    needs: tuple[Need, ...] = ()
    names_defi: bool = False
    heading: str | None = None
    staff_title: str | None = None

    def menu_title(self, ctx: PageContext) -> str:
        """The catalogue key of the page's name in this person's menu."""
        return self.staff_title if ctx.staff and self.staff_title else self.title

    def offered(self, ctx: PageContext) -> bool:
        """Whether the menu lists the page (it only hides: services enforce the matrix)."""
        return all(need.offered(ctx) for need in self.needs)


_SUIVI, _PILOTAGE, _ADMIN = "app.section.suivi", "app.section.pilotage", "app.section.admin"
# The menu, in its order. The gate of each page reads its row, so the two cannot disagree.
PAGES = [
    Page("pages/home.py", "page.home", ":material/home:", _SUIVI, heading="home.welcome"),
    Page("pages/journal.py", "page.journal", ":material/menu_book:", _SUIVI,
         (defi("journal.no_defi"), may(Action.READ_JOURNAL)), names_defi=True),
    Page("pages/carnet.py", "page.carnet", ":material/person_book:", _SUIVI,
         (defi("carnet.no_defi"), may(Action.READ_CARNET, "carnet.not_for_you")), names_defi=True,
         heading="carnet.title", staff_title="page.carnet.staff"),
    Page("pages/bulletin.py", "page.bulletin", ":material/edit_note:", _SUIVI,
         (defi("bulletin.no_defi"), may(Action.WRITE_BULLETIN, "bulletin.not_eig")), names_defi=True),
    Page("pages/retrospectives.py", "page.retrospectives", ":material/insights:", _SUIVI, (PROMOTION,),
         names_defi=True),
    Page("pages/help_requests.py", "page.help_requests", ":material/support_agent:", _SUIVI, (STAFF, PROMOTION)),
    Page("pages/key_dates.py", "page.key_dates", ":material/event:", _SUIVI, (PROMOTION,), names_defi=True),
    Page("pages/phases.py", "page.phases", ":material/timeline:", _SUIVI,
         (defi("phases.no_defi"), may(Action.READ_PHASES)), names_defi=True),
    Page("pages/committees.py", "page.committees", ":material/groups:", _SUIVI,
         (defi("committees.no_defi"), may(Action.READ_COMMITTEE)), names_defi=True),
    Page("pages/indicators.py", "page.indicators", ":material/trending_up:", _SUIVI,
         (defi("indicators.no_defi"), may(Action.READ_INDICATORS)), names_defi=True),
    Page("pages/portfolio.py", "page.portfolio", ":material/monitoring:", _PILOTAGE, (STAFF, PROMOTION)),
    Page("pages/programme.py", "page.programme", ":material/query_stats:", _PILOTAGE),
    Page("pages/import.py", "page.import", ":material/upload_file:", _ADMIN, (STAFF,)),
    Page("pages/admin.py", "page.admin", ":material/settings:", _ADMIN, (STAFF,)),
    Page("pages/audit.py", "page.audit", ":material/history:", _ADMIN, (ADMIN,)),
]


def menu_name(ctx: PageContext, script: str) -> str:
    """The page's name as this person's menu writes it, for a button opening it."""
    return t(next(p for p in PAGES if p.script == script).menu_title(ctx))


# The page a button asked for (`open_page`), opened at the top of the next run: Streamlit cannot
# switch pages inside a callback.
_OPEN = "ui_open_page"


def open_page(ctx: PageContext, page: str, defi_id: int | None = None, promotion_id: int | None = None,
              **state: object) -> None:
    """A button's callback opening `page`, on défi `defi_id` of promotion `promotion_id` (the
    picked one when not given): both are picked in the sidebar before the pickers are drawn
    again (pages work on the picked défi), `state` is set (a page's own picker), and `page()`
    opens the page at the top of the run the click starts."""
    if promotion_id is not None and (ctx.promotion is None or promotion_id != ctx.promotion.id):
        promotion = next((p for p in cached(portfolio.promotions_for)(ctx.actor) if p.id == promotion_id), None)
        if promotion is not None:
            st.session_state["promotion_pick"] = promotion
    else:
        promotion = ctx.promotion
    if defi_id is not None and promotion is not None:
        defi = next((d for d in cached(portfolio.defis_for)(ctx.actor, promotion.id) if d.id == defi_id), None)
        if defi is not None:
            st.session_state["defi_pick"] = defi
    st.session_state.update(state)
    st.session_state[_OPEN] = page


def page(title: str) -> PageContext:
    """Every page behind the login starts here: the page a button asked for (`open_page`), else the
    context of this run, the page's title (its row of `PAGES`), and its gate: what the page
    needs and the context lacks is said in French, and the page stops there."""
    if target := st.session_state.pop(_OPEN, None):
        st.switch_page(target)
    ctx = _context()
    row = next(p for p in PAGES if p.title == title)
    # A heading may greet the person (« Bonjour {name} »); the others ignore the name.
    text = t(row.heading or row.title, name=md(ctx.actor.display_name))
    st.title(f"{text} · {md(ctx.defi.name)}" if row.names_defi and ctx.defi else text)
    for need in row.needs:
        if not need.met(ctx):
            st.info(t(need.missing))
            st.stop()
    return ctx


# --- Sections built only when opened ------------------------------------------------------------


def sections(key: str, tabs: dict[str, Callable[[], None]]) -> None:
    """A page's tabs, each built only while open: switching tab reruns the page and builds
    that tab alone, instead of building and sending every tab on every run."""
    for tab, render in zip(st.tabs(list(tabs), key=key, on_change="rerun"), tabs.values(), strict=True):
        if tab.open:
            with tab:
                render()


def chart(figure: go.Figure | None, data: object, key: str, columns: dict[str, object] | None = None, *,
          caption: str | None = None, expanded: bool = False, **grid: object) -> None:
    """A chart and its data: the figure, then the "voir les données" table, its text
    alternative, in an expander that costs nothing while closed: the table is built and sent
    only once the person opens it (which reruns the page). `data` is a DataFrame or rows, or
    a function making them, so that nothing is computed while closed; `columns` its headings;
    `caption` reads under the figure; `grid` more of `table`'s options. No figure
    (nothing to draw yet): the table alone; no data (the page shows it in full beside
    the chart): the figure alone."""
    if figure is not None:
        st.plotly_chart(figure, key=key, config={"displayModeBar": False})
    if caption:
        st.caption(caption)
    if data is None:
        return
    panel = st.expander(t("chart.see_data"), expanded=expanded, key=f"see_data_{key}", on_change="rerun")
    if panel.open:
        with panel:
            table(data() if callable(data) else data, column_config=columns, **grid)


# A table is as tall as its rows up to this many (a promotion's défis all show), then scrolls.
FULL_ROWS = 25
# Streamlit's grid: its header and a row of one line (2.1875rem), and a row of `lines` lines,
# whose text wraps (the grid wraps a cell's text once rows are taller than 4rem).
_HEADER_PX, _ROW_PX, _LINE_PX, _BORDERS_PX = 35, 35, 21, 2


def table(data: object, lines: int = 1, **grid: object) -> object:
    """Every table of the app: Streamlit's grid without the index, « — » in a cell without a
    value (Streamlit writes « None »), as tall as its rows up to `FULL_ROWS` (Streamlit's
    default shows ten, in a box to scroll). `lines` > 1: rows that tall, long text wrapping
    in them instead of running off (the page sets the columns' widths so the grid fits a
    1,280 px screen). `grid` is more of st.dataframe's options; a selectable table returns its
    selection."""
    rows = len(data.data if isinstance(data, Styler) else data)
    row = _ROW_PX if lines == 1 else 14 + _LINE_PX * lines
    height = _HEADER_PX + row * min(max(rows, 1), FULL_ROWS) + _BORDERS_PX
    return st.dataframe(data, **{"hide_index": True, "placeholder": "—", "height": height, "row_height": row, **grid})


# The risk level's cell: its word in the state design system's error, warning and success
# colours on their tint (contrast above 4.5:1), so the level reads by colour and by word.
_RISK_CELL = {"eleve": "color: #ce0500; background-color: #ffe9e9",
              "a_surveiller": "color: #b34000; background-color: #ffe9e6",
              "faible": "color: #18753c; background-color: #b8fec9"}


def risk_coloured(df: pd.DataFrame, label: str = "level_label", level: str = "level") -> Styler:
    """A table whose risk column (`label`, the level's word) is coloured by its `level`."""
    return df.style.apply(lambda column: [_RISK_CELL.get(v, "") for v in df[level]], subset=[label])


def download(label: str, data: object, file_name: str, key: str, mime: str | None = None,
             **button: object) -> None:
    """A download button that leaves the page as it is: the file goes to the browser, the script
    does not rerun. `data` may be a function, called on click, for a file that takes time to
    build. Streamlit's default reruns the page on click, which costs a run for nothing and, with
    `data` a function, races the click: the rerun replaces the function's id, and when the
    browser's request for the file arrives after it (a loaded server), no file comes."""
    st.download_button(label, data, file_name=file_name, mime=mime, key=key, on_click="ignore", **button)


# --- Bulletins -----------------------------------------------------------------------------------


def bulletin_card(heading: str, mood: int, priority: str, ups_downs: str,
                  more: tuple[tuple[str, str | None], ...] = (), note: str = "") -> None:
    """A filed bulletin as every page shows it: its heading (a week, a défi: user text, made
    inert here) and its mood, then its texts under their captions, as typed; `more` are
    further (caption, text) pairs, left out when empty. `note` follows the mood."""
    with st.container(border=True):
        st.markdown(f"**{md(heading)}** · {mood_label(mood)}{note}")
        for caption, text in ((t("bulletin.priority"), priority), (t("bulletin.ups_downs"), ups_downs), *more):
            if text:
                st.caption(caption)
                st.text(text)


# --- Widgets shared by several pages ------------------------------------------------------------


def french_numbers(df: pd.DataFrame, decimals: dict[str, int], percents: list[str]) -> pd.DataFrame:
    """A table's decimals and shares written as French readers expect (« 2,75 », « 13,4 % »):
    Streamlit's grid formats numbers with a dot, or in the browser's language."""
    out = df.copy()
    for column, digits in decimals.items():
        if column in out:
            out[column] = out[column].map(lambda v, d=digits: "" if pd.isna(v) else formats.decimal(v, d))
    for column in percents:
        if column in out:
            out[column] = out[column].map(lambda v: "" if pd.isna(v) else formats.percent(v))
    return out


def phase_metrics(phases: list, current: object | None) -> None:
    """Where a défi stands in four figures (the Phases page and the sponsor's home):
    the current phase, its objectives done, its time elapsed, the phases validated."""
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("phases.metric.current"), f"{current.number} / {len(phases)}" if current else "—")
    c2.metric(t("phases.metric.objectives"),
              f"{current.objectives_done} / {len(current.objectives)}" if current else "—")
    c3.metric(t("phases.metric.time"), f"{round(current.time_elapsed * 100)} %" if current else "—")
    c4.metric(t("phases.metric.validated"), f"{sum(p.state == 'validee' for p in phases)} / {len(phases)}")
    if current:
        c1.caption(f"{md(current.name)} · {t(f'phase_state.{current.state}')}")


# --- Column headings shared by several pages ---------------------------------------------------


def indicator_columns() -> dict[str, object]:
    """Headings of `indicators.indicators_table` (the Indicateurs page and the sponsor's home)."""
    return {"theme": t("indicators.col.theme"), "name": t("indicators.col.name"), "unit": t("indicators.col.unit"),
            "baseline": t("indicators.col.baseline"), "target": t("indicators.col.target"),
            "latest_on": st.column_config.DateColumn(t("indicators.col.latest_on"), format="DD/MM/YYYY"),
            "latest": t("indicators.col.latest"),
            "progress": st.column_config.NumberColumn(t("indicators.col.progress"), format="%d %%")}

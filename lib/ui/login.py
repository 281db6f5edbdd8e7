"""The login gate: the password form (streamlit-authenticator, checked by lib/auth.py), the login
cookie (a signed token carrying the session epoch, HttpOnly, set through its route), ProConnect's
button (its sign-in runs on the app's routes), logout, and « Mot de passe oublié ? ».
`login_gate()` returns the acting user or stops the run."""

from __future__ import annotations

import base64
import functools
import re

import extra_streamlit_components
import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.utilities import LoginError

from lib import auth, documents, formats, handoff, invitations, proconnect
from lib.config import ROOT, get_settings
from lib.i18n import t
from lib.permissions import Actor
from lib.text import md

# The page a button asked for (page.open_page), opened at the top of the next run: Streamlit
# cannot switch pages inside a callback. A run that has one ends early.
PAGE_TO_OPEN = "ui_open_page"

# The session epoch this session was opened under (by the form, or by a cookie carrying it).
SESSION_EPOCH = "session_epoch"


def current_actor() -> Actor | None:
    """The seam: the logged-in user, from server-side session state set by the login form
    (or by a page test). Re-read from the database on every run, so a deactivated user, or one
    whose sessions were ended since (a reset, a role change), is out at once."""
    if not st.session_state.get("authentication_status"):
        return None
    return auth.actor_for_login(st.session_state.get("username"), st.session_state.get(SESSION_EPOCH))


def fragment_actor(actor: Actor) -> Actor:
    """The acting user read again for a section rerun alone (`st.fragment`), which skips the
    frame's login gate: when the session ended or the account changed since the page's run
    (`actor`), the whole app reruns, and with it the gate."""
    again = current_actor()
    if again != actor:
        st.rerun(scope="app")
    return again


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
    authenticator = stauth.Authenticate({"usernames": {}}, auth.COOKIE_NAME, settings.cookie_key,
                                        auth.COOKIE_EXPIRY_DAYS, auto_hash=False, login_sleep_time=0)
    model = authenticator.authentication_controller.authentication_model
    # Given after construction: the library would copy a mapping it is built with, key by key.
    model.credentials["usernames"] = auth.ActiveAccounts(only=logged_in)
    # The library draws the form and keeps the cookie; the password itself is checked by
    # auth.check_login, which counts failures in the database and locks guessed accounts.
    model.check_credentials = _check_credentials
    # The cookie carries the session epoch it was issued under, and comes back only while
    # the account still has that epoch.
    cookies = authenticator.cookie_controller.cookie_model

    def get_cookie() -> dict | None:
        if st.session_state.get("logout"):
            return None
        try:  # what the browser sends, parsed by auth (the library let a forged token raise)
            token = auth.read_login_cookie(st.context.cookies.get(auth.COOKIE_NAME), cookies.cookie_key)
        except auth.CookieRefused:
            return None
        if auth.session_epoch(token.username) != token.epoch:
            return None
        st.session_state[SESSION_EPOCH], st.session_state[_VIA] = token.epoch, token.via
        return token.model_dump()

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


def logout_everywhere(actor: Actor, authenticator: stauth.Authenticate) -> None:
    auth.end_sessions(actor)
    logout(authenticator)


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


def open_session(login: str, session_epoch: int, via: str | None = None) -> None:
    """Sign `login` in, in this session, as the password form does (the seam `current_actor`
    reads); the login gate stores the login cookie on the next run. `via`: how (_VIA)."""
    st.session_state.update({"authentication_status": True, "username": login, SESSION_EPOCH: session_epoch,
                             _REMEMBER: True, "logout": None, _VIA: via})


def browser_login() -> str | None:
    """The account this browser is signed in to: this session's, else its login cookie's."""
    if actor := current_actor():
        return actor.login
    cookie = _authenticator().cookie_controller.get_cookie()
    return cookie["username"] if cookie else None


# The login cookie to delete on the next script run (a script drawn in a click callback, or
# just before st.rerun, does not reliably reach the browser: a reload then logged the person
# back in): True, by its route; auth.PROCONNECT, by ProConnect's logout route, which also ends
# the provider's session.
_FORGET = "ui_forget_login"


def _end_session(authenticator: stauth.Authenticate, forget: bool | str = True) -> None:
    authenticator.authentication_controller.logout()
    st.session_state[_FORGET] = forget
    st.session_state.pop(_PROVIDER_REFUSAL, None)


def logout(authenticator: stauth.Authenticate) -> None:
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
    # The cookie keeps the person logged in across reloads; a run about to open another page
    # (`open_page`) ends early and would lose it, so that page's run stores it.
    if actor is not None and PAGE_TO_OPEN not in st.session_state and st.session_state.pop(_REMEMBER, False):
        authenticator.cookie_controller.set_cookie()
    if actor is None:
        if st.session_state.get("authentication_status"):  # deactivated, or sessions ended, since login
            _end_session(authenticator)
            st.rerun()
        st.stop()
    return actor, authenticator

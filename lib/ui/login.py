"""The login gate: the password form (streamlit-authenticator, checked by lib/auth.py), the login
cookie (a signed token written by a script, carrying the session epoch), ProConnect, logout, and
« Mot de passe oublié ? ». `login_gate()` returns the acting user or stops the run."""

from __future__ import annotations

import datetime as dt
import re

import extra_streamlit_components
import jwt
import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.utilities import LoginError

from lib import auth, formats, invitations
from lib.config import PROCONNECT, get_settings, proconnect_configured
from lib.i18n import t
from lib.permissions import Actor

# The session epoch this session was opened under (by the form, or by a cookie carrying it).
SESSION_EPOCH = "session_epoch"


def current_actor() -> Actor | None:
    """The seam: the logged-in user, from server-side session state set by the login form
    (or by a page test). Re-read from the database on every run, so a deactivated user, or one
    whose sessions were ended since (a reset, a role change), is out at once."""
    if not st.session_state.get("authentication_status"):
        return None
    return auth.actor_for_login(st.session_state.get("username"), st.session_state.get(SESSION_EPOCH))


# Characters of a signed token (JWT: base64url and dots): nothing else may reach the script.
_TOKEN = re.compile(r"[A-Za-z0-9_.-]*")


class _BrowserCookie:
    """The login cookie written by a script in the page: what streamlit-authenticator asks of
    its cookie manager (`set`, `delete`). The library's manager is extra-streamlit-components'
    cookie component, drawn on every run only to read the cookies, which the library reads from
    `st.context.cookies` anyway; the component answers its first drawing and every write with
    a script run of its own, during which a person's click is lost. A script answers nothing."""

    def set(self, cookie: str, val: str, expires_at: dt.datetime, **_: object) -> None:
        self._write(cookie, val, max(0, int((expires_at - dt.datetime.now()).total_seconds())))

    def delete(self, cookie: str, **_: object) -> None:
        self._write(cookie, "", 0)

    @staticmethod
    def _write(cookie: str, value: str, max_age: int) -> None:
        if not (_TOKEN.fullmatch(cookie) and _TOKEN.fullmatch(value)):
            raise ValueError("a login cookie holds a signed token only")
        st.html(f"<script>document.cookie = '{cookie}={value}; max-age={max_age}; path=/; SameSite=Strict'"
                " + (location.protocol === 'https:' ? '; Secure' : '');</script>", unsafe_allow_javascript=True)


# streamlit-authenticator builds its manager as `extra_streamlit_components.CookieManager()`.
extra_streamlit_components.CookieManager = _BrowserCookie


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

    def get_cookie() -> dict | None:
        if st.session_state.get("logout"):
            return None
        try:  # what the browser sends, parsed by auth (the library let a forged token raise)
            token = auth.read_login_cookie(st.context.cookies.get(auth.COOKIE_NAME), cookies.cookie_key)
        except auth.CookieRefused:
            return None
        if auth.session_epoch(token.username) != token.epoch:
            return None
        if token.via == PROCONNECT and not _provider_identity():
            return None  # logged out of ProConnect (the provider's own cookie is gone)
        st.session_state[SESSION_EPOCH], st.session_state[_VIA] = token.epoch, token.via
        return token.model_dump()

    def token_encode() -> str:
        claims = {"username": st.session_state["username"], "exp_date": cookies.exp_date,
                  "epoch": st.session_state[SESSION_EPOCH], "via": st.session_state.get(_VIA)}
        return jwt.encode(claims, cookies.cookie_key, algorithm="HS256")

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


# How this session was opened: None (the password form) or PROCONNECT. The login cookie
# carries it: one issued after a ProConnect sign-in only works while Streamlit's own ProConnect
# cookie is there, so logging out of ProConnect (st.logout) also ends it.
_VIA = "ui_login_via"


def _proconnect_button() -> None:
    st.button(t("login.proconnect.button"), key="proconnect_button", type="primary",
              on_click=st.login, args=(PROCONNECT,))
    st.caption(t("login.proconnect.or"))


def _provider_identity() -> bool:
    """Whether this browser holds a ProConnect sign-in (Streamlit's identity cookie)."""
    return proconnect_configured() and bool(st.user.is_logged_in)


def _provider_sign_in() -> None:
    """Offer ProConnect when configured; once the provider has sent the person back, open
    the session of the account it identifies (auth.provider_login), through the same seam as
    the form."""
    if not proconnect_configured():
        return
    if not _provider_identity() or not auth.fresh_sign_in(st.user.get("iat")):
        _proconnect_button()
        return
    outcome = auth.provider_login(st.user.to_dict(), _client())
    if outcome.login is None:
        st.error(outcome.refusal)
        if outcome.sign_in_again:
            _proconnect_button()
        else:
            st.button(t("login.proconnect.other_account"), key="proconnect_logout", on_click=st.logout)
        return
    st.session_state.update({"authentication_status": True, "username": outcome.login,
                             SESSION_EPOCH: outcome.session_epoch, _REMEMBER: True, "logout": None,
                             _VIA: PROCONNECT})
    st.rerun()


# The login cookie to delete on the next script run: the cookie component drawn in a click
# callback, or just before st.rerun, does not reliably reach the browser (a reload then logged
# the person back in).
_FORGET = "ui_forget_login"


def _end_session(authenticator: stauth.Authenticate) -> None:
    authenticator.authentication_controller.logout()
    st.session_state[_FORGET] = True


def logout(authenticator: stauth.Authenticate) -> None:
    """End this session, and the browser's ProConnect sign-in (then its provider's session)."""
    _end_session(authenticator)
    if st.session_state.get(_VIA) == PROCONNECT and _provider_identity():
        st.logout()


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
        if st.session_state.pop(_FORGET, False):
            authenticator.cookie_controller.delete_cookie()
        st.title(t("app.title"))
        st.caption(t("app.tagline"))
        _provider_sign_in()
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

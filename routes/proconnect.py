"""`/auth/proconnect/...`: ProConnect sign-in and logout (lib/proconnect.py does the protocol).
`login` sends the browser to ProConnect; `callback` opens the account's session with the same
login cookie as the password form, or hands the login page ProConnect's refusal; `logout` ends
the app's cookie and ProConnect's session; `logged-out` is where ProConnect sends the browser
back. The flow's state and the ID token live in this group's own session cookie."""

from functools import lru_cache

from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from lib import auth, handoff, proconnect
from lib.config import derived_key, get_settings
from routes.session import delete_login_cookie, set_login_cookie

SESSION_COOKIE = "suivi_eig_proconnect"
SESSION_LABEL = b"suivi-eig/proconnect-session"


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


def _home(query: str = "") -> RedirectResponse:
    """Back to the app: a 303, so a reload does not replay the request that led here."""
    return RedirectResponse(f"/{query}", status_code=303, headers={"Cache-Control": "no-store"})


def _refused(outcome: auth.ProviderOutcome) -> RedirectResponse:
    """The login page, which shows the refusal handed to it once."""
    return _home(f"?{proconnect.REFUSAL}={handoff.leave(proconnect.REFUSAL, outcome.refusal)}")


async def login(request: Request) -> Response:
    answer = await proconnect.authorize_redirect(request, _client(request))
    return _refused(answer) if isinstance(answer, auth.ProviderOutcome) else answer


async def callback(request: Request) -> Response:
    outcome = await proconnect.sign_in(request, _client(request))
    if outcome.login is None:
        return _refused(outcome)
    response = _home()
    set_login_cookie(response, auth.login_token(outcome.login, outcome.session_epoch, auth.PROCONNECT))
    return response


async def logout(request: Request) -> Response:
    response = await proconnect.logout_redirect(request) or _home()
    delete_login_cookie(response)
    return response


async def logged_out(request: Request) -> Response:
    request.session.clear()
    return _home()


ROUTES = [Route("/login", login, methods=["GET"]), Route("/callback", callback, methods=["GET"]),
          Route("/logout", logout, methods=["GET"]), Route("/logged-out", logged_out, methods=["GET"])]


@lru_cache(maxsize=4)
def _app(cookie_key: str, secure: bool) -> ASGIApp:
    """The routes behind their session cookie: signed with a key of its own, HttpOnly, sent back
    on ProConnect's redirects to the callback (SameSite=Lax lets a top-level GET through) and
    kept as long as the login cookie, for the logout's ID token."""
    return SessionMiddleware(Router(routes=ROUTES), secret_key=derived_key(cookie_key, SESSION_LABEL).hex(),
                             session_cookie=SESSION_COOKIE, max_age=auth.COOKIE_EXPIRY_DAYS * 86_400,
                             path=proconnect.PREFIX, same_site="lax", https_only=secure)


async def application(scope: Scope, receive: Receive, send: Send) -> None:
    """404 unless ProConnect is configured; the settings are read at the request, as every route reads them."""
    settings = get_settings()
    if settings.proconnect is None:
        await Response(status_code=404)(scope, receive, send)
        return
    await _app(settings.cookie_key, settings.app_url.startswith("https://"))(scope, receive, send)

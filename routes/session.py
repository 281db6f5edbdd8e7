"""`/auth/session`: the login cookie, HttpOnly, set and deleted for the page's script, which
may not touch it (lib/auth.py, SESSION_ROUTE). POST with the one-time code the page handed the
browser sets it; DELETE deletes it (logging out). routes/proconnect.py sets it the same way."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lib import auth, handoff
from lib.config import get_settings


def _attributes() -> dict:
    """Sent to this site only, by no script, on https only when the app is served over https."""
    return {"path": "/", "httponly": True, "samesite": "strict",
            "secure": get_settings().app_url.startswith("https://")}


def set_login_cookie(response: Response, token: str) -> None:
    response.set_cookie(auth.COOKIE_NAME, token, max_age=auth.COOKIE_EXPIRY_DAYS * 86_400, **_attributes())


def delete_login_cookie(response: Response) -> None:
    response.delete_cookie(auth.COOKIE_NAME, **_attributes())


async def session(request: Request) -> Response:
    if request.headers.get(auth.SESSION_HEADER) != "1":
        return Response(status_code=403)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    if request.method == "DELETE":
        delete_login_cookie(response)
        return response
    token = handoff.take(auth.COOKIE_NAME, (await request.body()).decode(errors="replace"))
    if not isinstance(token, str):
        return Response(status_code=404, headers={"Cache-Control": "no-store"})
    set_login_cookie(response, token)
    return response


ROUTES = [Route(auth.SESSION_ROUTE, session, methods=["POST", "DELETE"])]

"""An OpenID Connect provider that behaves like ProConnect, for the tests, served on 127.0.0.1:
the authorization-code flow with PKCE (S256) and a client secret sent in the form; state and
nonce of at least 32 characters; codes valid 30 seconds and once; an ID token (RS256) that
carries `acr` and no `email_verified`; a userinfo answered as a signed JWT (`application/jwt`);
an end_session endpoint that requires `id_token_hint`, `state` and a registered
`post_logout_redirect_uri`. Tokens are dated by the app's clock (SUIVI_FAKE_NOW in the suite),
which the app under test shares.

Its people may misbehave as a provider might: answer a weaker `acr` than asked, sign the
userinfo with a key it does not publish, issue an already expired ID token."""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlencode

import uvicorn
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from lib.clock import now_utc
from tests.pg import free_port

CLIENT_ID = "suivi-eig"
CLIENT_SECRET = "secret-du-client-de-test"
CODE_LIFETIME_S = 30
PARAMETERS = ("response_type", "client_id", "redirect_uri", "scope", "state", "nonce", "acr_values", "prompt",
              "code_challenge", "code_challenge_method")


@dataclass(frozen=True)
class Person:
    sub: str
    email: str
    given_name: str = "Anne"
    usual_name: str = "Durand"
    acr: str | None = None  # the level the provider vouches for; None: the one asked
    foreign_userinfo: bool = False  # userinfo signed by a key the provider does not publish
    expired: bool = False  # an ID token already expired when it arrives


def _key() -> RSAKey:
    # Both keys share their id: only the signature tells the foreign one.
    return RSAKey.generate_key(2048, parameters={"kid": "cle-proconnect", "use": "sig", "alg": "RS256"})


@dataclass
class Provider:
    people: list[Person]
    registered: set[str] = field(default_factory=set)  # redirect and post-logout URIs
    base_url: str = ""
    authorizations: list[dict] = field(default_factory=list)  # the authorization requests received
    logouts: list[dict] = field(default_factory=list)  # the end_session requests received

    def __post_init__(self) -> None:
        self.key, self.foreign_key = _key(), _key()
        self._codes: dict[str, dict] = {}
        self._access: dict[str, dict] = {}

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/api/v2"

    def register(self, app_url: str) -> None:
        """Declare the app's redirect and post-logout URIs, as a service does with ProConnect."""
        self.registered |= {f"{app_url}/auth/proconnect/callback", f"{app_url}/auth/proconnect/logged-out"}

    def person(self, sub: str) -> Person:
        return next(p for p in self.people if p.sub == sub)

    def _sign(self, claims: dict, key: RSAKey) -> str:
        return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "JWT"}, claims, key)

    # --- endpoints -------------------------------------------------------------------------

    async def discovery(self, request: Request) -> JSONResponse:
        api = self.issuer
        return JSONResponse({
            "issuer": api, "authorization_endpoint": f"{api}/authorize", "token_endpoint": f"{api}/token",
            "userinfo_endpoint": f"{api}/userinfo", "end_session_endpoint": f"{api}/session/end",
            "jwks_uri": f"{api}/jwks", "response_types_supported": ["code"],
            "id_token_signing_alg_values_supported": ["RS256"], "userinfo_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
            "code_challenge_methods_supported": ["S256"], "acr_values_supported": ["eidas1", "eidas2", "eidas3"],
            "scopes_supported": ["openid", "email", "given_name", "usual_name", "uid", "siret"]})

    async def jwks(self, request: Request) -> JSONResponse:
        return JSONResponse({"keys": [self.key.as_dict(private=False)]})

    def _refused_request(self, params: dict) -> str | None:
        if params.get("client_id") != CLIENT_ID or params.get("redirect_uri") not in self.registered:
            return "client_id ou redirect_uri inconnu"
        if any(len(params.get(name) or "") < 32 for name in ("state", "nonce")):
            return "state et nonce : 32 caractères au moins"
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            return "PKCE S256 requis"
        unknown = set(params) - {*PARAMETERS, "person"}
        return f"paramètres inconnus : {sorted(unknown)}" if unknown else None

    async def authorize(self, request: Request) -> Response:
        """GET: the sign-in page, one button per person; POST (that button): back to the app with a code."""
        params = dict(request.query_params) if request.method == "GET" else dict(await request.form())
        if refused := self._refused_request(params):
            return HTMLResponse(f"<p>{html.escape(refused)}</p>", status_code=400)
        if request.method == "GET":
            self.authorizations.append(params)
            hidden = "".join(f'<input type="hidden" name="{name}" value="{html.escape(value)}">'
                             for name, value in params.items())
            buttons = "".join(f'<button name="person" value="{html.escape(p.sub)}">{html.escape(p.email)}</button>'
                              for p in self.people)
            return HTMLResponse(f'<h1>Fournisseur de test</h1><form method="post">{hidden}{buttons}</form>')
        code = secrets.token_urlsafe(24)
        self._codes[code] = {**params, "issued": time.monotonic()}
        query = urlencode({"code": code, "state": params["state"]})
        return RedirectResponse(f"{params['redirect_uri']}?{query}", status_code=302)

    async def token(self, request: Request) -> JSONResponse:
        form = dict(await request.form())
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = self._codes.pop(form.get("code", ""), None)  # a code serves once
        if grant is None or time.monotonic() - grant["issued"] > CODE_LIFETIME_S:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        verifier = form.get("code_verifier", "").encode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode()
        if challenge != grant["code_challenge"] or form.get("redirect_uri") != grant["redirect_uri"]:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        person = self.person(grant["person"])
        now = int(now_utc().timestamp()) - (3600 if person.expired else 0)
        access_token = secrets.token_urlsafe(24)
        self._access[access_token] = {"person": person, "acr": person.acr or grant.get("acr_values")}
        at_hash = base64.urlsafe_b64encode(hashlib.sha256(access_token.encode()).digest()[:16]).rstrip(b"=")
        id_token = self._sign({"iss": self.issuer, "sub": person.sub, "aud": CLIENT_ID, "iat": now,
                               "exp": now + 60, "auth_time": now, "nonce": grant["nonce"],
                               "acr": self._access[access_token]["acr"], "amr": ["pwd"],
                               "at_hash": at_hash.decode(), "idp_id": "fi-de-test"}, self.key)
        return JSONResponse({"access_token": access_token, "token_type": "Bearer", "expires_in": 60,
                             "id_token": id_token, "scope": grant["scope"]})

    async def userinfo(self, request: Request) -> Response:
        granted = self._access.get(request.headers.get("authorization", "").removeprefix("Bearer "))
        if granted is None:
            return JSONResponse({"error": "invalid_token"}, status_code=401)
        person: Person = granted["person"]
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "sub": person.sub, "email": person.email,
                  "given_name": person.given_name, "usual_name": person.usual_name, "uid": f"uid-{person.sub}",
                  "siret": "13002526500013", "idp_id": "fi-de-test"}
        signed = self._sign(claims, self.foreign_key if person.foreign_userinfo else self.key)
        return Response(signed, media_type="application/jwt")

    async def end_session(self, request: Request) -> Response:
        params = dict(request.query_params)
        self.logouts.append(params)
        back = params.get("post_logout_redirect_uri")
        if not params.get("id_token_hint") or not params.get("state") or back not in self.registered:
            return HTMLResponse("<p>id_token_hint, state et post_logout_redirect_uri requis</p>", status_code=400)
        return RedirectResponse(f"{back}?{urlencode({'state': params['state']})}", status_code=303)

    def application(self) -> Starlette:
        api = "/api/v2"
        return Starlette(routes=[
            Route(f"{api}/.well-known/openid-configuration", self.discovery),
            Route(f"{api}/jwks", self.jwks), Route(f"{api}/authorize", self.authorize, methods=["GET", "POST"]),
            Route(f"{api}/token", self.token, methods=["POST"]), Route(f"{api}/userinfo", self.userinfo),
            Route(f"{api}/session/end", self.end_session)])


@contextmanager
def running(people: list[Person]) -> Iterator[Provider]:
    """The provider served on 127.0.0.1 in a thread of the test process, until the block ends."""
    provider = Provider(people)
    port = free_port()
    provider.base_url = f"http://127.0.0.1:{port}"
    server = uvicorn.Server(uvicorn.Config(provider.application(), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test provider did not start")
        time.sleep(0.02)
    try:
        yield provider
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def discovery_url(provider: Provider) -> str:
    return f"{provider.issuer}/.well-known/openid-configuration"

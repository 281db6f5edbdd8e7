"""ProConnect sign-in, on the server (docs/design.md, ProConnect): the authorization-code flow
with `state`, `nonce` and PKCE through Authlib's Starlette client; the ID token and the signed
userinfo checked against the provider's keys, the eIDAS level against the one asked; then the
identity opens its account through `auth.provider_login`, the rule every provider's sign-in
follows. routes/proconnect.py answers the browser with these. The browser's pending sign-in
(state, nonce, PKCE verifier) and, once signed in, its ID token (the logout's `id_token_hint`)
live in that route group's session cookie: signed, HttpOnly, sent to /auth/proconnect only."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from functools import lru_cache

import httpx
from authlib.integrations.base_client import OAuthError
from authlib.integrations.starlette_client import OAuth, StarletteOAuth2App
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from lib import auth
from lib.clock import now_utc
from lib.config import ProConnect, get_settings

PREFIX = "/auth/proconnect"
# What the app asks ProConnect for: the agent's address and names, the stable `uid` and `siret`
# of the identity provider's side (kept in the audit trail of a sign-in only).
SCOPES = "openid email given_name usual_name uid siret"
# ProConnect's eIDAS levels, weakest first: a level at least as strong as the one asked opens;
# a level outside this list (ProConnect's newer assurance URIs) opens only when it is the one asked.
EIDAS_LEVELS = ("eidas1", "eidas2", "eidas3")
# The signatures accepted from ProConnect: its asymmetric ones (a client registered for HS256
# would be checked with its own secret, which this client does not do).
ALGORITHMS = ["RS256", "ES256"]
LEEWAY_S = 60  # the provider's clock and ours, both kept by NTP, may differ by this much
ID_TOKEN = "id_token"  # the session cookie's entry the logout sends back as id_token_hint
# The query parameter, and lib.handoff's kind, of a refusal the callback hands the login page.
REFUSAL = "proconnect"


class Refused(Exception):
    """A sign-in refused before any account is looked at; `reason` names its French message
    (`login.proconnect.refused.<reason>`) and its audit event."""

    def __init__(self, reason: str, **values: str) -> None:
        super().__init__(reason)
        self.reason, self.values = reason, values


def _random() -> str:
    """A state or a nonce: ProConnect wants at least 32 characters (Authlib's are 30 and 20)."""
    return secrets.token_urlsafe(32)


def redirect_uri() -> str:
    return f"{get_settings().app_url.rstrip('/')}{PREFIX}/callback"


def post_logout_redirect_uri() -> str:
    return f"{get_settings().app_url.rstrip('/')}{PREFIX}/logged-out"


@lru_cache(maxsize=4)
def _client(settings: ProConnect) -> StarletteOAuth2App:
    """Authlib's client of the configured platform; it keeps the discovered metadata and keys."""
    oauth = OAuth()
    return oauth.register(
        "proconnect", client_id=settings.client_id, client_secret=settings.client_secret,
        server_metadata_url=settings.discovery_url,
        client_kwargs={"scope": SCOPES, "code_challenge_method": "S256",
                       "token_endpoint_auth_method": "client_secret_post"})


def _settings() -> ProConnect:
    settings = get_settings().proconnect
    if settings is None:
        raise LookupError("ProConnect is not configured")
    return settings


async def authorize_redirect(request: Request, client: str | None) -> Response | auth.ProviderOutcome:
    """Send the browser to ProConnect, with a new state, nonce and PKCE challenge kept in its
    session (`prompt=login`: the person authenticates again); the refusal when ProConnect cannot
    be reached."""
    settings = _settings()
    try:
        return await _client(settings).authorize_redirect(request, redirect_uri(), state=_random(), nonce=_random(),
                                                          acr_values=settings.acr, prompt="login")
    except httpx.HTTPError:
        return await run_in_threadpool(auth.provider_refused, "unavailable", client, now_utc())


async def sign_in(request: Request, client: str | None) -> auth.ProviderOutcome:
    """The account ProConnect's answer on the callback opens, or its refusal (audited, in French)."""
    now = now_utc()
    try:
        claims = await _identity(request, _settings(), now)
    except Refused as refused:
        return await run_in_threadpool(auth.provider_refused, refused.reason, client, now, **refused.values)
    return await run_in_threadpool(auth.provider_login, claims, client, now)


async def _identity(request: Request, settings: ProConnect, now: dt.datetime) -> dict:
    """The identity in ProConnect's answer, every part of it checked: the state is this browser's
    and unspent, the code is exchanged (once: the provider refuses it again), the ID token and
    the userinfo are signed by the provider's keys, for this client, current, and the ID token
    carries this sign-in's nonce and a strong enough level."""
    client = _client(settings)
    state = request.query_params.get("state")
    pending = await client.framework.get_state_data(request.session, state) if state else None
    if state:
        await client.framework.clear_state_data(request.session, state)
    if request.query_params.get("error"):  # the person cancelled, or the provider refused
        raise Refused("provider")
    if not pending:
        raise Refused("state")
    try:
        try:
            token = await client.fetch_access_token(code=request.query_params.get("code", ""),
                                                    code_verifier=pending["code_verifier"],
                                                    redirect_uri=pending["redirect_uri"])
        except OAuthError:
            raise Refused("code") from None
        metadata = await client.load_server_metadata()
        identity = await _verified(client, "id_token", token.get("id_token"), CodeIDToken, now, {
            "iss": {"essential": True, "value": metadata["issuer"]},
            "aud": {"essential": True, "value": settings.client_id}},
            params={"nonce": pending["nonce"], "client_id": settings.client_id,
                    "access_token": token.get("access_token")})
        if not _strong_enough(identity.get("acr"), settings.acr):
            raise Refused("acr", level=str(identity.get("acr") or "?")[:40], asked=settings.acr)
        # The access token lives 60 s at ProConnect, which Authlib's client takes for expired on
        # arrival (it renews tokens 60 s early): it is sent as it came.
        answer = await client.get(metadata["userinfo_endpoint"], withhold_token=True,
                                  headers={"Authorization": f"Bearer {token.get('access_token')}"})
        answer.raise_for_status()
        if answer.headers.get("content-type", "").split(";")[0].strip() != "application/jwt":
            raise Refused("userinfo")
        person = await _verified(client, "userinfo", answer.text.strip(), None, now, {
            "iss": {"essential": True, "value": metadata["issuer"]},
            "aud": {"essential": True, "value": settings.client_id},
            "sub": {"essential": True, "value": identity["sub"]}})
    except httpx.HTTPError:
        raise Refused("unavailable") from None
    request.session[ID_TOKEN] = token["id_token"]
    # ProConnect federates identity providers that vouch for their agents' addresses, and sends
    # no `email_verified`: its address is taken as verified (docs/design.md, ProConnect).
    return {"sub": identity["sub"], "iat": identity["iat"], "acr": identity["acr"],
            "email": person.get("email"), "email_verified": True,
            **{claim: person.get(claim) for claim in ("given_name", "usual_name", "uid", "siret")}}


def _strong_enough(level: object, asked: str) -> bool:
    if level == asked:
        return True
    return level in EIDAS_LEVELS and asked in EIDAS_LEVELS and EIDAS_LEVELS.index(level) >= EIDAS_LEVELS.index(asked)


async def _verified(client: StarletteOAuth2App, what: str, value: object, claims_cls: type | None,
                    now: dt.datetime, options: Mapping[str, dict], params: dict | None = None) -> dict:
    """The claims of a JWT the provider signed (`what`: "id_token" or "userinfo", the refusal's
    reason otherwise), checked on the app's clock: its signature against the provider's keys
    (fetched again once for an unknown key id, as keys rotate), then `options` and, for an ID
    token, Authlib's OpenID Connect rules (nonce, at_hash, azp)."""
    if not isinstance(value, str) or not value:
        raise Refused(what)
    at = int(now.timestamp())
    try:
        try:
            token = jwt.decode(value, KeySet.import_key_set(await client.fetch_jwk_set()), algorithms=ALGORITHMS)
        except InvalidKeyIdError:
            token = jwt.decode(value, KeySet.import_key_set(await client.fetch_jwk_set(force=True)),
                               algorithms=ALGORITHMS)
        if claims_cls is None:
            JWTClaimsRegistry(now=at, leeway=LEEWAY_S, **options).validate(token.claims)
        else:
            claims_cls(token.claims, token.header, dict(options), params).validate(now=at, leeway=LEEWAY_S)
    except (JoseError, ValueError):
        raise Refused(what) from None
    return token.claims


async def logout_redirect(request: Request) -> Response | None:
    """Send the browser to ProConnect's end_session_endpoint with the ID token of its sign-in,
    a new state and where to come back (all three required by ProConnect); None when this
    browser holds no ID token (its session cookie expired), so there is no provider session to end."""
    id_token = request.session.pop(ID_TOKEN, None)
    if not id_token:
        return None
    return await _client(_settings()).logout_redirect(request, post_logout_redirect_uri(), id_token_hint=id_token,
                                                      state=_random())

"""The one place that reads the environment and Streamlit secrets."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets as secrets_module
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lib.i18n import t

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
DEFAULT_SQLITE_PATH = DATA_DIR / "suivi.db"
SECRETS_PATH = ROOT / ".streamlit" / "secrets.toml"
# Where the cookie key generated on first start is kept when SUIVI_COOKIE_KEY is unset (git-ignored).
COOKIE_KEY_PATH = DATA_DIR / ".cookie_key"

ENVIRONMENTS = ("development", "test", "production")
MIN_SECRET_LENGTH = 32
# Share links are signed with a key derived from the cookie key under this label when
# SUIVI_SHARE_SECRET is unset: knowing one signing key never gives the other.
SHARE_SECRET_LABEL = b"suivi-eig/share-links"
# Rate limits count by an HMAC of the login or address (lib.auth.rate_limit_key) under a key
# derived from the cookie key under this label.
RATE_LIMIT_LABEL = b"suivi-eig/rate-limit-keys"


class ConfigurationError(RuntimeError):
    """The configuration is unsafe or incomplete for the current environment."""


@dataclass(frozen=True)
class ProConnect:
    """The app's registration with ProConnect (docs/operations.md, ProConnect sign-in)."""

    client_id: str
    client_secret: str
    discovery_url: str  # the platform's `.well-known/openid-configuration`
    acr: str  # the eIDAS level asked for, and the least accepted


@dataclass(frozen=True)
class Settings:
    database_url: str
    cookie_key: str
    environment: str
    app_url: str
    smtp_host: str
    smtp_port: int
    smtp_tls: bool
    smtp_user: str
    smtp_password: str
    smtp_sender: str
    share_secret: str
    fake_now: str  # ISO datetime the clock reports, for end-to-end tests; refused in production
    proconnect: ProConnect | None = None  # ProConnect sign-in, when configured

    @property
    def is_production(self) -> bool:
        return self.environment == "production"


def _secrets() -> dict:
    """`.streamlit/secrets.toml` when there is one; an unreadable or malformed file stops the
    app with a French message naming it."""
    try:
        with SECRETS_PATH.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:  # tomllib's errors and undecodable bytes are ValueErrors
        raise refuse("config.unreadable_file", path=SECRETS_PATH, error=_reason(exc)) from None


def _reason(exc: Exception) -> str:
    """Why a file could not be read, as the system or the parser says it."""
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)


def _get(name: str, secrets: dict, default: str = "") -> str:
    """Environment first, then `.streamlit/secrets.toml` (lower-case key), then default."""
    value = os.environ.get(name)
    if value is not None and value != "":
        return value
    return str(secrets.get(name.lower(), secrets.get(name, default)))


def refuse(key: str, **values: object) -> ConfigurationError:
    """A configuration error in French, from the catalogue."""
    return ConfigurationError(t(key, **values))


def generated_cookie_key(path: Path | None = None) -> str:
    """The key kept in `data/` (mode 0600), created at random on first start. Written aside
    then linked into place, so processes starting together all read the same complete key."""
    path = path or COOKIE_KEY_PATH
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            draft = path.with_name(f"{path.name}.{os.getpid()}")
            fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets_module.token_urlsafe(48))
            try:
                os.link(draft, path)
            except FileExistsError:
                pass
            finally:
                draft.unlink()
        key = path.read_text(encoding="utf-8").strip()
    except (OSError, ValueError) as exc:
        raise refuse("config.unreadable_file", path=path, error=_reason(exc)) from None
    # An empty or cut key signed cookies no login could use: the file is refused, not the logins.
    if len(key) < MIN_SECRET_LENGTH:
        raise refuse("config.cookie_key_file", path=path, length=MIN_SECRET_LENGTH)
    return key


def _port(value: str) -> int:
    """SMTP_PORT, a port number; a French refusal otherwise."""
    digits = value.strip()
    if not (re.fullmatch(r"[0-9]{1,5}", digits) and 0 < int(digits) < 65536):
        raise refuse("config.smtp_port", value=value[:20])
    return int(digits)


def derived_key(cookie_key: str, label: bytes) -> bytes:
    """A key for one purpose (`label`), derived from the cookie key: it gives neither back."""
    return hmac.new(cookie_key.encode(), label, hashlib.sha256).digest()


def derived_share_secret(cookie_key: str) -> str:
    return derived_key(cookie_key, SHARE_SECRET_LABEL).hex()


def _validated(settings: Settings) -> Settings:
    """Refuse an unknown environment, and in production short keys, a share secret equal to
    the cookie key and a fake clock."""
    if settings.environment not in ENVIRONMENTS:
        raise refuse("config.environment", value=settings.environment, allowed=", ".join(ENVIRONMENTS))
    if not settings.is_production:
        return settings
    for name, value in (("SUIVI_COOKIE_KEY", settings.cookie_key), ("SUIVI_SHARE_SECRET", settings.share_secret)):
        if len(value) < MIN_SECRET_LENGTH:
            raise refuse("config.secret_too_short", name=name, length=MIN_SECRET_LENGTH)
    if hmac.compare_digest(settings.share_secret, settings.cookie_key):
        raise refuse("config.share_secret_reused")
    if settings.fake_now:
        raise refuse("config.fake_now")
    return settings


def _proconnect(secrets: dict) -> ProConnect | None:
    """ProConnect's settings: none of the three, sign-in by password only; all three, the button
    too; some of them, a configuration error rather than a button that fails."""
    names = ("PROCONNECT_CLIENT_ID", "PROCONNECT_CLIENT_SECRET", "PROCONNECT_DISCOVERY_URL")
    values = [_get(name, secrets) for name in names]
    if not any(values):
        return None
    if not all(values):
        missing = [name for name, value in zip(names, values, strict=True) if not value]
        raise refuse("config.proconnect_incomplete", names=", ".join(missing))
    return ProConnect(*values, acr=_get("PROCONNECT_ACR", secrets, "eidas1"))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings, validated: an unsafe or unknown configuration raises ConfigurationError."""
    secrets = _secrets()
    url = _get("DATABASE_URL", secrets) or f"sqlite:///{DEFAULT_SQLITE_PATH}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    cookie_key = _get("SUIVI_COOKIE_KEY", secrets) or generated_cookie_key()
    return _validated(Settings(
        database_url=url,
        cookie_key=cookie_key,
        environment=_get("SUIVI_ENV", secrets, "development"),
        app_url=_get("SUIVI_APP_URL", secrets, "http://localhost:8501"),
        smtp_host=_get("SMTP_HOST", secrets, "localhost"),
        smtp_port=_port(_get("SMTP_PORT", secrets, "25")),
        smtp_tls=_get("SMTP_TLS", secrets, "false").lower() in {"1", "true", "yes", "oui"},
        smtp_user=_get("SMTP_USER", secrets),
        smtp_password=_get("SMTP_PASSWORD", secrets),
        smtp_sender=_get("SMTP_SENDER", secrets, "suivi-eig@localhost"),
        share_secret=_get("SUIVI_SHARE_SECRET", secrets) or derived_share_secret(cookie_key),
        fake_now=_get("SUIVI_FAKE_NOW", secrets),
        proconnect=_proconnect(secrets),
    ))

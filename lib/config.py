"""The one place that reads the environment and Streamlit secrets."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
DEFAULT_SQLITE_PATH = DATA_DIR / "suivi.db"
SECRETS_PATH = ROOT / ".streamlit" / "secrets.toml"

# The demo cookie key ships in the repository; production must bring its own.
DEMO_COOKIE_KEY = "demo-cle-de-cookie-a-changer-en-production"


class ConfigurationError(RuntimeError):
    """The configuration is unsafe or incomplete for the current environment."""


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
    language: str
    fake_now: str  # ISO datetime the clock reports, for end-to-end tests; refused in production

    @property
    def is_production(self) -> bool:
        return self.environment == "production"


def _secrets() -> dict:
    if SECRETS_PATH.exists():
        with SECRETS_PATH.open("rb") as fh:
            return tomllib.load(fh)
    return {}


def _get(name: str, secrets: dict, default: str = "") -> str:
    """Environment first, then `.streamlit/secrets.toml` (lower-case key), then default."""
    value = os.environ.get(name)
    if value is not None and value != "":
        return value
    return str(secrets.get(name.lower(), secrets.get(name, default)))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    secrets = _secrets()
    url = _get("DATABASE_URL", secrets) or f"sqlite:///{DEFAULT_SQLITE_PATH}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    cookie_key = _get("SUIVI_COOKIE_KEY", secrets, DEMO_COOKIE_KEY)
    return Settings(
        database_url=url,
        cookie_key=cookie_key,
        environment=_get("SUIVI_ENV", secrets, "development"),
        app_url=_get("SUIVI_APP_URL", secrets, "http://localhost:8501"),
        smtp_host=_get("SMTP_HOST", secrets, "localhost"),
        smtp_port=int(_get("SMTP_PORT", secrets, "25")),
        smtp_tls=_get("SMTP_TLS", secrets, "false").lower() in {"1", "true", "yes", "oui"},
        smtp_user=_get("SMTP_USER", secrets),
        smtp_password=_get("SMTP_PASSWORD", secrets),
        smtp_sender=_get("SMTP_SENDER", secrets, "suivi-eig@localhost"),
        share_secret=_get("SUIVI_SHARE_SECRET", secrets, cookie_key),
        language=_get("SUIVI_LANG", secrets, "fr"),
        fake_now=_get("SUIVI_FAKE_NOW", secrets),
    )

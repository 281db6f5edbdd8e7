"""Fixtures shared by the service tests."""

from __future__ import annotations

import pytest

from lib.config import get_settings
from tests.mail import smtp_server


@pytest.fixture
def inbox(world, monkeypatch):  # noqa: ANN001, ANN201
    """A real SMTP server the app is configured to send through; yields what it received."""
    with smtp_server() as (handler, port):
        monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("SMTP_PORT", str(port))
        monkeypatch.setenv("SMTP_SENDER", "programme@eig.example.org")
        monkeypatch.setenv("SUIVI_APP_URL", "https://suivi.example.org")
        get_settings.cache_clear()
        yield handler
    get_settings.cache_clear()

"""Crafted values from outside reach the app and end in a French page, never a traceback: a
share link's address, a login cookie signed with `alg: none`, an unusable cookie-key file."""

from __future__ import annotations

import datetime as dt

import jwt
import pytest
from streamlit.runtime.context import ContextProxy
from streamlit.testing.v1 import AppTest

from lib import auth, config
from lib.config import get_settings
from lib.i18n import t
from tests.hostile import CRAFTED_SHARE_TOKENS, unsigned_token
from tests.pages.conftest import FRAME, GREETING, LOGIN_FIELDS, new_app, texts

# A cookie's expiry, which the library dates by the real clock: one no test day reaches.
FAR_FUTURE = dt.datetime(2100, 1, 1, tzinfo=dt.UTC).timestamp()


@pytest.mark.parametrize("token", CRAFTED_SHARE_TOKENS[:3], ids=["superscript two", "5,000 digits", "arabic digit"])
def test_a_crafted_share_link_shows_the_refusal(world, token):
    at = AppTest.from_file(FRAME, default_timeout=30)
    at.query_params["partage"] = token
    at.run()
    assert not at.exception
    assert t("share.refused.title") in texts(at) and t("share.refused.invalid") in texts(at)


def with_cookie(monkeypatch: pytest.MonkeyPatch, token: str) -> None:
    """The browser sends `token` as the login cookie (AppTest cannot seed cookies)."""
    monkeypatch.setattr(ContextProxy, "cookies", property(lambda self: {auth.COOKIE_NAME: token}))


def test_a_login_cookie_signed_with_alg_none_shows_the_login_form(world, monkeypatch):
    later = FAR_FUTURE
    with_cookie(monkeypatch, unsigned_token({"username": "admin", "exp_date": later, "epoch": 0, "via": None}))
    at = new_app(None)
    at.run()
    assert not at.exception
    assert [ti.label for ti in at.text_input] == LOGIN_FIELDS and GREETING not in texts(at)


def test_a_login_cookie_the_app_signed_still_logs_in(world, monkeypatch):
    later = FAR_FUTURE
    claims = {"username": "eig", "exp_date": later, "epoch": auth.session_epoch("eig"), "via": None}
    with_cookie(monkeypatch, jwt.encode(claims, get_settings().cookie_key, algorithm="HS256"))
    at = new_app(None)
    at.run()
    assert not at.exception
    assert t("home.welcome", name="Léa EIG") in texts(at)


def test_an_empty_cookie_key_file_stops_the_app_with_a_french_message_naming_it(world, monkeypatch, tmp_path, caplog):
    path = tmp_path / ".cookie_key"
    path.write_text("")
    monkeypatch.delenv("SUIVI_COOKIE_KEY", raising=False)
    monkeypatch.setattr(config, "COOKIE_KEY_PATH", path)
    get_settings.cache_clear()
    at = new_app(None)
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [t("config.stopped")] and not at.text_input
    assert t("config.cookie_key_file", path=path, length=config.MIN_SECRET_LENGTH) in caplog.text
    get_settings.cache_clear()

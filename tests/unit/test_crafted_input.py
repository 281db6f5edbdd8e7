"""Values from outside the app (a share link's address, the login cookie, the key and secrets
files, the environment) are each parsed by one function that answers a French refusal: no
crafted value ends in a traceback. The parsers are fuzzed with hypothesis."""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

import jwt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib import auth, config, sharing
from lib.auth import CookieRefused, read_login_cookie
from lib.config import ConfigurationError, get_settings
from lib.i18n import t
from lib.schemas import ShareLinkIn
from tests.conftest import ANY, said
from tests.hostile import CRAFTED_SHARE_TOKENS, unsigned_token

NOW = dt.datetime(2026, 11, 18, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
KEY = "une-cle-de-cookie-de-test-assez-longue-pour-signer-en-hs512-aussi-0123"
LATER = NOW.timestamp() + 3600
BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"


# --- Share links --------------------------------------------------------------------------------


@pytest.mark.parametrize("token", CRAFTED_SHARE_TOKENS)
def test_a_crafted_share_token_is_refused_in_french(world, token):
    with pytest.raises(sharing.ShareRefused, match=said("share.refused.invalid")):
        sharing.open_link(token, now=NOW)


@settings(max_examples=300)
@given(st.one_of(
    st.text(max_size=200),
    st.builds(lambda a, b, c: f"{a}.{b}.{c}", st.text(max_size=40), st.text(max_size=40), st.text(max_size=60)),
    st.builds(lambda nonce, expiry, sig: f"{nonce}.{expiry}.{sig}", st.text(BASE64URL, min_size=1, max_size=70),
              st.text(st.characters(categories=["Nd", "No"]), max_size=6000),
              st.text(BASE64URL, min_size=40, max_size=46)),
))
def test_the_share_token_parser_answers_parts_or_a_french_refusal(token):
    try:
        nonce, expiry, signature = sharing.parse_token(token)
    except sharing.ShareRefused as refusal:
        assert str(refusal) == t("share.refused.invalid")
        return
    assert f"{nonce}.{expiry}.{signature}" == token.strip() and 0 <= expiry < 10**12


def test_a_fuzzed_share_token_never_opens_a_link_nor_fails_otherwise(world):
    good = sharing.create_link(world.coach, world.alpha_id, ShareLinkIn(days=7), now=NOW)
    nonce, expiry, signature = good.split(".")

    @settings(max_examples=40)
    @given(st.sampled_from([nonce, "x" * 32, "\x00", ""]), st.one_of(st.just(expiry), st.text(max_size=20)),
           st.one_of(st.just(signature), st.text(BASE64URL, min_size=43, max_size=43)))
    def check(fuzzed_nonce: str, fuzzed_expiry: str, fuzzed_signature: str) -> None:
        token = f"{fuzzed_nonce}.{fuzzed_expiry}.{fuzzed_signature}"
        if token == good:
            return
        with pytest.raises(sharing.ShareRefused):
            sharing.open_link(token, now=NOW)

    check()
    assert sharing.open_link(good, now=NOW).defi == "Alpha"


# --- The login cookie ------------------------------------------------------------------------


def test_a_login_cookie_signed_with_alg_none_or_another_algorithm_is_refused():
    claims = {"username": "admin", "exp_date": LATER, "epoch": 0, "via": None}
    for token in (unsigned_token(claims), unsigned_token(claims, "HS256"), jwt.encode(claims, KEY, algorithm="HS512"),
                  jwt.encode(claims, "une-autre-cle-bien-longue-elle-aussi", algorithm="HS256")):
        with pytest.raises(CookieRefused, match=said("login.cookie.refused")):
            read_login_cookie(token, KEY, now=NOW.timestamp())


def test_a_login_cookie_as_the_app_signs_it_is_read_until_it_expires():
    token = jwt.encode({"username": "coach.claire", "exp_date": LATER, "epoch": 3, "via": "proconnect"}, KEY,
                       algorithm="HS256")
    cookie = read_login_cookie(token, KEY, now=NOW.timestamp())
    assert (cookie.username, cookie.epoch, cookie.via) == ("coach.claire", 3, "proconnect")
    with pytest.raises(CookieRefused):
        read_login_cookie(token, KEY, now=LATER)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3), max_leaves=8)
CLAIMS = st.one_of(JSON, st.fixed_dictionaries(
    {"username": st.one_of(st.text(max_size=80), JSON), "exp_date": st.one_of(st.floats(), st.integers(), JSON)},
    optional={"epoch": JSON, "via": JSON}))


def crafted_cookies() -> st.SearchStrategy[str]:
    """What a browser can send as the login cookie: anything, JWT-shaped garbage, any claims
    signed with the app's key, any claims unsigned."""
    return st.one_of(
        st.text(max_size=300),
        st.builds(lambda a, b, c: f"{a}.{b}.{c}", st.text(max_size=40), st.text(max_size=80), st.text(max_size=40)),
        CLAIMS.filter(lambda c: isinstance(c, dict)).map(lambda c: jwt.encode(c, KEY, algorithm="HS256")),
        st.builds(unsigned_token, CLAIMS, st.sampled_from(["none", "None", "HS256", "RS256", ""])),
    )


@settings(max_examples=300)
@given(crafted_cookies())
def test_the_login_cookie_parser_answers_claims_or_a_french_refusal(token):
    try:
        cookie = read_login_cookie(token, KEY, now=NOW.timestamp())
    except CookieRefused as refusal:
        assert "connectez-vous" in str(refusal)
        return
    assert 1 <= len(cookie.username) <= 64 and cookie.username.isprintable() and cookie.exp_date > NOW.timestamp()


def test_a_fuzzed_login_cookie_never_fails_the_session_lookup(world):
    """The claims a forged cookie could carry reach the database only once parsed (a NUL in a
    login failed PostgreSQL)."""

    @settings(max_examples=40)
    @given(crafted_cookies())
    def check(token: str) -> None:
        try:
            cookie = read_login_cookie(token, KEY, now=NOW.timestamp())
        except CookieRefused:
            return
        auth.session_epoch(cookie.username)

    check()


# --- Files and environment read at start --------------------------------------------------------


@pytest.fixture
def clean_settings(monkeypatch, tmp_path):  # noqa: ANN001, ANN201
    for name in ("SUIVI_ENV", "SUIVI_COOKIE_KEY", "SUIVI_SHARE_SECRET", "SMTP_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(config, "COOKIE_KEY_PATH", tmp_path / "data" / ".cookie_key")
    monkeypatch.setattr(config, "SECRETS_PATH", tmp_path / "secrets.toml")
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


@pytest.mark.parametrize(("content", "key"), [
    (b"", "config.cookie_key_file"), (b"   \n", "config.cookie_key_file"), (b"trop-courte", "config.cookie_key_file"),
    ("é".encode("latin-1") * 40, "config.unreadable_file"),
], ids=["empty", "blank", "short", "not utf-8"])
def test_an_unusable_cookie_key_file_stops_the_start_naming_the_file(clean_settings, content, key):
    path = config.COOKIE_KEY_PATH
    path.parent.mkdir()
    path.write_bytes(content)
    with pytest.raises(ConfigurationError, match=said(key, path=path, length=config.MIN_SECRET_LENGTH, error=ANY)):
        get_settings()


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_cookie_key_file_stops_the_start_naming_the_file(clean_settings):
    path = config.COOKIE_KEY_PATH
    path.parent.mkdir()
    path.write_text("k" * 64)
    path.chmod(0)
    with pytest.raises(ConfigurationError, match=said("config.unreadable_file", path=path, error=ANY)):
        get_settings()


def test_a_cookie_key_path_that_is_a_folder_stops_the_start_naming_it(clean_settings):
    config.COOKIE_KEY_PATH.mkdir(parents=True)
    with pytest.raises(ConfigurationError, match=said("config.unreadable_file", path=config.COOKIE_KEY_PATH,
                                                      error=ANY)):
        get_settings()


@pytest.mark.parametrize("content", [b"cle = ", b"\xff\xfe", b"[auth\n"], ids=["no value", "not utf-8", "open table"])
def test_a_malformed_secrets_file_stops_the_start_naming_it(clean_settings, content):
    config.SECRETS_PATH.write_bytes(content)
    with pytest.raises(ConfigurationError, match=said("config.unreadable_file", path=config.SECRETS_PATH,
                                                      error=ANY)):
        get_settings()


@pytest.mark.parametrize("port", ["vingt-cinq", "0", "70000", "9" * 5000, "٢٥"])
def test_a_smtp_port_that_is_no_port_is_refused_in_french(clean_settings, port):
    clean_settings.setenv("SMTP_PORT", port)
    with pytest.raises(ConfigurationError, match=said("config.smtp_port", value=port[:20])):
        get_settings()

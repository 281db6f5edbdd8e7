"""Login rules: no secret in the repository, a strict production mode, sessions that end
when an account's rights change; the seam only trusts the server."""

import os
import stat

import pytest
from sqlalchemy import update
from streamlit import config as streamlit_config

from lib import auth, config, db, users
from lib.config import ConfigurationError, get_settings
from lib.models import GlobalRole, User
from lib.schemas import PasswordIn, UserIn
from lib.seed import DEMO_LOGINS
from tests.fixtures import PASSWORD

COOKIE_KEY = "une-vraie-cle-de-production-bien-longue"
SHARE_SECRET = "un-autre-secret-de-production-bien-long"


@pytest.fixture
def settings_env(monkeypatch, tmp_path):
    """A clean environment for get_settings, the generated key kept in a temporary data/."""
    for name in ("SUIVI_ENV", "SUIVI_COOKIE_KEY", "SUIVI_SHARE_SECRET", "SUIVI_FAKE_NOW", "PROCONNECT_CLIENT_ID",
                 "PROCONNECT_CLIENT_SECRET", "PROCONNECT_DISCOVERY_URL", "PROCONNECT_ACR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(config, "COOKIE_KEY_PATH", tmp_path / "data" / ".cookie_key")
    monkeypatch.setattr(config, "SECRETS_PATH", tmp_path / "secrets.toml")
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


@pytest.fixture
def production(settings_env):
    settings_env.setenv("SUIVI_ENV", "production")
    settings_env.setenv("SUIVI_COOKIE_KEY", COOKIE_KEY)
    settings_env.setenv("SUIVI_SHARE_SECRET", SHARE_SECRET)
    return settings_env


def test_no_cookie_key_generates_a_private_random_one_kept_in_data(settings_env):
    key = get_settings().cookie_key
    path = config.COOKIE_KEY_PATH
    assert len(key) >= config.MIN_SECRET_LENGTH and path.read_text() == key
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    get_settings.cache_clear()
    assert get_settings().cookie_key == key  # kept across restarts
    assert not hasattr(config, "DEMO_COOKIE_KEY")


def test_the_generated_key_file_is_ignored_by_git():
    ignored = (config.ROOT / ".gitignore").read_text().split()
    assert "data/.cookie_key" in ignored


def test_proconnect_is_configured_by_all_three_settings_or_none(settings_env):
    assert get_settings().proconnect is None
    settings_env.setenv("PROCONNECT_CLIENT_ID", "suivi-eig")
    settings_env.setenv("PROCONNECT_DISCOVERY_URL", "https://fca.example/api/v2/.well-known/openid-configuration")
    get_settings.cache_clear()
    with pytest.raises(ConfigurationError, match="PROCONNECT_CLIENT_SECRET"):
        get_settings()
    settings_env.setenv("PROCONNECT_CLIENT_SECRET", "secret")
    get_settings.cache_clear()
    assert get_settings().proconnect == config.ProConnect(
        "suivi-eig", "secret", "https://fca.example/api/v2/.well-known/openid-configuration", acr="eidas1")


def test_the_share_secret_is_derived_from_the_cookie_key_with_a_label(settings_env):
    settings_env.setenv("SUIVI_COOKIE_KEY", COOKIE_KEY)
    settings = get_settings()
    assert settings.share_secret != settings.cookie_key
    assert settings.share_secret == config.derived_share_secret(COOKIE_KEY)


@pytest.mark.parametrize("value", ["Production", "prod", "production ", "PRODUCTION", "staging"])
def test_an_unknown_environment_refuses_to_start(settings_env, value):
    settings_env.setenv("SUIVI_ENV", value)
    with pytest.raises(ConfigurationError, match="n'est pas reconnu"):
        get_settings()


def test_production_accepts_long_distinct_keys(production):
    assert get_settings().is_production


@pytest.mark.parametrize("name", ["SUIVI_COOKIE_KEY", "SUIVI_SHARE_SECRET"])
def test_production_refuses_a_short_key(production, name):
    production.setenv(name, "x" * (config.MIN_SECRET_LENGTH - 1))
    with pytest.raises(ConfigurationError, match=f"{name} doit compter au moins 32 caractères"):
        get_settings()


def test_production_refuses_a_share_secret_equal_to_the_cookie_key(production):
    production.setenv("SUIVI_SHARE_SECRET", COOKIE_KEY)
    with pytest.raises(ConfigurationError, match="SUIVI_SHARE_SECRET doit différer"):
        get_settings()


def test_production_refuses_a_fake_clock(production):
    production.setenv("SUIVI_FAKE_NOW", "2026-11-18T09:00:00+00:00")
    with pytest.raises(ConfigurationError, match="SUIVI_FAKE_NOW"):
        get_settings()


def test_production_refuses_streamlit_error_details(world, production, monkeypatch):
    monkeypatch.setattr(streamlit_config, "get_option", lambda name: "full")
    with pytest.raises(ConfigurationError, match="showErrorDetails"):
        auth.check_production_safety([])
    monkeypatch.setattr(streamlit_config, "get_option", lambda name: "none")
    auth.check_production_safety([])


def test_production_refuses_active_demo_accounts_with_the_demo_password(world, production, monkeypatch):
    monkeypatch.setattr(streamlit_config, "get_option", lambda name: "none")
    monkeypatch.setattr(auth, "DEMO_PASSWORD", PASSWORD)  # the world's accounts play the demo accounts
    with pytest.raises(ConfigurationError, match="eig"):
        auth.check_production_safety(["eig", "inactive"])
    auth.check_production_safety(["inactive", "nobody"])  # inactive or absent accounts are fine


def test_the_demo_password_is_checked_once_per_password_not_on_every_page_run(world, production, monkeypatch):
    monkeypatch.setattr(streamlit_config, "get_option", lambda name: "none")
    passwords = {login: auth.hash_password(f"propre-a-{login}", rounds=4) for login in ("admin", "coach", "eig")}
    _set_hashes(passwords)
    checked: list[str] = []
    monkeypatch.setattr(auth, "check_password", lambda password, hashed: checked.append(hashed) or False)
    for _ in range(5):  # five page runs, anonymous or not
        auth.check_production_safety(list(passwords))
    assert sorted(checked) == sorted(passwords.values())
    changed = auth.hash_password("encore-un-autre", rounds=4)
    _set_hashes({"eig": changed})
    for _ in range(5):
        auth.check_production_safety(list(passwords))
    assert len(checked) == len(passwords) + 1 and checked[-1] == changed


def _set_hashes(hashes: dict[str, str]) -> None:
    with db.transaction() as s:
        for login, password_hash in hashes.items():
            s.execute(update(User).where(User.login == login).values(password_hash=password_hash))


def test_development_accepts_the_demo_setup(world):
    auth.check_production_safety(DEMO_LOGINS)


def test_actor_is_resolved_only_for_active_users_under_their_epoch(world):
    assert auth.actor_for_login("eig", auth.session_epoch("eig")).id == world.eig.id
    assert auth.actor_for_login("eig", None) is None
    assert auth.actor_for_login("inactive", 0) is None
    assert auth.actor_for_login(None, 0) is None


def _edit(world, login: str, role: GlobalRole, active: bool = True) -> None:
    version = int(users.list_users(world.admin).set_index("login").loc[login, "version"])
    users.update_user(world.admin, world.by_login(login).id,
                      UserIn(login=login, display_name="Nom", email=f"{login}@example.org", role=role), active, version)


@pytest.mark.parametrize("change", [
    lambda w: users.reset_password(w.admin, w.eig.id, PasswordIn(password="tout-nouveau")),
    lambda w: _edit(w, "eig", GlobalRole.COACH),
    lambda w: _edit(w, "eig", GlobalRole.MEMBER, active=False),
    lambda w: auth.end_sessions(w.eig),
], ids=["password_reset", "role_change", "deactivation", "logout_everywhere"])
def test_a_change_of_rights_ends_every_session_of_the_account(world, change):
    epoch = auth.session_epoch("eig")
    change(world)
    assert auth.actor_for_login("eig", epoch) is None
    assert auth.actor_for_login("eig2", auth.session_epoch("eig2")) is not None  # the others stay


def test_an_identity_edit_keeps_the_sessions(world):
    epoch = auth.session_epoch("eig")
    _edit(world, "eig", GlobalRole.MEMBER)
    assert auth.actor_for_login("eig", epoch) is not None

"""Login rules: production refuses demo secrets; the seam only trusts the server."""

import pytest

from lib import auth
from lib.config import ConfigurationError, get_settings
from lib.seed import DEMO_LOGINS
from tests.fixtures import PASSWORD


@pytest.fixture
def production(monkeypatch):
    monkeypatch.setenv("SUIVI_ENV", "production")
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_production_refuses_the_demo_cookie_key(world, production):
    production.delenv("SUIVI_COOKIE_KEY", raising=False)
    get_settings.cache_clear()
    with pytest.raises(ConfigurationError, match="SUIVI_COOKIE_KEY"):
        auth.check_production_safety(DEMO_LOGINS)


def test_production_refuses_active_demo_accounts_with_the_demo_password(world, production, monkeypatch):
    production.setenv("SUIVI_COOKIE_KEY", "une-vraie-cle-de-production-bien-longue")
    get_settings.cache_clear()
    monkeypatch.setattr(auth, "DEMO_PASSWORD", PASSWORD)  # the world's accounts play the demo accounts
    with pytest.raises(ConfigurationError, match="eig"):
        auth.check_production_safety(["eig", "inactive"])
    auth.check_production_safety(["inactive", "nobody"])  # inactive or absent accounts are fine


def test_development_accepts_the_demo_setup(world):
    auth.check_production_safety(DEMO_LOGINS)


def test_actor_is_resolved_only_for_active_users(world):
    assert auth.actor_for_login("eig").id == world.eig.id
    assert auth.actor_for_login("inactive") is None
    assert auth.actor_for_login(None) is None

"""Share links: signed, expiring, revocable; a forged, altered, expired or revoked token
is refused with a clear message and no data; only published bulletins are shown."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from lib import bulletins, sharing
from lib.errors import PermissionDenied
from lib.schemas import BulletinIn, ShareLinkIn
from tests.conftest import said

PARIS = ZoneInfo("Europe/Paris")
NOW = dt.datetime(2026, 11, 18, 10, 0, tzinfo=PARIS)  # W47, before its deadline


def file(world, now: dt.datetime, priority: str) -> None:  # noqa: ANN001
    bulletins.file_bulletin(world.eig, world.alpha_id, BulletinIn(mood=3, priority=priority, ups_downs="u",
                                                                  help_request="secret interne"), now=now)


@pytest.fixture
def token(world) -> str:  # noqa: ANN001
    file(world, dt.datetime(2026, 11, 11, 10, 0, tzinfo=PARIS), "Publiée la semaine dernière")
    file(world, NOW, "Pas encore publiée")
    return sharing.create_link(world.coach, world.alpha_id, ShareLinkIn(days=7), now=NOW)


def test_a_valid_link_shows_only_the_published_bulletins_of_its_defi(world, token):
    shared = sharing.open_link(token, now=NOW)
    assert shared.defi == "Alpha"
    assert list(shared.bulletins["priority"]) == ["Publiée la semaine dernière"]
    assert "help_request" not in shared.bulletins.columns
    later = sharing.open_link(token, now=dt.datetime(2026, 11, 20, 15, 0, tzinfo=PARIS))
    assert list(later.bulletins["priority"]) == ["Pas encore publiée", "Publiée la semaine dernière"]


def _swap_last(text: str) -> str:
    return text[:-1] + ("A" if text[-1] != "A" else "B")


@pytest.mark.parametrize("alter", [
    lambda tok: _swap_last(tok),  # signature changed
    lambda tok: tok.replace(".", ".9", 1),  # expiry pushed back
    lambda tok: "x" + tok,  # nonce changed
    lambda tok: tok.split(".")[0],  # truncated
    lambda tok: "",
    lambda tok: "a.b.c",
])
def test_an_altered_or_forged_token_is_refused(world, token, alter):
    with pytest.raises(sharing.ShareRefused, match=said("share.refused.invalid")):
        sharing.open_link(alter(token), now=NOW)


def test_a_token_signed_with_another_secret_is_refused(world, token, monkeypatch):
    from lib.config import get_settings

    monkeypatch.setenv("SUIVI_SHARE_SECRET", "un-autre-secret")
    get_settings.cache_clear()
    forged = sharing.token_for(token.split(".")[0], dt.datetime.fromtimestamp(int(token.split(".")[1]), dt.UTC))
    monkeypatch.delenv("SUIVI_SHARE_SECRET")
    get_settings.cache_clear()
    assert forged != token
    with pytest.raises(sharing.ShareRefused, match=said("share.refused.invalid")):
        sharing.open_link(forged, now=NOW)


def test_an_expired_link_is_refused_from_its_expiry_second(world, token):
    expiry = NOW + dt.timedelta(days=7)
    assert sharing.open_link(token, now=expiry - dt.timedelta(seconds=1)).defi == "Alpha"
    with pytest.raises(sharing.ShareRefused, match=said("share.refused.expired", date="mercredi 25/11/2026 à 10:00")):
        sharing.open_link(token, now=expiry)


def test_a_revoked_link_is_refused_at_once(world, token):
    links = sharing.list_links(world.coach, world.alpha_id, now=NOW)
    assert list(links["state"]) == ["active"] and links["url"].iloc[0].endswith(f"?partage={token}")
    sharing.revoke(world.coach, int(links["id"].iloc[0]), now=NOW)
    with pytest.raises(sharing.ShareRefused, match=said("share.refused.revoked")):
        sharing.open_link(token, now=NOW)
    assert list(sharing.list_links(world.coach, world.alpha_id, now=NOW)["state"]) == ["revoked"]


@pytest.mark.parametrize("login", ["eig", "porteur", "sponsor", "beta_eig", "outsider"])
def test_only_coaches_create_and_revoke_links(world, token, login):
    actor = getattr(world, login)
    with pytest.raises(PermissionDenied):
        sharing.create_link(actor, world.alpha_id, ShareLinkIn(days=7), now=NOW)
    with pytest.raises(PermissionDenied):
        sharing.revoke(actor, 1, now=NOW)
    with pytest.raises(PermissionDenied):
        sharing.list_links(actor, world.alpha_id, now=NOW)

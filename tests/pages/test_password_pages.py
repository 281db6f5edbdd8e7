"""The login page's "Mot de passe oublié ?" answers alike for any address; the page behind
an emailed link refuses a bad link or password in French and does not log anyone in."""

from __future__ import annotations

import pytest

from lib import invitations, users
from lib.config import get_settings
from lib.models import GlobalRole
from lib.schemas import UserIn
from tests.mail import smtp_server
from tests.pages.conftest import texts


@pytest.fixture
def inbox(monkeypatch):  # noqa: ANN001, ANN201
    with smtp_server() as (handler, port):
        monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("SMTP_PORT", str(port))
        get_settings.cache_clear()
        yield handler
    get_settings.cache_clear()


def ask_reset(app_as, address: str) -> str:  # noqa: ANN001
    at = app_as(None)
    at.button(key="forgot_button").click().run()
    at.text_input(key="forgot_email").input(address)
    at.button(key="FormSubmitter:forgot_password-Recevoir un lien").click().run()
    return texts(at)


def test_forgotten_password_answers_alike_for_a_known_and_an_unknown_address(app_as, inbox):
    known, unknown = ask_reset(app_as, "eig@example.org"), ask_reset(app_as, "personne@example.org")
    assert known == unknown
    assert "Si un compte actif correspond à cette adresse" in known
    assert [recipients for recipients, _ in inbox.messages()] == [["eig@example.org"]]


def test_a_bad_link_shows_a_french_refusal_and_no_form(app_as):
    at = app_as(None)
    at.query_params[invitations.QUERY_PARAM] = "pas-un-jeton"
    at.run()
    assert "Ce lien n'est pas valide" in texts(at)
    assert not at.text_input and "Bonjour" not in texts(at)


def test_the_chosen_password_is_checked_before_anything_is_saved(app_as, world, inbox):
    invitations.invite(world.coach, world.eig.id)
    token = inbox.messages()[0][1].get_body(preferencelist=("plain",)).get_content().split("jeton=")[1].split()[0]
    at = app_as(None)
    at.query_params[invitations.QUERY_PARAM] = token
    at.run()
    assert "Compte : Léa EIG (identifiant eig)." in texts(at)
    at.text_input[0].input("eig")
    at.text_input[1].input("eig")
    at.button[0].click().run()
    assert "au moins 12 caractères" in texts(at)
    assert invitations.open_link(token).login == "eig"  # not spent
    at.text_input[0].input("une phrase assez longue")
    at.text_input[1].input("une phrase assez longue")
    at.button[0].click().run()
    assert "Votre mot de passe est enregistré" in texts(at) and "Bonjour" not in texts(at)
    with pytest.raises(invitations.TokenRefused):
        invitations.open_link(token)


def test_the_account_name_reads_as_typed_on_the_password_page(app_as, world, inbox):
    """The display name is user text: on the page a link opens, it must not become a link."""
    users.update_user(world.admin, world.eig.id, UserIn(login="eig", display_name="[Léa](http://x.fr) **EIG**",
                                                        email="eig@example.org", role=GlobalRole.MEMBER), True,
                      users.list_users(world.admin, "eig").iloc[0]["version"])
    invitations.invite(world.coach, world.eig.id)
    token = inbox.messages()[0][1].get_body(preferencelist=("plain",)).get_content().split("jeton=")[1].split()[0]
    at = app_as(None)
    at.query_params[invitations.QUERY_PARAM] = token
    at.run()
    account = next(m.value for m in at.markdown if "Compte" in m.value)
    assert "[Léa](http" not in account and "**EIG**" not in account
    assert "Compte : [Léa](http://x.fr) **EIG** (identifiant eig)." in texts(at)

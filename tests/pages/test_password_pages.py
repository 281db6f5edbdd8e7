"""The login page's "Mot de passe oublié ?" answers alike for any address; the page behind
an emailed link refuses a bad link or password in French and does not log anyone in; the
invitations section of Administration lists a promotion and invites its newcomers at once."""

from __future__ import annotations

import pytest

from lib import invitations, users
from lib.i18n import t
from lib.models import DefiRole, GlobalRole
from lib.schemas import CHOSEN_PASSWORD_MIN, MembershipIn, UserIn
from tests.pages.conftest import GREETING, form_button, texts


def ask_reset(app_as, address: str) -> str:  # noqa: ANN001
    at = app_as(None)
    at.button(key="forgot_button").click().run()
    at.text_input(key="forgot_email").input(address)
    form_button(at, "forgot_password", t("login.forgot.button")).click().run()
    return texts(at)


def test_forgotten_password_answers_alike_for_a_known_and_an_unknown_address(app_as, inbox):
    known, unknown = ask_reset(app_as, "eig@example.org"), ask_reset(app_as, "personne@example.org")
    assert known == unknown
    assert t("login.forgot.answer") in known
    assert [recipients for recipients, _ in inbox.messages()] == [["eig@example.org"]]


def test_a_bad_link_shows_a_french_refusal_and_no_form(app_as):
    at = app_as(None)
    at.query_params[invitations.QUERY_PARAM] = "pas-un-jeton"
    at.run()
    assert t("password.refused.invalid") in texts(at)
    assert not at.text_input and GREETING not in texts(at)


def choose(at, password: str) -> None:  # noqa: ANN001
    """Type `password` twice on the page behind the link, and save it."""
    at.text_input(key="password_new").input(password)
    at.text_input(key="password_confirmation").input(password)
    form_button(at, "choose_password", t("password.save")).click().run()


def test_the_chosen_password_is_checked_before_anything_is_saved(app_as, world, inbox):
    invitations.invite(world.coach, world.eig.id)
    token = inbox.messages()[0][1].get_body(preferencelist=("plain",)).get_content().split("jeton=")[1].split()[0]
    at = app_as(None)
    at.query_params[invitations.QUERY_PARAM] = token
    at.run()
    assert t("password.for", name="Léa EIG", login="eig") in texts(at)
    choose(at, "eig")
    assert t("validation.chosen_password", n=CHOSEN_PASSWORD_MIN) in texts(at)
    assert invitations.open_link(token).login == "eig"  # not spent
    choose(at, "une phrase assez longue")
    assert t("password.done", login="eig") in texts(at) and GREETING not in texts(at)
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


def test_a_link_sent_before_the_address_was_corrected_shows_a_refusal_and_no_form(app_as, world, inbox):
    invitations.invite(world.coach, world.eig.id)
    token = inbox.messages()[0][1].get_body(preferencelist=("plain",)).get_content().split("jeton=")[1].split()[0]
    users.update_user(world.admin, world.eig.id, UserIn(login="eig", display_name="Léa EIG",
                                                        email="lea.eig@ministere.gouv.fr"), True,
                      int(users.list_users(world.admin, "eig").set_index("login").loc["eig", "version"]))
    at = app_as(None)
    at.query_params[invitations.QUERY_PARAM] = token
    at.run()
    assert t("password.refused.changed") in texts(at)
    assert not at.text_input and GREETING not in texts(at)


def test_the_invitations_section_lists_a_promotion_and_invites_its_newcomers_at_once(app_as, world, inbox):
    nina = users.create_user(world.coach, UserIn(login="nina", display_name="Nina Neuve", email="nina@example.org"))
    users.add_membership(world.coach, MembershipIn(user_id=nina, defi_id=world.alpha_id, role=DefiRole.EIG))
    at = app_as("coach", page="pages/admin.py")

    def listed() -> set[str]:
        return next(set(d.value["login"]) for d in at.dataframe if "state_label" in d.value.columns)

    assert at.selectbox(key="invitations_promotion").value == world.promotion_id  # the promotion picked
    assert listed() == {"coach", "eig", "eig2", "inactive", "porteur", "sponsor", "beta.eig", "nina"}
    at.selectbox(key="invitations_promotion").select(world.other_promotion_id).run()
    assert listed() == {"gamma.eig"}
    assert not [b for b in at.button if b.key and b.key.startswith("invite_promotion_")]
    at.selectbox(key="invitations_promotion").select(world.promotion_id).run()
    [button] = [b for b in at.button if b.key and b.key.startswith("invite_promotion_")]
    assert button.label == t("admin.invitations.invite_promotion", n=1)
    button.click().run()
    assert t("admin.invitations.promotion_sent", n=1) in texts(at)
    assert [r for r, _ in inbox.messages()] == [["nina@example.org"]]

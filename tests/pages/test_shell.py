"""The app shell as each role: login gate, menu, sidebar pickers, home page."""

import datetime as dt
import gc

import pytest
from sqlalchemy import event

from lib import auth, formats, users
from lib.auth import MAX_FAILURES
from lib.i18n import t
from lib.models import DefiRole, User
from lib.schemas import PasswordIn
from tests.conftest import set_clock
from tests.fixtures import PASSWORD
from tests.moments import WEDNESDAY
from tests.pages.conftest import GREETING, LOGIN_FIELDS, errors, form_button, log_in, offered, open_tab, texts


def test_login_form_is_shown_to_anonymous_visitors(app_as):
    at = app_as(None)
    assert [ti.label for ti in at.text_input] == LOGIN_FIELDS
    assert t("app.login.prompt") in texts(at)
    assert GREETING not in texts(at)


def test_login_through_the_real_form(app_as):
    at = log_in(app_as(None), "eig", PASSWORD)
    assert t("home.welcome", name="Léa EIG") in texts(at)


def test_the_login_page_reads_only_the_account_it_is_given(app_as):
    """Reading every account on each run of the login page cost a quarter of a second at
    10,000 accounts: the form's run reads the one typed, a drawing of the form reads none."""
    loaded = []
    listener = lambda user, _context: loaded.append(user.login)  # noqa: E731
    event.listen(User, "load", listener)
    try:
        at = app_as(None)
        at.run()
        drawn, loaded[:] = list(loaded), []
        log_in(at, "eig", PASSWORD)
    finally:
        event.remove(User, "load", listener)
    assert drawn == []
    assert set(loaded) == {"eig"}


@pytest.mark.parametrize(("login", "password"), [("eig", "pas le bon"), ("inactive", PASSWORD)])
def test_a_wrong_password_or_a_deactivated_account_is_refused(app_as, login, password):
    at = log_in(app_as(None), login, password)
    assert t("app.login.failed") in errors(at)
    assert GREETING not in texts(at)


def test_deactivated_user_with_a_live_session_is_sent_back_to_login(app_as):
    at = app_as("inactive")
    assert GREETING not in texts(at)
    assert [ti.label for ti in at.text_input] == LOGIN_FIELDS


def test_a_run_takes_the_imported_modules_out_of_the_collectors_walks(app_as):
    """Streamlit collects every generation after each run: frozen, the modules' objects are
    not walked on every click (docs/design.md, What a click costs beyond the page)."""
    app_as("coach")
    assert gc.get_freeze_count() > 0


def test_eig_home_shows_their_defi_phase_and_bulletin_status(app_as, monkeypatch):
    set_clock(monkeypatch, WEDNESDAY)  # a phase under way and a bulletin owed this week
    at = app_as("eig")
    page = texts(at)
    assert "Alpha" in page
    assert t("home.current_phase") in page
    assert t("page.bulletin").lower() in page.lower()
    assert not at.exception


def test_sidebar_offers_only_the_defis_a_member_may_see(app_as):
    at = app_as("eig")
    assert at.selectbox(key="defi_pick").options == ["Alpha · Ministère des Tests (fictif)"]
    assert at.selectbox(key="promotion_pick").options == ["Promo test"]


def logged_as(at, who, role: str) -> str:  # noqa: ANN001
    """The sidebar's "logged in as" line, naming `who` as `role`."""
    return t("app.sidebar.logged_as", name=who.display_name, role=role)


@pytest.mark.parametrize("login", ["sponsor", "porteur", "eig"])
def test_sidebar_names_the_role_on_the_chosen_defi_not_membre(app_as, world, login):
    at = app_as(login)
    captions = [c.value for c in at.sidebar.caption]
    who = world.by_login(login)
    assert logged_as(at, who, t(f"defi_role.{login}")) in captions, captions
    assert logged_as(at, who, t("role.member")) not in captions


def test_sidebar_keeps_the_programme_role_of_a_coach_outside_the_team(app_as, world):
    at = app_as("coach", page="pages/journal.py")
    at.selectbox(key="defi_pick").select_index(1).run()  # Beta: the coach is not in its team
    captions = [c.value for c in at.sidebar.caption]
    assert logged_as(at, world.coach, t("role.coach")) in captions, (captions, at.selectbox(key="defi_pick").value)


def test_coach_may_pick_every_defi_of_the_promotion(app_as):
    at = app_as("coach")
    assert len(at.selectbox(key="defi_pick").options) == 2


def test_coach_home_lists_every_defi_of_the_promotion(app_as):
    at = app_as("coach")
    table = at.dataframe[0].value
    assert sorted(table["defi"]) == ["Alpha", "Beta"]


@pytest.mark.parametrize(("now", "label"), [("2026-11-18T10:00:00+01:00", "home.metric.filed_in_progress"),
                                            ("2026-11-20T15:00:00+01:00", "home.metric.filed")])
def test_coach_home_says_when_this_weeks_count_is_still_in_progress(app_as, monkeypatch, now, label):
    set_clock(monkeypatch, dt.datetime.fromisoformat(now))
    at = app_as("coach")
    assert not at.exception
    assert t(label) in [m.label for m in at.metric]


def test_sponsor_home_shows_their_defi_and_its_phases(app_as):
    at = app_as("sponsor")
    page = texts(at)
    assert "Alpha" in page and "Beta" not in page
    assert t("defi_role.sponsor") in page


@pytest.mark.parametrize("login", ["eig", "porteur", "sponsor", "outsider"])
def test_administration_page_is_not_in_a_member_menu(app_as, login):
    assert not offered(app_as(login), "pages/admin.py")


def test_coach_opens_administration_and_sees_the_users(app_as):
    at = app_as("coach", page="pages/admin.py")
    assert not at.exception
    assert "eig" in list(at.dataframe[0].value["login"])
    # Roles in French, not the stored English values.
    assert set(at.dataframe[0].value["role"]) <= {t("role.admin"), t("role.coach"), t("role.member")}
    assert t("role.member") in set(at.dataframe[0].value["role"])


def new_user_form(saved: int = 0) -> str:
    """The key of the account creation form after `saved` accounts created (drawn anew after each)."""
    return f"create_user_{saved}"


def fill_new_user(at, login: str, name: str, email: str, saved: int = 0) -> None:  # noqa: ANN001
    for field, value in [("login", login), ("display_name", name), ("email", email), ("password", "un-mot-de-passe")]:
        at.text_input(key=f"{new_user_form(saved)}_{field}").input(value)


def test_coach_creates_a_user_and_a_duplicate_login_is_refused(app_as):
    at = app_as("coach", page="pages/admin.py")
    fill_new_user(at, "nouvelle.eig", "Nouvelle EIG", "nouvelle@example.org")
    form_button(at, new_user_form(), t("admin.create")).click().run()
    assert t("admin.users.created", login="nouvelle.eig") in texts(at)
    assert "nouvelle.eig" in list(at.dataframe[0].value["login"])  # the table above shows it at once
    assert [at.text_input(key=f"{new_user_form(1)}_{f}").value for f in ("login", "display_name", "email")] == [
        "", "", ""]  # a new form, empty
    fill_new_user(at, "eig", "Une autre Léa", "autre@example.org", saved=1)
    form_button(at, new_user_form(1), t("admin.create")).click().run()
    assert t("admin.users.duplicate_login", login="eig") in texts(at)


def test_invalid_email_is_explained_next_to_the_form(app_as):
    at = app_as("coach", page="pages/admin.py")
    fill_new_user(at, "quelquun", "Quelqu'un", "pas-une-adresse")
    form_button(at, new_user_form(), t("admin.create")).click().run()
    assert f"{t('admin.users.email')} : {t('validation.email')}" in texts(at)


def test_users_table_has_a_search_ignoring_accents_and_case(app_as):
    at = app_as("coach", page="pages/admin.py")
    at.text_input(key="users_search").input("LEA").run()
    assert list(at.dataframe[0].value["display_name"]) == ["Léa EIG"]
    at.text_input(key="users_search").input("personne de ce nom").run()
    assert t("admin.users.none_found") in texts(at)


def test_a_user_edit_shows_in_the_table_at_once_and_stays_open(app_as, world):
    at = app_as("coach", page="pages/admin.py")
    at.selectbox(key="edit_pick").set_value(world.eig.id).run()
    at.text_input(key=f"admin_user_{world.eig.id}_1_display_name").input("Léa Martin")
    form_button(at, f"admin_user_{world.eig.id}_1", t("admin.save")).click().run()
    assert t("admin.users.updated", login="eig") in texts(at)
    assert "Léa Martin" in list(at.dataframe[0].value["display_name"])
    assert at.text_input(key=f"admin_user_{world.eig.id}_2_display_name").value == "Léa Martin"


def test_several_people_join_a_defi_in_one_submit(app_as, world):
    at = open_tab(app_as("coach", page="pages/admin.py"), "admin_tabs", t("admin.tab.memberships"))
    team = f"add_members_{world.promotion_id}_0"  # drawn anew after each addition
    at.multiselect(key=f"{team}_user_ids").set_value([world.outsider.id, world.beta_eig.id])
    at.selectbox(key=f"{team}_defi_id").set_value(world.alpha_id)
    at.selectbox(key=f"{team}_role").set_value(DefiRole.EIG)
    form_button(at, team, t("admin.memberships.add")).click().run()
    assert not at.exception
    assert t("admin.memberships.added_many", n=2, defi="Alpha") in texts(at)
    team = f"add_members_{world.promotion_id}_1"
    assert not at.multiselect(key=f"{team}_user_ids").value  # empty for the next ones
    teams = next(df.value for df in at.dataframe if "defi" in df.value.columns)
    assert {"outsider", "beta.eig"} <= set(teams[teams["defi"] == "Alpha"]["login"])
    # Again with one already in the team: nobody is added, and the refusal says who.
    at.multiselect(key=f"{team}_user_ids").set_value([world.outsider.id, world.sponsor.id])
    at.selectbox(key=f"{team}_defi_id").set_value(world.alpha_id)
    form_button(at, team, t("admin.memberships.add")).click().run()
    assert t("admin.memberships.duplicates", names="Anne Sponsor, Omar Dehors") in errors(at)  # both, by name


def test_repeated_failures_lock_the_account_through_the_real_form(app_as):
    at = app_as(None)
    for _ in range(MAX_FAILURES):
        log_in(at, "eig", "pas le bon")
    log_in(at, "eig", PASSWORD)  # the right one, too late
    until = at.session_state["login_locked_until"]
    assert t("app.login.locked", until=formats.moment(until)) in errors(at)
    assert GREETING not in texts(at)


def test_a_new_account_created_without_touching_the_role_is_a_member(app_as):
    at = app_as("admin", page="pages/admin.py")
    assert at.selectbox(key=f"{new_user_form()}_role").value == "member"
    fill_new_user(at, "nouvelle.eig", "Nouvelle EIG", "nouvelle@example.org")
    form_button(at, new_user_form(), t("admin.create")).click().run()
    roles = dict(zip(at.dataframe[0].value["login"], at.dataframe[0].value["role"], strict=True))
    assert roles["nouvelle.eig"] == t("role.member")


def test_a_session_opened_before_a_password_reset_is_sent_back_to_login(app_as, world):
    at = app_as("eig")
    assert t("home.welcome", name="Léa EIG") in texts(at)
    users.reset_password(world.admin, world.eig.id, PasswordIn(password="tout-nouveau"))
    at.run()
    assert GREETING not in texts(at)
    assert [ti.label for ti in at.text_input] == LOGIN_FIELDS


def test_logging_out_everywhere_ends_the_session(app_as):
    at = app_as("eig")
    at.button(key="logout_everywhere_button").click().run()
    assert t("app.logged_out") in texts(at)
    assert auth.actor_for_login("eig", 0) is None  # the cookies issued before are refused too


@pytest.mark.parametrize("page", ["pages/committees.py", "pages/admin.py"])
def test_an_inner_page_shows_only_the_login_form_before_login(app_as, page):
    at = app_as(None, page=page)
    assert not at.exception
    assert [ti.label for ti in at.text_input] == LOGIN_FIELDS
    assert GREETING not in texts(at)


@pytest.mark.parametrize(("login", "name"), [("coach", "page.carnet.staff"), ("admin", "page.carnet.staff"),
                                             ("eig", "page.carnet")])
def test_the_carnet_page_is_named_for_what_it_is_to_each_role(world, login, name):
    """An EIG writes « Mon carnet »; coaches and admins read everyone's monthly carnets there."""
    from lib import ui

    ctx = ui.PageContext(actor=world.by_login(login), promotion=None, defi=None)
    assert ui.menu_name(ctx, "pages/carnet.py") == t(name)
    assert t("page.carnet.staff") != t("page.carnet")

"""In Chromium: a double click on a button that creates or sends something creates or sends
once, and the form is drawn empty afterwards, so one more click writes nothing again (the
journal's entry, an indicator's measurement, the weekly recap, an account)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from lib import db, digest, formats, indicators, portfolio
from lib.auth import DEMO_PASSWORD
from lib.clock import today_local
from lib.i18n import t
from lib.models import Defi, IndicatorTheme, JournalEntry, Measurement, User
from lib.schemas import IndicatorIn
from lib.seed import CURRENT_DEFIS
from tests.e2e.conftest import LiveApp, account, choose, login, mailing_app, rerun, services_on, settle, wait_until
from tests.mail import Inbox

pytestmark = pytest.mark.browser
PARIS = ZoneInfo("Europe/Paris")
NOW = dt.datetime.combine(today_local(), dt.time(11, 0), tzinfo=PARIS)
UNIT = "clics e2e"  # names the planted indicator's value field: « Valeur (clics e2e) »


@pytest.fixture(scope="module")
def mail_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveApp, Inbox]]:
    """The demo app, its clock at 11:00 today (the seed's today), mailing to a local SMTP server."""
    with mailing_app(tmp_path_factory.mktemp("e2e"), NOW.isoformat()) as served:
        yield served


def count(app: LiveApp, query) -> int:  # noqa: ANN001
    with services_on(app.database_url), db.reading() as s:
        return s.scalar(query)


def double_click(page, button) -> None:  # noqa: ANN001
    """Two clicks in a row, as an impatient person makes them; then wait for every run they asked."""
    asked = page.script_runs.requested
    button.dblclick()
    wait_until(page, lambda: page.script_runs.requested > asked, 10)
    settle(page)


def visible_form(page):  # noqa: ANN001, ANN201
    return page.locator('[data-testid="stForm"]:visible')


def test_a_double_click_adds_one_journal_entry(mail_app, new_page):
    app, _ = mail_app
    task = "Entrée e2e ajoutée d'un double clic"
    entries = select(func.count()).select_from(JournalEntry).where(JournalEntry.tache == task)
    page = new_page()
    login(page, app.base_url, "eig.lea", DEMO_PASSWORD)
    rerun(page, page.get_by_role("link", name=t("page.journal")))
    rerun(page, page.get_by_role("tab", name=t("journal.tab.write")))
    form = visible_form(page)
    form.get_by_label(t("journal.form.tache")).fill(task)
    choose(form, t("journal.form.categories"), "U · Utilisateurs")
    double_click(page, form.get_by_role("button", name=t("journal.form.add")))
    page.get_by_text(t("journal.added")).wait_for()
    assert count(app, entries) == 1
    expect(visible_form(page).get_by_label(t("journal.form.tache"))).to_have_value("")  # empty for the next one
    rerun(page, visible_form(page).get_by_role("button", name=t("journal.form.add")))  # one click more
    page.get_by_text(f"{t('journal.form.tache')} : {t('validation.required')}").wait_for()
    assert count(app, entries) == 1


def test_a_double_click_records_one_measurement(mail_app, new_page):
    app, _ = mail_app
    with services_on(app.database_url):
        with db.reading() as s:
            defi_id = s.scalar(select(Defi.id).where(Defi.name == CURRENT_DEFIS[0].name))
        indicator_id = indicators.create_indicator(account("eig.lea"), defi_id, IndicatorIn(
            theme=IndicatorTheme.OUVERTURE, name="Indicateur e2e du double clic", unit=UNIT, target=10))
    measurements = select(func.count()).select_from(Measurement).where(Measurement.indicator_id == indicator_id)
    page = new_page()
    login(page, app.base_url, "eig.lea", DEMO_PASSWORD)
    rerun(page, page.get_by_role("link", name=t("page.indicators"), exact=True))
    field = page.get_by_label(f"{t('indicators.col.value')} ({UNIT})")
    field.fill("7")
    form = field.locator("xpath=ancestor::*[@data-testid='stForm'][1]")
    double_click(page, form.get_by_role("button", name=t("indicators.form.add_measurement")))
    page.get_by_text(t("indicators.measurement_added", name="Indicateur e2e du double clic")).wait_for()
    assert count(app, measurements) == 1
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)  # the second click refused nothing
    field = page.get_by_label(f"{t('indicators.col.value')} ({UNIT})")
    expect(field).to_have_value("")  # empty for the next one
    rerun(page, field.locator("xpath=ancestor::*[@data-testid='stForm'][1]").get_by_role(
        "button", name=t("indicators.form.add_measurement")))  # one click more
    page.get_by_text(f"{t('indicators.col.value')} : {t('validation.required')}").wait_for()
    assert count(app, measurements) == 1


def test_a_double_click_sends_the_recap_once(mail_app, new_page):
    app, inbox = mail_app
    with services_on(app.database_url):
        coach = account("coach.claire")
        shown = portfolio.default_promotion(coach, NOW) or portfolio.promotions_for(coach)[0].id  # the sidebar's
        recap = digest.preview_recap(coach, shown, NOW)
    sent = t("digest.preview.sent", week=formats.iso_week(recap.iso_year, recap.iso_week), n=recap.recipients)
    page = new_page()
    login(page, app.base_url, "coach.claire", DEMO_PASSWORD)
    rerun(page, page.get_by_role("link", name=t("page.admin")))
    rerun(page, page.get_by_role("tab", name=t("admin.tab.recap")))
    form = visible_form(page)
    box = form.get_by_role("checkbox")
    form.locator('[data-testid="stCheckbox"]').click()
    expect(box).to_be_checked()
    before = len(inbox.messages())
    double_click(page, form.get_by_role("button", name=t("digest.preview.send")))
    page.get_by_text(sent).wait_for()
    assert len(inbox.messages()) == before + recap.recipients  # one message each
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)
    expect(visible_form(page).get_by_role("checkbox")).not_to_be_checked()  # to be ticked again
    rerun(page, visible_form(page).get_by_role("button", name=t("digest.preview.send")))  # one click more
    page.get_by_text(t("digest.preview.unconfirmed")).wait_for()
    assert len(inbox.messages()) == before + recap.recipients


def create_user_form(page):  # noqa: ANN001, ANN201
    """The account creation form, its expander opened (a run that adds a message above folds it)."""
    form = visible_form(page).filter(has=page.get_by_role("button", name=t("admin.create"), exact=True))
    if not form.count():
        page.get_by_text(t("admin.users.create")).click()
    expect(form).to_have_count(1)
    return form


def test_a_double_click_creates_one_account_and_refuses_nothing(mail_app, new_page):
    app, _ = mail_app
    login_name = "compte.double.clic"
    page = new_page()
    login(page, app.base_url, "coach.claire", DEMO_PASSWORD)
    rerun(page, page.get_by_role("link", name=t("page.admin")))
    form = create_user_form(page)
    form.get_by_label(t("admin.users.login"), exact=True).fill(login_name)
    form.get_by_label(t("admin.users.display_name"), exact=True).fill("Compte du double clic")
    form.get_by_label(t("admin.users.email"), exact=True).fill("double.clic@example.org")
    double_click(page, form.get_by_role("button", name=t("admin.create"), exact=True))
    page.get_by_text(t("admin.users.created", login=login_name)).wait_for()
    form = create_user_form(page)
    expect(form.get_by_test_id("stAlertContentError")).to_have_count(0)  # no « identifiant déjà pris »
    expect(form.get_by_label(t("admin.users.login"), exact=True)).to_have_value("")  # empty for the next one
    rerun(page, form.get_by_role("button", name=t("admin.create"), exact=True))  # one click more
    expect(create_user_form(page).get_by_test_id("stAlertContentError").first).to_be_visible()
    assert t("admin.users.duplicate_login", login=login_name) not in create_user_form(page).inner_text()
    assert count(app, select(func.count()).select_from(User).where(User.login == login_name)) == 1

"""The coaches' Portefeuille and the Indicateurs du programme page under AppTest: who sees
them, the risk with its reasons, filters and sort, the click-through to a défi, logging a
coaching session, and recording the programme's facts."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from lib import db, risk
from lib.i18n import t
from lib.models import CoachingForm, CoachingSession, Defi, DefiPhase, Membership, PhaseTemplate, Training
from tests.conftest import set_clock
from tests.pages.conftest import errors, form_button, offered, texts

NOW = dt.datetime(2026, 10, 14, 10, 0, tzinfo=dt.UTC)  # phase 3 of the test promotion


@pytest.fixture(autouse=True)
def clock(monkeypatch):  # noqa: ANN001, ANN201
    set_clock(monkeypatch, NOW)


@pytest.fixture
def beta_on_track(world):  # noqa: ANN001, ANN201
    """Beta's ended phases validated and a coach met it yesterday; Alpha left alone (late phases,
    no bulletin, no contact)."""
    with db.transaction() as s:
        for phase in s.scalars(select(DefiPhase).join(PhaseTemplate, PhaseTemplate.id == DefiPhase.phase_template_id)
                               .where(DefiPhase.defi_id == world.beta_id, PhaseTemplate.number <= 2)):
            phase.validated_at = NOW - dt.timedelta(days=40)
        s.add(CoachingSession(defi_id=world.beta_id, coach_id=world.coach.id, held_on=NOW.date() - dt.timedelta(days=1),
                              form="appel"))
    return world


def no_contact(reasons: str) -> bool:
    """Whether a défi's reasons include "no coach contact", for however many weeks."""
    return any(t("risk.reason.contact", n=weeks) in reasons for weeks in range(1, 53))


def portfolio_table(at):  # noqa: ANN001, ANN201
    return at.dataframe[0].value


def test_coach_sees_every_defi_with_its_risk_and_reasons(app_as, beta_on_track):
    at = app_as("coach", page="pages/portfolio.py")
    assert not at.exception
    rows = portfolio_table(at).set_index("defi")
    assert list(rows.index) == ["Alpha", "Beta"]  # highest risk first
    assert rows.loc["Alpha", "level_label"] == t("risk.level.eleve")
    assert t("risk.reason.phase_late", number=1, days=130) in rows.loc["Alpha", "reasons"]
    assert t("risk.reason.bulletins", n=8, weeks=8) in rows.loc["Alpha", "reasons"]
    assert not no_contact(rows.loc["Beta", "reasons"])
    rules = next(e for e in at.expander if e.label == t("portfolio.rules"))
    help_rule = t("risk.doc.help", help_age_days=risk.THRESHOLDS.help_age_days)  # from lib/risk.py
    assert help_rule in rules.markdown[0].value and help_rule in texts(at)


@pytest.mark.parametrize("login", ["eig", "porteur", "sponsor", "outsider"])
def test_portfolio_is_not_in_a_member_menu(app_as, login):
    assert not offered(app_as(login), "pages/portfolio.py")


def test_filters_by_text_and_risk_level_and_sorts_by_name(app_as, beta_on_track):
    at = app_as("coach", page="pages/portfolio.py")
    at.text_input(key="portfolio_text").input("béta").run()  # accent-insensitive
    assert list(portfolio_table(at)["defi"]) == ["Beta"]
    at.text_input(key="portfolio_text").input("").run()
    at.multiselect(key="portfolio_levels").select("eleve").run()
    assert list(portfolio_table(at)["defi"]) == ["Alpha"]
    at.multiselect(key="portfolio_levels").unselect("eleve").select("faible").select("a_surveiller").run()
    assert "Alpha" not in list(portfolio_table(at)["defi"])
    at.text_input(key="portfolio_text").input("aucun défi de ce nom").run()
    assert t("portfolio.no_match") in texts(at)


def test_sort_by_name_and_only_my_defis(app_as, beta_on_track):
    at = app_as("admin", page="pages/portfolio.py")
    at.selectbox(key="portfolio_sort").set_value("defi").run()
    assert list(portfolio_table(at)["defi"]) == ["Alpha", "Beta"]
    at.toggle(key="portfolio_mine").set_value(True).run()  # the admin is coach référent of nothing
    assert t("portfolio.no_match") in texts(at)


def test_opening_a_defi_selects_it_in_the_sidebar_and_switches_page(app_as, beta_on_track, frame_on_every_run):
    at = app_as("coach", page="pages/portfolio.py")
    at.selectbox(key="portfolio_defi").set_value(beta_on_track.beta_id).run()
    at.button(key="open_pages/phases.py").click().run()
    assert not at.exception
    assert at.selectbox(key="defi_pick").value.name == "Beta"
    assert [title.value for title in at.title] == [f"{t('page.phases')} · Beta"]


def test_logging_a_coaching_session_writes_it_and_clears_the_reason(app_as, world):
    at = app_as("coach", page="pages/portfolio.py")
    assert no_contact(portfolio_table(at).set_index("defi").loc["Alpha", "reasons"])
    form = f"coaching_{world.promotion_id}_0"
    at.selectbox(key=f"{form}_defi_id").set_value(world.alpha_id)
    at.selectbox(key=f"{form}_form").set_value(CoachingForm.ATELIER)
    at.text_area(key=f"{form}_note").input("Atelier de priorisation")
    form_button(at, form, t("coaching.save")).click().run()
    assert not at.exception
    assert t("coaching.saved", defi="Alpha") in texts(at)
    with db.reading() as s:
        session = s.scalar(select(CoachingSession).where(CoachingSession.defi_id == world.alpha_id))
    assert (session.held_on, session.form.value, session.note, session.coach_id) == (
        NOW.date(), "atelier", "Atelier de priorisation", world.coach.id)
    assert not no_contact(portfolio_table(at).set_index("defi").loc["Alpha", "reasons"])
    assert at.text_area(key=f"coaching_{world.promotion_id}_1_note").value == ""  # a new form, empty


def test_a_coaching_session_in_the_future_is_refused_with_the_reason(app_as, world):
    at = app_as("coach", page="pages/portfolio.py")
    form = f"coaching_{world.promotion_id}_0"
    at.date_input(key=f"{form}_held_on").set_value(NOW.date() + dt.timedelta(days=2))
    form_button(at, form, t("coaching.save")).click().run()
    assert t("validation.future_date") in texts(at)
    with db.reading() as s:
        assert s.scalar(select(CoachingSession)) is None


# --- Indicateurs du programme -----------------------------------------------------------------


@pytest.mark.parametrize("login", ["eig", "sponsor", "outsider"])
def test_everyone_logged_in_reads_the_programme_figures_but_records_nothing(app_as, world, login):
    at = app_as(login, page="pages/programme.py")
    assert not at.exception
    page = texts(at)
    assert t("programme.metric.eig_recruited") in page and t("programme.all_promotions") in page
    assert t("programme.record") not in page
    assert not {"facts_save", "outcomes_save"} & {b.key for b in at.button}
    assert not [b for b in at.button if b.key.startswith("FormSubmitter:training_")]


def test_programme_figures_count_the_world(app_as, world):
    at = app_as("coach", page="pages/programme.py")
    assert not at.exception
    # Alpha: eig, eig2, inactive; Beta: beta.eig -> 4 in the chosen promotion; Gamma's EIG -> 5 in all.
    assert [m.value for m in at.metric if m.label == t("programme.metric.eig_recruited")] == ["4", "5"]


def test_coach_records_a_training_and_a_bad_one_is_explained(app_as, world):
    at = app_as("coach", page="pages/programme.py")
    form = f"training_{world.promotion_id}_0"
    form_button(at, form, t("programme.record.training_save")).click().run()
    assert errors(at) == [f"{t('programme.col.title')} : {t('validation.required')}"]
    at.text_input(key=f"{form}_title").input("Atelier accessibilité")
    at.number_input(key=f"{form}_attendees").set_value(18)
    form_button(at, form, t("programme.record.training_save")).click().run()
    assert t("programme.record.training_saved", title="Atelier accessibilité") in texts(at)
    with db.reading() as s:
        training = s.scalar(select(Training))
    assert (training.title, training.attendees, training.promotion_id) == ("Atelier accessibilité", 18,
                                                                           world.promotion_id)
    assert [m.value for m in at.metric if m.label == t("programme.metric.trainings")] == ["1", "1"]


def editor_key(at: AppTest, prefix: str) -> str:
    return next(df.key for df in at.dataframe if df.key and df.key.startswith(prefix))


def test_programme_facts_saved_from_the_tables(app_as, world):
    at = app_as("coach", page="pages/programme.py")
    # Data editors are driven through their session state, under their key (by promotion and versions).
    at.session_state[editor_key(at, "facts_editor_")] = {
        "edited_rows": {0: {"perennisation": t("programme.outcome.en_production"), "public_code": True,
                            "published_datasets": 2}},
        "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="facts_save").click().run()
    assert not at.exception, at.exception
    assert t("programme.record.facts_saved", n=1) in texts(at)
    with db.reading() as s:
        alpha = s.get(Defi, world.alpha_id)
        assert (alpha.perennisation.value, alpha.public_code, alpha.published_datasets) == ("en_production", True, 2)
    at.session_state[editor_key(at, "outcomes_editor_")] = {"edited_rows": {0: {"stayed": True}}, "added_rows": [],
                                                             "deleted_rows": []}
    at.run()
    at.button(key="outcomes_save").click().run()
    assert t("programme.record.outcomes_saved", n=1) in texts(at)
    with db.reading() as s:
        stayed = s.scalars(select(Membership.stayed_in_administration).where(
            Membership.stayed_in_administration.is_not(None))).all()
    assert stayed == [True]


def axes(at: AppTest) -> list[str]:
    """The titles of the value axes of the charts drawn."""
    return [json.loads(c.proto.spec)["layout"]["yaxis"].get("title", {}).get("text") for c in at.get("plotly_chart")]


def test_the_programme_clock_shows_participation_when_asked_and_keeps_the_page(app_as, world):
    at = app_as("coach", page="pages/programme.py")
    assert t("programme.col.participation") not in axes(at)
    at.radio(key="programme_value").set_value("participation").run()  # a fragment: its section alone reruns
    assert axes(at).count(t("programme.col.participation")) == 2  # by week and by phase
    assert t("programme.metric.eig_recruited") in texts(at)  # the figures above it are still drawn

"""The coaches' Portefeuille and the Indicateurs du programme page under AppTest: who sees
them, the risk with its reasons, filters and sort, the click-through to a défi, logging a
coaching session, and recording the programme's facts."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from lib import db
from lib.i18n import t
from lib.models import CoachingForm, CoachingSession, Defi, DefiPhase, Membership, PhaseTemplate, Training
from tests.conftest import set_clock
from tests.pages.conftest import texts

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


def portfolio_table(at):  # noqa: ANN001, ANN201
    return at.dataframe[0].value


def test_coach_sees_every_defi_with_its_risk_and_reasons(app_as, beta_on_track):
    at = app_as("coach", page="pages/portfolio.py")
    assert not at.exception
    rows = portfolio_table(at).set_index("defi")
    assert list(rows.index) == ["Alpha", "Beta"]  # highest risk first
    assert rows.loc["Alpha", "level_label"] == "élevé"
    assert "phase 1 en retard de 130 jours" in rows.loc["Alpha", "reasons"]
    assert "8 bulletins manquants sur 8 semaines" in rows.loc["Alpha", "reasons"]
    assert "pas de contact coach" not in rows.loc["Beta", "reasons"]
    page = texts(at)
    rules = next(e for e in at.expander if e.label == "Comment le risque est calculé")
    assert "au moins 14 jours" in rules.markdown[0].value and "au moins 14 jours" in page  # from lib/risk.py


@pytest.mark.parametrize("login", ["eig", "porteur", "sponsor", "outsider"])
def test_portfolio_is_not_in_a_member_menu(app_as, login):
    at = app_as(login)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/portfolio.py")


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
    assert "Aucun défi ne correspond à ces filtres" in texts(at)


def test_sort_by_name_and_only_my_defis(app_as, beta_on_track):
    at = app_as("admin", page="pages/portfolio.py")
    at.selectbox(key="portfolio_sort").set_value("defi").run()
    assert list(portfolio_table(at)["defi"]) == ["Alpha", "Beta"]
    at.toggle(key="portfolio_mine").set_value(True).run()  # the admin is coach référent of nothing
    assert "Aucun défi ne correspond" in texts(at)


def test_opening_a_defi_selects_it_in_the_sidebar_and_switches_page(app_as, beta_on_track, app_py_on_every_run):
    at = app_as("coach", page="pages/portfolio.py")
    at.selectbox(key="portfolio_defi").set_value(beta_on_track.beta_id).run()
    at.button(key="open_pages/phases.py").click().run()
    assert not at.exception
    assert at.selectbox(key="defi_pick").value.name == "Beta"
    assert [title.value for title in at.title] == ["Phases · Beta"]


def test_logging_a_coaching_session_writes_it_and_clears_the_reason(app_as, world):
    at = app_as("coach", page="pages/portfolio.py")
    assert "pas de contact coach" in portfolio_table(at).set_index("defi").loc["Alpha", "reasons"]
    at.selectbox(key="coaching_defi").set_value(world.alpha_id)
    at.selectbox(key="coaching_form").set_value(CoachingForm.ATELIER)
    at.text_area(key="coaching_note").input("Atelier de priorisation")
    next(b for b in at.button if b.label == "Enregistrer la séance").click().run()
    assert not at.exception
    assert "Séance de coaching enregistrée pour « Alpha »" in texts(at)
    with db.reading() as s:
        session = s.scalar(select(CoachingSession).where(CoachingSession.defi_id == world.alpha_id))
    assert (session.held_on, session.form.value, session.note, session.coach_id) == (
        NOW.date(), "atelier", "Atelier de priorisation", world.coach.id)
    assert "pas de contact coach" not in portfolio_table(at).set_index("defi").loc["Alpha", "reasons"]


def test_a_coaching_session_in_the_future_is_refused_with_the_reason(app_as, world):
    at = app_as("coach", page="pages/portfolio.py")
    at.date_input(key="coaching_held_on").set_value(NOW.date() + dt.timedelta(days=2))
    next(b for b in at.button if b.label == "Enregistrer la séance").click().run()
    assert "La date ne peut pas être dans le futur." in texts(at)
    with db.reading() as s:
        assert s.scalar(select(CoachingSession)) is None


# --- Indicateurs du programme -----------------------------------------------------------------


@pytest.mark.parametrize("login", ["eig", "sponsor", "outsider"])
def test_everyone_logged_in_reads_the_programme_figures_but_records_nothing(app_as, world, login):
    at = app_as(login, page="pages/programme.py")
    assert not at.exception
    page = texts(at)
    assert "EIG recrutés" in page and "Toutes promotions" in page
    assert "Saisir les faits du programme" not in page
    assert not any(b.label in ("Enregistrer les défis", "Ajouter la formation") for b in at.button)


def test_programme_figures_count_the_world(app_as, world):
    at = app_as("coach", page="pages/programme.py")
    assert not at.exception
    # Alpha: eig, eig2, inactive; Beta: beta.eig -> 4 in the chosen promotion; Gamma's EIG -> 5 in all.
    assert [m.value for m in at.metric if m.label == "EIG recrutés"] == ["4", "5"]


def test_coach_records_a_training_and_a_bad_one_is_explained(app_as, world):
    at = app_as("coach", page="pages/programme.py")
    next(b for b in at.button if b.label == "Ajouter la formation").click().run()
    assert "Formation : Ce champ est obligatoire." in texts(at)
    at.text_input[0].input("Atelier accessibilité")
    at.number_input[0].set_value(18)
    next(b for b in at.button if b.label == "Ajouter la formation").click().run()
    assert "Formation « Atelier accessibilité » ajoutée." in texts(at)
    with db.reading() as s:
        training = s.scalar(select(Training))
    assert (training.title, training.attendees, training.promotion_id) == ("Atelier accessibilité", 18,
                                                                           world.promotion_id)
    assert [m.value for m in at.metric if m.label == "Formations données"] == ["1", "1"]


def editor_key(at: AppTest, prefix: str) -> str:
    return next(df.key for df in at.dataframe if df.key and df.key.startswith(prefix))


def test_programme_facts_saved_from_the_tables(app_as, world):
    at = app_as("coach", page="pages/programme.py")
    # Data editors are driven through their session state, under their key (by promotion and versions).
    at.session_state[editor_key(at, "facts_editor_")] = {
        "edited_rows": {0: {"perennisation": "en production", "public_code": True, "published_datasets": 2}},
        "added_rows": [], "deleted_rows": []}
    at.run()
    next(b for b in at.button if b.label == "Enregistrer les défis").click().run()
    assert not at.exception, at.exception
    assert t("programme.record.facts_saved", n=1) in texts(at)
    with db.reading() as s:
        alpha = s.get(Defi, world.alpha_id)
        assert (alpha.perennisation.value, alpha.public_code, alpha.published_datasets) == ("en_production", True, 2)
    at.session_state[editor_key(at, "outcomes_editor_")] = {"edited_rows": {0: {"stayed": True}}, "added_rows": [],
                                                             "deleted_rows": []}
    at.run()
    next(b for b in at.button if b.label == "Enregistrer les EIG").click().run()
    assert "1 EIG mis à jour." in texts(at)
    with db.reading() as s:
        stayed = s.scalars(select(Membership.stayed_in_administration).where(
            Membership.stayed_in_administration.is_not(None))).all()
    assert stayed == [True]

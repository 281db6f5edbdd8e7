"""The Indicateurs page per role, and the home of sponsors and porteurs (their défis on one
screen, only published reports, the export button), under AppTest on a SQLite world."""

from __future__ import annotations

import datetime as dt

import pytest

from lib import committees, indicators, phases, sponsor
from lib.clock import now_utc, today_local
from lib.errors import StaleEdit
from lib.i18n import t
from lib.models import IndicatorTheme
from lib.schemas import CommitteeNotesIn, CommitteeScheduleIn, IndicatorIn, MeasurementIn, ReportIn
from tests.pages.conftest import errors, form_button, offered, texts

PAGE = "pages/indicators.py"
USERS = IndicatorIn(theme=IndicatorTheme.PERFORMANCE_PRODUIT, name="Utilisateurs actifs", unit="utilisateurs",
                    baseline=100, target=1100)


@pytest.fixture
def users(world):  # noqa: ANN001, ANN201
    """Alpha's audience indicator with two measurements, the last one at 600 (half way)."""
    iid = indicators.create_indicator(world.eig, world.alpha_id, USERS)
    today = today_local()
    for days, value in [(30, 300), (2, 600)]:
        indicators.add_measurement(world.eig, iid, MeasurementIn(measured_on=today - dt.timedelta(days=days),
                                                                 value=value))
    return iid


def charts(at) -> int:  # noqa: ANN001
    return len(at.get("plotly_chart"))


def test_eig_sees_each_indicator_against_its_target_and_may_edit(app_as, users):
    at = app_as("eig", page=PAGE)
    assert not at.exception
    page = texts(at)
    assert t("indicators.theme.performance_produit") in page and "Utilisateurs actifs" in page
    assert t("indicators.fact.target", value="1\u202f100 utilisateurs") in page
    assert t("indicators.fact.progress", pct=50) in page
    assert charts(at) == 2  # the overview and the indicator's own chart
    assert t("chart.see_data") in [e.label for e in at.expander]
    assert t("indicators.form.new") in page
    # The other themes are listed empty, telling the team what to do.
    assert page.count(t("indicators.theme_empty")) == 3


@pytest.mark.parametrize("reader", ["sponsor", "porteur"])
def test_sponsors_and_porteurs_read_without_forms(app_as, users, reader):
    at = app_as(reader, page=PAGE)
    assert not at.exception
    page = texts(at)
    assert "Utilisateurs actifs" in page and charts(at) == 2
    assert t("indicators.form.new") not in page
    assert t("indicators.form.add_measurement") not in [b.label for b in at.button]
    assert t("indicators.read_only") in page
    assert t("indicators.theme_empty") not in page  # empty themes are the team's business


def test_empty_state_tells_the_team_what_to_do(app_as):
    at = app_as("eig", page=PAGE)
    assert t("indicators.empty_team") in texts(at)
    at = app_as("sponsor", page=PAGE)
    assert t("indicators.empty") in texts(at)


def test_another_defi_sees_only_its_own_indicators(app_as, users):
    at = app_as("beta.eig", page=PAGE)
    assert not at.exception
    assert "Utilisateurs actifs" not in texts(at)


def test_page_is_not_offered_outside_the_team(app_as):
    assert not offered(app_as("outsider"), PAGE)


def test_eig_adds_an_indicator_then_a_measurement(app_as, world):
    at = app_as("eig", page=PAGE)
    form = f"indicator_new_{world.alpha_id}_0"  # drawn anew (_1, ...) after each indicator added
    at.selectbox(key=f"{form}_theme").set_value(IndicatorTheme.OUVERTURE)
    at.text_input(key=f"{form}_name").input("Jeux de données publiés")
    at.text_input(key=f"{form}_unit").input("jeux")
    at.number_input(key=f"{form}_target").set_value(6)
    form_button(at, form, t("indicators.form.add")).click().run()
    assert not at.exception
    assert t("indicators.added", name="Jeux de données publiés") in texts(at)
    assert at.text_input(key=f"indicator_new_{world.alpha_id}_1_name").value == ""
    [added] = indicators.defi_indicators(world.coach, world.alpha_id).indicators
    assert (added.theme, added.unit, added.baseline, added.target) == (IndicatorTheme.OUVERTURE, "jeux", None, 6)

    at.number_input(key=f"measure_{added.id}_0_value").set_value(2)
    form_button(at, f"measure_{added.id}_0", t("indicators.form.add_measurement")).click().run()
    assert not at.exception
    [added] = indicators.defi_indicators(world.coach, world.alpha_id).indicators
    assert [(m.measured_on, m.value) for m in added.measurements] == [(today_local(), 2)]
    assert at.number_input(key=f"measure_{added.id}_1_value").value is None
    assert t("indicators.measurement_added", name="Jeux de données publiés") in texts(at)


def test_a_measurement_without_value_is_refused_in_french(app_as, world, users):
    at = app_as("eig", page=PAGE)
    form_button(at, f"measure_{users}_0", t("indicators.form.add_measurement")).click().run()
    assert f"{t('indicators.col.value')} : {t('validation.required')}" in errors(at)
    assert len(indicators.defi_indicators(world.coach, world.alpha_id).indicators[0].measurements) == 2


def test_an_edit_made_meanwhile_is_not_overwritten(app_as, world, users):
    at = app_as("eig", page=PAGE)
    at.session_state[f"edit_indicator_{users}"] = True  # the panel opened: its form opens on version 1
    at.run()
    indicators.update_indicator(world.coach, users, USERS.model_copy(update={"target": 2000}), 1)
    at.text_input(key=f"indicator_{users}_1_name").input("Utilisateurs mensuels")
    form_button(at, f"indicator_{users}_1", t("indicators.form.save")).click().run()
    assert StaleEdit().args[0] in errors(at)
    [kept] = indicators.defi_indicators(world.coach, world.alpha_id).indicators
    assert (kept.name, kept.target) == ("Utilisateurs actifs", 2000)


# --- The home of sponsors and porteurs ---------------------------------------------------------------


@pytest.fixture
def reports(world):  # noqa: ANN001, ANN201
    """Phase 1's report published with its ratings; phase 2's still a draft."""
    p1, p2 = phases.defi_phases(world.coach, world.alpha_id)[:2]
    past = now_utc() - dt.timedelta(days=3)
    for phase, rating, text in [(p1, 4, "Rapport publié de la phase 1"), (p2, 1, "Brouillon confidentiel")]:
        cid = committees.schedule_committee(world.coach, phase.id, CommitteeScheduleIn(scheduled_at=past))
        committees.save_notes(world.coach, cid, CommitteeNotesIn(innovation_rating=rating), 1)
        committees.save_report(world.coach, cid, ReportIn(text=text), 2)
        if phase is p1:
            committees.publish_report(world.coach, cid, 3)


@pytest.mark.parametrize("login", ["sponsor", "porteur"])
def test_sponsor_home_shows_only_their_defis_and_published_reports(app_as, users, reports, world, login):
    at = app_as(login)
    assert not at.exception
    page = texts(at)
    assert t("sponsor.title") in page
    assert [s.value for s in at.subheader if s.value in ("Alpha", "Beta")] == ["Alpha"]
    for section in ("timeline", "mood", "committee", "indicators", "key_dates", "asks"):
        assert t(f"sponsor.section.{section}") in page, section
    # Each défi's verdict, as the service words it on the day the test runs.
    [brief] = sponsor.my_view(getattr(world, login), world.promotion_id).briefs
    assert brief.verdict.text and brief.verdict.text in [a.value for a in [*at.success, *at.warning, *at.error,
                                                                            *at.info]]
    assert "Phase 1 « Valider l'hypothèse »" in page
    ratings = next(d.value for d in at.dataframe if "criterion" in d.value.columns)
    assert ratings.set_index("criterion").loc[t("sponsor.rating.innovation"), "rating"] == t("committees.rating.4")
    assert "Rapport publié de la phase 1" in page  # in its expander...
    assert "Brouillon confidentiel" not in page + str([e.label for e in at.expander])  # ...never the draft
    assert charts(at) >= 2  # the phase timeline and the indicators (no bulletin yet: no mood chart)
    assert [b.label for b in at.get("download_button")] == [t("sponsor.download")]


def test_eig_home_keeps_the_team_card_without_the_export(app_as, users):
    at = app_as("eig")
    assert not at.exception
    assert t("sponsor.title") not in texts(at)
    assert not at.get("download_button")


def test_an_indicators_edit_forms_are_built_once_their_panel_is_opened(app_as, users):
    at = app_as("eig", page=PAGE)
    name = f"indicator_{users}_1_name"
    assert name not in [w.key for w in at.text_input]  # closed: neither built nor sent
    at.session_state[f"edit_indicator_{users}"] = True  # the person opens it (which reruns the page)
    at.run()
    assert at.text_input(key=name).value == "Utilisateurs actifs"

"""Indicators of a défi: who reads and who writes them (docs/design.md, Permissions), their order by
theme, progress from baseline to target, dated measurements (one per date, never in the
future), stale edits refused and every change audited. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from lib import db, indicators
from lib.errors import Conflict, NotFound, PermissionDenied, StaleEdit
from lib.i18n import t
from lib.models import AuditEvent, Indicator, IndicatorTheme, Measurement
from lib.schemas import IndicatorIn, MeasurementIn, errors_by_field
from tests.conftest import said

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
D = dt.date
USERS = IndicatorIn(theme=IndicatorTheme.PERFORMANCE_PRODUIT, name="Utilisateurs actifs", unit="utilisateurs",
                    baseline=100, target=1100)


def measure(actor, indicator_id: int, day: dt.date, value: float) -> int:  # noqa: ANN001
    return indicators.add_measurement(actor, indicator_id, MeasurementIn(measured_on=day, value=value), now=NOW)


def counts() -> tuple[int, int]:
    with db.reading() as s:
        return (s.scalar(select(func.count()).select_from(Indicator)),
                s.scalar(select(func.count()).select_from(Measurement)))


@pytest.mark.parametrize("reader", ["eig", "eig2", "porteur", "sponsor", "coach", "admin"])
def test_team_porteurs_sponsors_and_coaches_read(world, reader):
    iid = indicators.create_indicator(world.eig, world.alpha_id, USERS)
    measure(world.eig, iid, D(2026, 10, 5), 350)
    read = indicators.defi_indicators(getattr(world, reader), world.alpha_id)
    assert [(i.name, [m.value for m in i.measurements]) for i in read.indicators] == [("Utilisateurs actifs", [350])]
    assert read.can_edit is (reader in ("eig", "eig2", "coach", "admin"))


@pytest.mark.parametrize("stranger", ["beta_eig", "gamma_eig", "outsider", "inactive"])
def test_everyone_else_is_refused(world, stranger):
    iid = indicators.create_indicator(world.coach, world.alpha_id, USERS)
    actor = getattr(world, stranger)
    with pytest.raises(PermissionDenied):
        indicators.defi_indicators(actor, world.alpha_id)
    with pytest.raises(PermissionDenied):
        indicators.create_indicator(actor, world.alpha_id, USERS)
    with pytest.raises(PermissionDenied):
        measure(actor, iid, D(2026, 10, 5), 1)
    assert counts() == (1, 0)


@pytest.mark.parametrize("reader", ["porteur", "sponsor"])
def test_porteurs_and_sponsors_do_not_write(world, reader):
    iid = indicators.create_indicator(world.eig, world.alpha_id, USERS)
    mid = measure(world.eig, iid, D(2026, 10, 5), 350)
    actor = getattr(world, reader)
    writes = [lambda: indicators.create_indicator(actor, world.alpha_id, USERS),
              lambda: indicators.update_indicator(actor, iid, USERS, 1),
              lambda: indicators.delete_indicator(actor, iid, 1),
              lambda: measure(actor, iid, D(2026, 10, 12), 400),
              lambda: indicators.update_measurement(actor, mid, MeasurementIn(measured_on=D(2026, 10, 5), value=1), 1),
              lambda: indicators.delete_measurement(actor, mid, 1)]
    for write in writes:
        with pytest.raises(PermissionDenied):
            write()
    assert counts() == (1, 1)


def test_listed_in_the_programme_theme_order_then_by_name(world):
    for theme, name in [(IndicatorTheme.OUVERTURE, "Dépôts publiés"),
                        (IndicatorTheme.POLITIQUE_PUBLIQUE, "Dossiers traités"),
                        (IndicatorTheme.PERFORMANCE_PRODUIT, "Satisfaction"),
                        (IndicatorTheme.PERFORMANCE_PRODUIT, "Audience"),
                        (IndicatorTheme.TRANSFORMATION_NUMERIQUE, "Agents formés")]:
        indicators.create_indicator(world.eig, world.alpha_id, IndicatorIn(theme=theme, name=name))
    indicators.create_indicator(world.beta_eig, world.beta_id, IndicatorIn(theme=IndicatorTheme.OUVERTURE, name="B"))
    listed = indicators.defi_indicators(world.coach, world.alpha_id).indicators
    assert [(i.theme_label, i.name) for i in listed] == [(t(f"indicators.theme.{theme}"), name) for theme, name in [
        ("politique_publique", "Dossiers traités"), ("performance_produit", "Audience"),
        ("performance_produit", "Satisfaction"), ("transformation_numerique", "Agents formés"),
        ("ouverture", "Dépôts publiés")]]


def test_measurements_oldest_first_latest_and_progress_from_baseline(world):
    iid = indicators.create_indicator(world.eig, world.alpha_id, USERS)
    for day, value in [(D(2026, 10, 19), 600), (D(2026, 9, 7), 200), (D(2026, 11, 16), 850)]:
        measure(world.eig, iid, day, value)
    [users] = indicators.defi_indicators(world.sponsor, world.alpha_id).indicators
    assert [(m.measured_on, m.value) for m in users.measurements] == [
        (D(2026, 9, 7), 200), (D(2026, 10, 19), 600), (D(2026, 11, 16), 850)]
    assert users.latest.value == 850
    assert users.progress == pytest.approx(0.75)  # (850 - 100) / (1100 - 100)
    table = indicators.indicators_table([users])
    assert table.loc[0, ["latest", "progress", "latest_on"]].tolist() == [850, 75, D(2026, 11, 16)]
    assert indicators.measurements_table(users)["value"].tolist() == [200, 600, 850]


def test_progress_of_an_indicator_meant_to_go_down_and_without_baseline():
    assert indicators.progress(30, 10, 25) == pytest.approx(0.25)  # délai de 30 j visé à 10 j, 25 j atteints
    assert indicators.progress(None, 8, 6) == pytest.approx(0.75)  # no baseline: from zero
    assert indicators.progress(5, None, 6) is None  # no target
    assert indicators.progress(5, 8, None) is None  # no measurement yet
    assert indicators.progress(8, 8, 9) is None  # baseline = target: no way to cover


def test_edit_and_delete_an_indicator_with_its_version(world):
    iid = indicators.create_indicator(world.eig, world.alpha_id, USERS)
    measure(world.eig, iid, D(2026, 10, 5), 350)
    changed = USERS.model_copy(update={"target": 2000, "name": "Utilisateurs actifs mensuels"})
    indicators.update_indicator(world.eig2, iid, changed, expected_version=1)
    [view] = indicators.defi_indicators(world.eig, world.alpha_id).indicators
    assert (view.name, view.target, view.version) == ("Utilisateurs actifs mensuels", 2000, 2)
    with pytest.raises(StaleEdit):  # a form opened on version 1, saved after the change
        indicators.update_indicator(world.coach, iid, USERS, expected_version=1)
    with pytest.raises(StaleEdit):
        indicators.delete_indicator(world.coach, iid, expected_version=1)
    assert indicators.defi_indicators(world.eig, world.alpha_id).indicators[0].target == 2000
    indicators.delete_indicator(world.coach, iid, expected_version=2)
    assert counts() == (0, 0)  # its measurements went with it
    with pytest.raises(NotFound):
        indicators.update_indicator(world.coach, iid, USERS, expected_version=2)


def test_every_change_is_audited_with_before_and_after(world):
    iid = indicators.create_indicator(world.eig, world.alpha_id, USERS)
    mid = measure(world.eig, iid, D(2026, 10, 5), 350)
    indicators.update_measurement(world.eig, mid, MeasurementIn(measured_on=D(2026, 10, 5), value=360), 1, now=NOW)
    indicators.update_indicator(world.coach, iid, USERS.model_copy(update={"target": 900}), 1)
    indicators.delete_indicator(world.coach, iid, 2)
    with db.reading() as s:
        events = s.execute(select(AuditEvent.entity, AuditEvent.action, AuditEvent.user_id, AuditEvent.before,
                                  AuditEvent.after).order_by(AuditEvent.id)).all()
    assert [(e, a, u) for e, a, u, _, _ in events] == [
        ("indicator", "create", world.eig.id), ("measurement", "create", world.eig.id),
        ("measurement", "update", world.eig.id), ("indicator", "update", world.coach.id),
        ("indicator", "delete", world.coach.id)]
    assert events[2][3]["value"] == 350 and events[2][4]["value"] == 360
    assert (events[3][3]["target"], events[3][4]["target"]) == (1100, 900)
    assert events[4][3]["measurements"] == [{"measured_on": "2026-10-05", "value": 360}]


def test_one_measurement_per_date_never_in_the_future(world):
    iid = indicators.create_indicator(world.eig, world.alpha_id, USERS)
    first = measure(world.eig, iid, D(2026, 10, 5), 350)
    second = measure(world.eig, iid, D(2026, 10, 12), 400)
    with pytest.raises(Conflict, match="05/10/2026"):
        measure(world.eig2, iid, D(2026, 10, 5), 999)
    with pytest.raises(Conflict):  # moving a measurement onto another's date
        indicators.update_measurement(world.eig, second, MeasurementIn(measured_on=D(2026, 10, 5), value=1), 1,
                                      now=NOW)
    with pytest.raises(ValueError, match="futur"):  # NOW is 20/11/2026
        measure(world.eig, iid, D(2026, 11, 21), 500)
    # Keeping its own date while changing the value is no clash.
    indicators.update_measurement(world.eig, first, MeasurementIn(measured_on=D(2026, 10, 5), value=360), 1, now=NOW)
    assert [m.value for m in indicators.defi_indicators(world.eig, world.alpha_id).indicators[0].measurements] == [
        360, 400]


def test_stale_measurement_edits_are_refused(world):
    iid = indicators.create_indicator(world.eig, world.alpha_id, USERS)
    mid = measure(world.eig, iid, D(2026, 10, 5), 350)
    indicators.update_measurement(world.eig2, mid, MeasurementIn(measured_on=D(2026, 10, 5), value=370), 1, now=NOW)
    with pytest.raises(StaleEdit):
        indicators.update_measurement(world.eig, mid, MeasurementIn(measured_on=D(2026, 10, 5), value=360), 1,
                                      now=NOW)
    with pytest.raises(StaleEdit):
        indicators.delete_measurement(world.eig, mid, 1)
    indicators.delete_measurement(world.eig, mid, 2)
    assert counts() == (1, 0)


def test_inputs_are_validated_in_french():
    with pytest.raises(ValidationError) as exc:
        IndicatorIn(theme="ouverture", name="  ", target=math.inf)
    messages = errors_by_field(exc.value)
    assert messages["name"] == t("validation.required")
    assert messages["target"] == t("validation.amount")
    for bad in (math.nan, -math.inf, 2e12):
        with pytest.raises(ValidationError, match=said("validation.amount")):
            MeasurementIn(measured_on=D(2026, 10, 5), value=bad)
    with pytest.raises(ValidationError) as exc:  # the number field left empty
        MeasurementIn(measured_on=D(2026, 10, 5), value=None)
    assert "obligatoire" in errors_by_field(exc.value)["value"]
    with pytest.raises(ValidationError, match=said("validation.control_char", code="U+0000")):
        IndicatorIn(theme="ouverture", name=" Jeux de données\x00 ")
    clean = IndicatorIn(theme="ouverture", name=" Jeux de données ", unit=" jeux ")
    assert (clean.name, clean.unit, clean.baseline, clean.target) == ("Jeux de données", "jeux", None, None)


def test_charts_show_the_target_and_baseline_and_keep_outliers_readable():
    from lib.charts.indicators import indicator_chart, progress_chart

    measurements = pd.DataFrame({"measured_on": [D(2026, 9, 7), D(2026, 10, 5)], "value": [300.0, 600.0]})
    fig = indicator_chart(measurements, "utilisateurs", baseline=100, target=1100)
    assert sorted(shape.y0 for shape in fig.layout.shapes) == [100, 1100]
    assert [a.text for a in fig.layout.annotations] == [t("indicators.chart.target", value="1\u202f100 utilisateurs"),
                                                        t("indicators.chart.baseline", value="100 utilisateurs")]
    low, high = fig.layout.yaxis.range
    assert low < 100 and high > 1100  # the target stays in view, far above the measurements
    assert len(indicator_chart(measurements, "", None, None).layout.shapes) == 0

    table = pd.DataFrame({"name": ["Audience", "Dépôts de code publiés sur la forge", "Sans cible"],
                          "theme": ["Performance du produit", "Ouverture", "Ouverture"],
                          "progress": [950.0, 40.0, None]})
    bars = progress_chart(table).data[0]
    assert list(bars.y) == ["Audience", "Dépôts de code publiés<br>sur la forge"]  # no target: no bar
    assert list(bars.x) == [150, 40] and list(bars.text) == ["950 %", "40 %"]  # clipped, labelled true


def test_chart_labels_show_user_text_as_typed():
    """A unit or a name is data to Plotly, never part of a hover template, and its tags are
    shown, not drawn (Plotly draws <a href> as a link and <b> as bold)."""
    from lib.charts.indicators import indicator_chart, progress_chart

    unit = '%{y} <a href="http://x">l</a>'
    measurements = pd.DataFrame({"measured_on": [D(2026, 9, 7)], "value": [300.0]})
    fig = indicator_chart(measurements, unit, baseline=100, target=None)
    escaped = '%{y} &lt;a href="http://x"&gt;l&lt;/a&gt;'
    assert unit not in fig.data[0].hovertemplate and list(fig.data[0].customdata) == [escaped]
    assert fig.layout.annotations[0].text == f"Départ : 100 {escaped}" and fig.layout.yaxis.title.text == escaped
    table = pd.DataFrame({"name": ["<b>gras</b>"], "theme": ["Ouverture"], "progress": [40.0]})
    assert list(progress_chart(table).data[0].y) == ["&lt;b&gt;gras&lt;/b&gt;"]

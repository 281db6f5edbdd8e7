"""Figures cached as the pages draw them (lib/charts/drawn.py): built once per data version,
built again after a write to what they chart, and refused to whom the read is refused."""

import datetime as dt

import pytest

from lib import indicators
from lib.charts import drawn
from lib.charts import indicators as charts
from lib.errors import PermissionDenied
from lib.models import IndicatorTheme
from lib.schemas import IndicatorIn, MeasurementIn
from lib.ui import cached

MEASURED = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many points each indicator chart was built with, in the order built."""
    built: list[int] = []
    original = charts.indicator_chart

    def counted(measurements, *args):  # noqa: ANN001, ANN002, ANN202
        built.append(len(measurements))
        return original(measurements, *args)

    monkeypatch.setattr(charts, "indicator_chart", counted)
    return built


def test_a_figure_is_built_once_then_again_after_a_write_to_its_data(world, builds):
    indicator = indicators.create_indicator(world.eig, world.alpha_id, IndicatorIn(
        theme=list(IndicatorTheme)[0], name="Agents formés", unit="agents", target=40))
    indicators.add_measurement(world.eig, indicator, MeasurementIn(measured_on=dt.date(2026, 11, 2), value=4),
                               now=MEASURED)
    figures = cached(drawn.indicator_figures)
    first = figures(world.eig, world.alpha_id)
    assert figures(world.eig, world.alpha_id) == first
    assert builds == [1]
    indicators.add_measurement(world.eig, indicator, MeasurementIn(measured_on=dt.date(2026, 11, 16), value=9),
                               now=MEASURED)
    after = figures(world.eig, world.alpha_id)
    assert builds == [1, 2]  # built again, with the new measurement
    assert after != first


def test_a_figure_is_refused_to_whom_its_read_is(world):
    with pytest.raises(PermissionDenied):
        cached(drawn.indicator_figures)(world.outsider, world.alpha_id)

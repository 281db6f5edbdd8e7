"""A défi's indicators: one or more per theme (politique publique, performance du produit,
transformation numérique, ouverture), each with a unit, a baseline, a target and dated
measurements. The défi's EIGs and the coaches edit them; its porteurs and sponsors read.

Progress is measured from the baseline (0 when none was given) towards the target, so an
indicator meant to go down (a processing time, a cost) progresses as it falls.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from lib import audit, db, formats
from lib.audit import snapshot
from lib.bulletins import promotion_of_defi
from lib.clock import local_today, now_utc
from lib.errors import Conflict
from lib.i18n import t
from lib.models import Indicator, IndicatorTheme, Measurement
from lib.permissions import Action, Actor, allowed, require
from lib.schemas import IndicatorIn, MeasurementIn

THEMES = list(IndicatorTheme)  # the programme's order, also the page's
INDICATOR_FIELDS = ["defi_id", "theme", "name", "unit", "baseline", "target"]
MEASUREMENT_FIELDS = ["indicator_id", "measured_on", "value"]
TABLE_COLUMNS = ["id", "theme", "name", "unit", "baseline", "target", "latest_on", "latest", "progress"]


class MeasurementView(BaseModel):
    id: int
    measured_on: dt.date
    value: float
    version: int


class IndicatorView(BaseModel):
    id: int
    defi_id: int
    theme: IndicatorTheme
    name: str
    unit: str
    baseline: float | None
    target: float | None
    version: int
    measurements: list[MeasurementView]  # oldest first

    @property
    def theme_label(self) -> str:
        return t(f"indicators.theme.{self.theme.value}")

    @property
    def latest(self) -> MeasurementView | None:
        return self.measurements[-1] if self.measurements else None

    @property
    def progress(self) -> float | None:
        """Share of the way from the baseline to the target covered by the latest value
        (1.0 = target reached; may exceed 1 or be negative); None without a target or a value."""
        return progress(self.baseline, self.target, self.latest.value if self.latest else None)


def progress(baseline: float | None, target: float | None, value: float | None) -> float | None:
    start = baseline if baseline is not None else 0.0
    if target is None or value is None or target == start:
        return None
    return (value - start) / (target - start)


class IndicatorsRead(BaseModel):
    """A défi's indicators and whether the actor may change them (the page's forms)."""

    indicators: list[IndicatorView]
    can_edit: bool


# --- Reads ------------------------------------------------------------------------------------


def views(s: Session, defi_ids: list[int]) -> dict[int, list[IndicatorView]]:
    """The indicators of several défis with their measurements, in two queries, by theme
    then name; no permission check (callers check, for each défi)."""
    out: dict[int, list[IndicatorView]] = {d: [] for d in defi_ids}
    if not defi_ids:
        return out
    indicators = s.scalars(select(Indicator).where(Indicator.defi_id.in_(defi_ids))
                           .order_by(Indicator.name, Indicator.id)).all()
    series: dict[int, list[MeasurementView]] = {i.id: [] for i in indicators}
    for m in s.scalars(select(Measurement).where(Measurement.indicator_id.in_(list(series) or [-1]))
                       .order_by(Measurement.measured_on)):
        series[m.indicator_id].append(MeasurementView(id=m.id, measured_on=m.measured_on, value=m.value,
                                                      version=m.version))
    for i in sorted(indicators, key=lambda i: THEMES.index(i.theme)):  # stable: name order kept within a theme
        out[i.defi_id].append(IndicatorView(id=i.id, defi_id=i.defi_id, theme=i.theme, name=i.name, unit=i.unit,
                                            baseline=i.baseline, target=i.target, version=i.version,
                                            measurements=series[i.id]))
    return out


def defi_indicators(actor: Actor, defi_id: int) -> IndicatorsRead:
    """The défi's indicators, for its team, porteurs, sponsors and the coaches."""
    with db.reading() as s:
        cap = require(s, actor, Action.READ_INDICATORS, defi_id)
        return IndicatorsRead(indicators=views(s, [defi_id])[defi_id],
                              can_edit=allowed(cap, Action.WRITE_INDICATORS))


def indicators_table(indicators: list[IndicatorView]) -> pd.DataFrame:
    """One row per indicator: baseline, target, latest value and progress in percent."""
    rows = []
    for i in indicators:
        share = i.progress
        rows.append({"id": i.id, "theme": i.theme_label, "name": i.name, "unit": i.unit, "baseline": i.baseline,
                     "target": i.target, "latest_on": i.latest.measured_on if i.latest else None,
                     "latest": i.latest.value if i.latest else None,
                     "progress": round(100 * share) if share is not None else None})
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def measurements_table(indicator: IndicatorView) -> pd.DataFrame:
    """The indicator's measurements, oldest first (its chart's data)."""
    return pd.DataFrame([{"measured_on": m.measured_on, "value": m.value} for m in indicator.measurements],
                        columns=["measured_on", "value"])


# --- Writes -------------------------------------------------------------------------------------


def _measurement_defi(measurement: Measurement) -> int:
    return measurement.indicator.defi_id


def create_indicator(actor: Actor, defi_id: int, data: IndicatorIn) -> int:
    """A new indicator of the défi, written by one of its EIGs or a coach."""
    with db.transaction() as s:
        require(s, actor, Action.WRITE_INDICATORS, defi_id)
        with audit.change(s, actor, "create", "indicator", None, INDICATOR_FIELDS) as change:
            indicator = change.add(Indicator(defi_id=defi_id, theme=data.theme, name=data.name, unit=data.unit,
                                             baseline=data.baseline, target=data.target, created_by_id=actor.id))
        return indicator.id


def update_indicator(actor: Actor, indicator_id: int, data: IndicatorIn, expected_version: int) -> None:
    """Change an indicator's theme, name, unit, baseline or target; a stale form is refused."""
    with db.transaction() as s:
        indicator = db.load(s, Indicator, indicator_id, expected_version, actor=actor, action=Action.WRITE_INDICATORS)
        with audit.change(s, actor, "update", "indicator", indicator, INDICATOR_FIELDS):
            indicator.theme, indicator.name, indicator.unit = data.theme, data.name, data.unit
            indicator.baseline, indicator.target = data.baseline, data.target


def delete_indicator(actor: Actor, indicator_id: int, expected_version: int) -> None:
    """Delete an indicator and its measurements (kept in the audit trail)."""
    with db.transaction() as s:
        indicator = db.load(s, Indicator, indicator_id, expected_version, actor=actor, action=Action.WRITE_INDICATORS)
        with audit.change(s, actor, "delete", "indicator", indicator, _with_measurements):
            s.delete(indicator)


def _with_measurements(indicator: Indicator) -> dict:
    """A deleted indicator takes its measurements along: the audit trail keeps them."""
    return {**snapshot(indicator, INDICATOR_FIELDS),
            "measurements": [snapshot(m, ["measured_on", "value"]) for m in indicator.measurements]}


def _check_measurement(s: Session, indicator: Indicator, data: MeasurementIn, now: dt.datetime | None,
                       measurement_id: int | None = None) -> None:
    if data.measured_on > local_today(promotion_of_defi(s, indicator.defi_id), now or now_utc()):
        raise ValueError(t("validation.future_date"))
    clash = s.scalar(select(Measurement.id).where(Measurement.indicator_id == indicator.id,
                                                  Measurement.measured_on == data.measured_on))
    if clash is not None and clash != measurement_id:
        raise Conflict(t("indicators.measurement.duplicate", date=formats.date(data.measured_on)))


def add_measurement(actor: Actor, indicator_id: int, data: MeasurementIn, now: dt.datetime | None = None) -> int:
    """A dated value of the indicator: one per date, never in the future."""
    with db.transaction() as s:
        indicator = db.load(s, Indicator, indicator_id, actor=actor, action=Action.WRITE_INDICATORS)
        _check_measurement(s, indicator, data, now)
        with audit.change(s, actor, "create", "measurement", None, MEASUREMENT_FIELDS) as change:
            measurement = change.add(Measurement(indicator_id=indicator.id, measured_on=data.measured_on,
                                                 value=data.value, created_by_id=actor.id))
        return measurement.id


def update_measurement(actor: Actor, measurement_id: int, data: MeasurementIn, expected_version: int,
                       now: dt.datetime | None = None) -> None:
    with db.transaction() as s:
        measurement = db.load(s, Measurement, measurement_id, expected_version, actor=actor,
                              action=Action.WRITE_INDICATORS, defi=_measurement_defi)
        _check_measurement(s, measurement.indicator, data, now, measurement_id)
        with audit.change(s, actor, "update", "measurement", measurement, MEASUREMENT_FIELDS):
            measurement.measured_on, measurement.value = data.measured_on, data.value


def delete_measurement(actor: Actor, measurement_id: int, expected_version: int) -> None:
    with db.transaction() as s:
        measurement = db.load(s, Measurement, measurement_id, expected_version, actor=actor,
                              action=Action.WRITE_INDICATORS, defi=_measurement_defi)
        with audit.change(s, actor, "delete", "measurement", measurement, MEASUREMENT_FIELDS):
            s.delete(measurement)

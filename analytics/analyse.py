"""The analytics of a panel's series in one call, each result kept under its data's version:
what a time-series or stat display model calls with its series and its `analytics:` options."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from analytics.anomalies import AnomalyBand, anomalies
from analytics.forecast import Forecast, forecast
from analytics.memo import remembered
from analytics.options import AnalyticsOptions
from analytics.trend import Trend, trend
from data.timerange import parse_duration

if TYPE_CHECKING:
    from data.cache import QueryCache


@dataclass(frozen=True)
class Analysis:
    """Per series name: its forecast, anomaly band and trend (those asked for)."""

    forecasts: dict[str, Forecast] = field(default_factory=dict)
    bands: dict[str, AnomalyBand] = field(default_factory=dict)
    trends: dict[str, Trend] = field(default_factory=dict)

    @property
    def anomaly_count(self) -> int:
        return sum(band.count for band in self.bands.values() if band.ok)

    @property
    def notes(self) -> list[str]:
        """What the card says in words: anomalies in range, and each model that could not be
        fitted and why."""
        said = [f.words for f in self.forecasts.values() if not f.ok]
        said += [b.words for b in self.bands.values() if not b.ok]
        if self.bands:
            count = self.anomaly_count
            said.insert(0, f"{count} {'anomaly' if count == 1 else 'anomalies'} in range"
                           f"{self._whose()}")  # fmt: skip
        return said

    def _whose(self) -> str:
        """` (search 3, checkout 1)`: which series the anomalies are in, where several have a
        band (a circle on one line where lines cross is easily read as the other's)."""
        banded = [band for band in self.bands.values() if band.ok]
        found = sorted((b for b in banded if b.count), key=lambda b: (-b.count, b.name))
        if len(banded) < 2 or not found:
            return ""
        return f" ({', '.join(f'{band.name} {band.count}' for band in found)})"


def analyse(
    series: list[pd.Series],
    options: AnalyticsOptions,
    cache: QueryCache | None = None,
    training: list[pd.Series] | None = None,
    horizon: float | None = None,
) -> Analysis:
    """Forecasts (fitted on `training` when given: the same series over a longer window),
    anomaly bands and trends of `series` (UTC times, named), as `options` ask. `horizon`
    (seconds) overrides the forecast's own: the end of a calendar period (`to: month`) is
    worked out by the caller, who knows where the data ends."""
    result = Analysis()
    fitted_on = training or series
    if options.forecast is not None:
        asked = options.forecast
        horizon = parse_duration(asked.horizon) if horizon is None else horizon
        params = {**asked.model_dump(), "horizon": horizon}

        def fit(one: pd.Series):
            return lambda: forecast(one, horizon, season=asked.season, trend=asked.trend)

        for one in fitted_on:
            result.forecasts[str(one.name)] = remembered(cache, "forecast", params, [one], fit(one))
    if options.anomalies is not None:
        asked = options.anomalies

        def band(one: pd.Series):
            return lambda: anomalies(one, asked.sensitivity, asked.season)

        for one in series:
            result.bands[str(one.name)] = remembered(
                cache, "anomalies", asked.model_dump(), [one], band(one)
            )
    if options.trend is not None:
        method = options.trend.method

        def line(one: pd.Series):
            return lambda: trend(one, method)

        for one in series:
            result.trends[str(one.name)] = remembered(
                cache, "trend", {"method": method}, [one], line(one)
            )
    return result

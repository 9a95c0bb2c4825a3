"""A stat's or KPI's forecast (`analytics: {forecast: ...}`): its value at the end of this
calendar period (`to: month`: "forecast end of month: $1.32M (± 4 %)"), or over the horizon
past its data ("forecast next 7 days"), from a model fitted on its first query's total over
time; and against its target for that period, "on track" or "at risk", with the chance the
model gives of meeting it.

A sum to the end of the month is what is in so far plus the forecast of every day left (a day
so far is forecast whole: today's revenue at noon is not a day's); its margin is that of the
sum, whose errors add up rather than average out (analytics.forecast `sum_spread`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy.stats import norm

from analytics.analyse import analyse
from analytics.forecast import Z95, Forecast
from analytics.options import AnalyticsOptions, ForecastOptions
from analytics.transforms import period_of
from data.panel_data import PanelData, QueryFrame
from data.timerange import duration_words, parse_duration
from panels.analysed import data_end, horizon, model_series
from panels.axes import as_dates
from panels.kind import Context
from panels.units import format_value

TargetReader = Callable[[list[QueryFrame]], float | None]


@dataclass(frozen=True)
class Outlook:
    """The forecast value (`label`: "forecast end of month") with its 95 % interval, or the
    reason there is none; the target it is held against and the chance of meeting it."""

    label: str
    value: float | None = None
    low: float | None = None
    high: float | None = None
    target: float | None = None
    chance: float | None = None  # that the target is met, by the model
    reason: str | None = None
    # Whose target it is ("the month's"): a KPI's own target, over its range, is on the card too.
    period: str | None = None

    @property
    def on_track(self) -> bool:
        return self.chance is not None and self.chance >= 0.5

    def notes(self, unit: str, decimals: int | None) -> list[tuple[str, str, str | None]]:
        """(text, mood, hover) lines: the forecast with its margin, the verdict."""
        if self.reason is not None:
            return [(f"no {self.label}: {self.reason}", "flat", None)]

        def said(value: float) -> str:
            return format_value(value, unit, decimals)

        margin = (self.high - self.low) / 2
        share = abs(margin / self.value) * 100 if self.value else None
        plus = f"{share:.0f} %" if share is not None and share >= 1 else (
            f"{share:.1f} %" if share is not None else said(margin))  # fmt: skip
        hover = f"95 %: {said(self.low)}-{said(self.high)}"
        lines = [(f"{self.label}: {said(self.value)} (± {plus})", "flat", hover)]
        if self.target is not None and self.chance is not None:
            verdict = "on track" if self.on_track else "at risk"
            gap = (self.value / self.target - 1) * 100 if self.target else 0.0
            side = "above" if gap >= 0 else "below"
            chance = f"The model gives it a {self.chance * 100:.0f} % chance of meeting the target"
            whose = f"the {self.period}'s target" if self.period else "target"
            lines.append(
                (
                    f"{verdict}: {abs(gap):.0f} % {side} {whose} {said(self.target)}",
                    "good" if self.on_track else "bad",
                    chance,
                )
            )
        return lines


def _label(options: ForecastOptions, reduce: str) -> str:
    if options.to is not None:
        return f"forecast end of {options.to}"
    words = duration_words(parse_duration(options.horizon)) or options.horizon
    return {"sum": f"forecast next {words}", "mean": f"forecast mean of next {words}"}.get(
        reduce, f"forecast in {words}"
    )


def _within(frames: list[QueryFrame], start: pd.Timestamp, end: pd.Timestamp):
    """The frames' rows in [start, end) where their x are times (all rows otherwise)."""
    out = []
    for frame in frames:
        tidy = frame.tidy
        when = as_dates(tidy["x"]) if not tidy.empty else None
        if when is not None:
            tidy = tidy[((when >= start) & (when < end)).to_numpy()]
        out.append(replace(frame, tidy=tidy))
    return out


def outlook(
    data: PanelData,
    context: Context,
    reduce: str,
    lower_is_better: bool,
    target: TargetReader | None = None,
    range_target: float | None = None,
) -> Outlook | None:
    """The panel's forecast as its `analytics:` ask, against `target` (reading the target over
    the forecast's period from the frames) or `range_target` (its target over the range, held
    against a forecast level: `reduce` last or mean); None when it asks for none."""
    asked: AnalyticsOptions | None = getattr(data.panel.options, "analytics", None)
    if asked is None or asked.forecast is None:
        return None
    options = asked.forecast
    label = _label(options, reduce)
    if reduce in ("max", "min"):
        return Outlook(label, reason=f"a {reduce} is not forecast; reduce by last, sum or mean")
    history = context.history
    source = history if history is not None and history.status != "error" else data
    first = source.frames[0] if source.frames else None
    when = as_dates(first.tidy["x"]) if first is not None and not first.tidy.empty else None
    if when is None:
        return Outlook(label, reason="a forecast needs values over time")
    if reduce == "mean" and first.tidy["series"].nunique() > 1:
        return Outlook(label, reason="a forecast of a mean needs one series")
    total = first.tidy.assign(x=when.to_numpy()).groupby("x", sort=True)["value"].sum()
    series = model_series(total.index, total.to_numpy(), data.panel.title, source.time_range,
                          bool(first.query.sql))  # fmt: skip
    end = data_end(data.time_range)
    start = data.time_range.start
    if options.train:
        start = min(start, end - parse_duration(options.train))
    training = series[series.index >= pd.Timestamp(start, unit="s", tz="UTC")]
    if training.empty:
        return Outlook(label, reason="no data to fit a model on")
    last = training.index[-1]
    analysis = analyse([training], AnalyticsOptions(forecast=options), context.cache,
                       horizon=horizon(options, last))  # fmt: skip
    predicted = next(iter(analysis.forecasts.values()))
    if not predicted.ok:
        return Outlook(label, reason=predicted.reason)
    period = None
    if options.to is not None:
        period = period_of(pd.Timestamp(end - 1, unit="s", tz="UTC"), options.to)
    value, low, high = _reduced(predicted, series, reduce, period, bool(first.query.sql))
    goal = None
    if period is not None and target is not None:
        goal = target(_within(source.frames, *period))
    elif reduce in ("last", "mean"):
        goal = range_target
    result = Outlook(label, value, low, high, period=options.to if period is not None else None)
    if goal is None:
        return result
    spread = (high - low) / (2 * Z95)
    meets = (goal - value) / spread if spread > 0 else (-np.inf if value >= goal else np.inf)
    chance = float(norm.cdf(meets) if lower_is_better else norm.sf(meets))
    return replace(result, target=goal, chance=chance)


def _reduced(
    predicted: Forecast,
    actual: pd.Series,
    reduce: str,
    period: tuple[pd.Timestamp, pd.Timestamp] | None,
    buckets: bool,
) -> tuple[float, float, float]:
    """(value, low, high) of the forecast reduced as the stat is: to the end of `period`
    (what `actual` has in it so far counted in a sum or mean), or over its whole horizon."""
    times = predicted.times
    ahead = len(times)
    done = actual.iloc[:0]
    if period is not None:
        start, stop = period
        # A bucket labelled by its start at the period's end is the next period's.
        ahead = int((times < stop).sum() if buckets else (times <= stop).sum())
        done = actual[actual.index >= start]
    if ahead == 0:
        value = float(actual.iloc[-1] if reduce == "last" else getattr(done, reduce)())
        return value, value, value
    if reduce == "last":
        return (float(predicted.mean[ahead - 1]), float(predicted.lower95[ahead - 1]),
                float(predicted.upper95[ahead - 1]))  # fmt: skip
    count = len(done) + ahead if reduce == "mean" else 1
    total = float(done.sum() + predicted.mean[:ahead].sum())
    margin = Z95 * float(predicted.sum_spread[ahead - 1])
    return total / count, (total - margin) / count, (total + margin) / count

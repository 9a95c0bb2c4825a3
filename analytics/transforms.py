"""Transforms of a time series before it is drawn: rolling windows, period-over-period change,
resampling to calendar buckets, cumulative sums. Each takes and returns a series on UTC times."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from analytics.options import TransformOptions
from analytics.series import offsets
from data.timerange import parse_duration

Rolling = Literal["mean", "median"]
Bucket = Literal["day", "week", "month"]
Aggregate = Literal["sum", "mean", "max", "min", "last"]


def rolling(series: pd.Series, seconds: int, how: Rolling = "mean") -> pd.Series:
    """Each point the mean (or median) of the points in the `seconds` up to and including it."""
    window = series.dropna().sort_index().rolling(pd.Timedelta(seconds=seconds), min_periods=1)
    return (window.median() if how == "median" else window.mean()).rename(series.name)


def change(series: pd.Series, seconds: int) -> pd.Series:
    """Each point's change in percent against the series `seconds` earlier (the nearest point
    within half a step of that time; NaN where there is none, or it was zero)."""
    clean = series.dropna().sort_index()
    if len(clean) < 2:
        return clean.iloc[:0]
    step = float(np.median(np.diff(offsets(pd.DatetimeIndex(clean.index)))))
    earlier = clean.reindex(
        clean.index - pd.Timedelta(seconds=seconds),
        method="nearest",
        tolerance=pd.Timedelta(seconds=step / 2),
    ).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        percent = np.where(earlier != 0, (clean.to_numpy() / earlier - 1) * 100, np.nan)
    return pd.Series(percent, index=clean.index, name=series.name)


def resample(series: pd.Series, bucket: Bucket, how: Aggregate = "sum") -> pd.Series:
    """The series in calendar buckets (UTC), each labelled by its first day: weeks start on
    Monday (as the SQL macro $__week), months on their first."""
    clean = series.dropna().sort_index()
    return getattr(clean.groupby(bucket_start(clean.index, bucket)), how)().rename(series.name)


def bucket_start(times: pd.DatetimeIndex, bucket: Bucket) -> pd.DatetimeIndex:
    days = times.normalize()
    if bucket == "week":
        return days - pd.to_timedelta(days.day_of_week, unit="D")
    if bucket == "month":
        return days - pd.to_timedelta(days.day - 1, unit="D")
    return days


def period_of(at: pd.Timestamp, period: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The calendar period (UTC) that `at` falls in, as [start, end): a day, a week from
    Monday, a month, a quarter or a year."""
    at = pd.Timestamp(at)
    at = at.tz_convert("UTC") if at.tzinfo else at.tz_localize("UTC")
    if period in ("day", "week", "month"):
        start = bucket_start(pd.DatetimeIndex([at]), period)[0]
    else:
        first = 3 * ((at.month - 1) // 3) + 1 if period == "quarter" else 1
        start = pd.Timestamp(year=at.year, month=first, day=1, tz="UTC")
    length = {"day": pd.DateOffset(days=1), "week": pd.DateOffset(weeks=1),
              "month": pd.DateOffset(months=1), "quarter": pd.DateOffset(months=3),
              "year": pd.DateOffset(years=1)}[period]  # fmt: skip
    return start, start + length


def cumulative(series: pd.Series) -> pd.Series:
    return series.dropna().sort_index().cumsum()


def transformed(series: pd.Series, options: TransformOptions) -> pd.Series:
    """The series through the transforms `options` ask for, in their order."""
    if options.resample:
        series = resample(series, options.resample, options.resample_by)
    if options.rolling:
        series = rolling(series, parse_duration(options.rolling), options.rolling_by)
    if options.cumulative:
        series = cumulative(series)
    if options.change:
        series = change(series, parse_duration(options.change))
    return series

"""What the time-series analytics share: a series on a regular grid, and its season."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

DAY, WEEK = 86_400, 604_800
SEASONS = {"daily": DAY, "weekly": WEEK}
MIN_STRENGTH = 0.3  # autocorrelation at the season's lag below which there is no season
AUTO_SEASONS = 3  # whole seasons in the data before one is taken without being asked for
CLIP = 4.0  # robust deviations from the middle past which a value counts as an outlier


@dataclass(frozen=True)
class Season:
    name: str  # daily, weekly, none
    points: int  # the season's length in points of the grid (0: none)
    strength: float  # the detrended series' autocorrelation at that lag

    @property
    def words(self) -> str:
        return "no season" if not self.points else f"{self.name} season"


NO_SEASON = Season("none", 0, 0.0)


def offsets(index: pd.DatetimeIndex) -> np.ndarray:
    """Seconds from the first time, whatever the index's resolution."""
    if not len(index):
        return np.array([], dtype=float)
    nanos = index.as_unit("ns").asi8
    return (nanos - nanos[0]) / 1e9


def step_of(series: pd.Series) -> int:
    """The series' step in seconds: the median gap between its times (0 for under 2 points)."""
    if len(series) < 2:
        return 0
    return step_in(offsets(pd.DatetimeIndex(series.index)))


def step_in(seconds: np.ndarray) -> int:
    """The median gap between ascending times given as seconds (0 for under 2 of them)."""
    if len(seconds) < 2:
        return 0
    return max(1, int(round(float(np.median(np.diff(seconds))))))


def regular(series: pd.Series, step: int, limit: int = 6) -> pd.Series:
    """The series' values on a grid of `step` seconds from the epoch (means within a step; gaps
    of up to `limit` steps filled linearly, so the models see one value per step). In numpy:
    pandas' resample and interpolate cost more than the model fitted on the grid."""
    clean = series.dropna()
    index = pd.DatetimeIndex(clean.index)
    nanos = index.as_unit("ns").asi8
    order = np.argsort(nanos, kind="stable")
    nanos, values = nanos[order], clean.to_numpy(dtype=float)[order]
    last = np.append(nanos[1:] != nanos[:-1], True)  # of a repeated time, the last value
    nanos, values = nanos[last], values[last]
    width = step * 1_000_000_000
    bins = nanos // width
    slot = bins - bins[0]
    counts = np.bincount(slot)
    with np.errstate(invalid="ignore"):
        means = np.bincount(slot, weights=values) / counts
    missing = counts == 0
    if missing.any():
        place = np.arange(len(means))
        filled = np.interp(place, place[~missing], means[~missing])
        since = place - np.maximum.accumulate(np.where(missing, 0, place))
        means = np.where(missing & (since <= limit), filled, means)
    times = pd.DatetimeIndex(((bins[0] + np.arange(len(means))) * width).astype("datetime64[ns]"))
    return pd.Series(means, index=times.tz_localize(index.tz), name=series.name)


def as_series(x, values, name: str = "") -> pd.Series:
    """A time series from the tidy frame's x and value columns, times in UTC, sorted."""
    series = pd.Series(
        np.asarray(values, dtype=float),
        index=pd.DatetimeIndex(pd.to_datetime(x, utc=True)),
        name=name,
    )
    return series.sort_index()


def _autocorrelation(values: np.ndarray, lag: int) -> float:
    """The correlation of the series (a straight line taken out) with itself `lag` points
    later, its outliers clipped: one outage of an hour would otherwise drown a week's daily
    wave, and hide the season the band needs to tell it apart."""
    x = np.arange(len(values))
    detrended = values - np.polyval(np.polyfit(x, values, 1), x)
    middle = np.median(detrended)
    reach = CLIP * 1.4826 * np.median(np.abs(detrended - middle))
    if reach > 0:
        detrended = np.clip(detrended, middle - reach, middle + reach)
    head, tail = detrended[:-lag], detrended[lag:]
    if head.std() == 0 or tail.std() == 0:
        return 0.0
    return float(np.corrcoef(head, tail)[0, 1])


def fits(name: str, step: int, points: int, seasons: int = 2) -> int:
    """The season's length in points when `points` at `step` hold `seasons` whole seasons of it
    (0 otherwise). Two are the least a seasonal model or profile learns a season from."""
    seconds = SEASONS[name]
    if step <= 0 or seconds % step:
        return 0
    lag = seconds // step
    return lag if lag >= 2 and points >= seasons * lag else 0


def find_season(values: np.ndarray, step: int, asked: str = "auto") -> Season:
    """The season of values on a grid of `step` seconds: the one asked for (`daily`, `weekly`,
    `none`; two whole seasons of it in the data), or with `auto` the daily or weekly pattern
    whose lag correlates more strongly (at least MIN_STRENGTH) among those with AUTO_SEASONS
    whole seasons in the data: from two, a season's shape is its own noise, and a model's bands
    came out too narrow (80 % held 67 % of a week's next day)."""
    values = np.asarray(values, dtype=float)
    if asked == "none" or np.isnan(values).any():
        return NO_SEASON
    names = list(SEASONS) if asked == "auto" else [asked]
    found = NO_SEASON
    for name in names:
        lag = fits(name, step, len(values), AUTO_SEASONS if asked == "auto" else 2)
        if not lag:
            continue
        strength = _autocorrelation(values, lag)
        if asked != "auto" or (strength >= MIN_STRENGTH and strength > found.strength):
            found = Season(name, lag, strength)
    return found

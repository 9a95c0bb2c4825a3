"""Anomaly bands: where a series left its expected range.

The expected value at each point is a robust seasonal baseline: the level (a rolling median over
one season, or over MIN_WINDOW points without a season) plus the season's profile (the median
of what is left at the same phase: the same time of day, or of the week). The band is that
baseline plus or minus `sensitivity` robust deviations: 1.4826 times the median absolute
deviation of what is left after the baseline (the standard deviation of Gaussian noise, which a
spike does not inflate). With a season, the deviation is also measured for each hour of the day
(pooled with the hours either side), and the band is widened where that hour's is larger:
a latency at night, on few requests, wanders more than at noon. A point outside the band is an
anomaly.

It assumes that anomalies are a minority of the points (a median breaks down past half). At the
default sensitivity of 4, Gaussian noise flags about one point in 16,000: one false flag in
about two months of 5-minute points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.outcome import Outcome
from analytics.series import DAY, NO_SEASON, Season, find_season, offsets, step_in

MAD_TO_SD = 1.4826  # the MAD of Gaussian noise times this is its standard deviation
MIN_POINTS = 12
MIN_WINDOW = 11  # the level's window without a season, in points
MIN_HOURLY = 6  # points an hour of the day, on average, to measure its own deviation
DEFAULT_SENSITIVITY = 4.0


@dataclass(frozen=True)
class AnomalyBand(Outcome):
    """The expected band of one series at its own times, and the points outside it."""

    name: str
    times: pd.DatetimeIndex
    expected: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    flagged: np.ndarray  # bool per point: outside the band
    deviation: float  # one robust deviation, in the series' unit
    sensitivity: float
    season: Season
    reason: str | None = None

    @property
    def count(self) -> int:
        return int(self.flagged.sum())

    @property
    def words(self) -> str:
        """`3 anomalies in range` (or why there is no band)."""
        if self.reason:
            return f"{self.name}: {self.reason}" if self.name else self.reason
        return f"{self.count} {'anomaly' if self.count == 1 else 'anomalies'} in range"


def _cannot(name: str, reason: str, sensitivity: float) -> AnomalyBand:
    empty = np.array([], dtype=float)
    return AnomalyBand(name, pd.DatetimeIndex([], tz="UTC"), empty, empty, empty,
                       np.array([], dtype=bool), 0.0, sensitivity, NO_SEASON,
                       reason)  # fmt: skip


def anomalies(
    series: pd.Series, sensitivity: float = DEFAULT_SENSITIVITY, season: str = "auto"
) -> AnomalyBand:
    """The expected band of `series` (UTC times, one step apart) and its points outside it."""
    name = str(series.name or "")
    clean = series.dropna().sort_index()
    if len(clean) < MIN_POINTS:
        return _cannot(name, f"too little data for an expected band ({len(clean)} points; at "
                             f"least {MIN_POINTS} needed)", sensitivity)  # fmt: skip
    values = clean.to_numpy(dtype=float)
    seconds = offsets(pd.DatetimeIndex(clean.index))
    step = step_in(seconds)
    positions = _positions(seconds, step)
    found = NO_SEASON
    if positions is not None:
        grid = np.interp(np.arange(positions[-1] + 1), positions, values)
        found = find_season(grid, step, season)
    expected = _baseline(values, found.points, positions)
    left = values - expected
    # Zero when most points sit on the baseline (a flat series): any other value is unexpected.
    deviation = MAD_TO_SD * float(np.median(np.abs(left - np.median(left))))
    spread = _hourly(left, deviation, found.points, step, positions)
    lower, upper = expected - sensitivity * spread, expected + sensitivity * spread
    flagged = (values < lower) | (values > upper)
    return AnomalyBand(name, pd.DatetimeIndex(clean.index), expected, lower, upper, flagged,
                       deviation, sensitivity, found)  # fmt: skip


def _hourly(left: np.ndarray, deviation: float, season: int, step: int,
            positions: np.ndarray | None) -> np.ndarray:  # fmt: skip
    """Per point, the robust deviation of what is left at its hour of the day (pooled with the
    hours either side), where it is larger than the whole series' `deviation`; the whole
    series' without a season, or with under MIN_HOURLY points an hour."""
    whole = np.full(len(left), deviation)
    per_day = DAY // step if step and DAY % step == 0 else 0
    if not season or positions is None or not per_day or len(left) < MIN_HOURLY * 24:
        return whole
    hour = (positions % per_day) * 24 // per_day
    centred = left - _medians(left, hour, 24)[hour]
    spread = np.nan_to_num(_medians(np.abs(centred), hour, 24))
    pooled = (np.roll(spread, 1) + spread + np.roll(spread, -1)) / 3  # the day wraps around
    return np.maximum(whole, MAD_TO_SD * pooled[hour])


def _medians(values: np.ndarray, groups: np.ndarray, count: int) -> np.ndarray:
    """The median of `values` in each group 0..count-1 (NaN for an empty one), from one sort by
    group and value: the middle one or two of each group's run."""
    order = np.lexsort((values, groups))
    ordered = values[order]
    starts = np.searchsorted(groups[order], np.arange(count))
    sizes = np.bincount(groups, minlength=count)
    low = np.minimum(starts + (sizes - 1) // 2, len(values) - 1)
    high = np.minimum(starts + sizes // 2, len(values) - 1)
    return np.where(sizes > 0, (ordered[low] + ordered[high]) / 2, np.nan)


def _positions(seconds: np.ndarray, step: int) -> np.ndarray | None:
    """Each point's position on the grid of `step` seconds from the first (a phase is then a
    position modulo the season); None when the times are not on such a grid."""
    positions = np.rint(seconds / step).astype(int) if step else None
    if positions is None or np.abs(positions * step - seconds).max() > step / 100:
        return None
    return positions


def _baseline(values: np.ndarray, season: int, positions: np.ndarray | None) -> np.ndarray:
    window = min(season or MIN_WINDOW, len(values))
    level = pd.Series(values).rolling(window, center=True, min_periods=window).median().to_numpy()
    level = _extended(level, window)
    if not season:
        return level
    phase = positions % season
    profile = _medians(values - level, phase, season)
    # Neighbouring phases (within half an hour) pooled: a week holds only seven values of each,
    # whose median is noisy and hugs them, so the deviation of a new value looks smaller than it is.
    reach = season // 48
    if reach:
        profile = _pooled(profile, reach)
    known = np.flatnonzero(~np.isnan(profile))
    profile = np.interp(np.arange(season), known, profile[known])
    return level + profile[phase]


def _pooled(profile: np.ndarray, reach: int) -> np.ndarray:
    """Each phase's value the mean of the known ones within `reach` phases either side (the
    season wraps around; NaN where none is known)."""
    around = np.concatenate([profile[-reach:], profile, profile[:reach]])
    known = ~np.isnan(around)
    window = np.ones(2 * reach + 1)
    sums = np.convolve(np.where(known, around, 0.0), window, mode="valid")
    counts = np.convolve(known.astype(float), window, mode="valid")
    with np.errstate(invalid="ignore"):
        return np.where(counts > 0, sums / counts, np.nan)


def _extended(level: np.ndarray, window: int) -> np.ndarray:
    """The level where a whole window fits, continued to both ends along the line of its first
    (last) window's worth: a half window at an end is half a season, whose median is off by the
    season's amplitude."""
    known = np.flatnonzero(~np.isnan(level))
    if len(known) < 2:
        return np.where(np.isnan(level), np.nanmedian(level) if len(known) else 0.0, level)
    out = level.copy()
    everywhere = np.arange(len(level))
    for part, missing in ((known[:window], everywhere < known[0]),
                          (known[-window:], everywhere > known[-1])):  # fmt: skip
        slope, intercept = np.polyfit(part, level[part], 1)
        out[missing] = intercept + slope * everywhere[missing]
    return out

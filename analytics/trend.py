"""Trend lines: a straight line through a series, with its slope in the series' unit per day.

`linear` is least squares (scipy.stats.linregress): the line of the mean, pulled by outliers.
`robust` is Theil-Sen (scipy.stats.theilslopes): the median of the slopes between every pair of
points, which up to 29 % of wild points do not move; on more than MAX_PAIRS_POINTS points it is
taken over that many evenly spaced ones (its cost grows with the square of the points: on a week
of 15-minute points, 300 of the 672 gave slopes within about 1 % of all of them, whose own 95 %
interval was +-50 %, at a fifth of the cost).
Both assume the change is steady over the range: a season shows as noise around the line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy.stats import linregress, theilslopes

from analytics.outcome import Outcome
from analytics.series import offsets

DAY = 86_400.0
MAX_PAIRS_POINTS = 300

Method = Literal["linear", "robust"]


@dataclass(frozen=True)
class Trend(Outcome):
    name: str
    method: str
    slope_per_day: float  # in the series' unit
    times: pd.DatetimeIndex  # the line's two ends
    values: np.ndarray
    reason: str | None = None


def trend(series: pd.Series, method: Method = "linear") -> Trend:
    name = str(series.name or "")
    clean = series.dropna().sort_index()
    if len(clean) < 3 or clean.index[-1] == clean.index[0]:
        empty = np.array([], dtype=float)
        reason = f"too little data for a trend ({len(clean)} points; at least 3 needed)"
        return Trend(name, method, float("nan"), pd.DatetimeIndex([], tz="UTC"), empty, reason)
    days = offsets(pd.DatetimeIndex(clean.index)) / DAY
    values = clean.to_numpy(dtype=float)
    if method == "robust":
        pick = np.unique(
            np.linspace(0, len(days) - 1, min(len(days), MAX_PAIRS_POINTS)).astype(int)
        )
        slope, intercept, _low, _high = theilslopes(values[pick], days[pick])
    else:
        fitted = linregress(days, values)
        slope, intercept = fitted.slope, fitted.intercept
    ends = np.array([days[0], days[-1]])
    times = pd.DatetimeIndex([clean.index[0], clean.index[-1]])
    return Trend(name, method, float(slope), times, intercept + slope * ends)

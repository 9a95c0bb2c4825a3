"""Forecasts: seasonal exponential smoothing (ETS with additive errors, statsmodels), the series
continued past its last point with 80 % and 95 % prediction intervals.

The model is ETS(A,A,A): level, additive trend and an additive season found in the data
(analytics.series.find_season), or ETS(A,A,N) without one; `trend=False` drops the trend
(ETS(A,N,A)). Parameters are fitted by maximum likelihood from heuristic initial states (the
initial states estimated too cost ten times as long, for forecasts within the same band).
Sub-hourly data over two days or more is fitted on hourly means, so a daily season is 24 states
and a weekly one 168, and a fit stays within a few milliseconds. The intervals are the model's
analytic ones (Hyndman et al., Forecasting with Exponential Smoothing, 2008, class 1: the h-step
variance is sigma^2 (1 + sum of c_j^2), c_j = alpha + beta j + gamma [j a multiple of m]),
the same statsmodels' `get_prediction` computes, at a fraction of its cost, with the errors'
variance taken from one-step errors clipped at five robust deviations (a level shift in the
training window, a disk cleaned up, is one huge error that would widen every band).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy.stats import norm
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from threadpoolctl import threadpool_limits

from analytics.outcome import Outcome
from analytics.series import NO_SEASON, Season, find_season, regular, step_of
from data.timerange import nice_step

HOUR = 3600
MIN_POINTS = 10  # fewer than this and there is nothing to fit a level and a trend on
MAX_POINTS = 1000  # longer training windows are fitted on a coarser grid
MAX_HORIZON_POINTS = 2000
CLIP = 5.0  # robust deviations past which a one-step error counts as an outlier (a level shift)
Z80, Z95 = float(norm.ppf(0.9)), float(norm.ppf(0.975))
# The optimiser's convergence notes are about the last digits of the likelihood, not a failure
# (a result says in words when there is one). A filter, not catch_warnings: panels are built on
# threads, and catch_warnings swaps the process's filters under them.
warnings.filterwarnings("ignore", module=r"statsmodels\.")
# A fit is thousands of tiny matrix operations: OpenBLAS's threads only wait on each other, and on
# a busy machine made the forecasts 5-8 times slower (bench/analytics.py). One BLAS thread in this
# process; its parallelism is the panels' own thread pool.
threadpool_limits(limits=1, user_api="blas")


@dataclass(frozen=True)
class Forecast(Outcome):
    """One series continued: `mean` and its bands at `times` (empty with a `reason` when no
    model could be fitted)."""

    name: str
    times: pd.DatetimeIndex
    mean: np.ndarray
    lower80: np.ndarray
    upper80: np.ndarray
    lower95: np.ndarray
    upper95: np.ndarray
    step: int  # seconds between forecast points (the grid the model was fitted on)
    season: Season
    model: str  # ETS(A,A,A), ...
    fitted_points: int
    reason: str | None = None
    # Per h: the standard deviation of the sum of the first h forecast points (a stat's total
    # to the end of the month is such a sum; its errors add up, they do not average out).
    sum_spread: np.ndarray = field(default_factory=lambda: np.array([], dtype=float))

    @property
    def words(self) -> str:
        """What was fitted, or why not: `ETS(A,A,A), daily season, 168 hourly points`."""
        if self.reason:
            return f"{self.name}: {self.reason}" if self.name else self.reason
        grid = "hourly" if self.step == HOUR else ("daily" if self.step == 86_400 else "")
        points = f"{self.fitted_points} {grid} points" if grid else f"{self.fitted_points} points"
        return f"{self.model}, {self.season.words}, {points}"

    def at_end(self) -> tuple[float, float, float] | None:
        """(mean, lower95, upper95) of the last forecast point, None without a forecast."""
        if not self.ok or not len(self.mean):
            return None
        return float(self.mean[-1]), float(self.lower95[-1]), float(self.upper95[-1])

    def reaching(self, value: float, rising: bool) -> Reach:
        """When the forecast (and the near and far edges of its 80 % band) first reach `value`
        going up (`rising`) or down."""

        def first(values: np.ndarray) -> pd.Timestamp | None:
            hit = np.flatnonzero(values >= value if rising else values <= value)
            return self.times[hit[0]] if len(hit) else None

        near, far = (self.upper80, self.lower80) if rising else (self.lower80, self.upper80)
        return Reach(value, rising, first(self.mean), first(near), first(far))

    def stopped_at(self, reach: Reach) -> Forecast:
        """The forecast up to where its 80 % band's far edge reaches `reach.value` (all of it
        when it does not), none of it past that value: records left are done at 0 and a disk
        is full at 100 %; a model's line on past them forecasts nothing."""
        if not self.ok:
            return self
        kept = len(self.times)
        if reach.latest is not None:
            kept = int(np.searchsorted(self.times, reach.latest, side="right"))

        def cut(values: np.ndarray) -> np.ndarray:
            values = values[:kept]
            return (
                np.minimum(values, reach.value) if reach.rising else np.maximum(values, reach.value)
            )

        return replace(self, times=self.times[:kept], mean=cut(self.mean),
                       lower80=cut(self.lower80), upper80=cut(self.upper80),
                       lower95=cut(self.lower95), upper95=cut(self.upper95),
                       sum_spread=self.sum_spread[:kept])  # fmt: skip


@dataclass(frozen=True)
class Reach:
    """When a forecast reaches a value going up (`rising`) or down: its mean (`at`), the 80 %
    band's near edge (`earliest`) and far edge (`latest`); None for one that does not within
    the horizon."""

    value: float
    rising: bool
    at: pd.Timestamp | None
    earliest: pd.Timestamp | None
    latest: pd.Timestamp | None


def cannot(name: str, reason: str, step: int = 0) -> Forecast:
    empty = np.array([], dtype=float)
    times = pd.DatetimeIndex([], tz="UTC")
    return Forecast(name, times, empty, empty, empty, empty, empty, step, NO_SEASON, "", 0, reason)


def fit_step(step: int, span: float) -> int:
    """The grid a model is fitted on: hourly for sub-hourly data over two days or more, else the
    data's own step, coarsened until the span is at most MAX_POINTS steps."""
    if step < HOUR and span >= 2 * 86_400:
        step = HOUR
    return max(step, nice_step(span / MAX_POINTS))


def _coefficients(alpha: float, beta: float, gamma: float, m: int, h: int) -> np.ndarray:
    """c_j for j = 1..h-1: how much an error j steps back still moves a forecast."""
    j = np.arange(1, h, dtype=float)
    return alpha + beta * j + (gamma * (j % m == 0) if m else 0.0)


def _variance_factors(alpha: float, beta: float, gamma: float, m: int, h: int) -> np.ndarray:
    """1 + sum_{j<h} c_j^2 for h = 1..h: the h-step forecast variance in units of sigma^2."""
    c = _coefficients(alpha, beta, gamma, m, h)
    return 1 + np.concatenate([[0.0], np.cumsum(c**2)])


def _sum_variance_factors(alpha: float, beta: float, gamma: float, m: int, h: int) -> np.ndarray:
    """The variance of the sum of the first h forecast errors, in units of sigma^2, for h =
    1..h: the error k steps ahead is carried into every later point, so it counts
    (1 + c_1 + ... + c_{h-k})^2 times."""
    carried = 1 + np.concatenate([[0.0], np.cumsum(_coefficients(alpha, beta, gamma, m, h))])
    return np.cumsum(carried**2)


def forecast(
    series: pd.Series, horizon: float, *, season: str = "auto", trend: bool = True
) -> Forecast:
    """`series` (UTC times) continued `horizon` seconds past its last point."""
    name = str(series.name or "")
    clean = series.dropna()
    if len(clean) < MIN_POINTS:
        return cannot(name, f"too little data to forecast ({len(clean)} points; at least "
                            f"{MIN_POINTS} needed)")  # fmt: skip
    if float(clean.max()) == float(clean.min()):
        value = float(clean.iloc[0])
        return cannot(name, f"the series is constant ({value:g}): there is no model to fit")
    span = (clean.index[-1] - clean.index[0]).total_seconds()
    step = fit_step(step_of(clean), span)
    grid = regular(clean, step)
    if grid.isna().mean() > 0.1:
        return cannot(name, "too many gaps in the data to forecast (over 10 % of the points)",
                      step)  # fmt: skip
    grid = grid.interpolate(limit_direction="both")
    if len(grid) < MIN_POINTS:
        return cannot(name, f"too little data to forecast ({len(grid)} points at a {step} s step;"
                            f" at least {MIN_POINTS} needed)", step)  # fmt: skip
    found = find_season(grid.to_numpy(), step, season)
    if season not in ("auto", "none") and not found.points:
        return cannot(name, f"a {season} season needs two whole seasons of data", step)
    h = min(MAX_HORIZON_POINTS, max(1, math.ceil(horizon / step)))
    try:
        fitted = _fit(grid.to_numpy(), found, trend)
    except (ValueError, np.linalg.LinAlgError, ZeroDivisionError) as exc:
        return cannot(name, f"the model could not be fitted ({exc})", step)
    mean = fitted.continued(h)
    smoothing = (fitted.alpha, fitted.beta, fitted.gamma, found.points, h)
    sigma2 = _error_variance(fitted.errors)
    spread = np.sqrt(sigma2 * _variance_factors(*smoothing))
    sum_spread = np.sqrt(sigma2 * _sum_variance_factors(*smoothing))
    if not (np.isfinite(mean).all() and np.isfinite(spread).all()):
        return cannot(name, "the model could not be fitted (its forecast is not finite)", step)
    times = grid.index[-1] + pd.to_timedelta(np.arange(1, h + 1) * step, unit="s")
    code = f"ETS(A,{'A' if trend else 'N'},{'A' if found.points else 'N'})"
    return Forecast(name, times, mean, mean - Z80 * spread, mean + Z80 * spread,
                    mean - Z95 * spread, mean + Z95 * spread, step, found, code,
                    len(grid), sum_spread=sum_spread)  # fmt: skip


def _error_variance(errors: np.ndarray) -> float:
    """The variance of the one-step errors, each clipped at CLIP robust deviations: a disk
    cleaned up or an outage in the training window is one error of a hundred sigmas, which
    would otherwise widen every band of the forecast for no reason that lasts."""
    middle = float(np.median(errors))
    reach = CLIP * 1.4826 * float(np.median(np.abs(errors - middle)))
    clipped = np.clip(errors, middle - reach, middle + reach) if reach > 0 else errors
    return float(np.mean(clipped**2))


@dataclass(frozen=True)
class Fitted:
    """What a forecast needs of a fitted ETS model: its smoothing parameters (0 for a component
    it does not have), its last level, trend and season, and its one-step errors."""

    alpha: float
    beta: float
    gamma: float
    level: float
    slope: float
    season: np.ndarray  # the last season's states, oldest first (empty without a season)
    errors: np.ndarray

    def continued(self, h: int) -> np.ndarray:
        """The next h steps: the level, plus h times the trend, plus the season's last value at
        the same phase (what statsmodels' `forecast` simulates step by step)."""
        ahead = np.arange(1, h + 1)
        mean = self.level + ahead * self.slope
        if len(self.season):
            mean += self.season[(ahead - 1) % len(self.season)]
        return mean


def _fit(values: np.ndarray, season: Season, trend: bool) -> Fitted:
    model = ETSModel(
        values,
        error="add",
        trend="add" if trend else None,
        seasonal="add" if season.points else None,
        seasonal_periods=season.points or None,
        initialization_method="heuristic",
    )
    with np.errstate(all="ignore"):
        # Likelihood to about 1e-6 of itself (factr): half the iterations of the default, the
        # same parameters to the third decimal. The parameters and the smoothed states alone:
        # statsmodels' results object also works out a Hessian, which would cost a fifth more.
        params = np.asarray(model.fit(disp=False, factr=1e10, return_params=True), dtype=float)
        predicted, states = model.smooth(params, return_raw=True)
    named = dict(zip(model.param_names, params, strict=True))
    states = np.asarray(states, dtype=float)
    return Fitted(
        alpha=float(named["smoothing_level"]),
        beta=float(named.get("smoothing_trend", 0.0)),
        gamma=float(named.get("smoothing_seasonal", 0.0)),
        level=float(states[-1, 0]),
        slope=float(states[-1, 1]) if trend else 0.0,
        season=states[-season.points :, -1] if season.points else np.array([], dtype=float),
        errors=values - np.asarray(predicted, dtype=float),
    )

"""Cohort retention: users grouped by when they signed up (their cohort: the day, the week from
Monday, or the calendar month), and for each cohort the share of its users active in each period
since their own signup (period k: from k to k+1 periods after it; a month is 30 days here).

A cell is shown once its period has begun for some member of its cohort, and `complete` once it
has ended for every member; the average curve is, per period, the active users of the cohorts
complete there over their sizes (so a cohort still in its period does not drag it down).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from analytics.outcome import Outcome
from analytics.transforms import bucket_start

Period = Literal["day", "week", "month"]
PERIOD_SECONDS = {"day": 86_400, "week": 7 * 86_400, "month": 30 * 86_400}


@dataclass(frozen=True)
class Retention(Outcome):
    period: str
    cohorts: pd.DatetimeIndex  # each cohort's first day (UTC)
    sizes: np.ndarray  # users per cohort
    active: np.ndarray  # cohorts x periods: users active in that period (NaN: not begun)
    complete: np.ndarray  # cohorts x periods: the period has ended for every member
    reason: str | None = None

    @property
    def percent(self) -> np.ndarray:
        """Active users as a percentage of their cohort."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.active / self.sizes[:, None] * 100

    @property
    def average(self) -> np.ndarray:
        """Per period, the percentage active over the cohorts complete there (NaN: none is)."""
        done = self.complete & ~np.isnan(self.active)
        active = np.where(done, self.active, 0).sum(axis=0)
        sizes = np.where(done, self.sizes[:, None], 0).sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(sizes > 0, active / sizes * 100, np.nan)


def _next_start(starts: pd.DatetimeIndex, period: Period) -> pd.DatetimeIndex:
    if period == "month":
        return starts + pd.offsets.MonthBegin(1)
    return starts + pd.Timedelta(seconds=PERIOD_SECONDS[period])


def retention(
    counts: pd.DataFrame, sizes: pd.Series, period: Period, periods: int, end: pd.Timestamp
) -> Retention:
    """The triangle from counts: `counts` has columns cohort, period (periods since signup) and
    users (distinct users active then); `sizes` maps each cohort to its users; `end` is when
    the data stops (cells not begun by then are NaN)."""
    sizes = sizes[sizes > 0].sort_index()
    if sizes.empty:
        return _empty(period, periods, "no sign-ups in this time range")
    cohorts = pd.DatetimeIndex(pd.to_datetime(sizes.index, utc=True))
    active = np.zeros((len(cohorts), periods))
    position = {c: i for i, c in enumerate(cohorts)}
    when = pd.to_datetime(counts["cohort"], utc=True)
    for cohort, k, users in zip(when, counts["period"], counts["users"], strict=True):
        if cohort in position and 0 <= int(k) < periods:
            active[position[cohort], int(k)] += users
    length = pd.Timedelta(seconds=PERIOD_SECONDS[period])
    k = np.arange(periods)
    begun = np.array([[c + n * length < end for n in k] for c in cohorts])
    ends = _next_start(cohorts, period)
    complete = np.array([[e + (n + 1) * length <= end for n in k] for e in ends])
    active[~begun] = np.nan
    return Retention(period, cohorts, sizes.to_numpy(dtype=float), active, complete)


def _empty(period: Period, periods: int, reason: str) -> Retention:
    nothing = np.zeros((0, periods))
    return Retention(period, pd.DatetimeIndex([], tz="UTC"), np.zeros(0), nothing,
                     nothing.astype(bool), reason)  # fmt: skip


def retention_of_events(
    signups: pd.DataFrame,
    events: pd.DataFrame,
    period: Period,
    periods: int,
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> Retention:
    """The same triangle from the rows themselves: `signups` (user, at) of users who signed up
    in [start, end), `events` (user, at) of what they did (before `end`)."""
    joined = signups.rename(columns={"at": "signup_at"})
    joined = joined[(joined["signup_at"] >= start) & (joined["signup_at"] < end)]
    joined = joined.assign(cohort=bucket_start(pd.DatetimeIndex(joined["signup_at"]), period))
    sizes = joined.groupby("cohort")["user"].nunique()
    done = events[events["at"] < end].merge(joined, on="user")
    done = done[done["at"] >= done["signup_at"]]
    elapsed = (done["at"] - done["signup_at"]).dt.total_seconds()
    done = done.assign(period=(elapsed // PERIOD_SECONDS[period]).astype(int))
    counts = done.groupby(["cohort", "period"])["user"].nunique().rename("users").reset_index()
    return retention(counts, sizes, period, periods, end)

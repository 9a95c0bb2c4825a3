"""`analytics:` in a time-series, stat or KPI panel's options:

```yaml
options:
  analytics:
    forecast: {horizon: 7d, train: 28d, season: auto}    # season: auto, daily, weekly, none
    # or to the end of this calendar period, and when the forecast reaches a value:
    # forecast: {to: month, train: 90d}    forecast: {horizon: 30d, reaches: 1}
    anomalies: {method: seasonal, sensitivity: 4}
    trend: {method: robust}                               # linear or robust (Theil-Sen)
    transform: {resample: week, rolling: 7d, rolling_by: median, cumulative: true, change: 7d}
```
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from data.timerange import checked_duration

SeasonChoice = Literal["auto", "daily", "weekly", "none"]
Period = Literal["day", "week", "month", "quarter", "year"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ForecastOptions(_Strict):
    horizon: str = "1d"  # how far past the last point
    # To the end of this calendar period (UTC) instead: a stat's "forecast end of month".
    to: Period | None = None
    train: str | None = None  # fit on this much history (default: the panel's own window)
    season: SeasonChoice = "auto"
    trend: bool = True
    # A value to watch for (a disk's 1.0, a migration's 0 records left): the card says when
    # the forecast reaches it ("full in about 9 days").
    reaches: float | None = None

    _durations = field_validator("horizon", "train")(checked_duration)


class AnomalyOptions(_Strict):
    method: Literal["seasonal"] = "seasonal"
    sensitivity: float = Field(default=4.0, gt=0, le=20)  # robust deviations from the baseline
    season: SeasonChoice = "auto"


class TrendOptions(_Strict):
    method: Literal["linear", "robust"] = "linear"


class TransformOptions(_Strict):
    """Applied in this order: resample, rolling, cumulative, change."""

    resample: Literal["day", "week", "month"] | None = None
    resample_by: Literal["sum", "mean", "max", "min", "last"] = "sum"
    rolling: str | None = None  # each point the mean (or median) of this long up to it
    rolling_by: Literal["mean", "median"] = "mean"
    cumulative: bool = False
    change: str | None = None  # each point's change in percent against this long before

    _durations = field_validator("rolling", "change")(checked_duration)


class AnalyticsOptions(_Strict):
    forecast: ForecastOptions | None = None
    anomalies: AnomalyOptions | None = None
    trend: TrendOptions | None = None
    transform: TransformOptions | None = None

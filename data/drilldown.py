"""What a click on a chart means: its category, series and time bucket (`Clicked`), and the rows
behind it (a detail page's SQL, everything bound as parameters, and how many rows there are).

The browser sends the point plotly reports (x, y, label, location, customdata); what it means is
decided on the server by the panel's type (its module's `click`, panels/), never by the browser.
Where a click leads (another dashboard, the rows behind it, a cross-filter) is a URL: urls.py
builds and reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from data.datasources import DataLayer
from data.panel_data import PanelWindow, max_points, render_sql
from data.spec import Panel
from data.sql import SQLResult, SQLSource
from data.timerange import QueryWindow

MAX_VALUE = 200  # characters of a clicked value that travel in a URL


@dataclass(frozen=True)
class Clicked:
    """What a click on a point means: its category, its series, and its time bucket (unix s)."""

    category: str | None = None
    series: str | None = None
    bucket_start: float | None = None
    bucket_end: float | None = None

    def field(self, name: str) -> str | None:
        if name == "time":
            return None if self.bucket_start is None else str(int(self.bucket_start * 1000))
        return getattr(self, name)


def text_of(value) -> str | None:
    """A clicked point's value as it travels in a URL (cut to MAX_VALUE), None if it is none."""
    if value is None or isinstance(value, dict | list):
        return None
    return str(value)[:MAX_VALUE]


def as_time(value) -> float | None:
    """A date axis value (plotly reports '2026-11-23 14:05' or epoch ms) as unix seconds."""
    if value is None:
        return None
    try:
        if isinstance(value, int | float):
            return float(value) / 1000
        stamp = pd.Timestamp(str(value))
    except (ValueError, TypeError):
        return None
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return stamp.timestamp()


def detail_params(point: Clicked, window: QueryWindow) -> dict:
    """The detail SQL's bound parameters for a clicked point: :category, :series,
    :bucket_start and :bucket_end (naive UTC datetimes; without a bucket, the panel's whole
    window as its queries read it)."""
    start, end = point.bucket_start, point.bucket_end
    bounds = (window.start if start is None else start, window.end if end is None else end)
    stamps = [datetime.fromtimestamp(b, UTC).replace(tzinfo=None) for b in bounds]
    return {
        "category": point.category,
        "series": point.series,
        "bucket_start": stamps[0],
        "bucket_end": stamps[1],
    }


@dataclass(frozen=True)
class DetailRows:
    frame: pd.DataFrame  # the rows, cut at the datasource's row limit
    total: int  # how many rows the query has in all

    def said(self, shown: int) -> str:
        """How many rows `shown` are, as the page and the CSV say it."""
        shown = min(shown, len(self.frame))
        if shown >= self.total:
            return f"{self.total:,} rows"
        return f"Showing {shown:,} of {self.total:,} rows"


def detail_rows(
    layer: DataLayer, panel: Panel, window: PanelWindow, params: dict, ttl: float = 60
) -> DetailRows:
    """The rows of a panel's drilldown SQL over its window (:start and :end as its queries have
    them), and their count (one query each, through the layer's scope and cache like every
    other)."""
    drilldown = panel.drilldown
    source: SQLSource = layer.source(drilldown.datasource, SQLSource)
    sql = render_sql(drilldown.sql, source.dialect)

    def read(statement: str) -> SQLResult:
        return layer.sql(drilldown.datasource, statement, window.time_range, params=params,
                         max_points=max_points(panel), ttl=ttl).value  # fmt: skip

    rows = read(sql)
    if not rows.truncated:
        return DetailRows(rows.frame, len(rows.frame))
    total = read(f"SELECT count(*) AS total FROM ({sql}) AS detail_rows")
    return DetailRows(rows.frame, int(total.frame.iloc[0, 0]))

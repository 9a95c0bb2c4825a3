"""Clicks on charts, turned into where they lead: another dashboard with variables set from the
clicked point, the rows behind the point, or a cross-filter on this dashboard. Every step is a URL
(shareable, the back button works) that carries a `back` link for the breadcrumb.

The browser sends the point plotly reports (x, y, label, location, customdata); what it means
(category, series, time bucket) is decided on the server by the panel's type (its module's
`click`, panels/), never by the browser.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pandas as pd

import urls
from data.spec import Dashboard, Panel
from data.timerange import TimeRange
from data.urlstate import ViewState

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


def safe_back(target: str | None, prefix: str) -> str | None:
    """A breadcrumb link back: only a path of this app."""
    if not target or not target.startswith(prefix) or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return None
    return target


def dashboard_url(
    prefix: str,
    source: Dashboard,
    panel: Panel,
    state: ViewState,
    point: Clicked,
    back: str,
) -> str:
    """The target dashboard of a panel's drilldown, with variables from the clicked point."""
    drill = panel.drilldown
    pairs: list[tuple[str, str]] = []
    if drill.time == "bucket" and point.bucket_start is not None:
        pairs += [("from", str(int(point.bucket_start * 1000))),
                  ("to", str(int(point.bucket_end * 1000)))]  # fmt: skip
    else:
        pairs += [("from", state.time_from), ("to", state.time_to)]
    for variable, field in drill.variables.items():
        value = point.field(field)
        if value is not None:
            pairs.append((f"var-{variable}", value))
    pairs.append(("back", back))
    return urls.dashboard(prefix, drill.dashboard, pairs)


def detail_url(prefix: str, slug: str, panel: Panel, state: ViewState, point: Clicked) -> str:
    """The rows behind the clicked point: the dashboard's state, and what was clicked."""
    pairs = [("from", state.time_from), ("to", state.time_to)]
    for name, values in state.variables.items():
        pairs.extend((f"var-{name}", v) for v in values)
    for key in ("category", "series"):
        value = getattr(point, key)
        if value is not None:
            pairs.append((key, value))
    if point.bucket_start is not None:
        pairs += [("bucket", str(int(point.bucket_start * 1000))),
                  ("bucket_end", str(int(point.bucket_end * 1000)))]  # fmt: skip
    return urls.detail(prefix, slug, panel.id, pairs)


def cross_filter_query(state: ViewState, variable: str, value: str) -> str:
    """This dashboard's URL query with the clicked category as the variable's only value."""
    variables = {**state.variables, variable: [value]}
    return replace(state, variables=variables).query_string()


def detail_params(query: dict, time_range: TimeRange) -> dict:
    """The detail SQL's bound parameters from the detail URL: :category, :series,
    :bucket_start and :bucket_end (naive UTC datetimes; the whole range when no bucket)."""

    def one(key: str) -> str | None:
        value = query.get(key)
        value = value[-1] if isinstance(value, list) else value
        return None if value is None else str(value)[:MAX_VALUE]

    start = as_time(int(one("bucket"))) if (one("bucket") or "").isdigit() else None
    end = as_time(int(one("bucket_end"))) if (one("bucket_end") or "").isdigit() else None
    bounds = (start or time_range.start, end or time_range.end)
    stamps = [datetime.fromtimestamp(b, UTC).replace(tzinfo=None) for b in bounds]
    return {
        "category": one("category"),
        "series": one("series"),
        "bucket_start": stamps[0],
        "bucket_end": stamps[1],
    }

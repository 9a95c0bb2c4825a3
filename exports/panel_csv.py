"""A panel's data as CSV: the numbers the panel shows, unformatted, with units in the header.

- Over time (time series, state timelines): a row per time, a column per series
  (`time,api (req/s),web (req/s)`), the time-shifted period as more columns.
- Single values (stat, KPI, gauge): one row, the value the panel shows (and the previous period's).
- Tables: their columns, in the panel's order and sort, with their headers.
- The latest value per series (bar gauge, status map, node graph, and bar, pie or map panels over
  PromQL): a row per series with its labels.
- Categories from SQL (bar, pie, map): a row per category, a column per series.
- Panels drawn from the query's rows (SQL heatmap, funnel, treemap, histogram, timeline): the
  rows as the query returned them.
Times are ISO 8601 in UTC. A result cut at the row limit ends with a comment line saying so, in
the page's words.
"""

from __future__ import annotations

import pandas as pd

from components.panels.common import latest_by_series
from components.panels.table import table_rows
from components.panels.values import reduce_value
from components.units import unit_label
from data.panel_data import TRUNCATED_NOTE, PanelData
from data.timerange import parse_duration

SINGLE_VALUE = ("stat", "kpi", "gauge")
LATEST_ONLY = ("bargauge", "status_map", "node_graph")
FROM_ROWS = ("heatmap", "funnel", "treemap", "histogram", "gantt")


def panel_csv(data: PanelData) -> str:
    """CSV text of what a panel with queries (not a text panel) shows."""
    panel = data.panel
    tidy = data.tidy
    over_time = not tidy.empty and pd.api.types.is_datetime64_any_dtype(tidy["x"])
    if panel.type == "table":
        frame = _table(data)
    elif panel.type in SINGLE_VALUE:
        frame = _single(data)
    elif panel.type in FROM_ROWS and data.frames and data.frames[0].query.sql:
        frame = _query_rows(data)
    elif panel.type in LATEST_ONLY or (
        over_time and panel.type not in ("timeseries", "state_timeline")
    ):
        frame = _latest(data, over_time)
    elif over_time:
        frame = _over_time(data)
    else:
        frame = _by_category(data)
    text = frame.to_csv(index=False, lineterminator="\n", date_format="%Y-%m-%dT%H:%M:%SZ")
    return text + f"# {TRUNCATED_NOTE}\n" if data.truncated else text


def _header(name: str, unit: str) -> str:
    label = unit_label(unit)
    return f"{name} ({label})" if label else name


def _iso(times: pd.Series) -> pd.Series:
    return pd.to_datetime(times, utc=True).dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _wide(tidy: pd.DataFrame, unit: str, suffix: str = "", sort: bool = True) -> pd.DataFrame:
    """x as the index, one column per series (by name, as the chart orders its traces)."""
    if tidy.empty:
        return pd.DataFrame()
    wide = tidy.pivot_table(
        index="x", columns="series", values="value", aggfunc="first", sort=sort, dropna=False
    )
    if not sort:
        wide = wide.reindex(pd.unique(tidy["x"]))
    wide.columns = [_header(f"{name}{suffix}", unit) for name in wide.columns]
    return wide


def _over_time(data: PanelData) -> pd.DataFrame:
    panel = data.panel
    wide = _wide(data.tidy, panel.unit)
    shift = pd.to_timedelta(parse_duration(panel.time_shift or "0s"), unit="s")
    for frame in data.previous:
        if frame.tidy.empty:
            continue
        # The previous period is drawn over this one: its times moved forward by the shift.
        moved = frame.tidy.assign(x=frame.tidy["x"] + shift)
        wide = wide.join(_wide(moved, panel.unit, f", {panel.time_shift} earlier"), how="outer")
    out = wide.reset_index(names="time") if not wide.empty else pd.DataFrame({"time": []})
    out["time"] = _iso(out["time"])
    return out


def _by_category(data: PanelData) -> pd.DataFrame:
    # The x column as the query names it (the SQL column the chart's categories come from).
    first = data.frames[0]
    name = first.query.x or (str(first.raw.columns[0]) if first.query.sql else "category")
    wide = _wide(data.tidy, data.panel.unit, sort=False)
    return wide.reset_index(names=name) if not wide.empty else pd.DataFrame({name: []})


def _latest(data: PanelData, over_time: bool) -> pd.DataFrame:
    last = latest_by_series(data.tidy)
    if last.empty:
        return pd.DataFrame({"series": [], _header("value", data.panel.unit): []})
    labels = [c for c in last.columns if c not in ("x", "series", "value")]
    out = last[["series", *labels]].copy()
    if over_time:
        out["time"] = _iso(last["x"])
    out[_header("value", data.panel.unit)] = last["value"]
    return out


def _single(data: PanelData) -> pd.DataFrame:
    panel = data.panel
    row = {_header("value", panel.unit): [reduce_value(data, data.frames)]}
    if data.previous:
        row[_header(f"{panel.time_shift} earlier", panel.unit)] = [
            reduce_value(data, data.previous)
        ]
    return pd.DataFrame(row)


def _table(data: PanelData) -> pd.DataFrame:
    rows = table_rows(data)
    out = pd.DataFrame()
    for definition in rows.defs:
        field = definition["field"]
        out[_header(definition["headerName"], rows.units.get(field, ""))] = rows.shown[field]
    return out


def _query_rows(data: PanelData) -> pd.DataFrame:
    frames = [f.raw for f in data.frames if not f.raw.empty]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    values = {c for f in data.frames for c in f.query.y_columns}
    return out.rename(columns={c: _header(c, data.panel.unit) for c in out.columns if c in values})

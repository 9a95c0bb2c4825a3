"""Table panels on dash-ag-grid: sort, filter, values in the panel's unit, threshold colours."""

from __future__ import annotations

import re
from dataclasses import dataclass

import dash_ag_grid as dag
import pandas as pd

from components.panels.common import latest_by_series
from components.theme import color
from components.units import format_value, threshold_color
from data.panel_data import PanelData

TIME_FORMAT = "%Y-%m-%d %H:%M"
_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")


def readable_times(values: pd.Series) -> pd.Series:
    """Date-times as `2026-11-23 17:48`: datetime columns, and the ISO text SQLite returns for
    them (`2026-11-23 17:48:09.000000`); any other column as it is. Missing ones are None."""
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = values
    else:
        text = pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)
        present = values.dropna()
        if not text or present.empty:
            return values
        if not all(isinstance(v, str) and _ISO_TIME.match(v) for v in present):
            return values
        parsed = pd.to_datetime(values, errors="coerce", format="mixed", utc=True)
        if parsed[values.notna()].isna().any():
            return values
    shown = parsed.dt.strftime(TIME_FORMAT).astype(object)
    shown[values.isna()] = None
    return shown


def _rows(data: PanelData) -> pd.DataFrame:
    """SQL: the rows as returned. PromQL: one row per series (its labels and last value)."""
    frame = data.frames[0]
    if frame.query.sql:
        return frame.raw.copy()
    if len(data.frames) > 1:
        # Several PromQL queries: one column per query (by ref), joined on the series name.
        table = None
        for query_frame in data.frames:
            last = latest_by_series(query_frame.tidy)[["series", "value"]]
            last = last.rename(columns={"value": query_frame.query.ref})
            table = last if table is None else table.merge(last, on="series", how="outer")
        return table if table is not None else pd.DataFrame()
    last = latest_by_series(frame.tidy)
    return last.drop(columns=["x"], errors="ignore")


def header(column: str) -> str:
    return str(column).replace("_", " ")


@dataclass
class TableRows:
    """What a table panel shows: `shown` has each column's values (plus `<col>__text`, the
    formatted text, and `<col>__color` where the panel says so), `defs` AG Grid's column
    definitions, `units` the unit of each formatted column."""

    shown: pd.DataFrame
    defs: list[dict]
    units: dict[str, str]


def table_rows(data: PanelData) -> TableRows:
    panel = data.panel
    rows = _rows(data)
    columns = panel.options.get("columns") or list(rows.columns)
    units = panel.options.get("units", {})
    colored = set(panel.options.get("color_columns", []))
    labels = panel.options.get("labels", {})
    shown = pd.DataFrame()
    defs = []
    formatted = {}
    for column in columns:
        if column not in rows:
            continue
        values = rows[column]
        unit = units.get(column)
        if unit is None and pd.api.types.is_numeric_dtype(values) and column not in ("id",):
            unit = (
                panel.unit if column in colored or len(units) == 0 and column == "value" else None
            )
        shown[column] = readable_times(values)
        definition = {
            "field": column,
            "headerName": labels.get(column, header(column)),
            "sortable": True,
            "filter": True,
            "resizable": True,
        }
        if unit is not None and pd.api.types.is_numeric_dtype(values):
            formatted[column] = unit
            shown[f"{column}__text"] = [format_value(v, unit, panel.decimals) for v in values]
            definition["valueFormatter"] = {"function": f"params.data['{column}__text']"}
            definition["type"] = "rightAligned"
        if column in colored:
            shown[f"{column}__color"] = [
                color(threshold_color(v, panel.thresholds, "inherit")) for v in values
            ]
            definition["cellStyle"] = {
                "function": f"({{color: params.data['{column}__color'], fontWeight: 600}})"
            }
        defs.append(definition)
    sort = panel.options.get("sort")
    if sort and sort.lstrip("-") in shown:
        shown = shown.sort_values(sort.lstrip("-"), ascending=not sort.startswith("-"))
    return TableRows(shown.head(int(panel.options.get("limit", 500))), defs, formatted)


def table(data: PanelData):
    rows = table_rows(data)
    return dag.AgGrid(
        rowData=rows.shown.to_dict("records"),
        columnDefs=rows.defs,
        defaultColDef={"flex": 1, "minWidth": 90},
        dashGridOptions={"domLayout": "normal", "animateRows": False},
        style={"height": f"{data.panel.height}px"},
        className="ag-theme-alpine",
    )

"""Table: the query's rows (SQL as returned; PromQL a row per series with its labels and latest
value, one value column per query when there are several), sortable and filterable on the page.

Options: `columns` (which, in order), `labels` (header per column), `units` (unit per column),
`color_columns` (coloured by the thresholds), `sort` (a column; `-name` descending), `limit`.
The PDF prints it as a table; its image is a table too.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from html import escape

import dash_ag_grid as dag
import pandas as pd
from dash import html
from pydantic import Field

from data.panel_data import PanelData
from panels.figures import table_figure
from panels.kind import Context, Model, Options, PanelType, Rows
from panels.numbers import latest_by_series
from panels.theme import TEXT, color, text_color
from panels.units import cell_text, format_value, headed, threshold_color

TIME_FORMAT = "%Y-%m-%d %H:%M"
_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")


class TableOptions(Options):
    columns: list[str] = []
    labels: dict[str, str] = {}
    units: dict[str, str] = {}
    color_columns: list[str] = []
    sort: str | None = None
    limit: int = Field(default=500, ge=1, le=10_000)


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


def identifier(column: str) -> bool:
    """A column that names a row rather than counts: its numbers as they are (2026, not 2,026)."""
    name = str(column).lower()
    return name in ("id", "year") or name.endswith("_id")


def header(column: str) -> str:
    return str(column).replace("_", " ")


@dataclass
class Column:
    field: str
    header: str
    unit: str | None  # formatted in this unit, right-aligned: every number but an identifier
    colored: bool


@dataclass
class TableModel(Model):
    columns: list[Column]
    frame: pd.DataFrame  # the values shown (times readable), in the panel's order

    def text(self, column: Column, value) -> str:
        if column.unit is None or value is None or (isinstance(value, float) and math.isnan(value)):
            return cell_text(value)
        return format_value(value, column.unit, self.panel.decimals)

    def tint(self, column: Column, value) -> str | None:
        if not column.colored:
            return None
        return color(threshold_color(value, self.panel.thresholds, "inherit"))


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
    return latest_by_series(frame.tidy).drop(columns=["x"], errors="ignore")


def build(data: PanelData, _context: Context) -> TableModel:
    panel, options = data.panel, data.panel.options
    raw = _rows(data)
    if options.sort and options.sort.lstrip("-") in raw:
        raw = raw.sort_values(options.sort.lstrip("-"), ascending=not options.sort.startswith("-"))
    raw = raw.head(options.limit)
    colored = set(options.color_columns)
    columns, shown = [], pd.DataFrame(index=range(len(raw)))
    for name in options.columns or list(raw.columns):
        if name not in raw:
            continue
        values = raw[name].reset_index(drop=True)
        numeric = pd.api.types.is_numeric_dtype(values)
        unit = options.units.get(name)
        if unit is None and numeric and not identifier(name):
            # A count in full, with its thousands (15,000); the panel's unit for its value.
            unit = (
                panel.unit if name in colored or (not options.units and name == "value") else "none"
            )
        columns.append(
            Column(
                str(name),
                options.labels.get(name, header(name)),
                unit if numeric else None,
                name in colored,
            )
        )
        shown[str(name)] = readable_times(values)
    return TableModel(panel, data.slug, data.time_range, columns, shown)


# The grid's 14 px text, its cells' 12 px padding (assets/tables.css); a header has its icons.
CHAR_PX, CELL_PAD, HEADER_PAD = 8.2, 30, 48
MAX_WIDTH = 320  # px: a column of longer texts wraps them
MIN_TEXT = 140  # px: a text column narrows to this, wrapping, before the table scrolls sideways
MAX_PINNED = 220  # px: the first column, pinned, leaves a phone's card room for the others
ROW_PX, HEADER_PX = 34, 38  # a row and a one-line header (assets/tables.css), Grafana's density
SIDEWAYS_PX = 20  # a sideways scroll bar's height, when the card is narrower than the table


def column_width(header: str, texts: list[str]) -> int:
    """A column's px: as wide as its header or its widest text (of the rows shown first), so
    nothing that fits is cut, at most MAX_WIDTH."""
    widest = max((len(t) for t in texts), default=0)
    words = max((len(w) for w in header.split()), default=0)
    # A header of more than a dozen characters wraps at its words rather than widen it.
    head = (len(header) if len(header) <= 12 else words) * CHAR_PX + HEADER_PAD
    return int(min(max(head, widest * CHAR_PX + CELL_PAD), MAX_WIDTH))


def _definition(column: Column, texts: list[str]) -> dict:
    """A column as wide as its contents, sharing the room left by its width. When the card is
    narrower, texts wrap down to MIN_TEXT first; numbers keep their width (never "15,00")."""
    width = column_width(column.header, texts)
    definition = {
        "field": column.field,
        "headerName": column.header,
        "sortable": True,
        "filter": True,
        "resizable": True,
        "width": width,
        "flex": width,
        "minWidth": width,
    }
    if column.unit is None:
        definition["tooltipField"] = column.field  # a cut text says all of itself
        if width > MIN_TEXT:
            definition.update(minWidth=MIN_TEXT, wrapText=True, autoHeight=True)
    else:
        definition["valueFormatter"] = {"function": f"params.data['{column.field}__text']"}
        definition["type"] = "rightAligned"
    if column.colored:
        definition["cellStyle"] = {
            "function": f"({{color: params.data['{column.field}__color'], fontWeight: 600}})"
        }
    return definition


def _records(model: TableModel) -> list[dict]:
    """The rows as the grid gets them: each value, and beside it its text in its unit and its
    threshold colour, so the page sorts by value and shows what the export prints."""
    records = []
    for raw in model.frame.to_dict("records"):
        record = dict(raw)
        for column in model.columns:
            if column.unit is not None:
                record[f"{column.field}__text"] = model.text(column, raw[column.field])
            if column.colored:
                record[f"{column.field}__color"] = text_color(model.tint(column, raw[column.field]))
        records.append(record)
    return records


def card(model: TableModel) -> html.Div:
    records = _records(model)
    sample = records[:200]
    defs = []
    for column in model.columns:
        key = f"{column.field}__text" if column.unit is not None else column.field
        defs.append(_definition(column, [str(r.get(key) or "") for r in sample]))
    if len(defs) > 1:
        # The first column names the row: it stays in sight while the others scroll sideways
        # under it (a phone, a third of a page), at most MAX_PINNED wide, wrapping past that.
        first = defs[0]
        for option in ("flex", "minWidth"):
            first.pop(option)
        if first["width"] > MAX_PINNED:
            first.update(width=MAX_PINNED, wrapText=True, autoHeight=True)
        first["pinned"] = "left"
    height = model.panel.height
    grid = dag.AgGrid(
        rowData=records,
        columnDefs=defs,
        # Columns as wide as their contents (column_width; the table scrolls sideways in its
        # card when they need more than it has): "revenue i..." and "audio-enhan..." cut what
        # matters, and a grid's own autoSize measured before the card had its width.
        defaultColDef={"wrapHeaderText": True, "autoHeaderHeight": True},
        dashGridOptions={
            "domLayout": "normal",
            "animateRows": False,
            "tooltipShowDelay": 300,
            "rowHeight": ROW_PX,
        },
        style={"height": "auto"},
        className="ag-theme-alpine table-grid",
    )
    parts = [grid]
    if HEADER_PX + ROW_PX * len(records) > height - SIDEWAYS_PX:
        # Overlay scroll bars (phones, macOS) show nothing until touched: rows that may be
        # below the card's edge are said in words.
        parts.append(html.Div(f"{len(records):,} rows, scroll for more", className="table-more"))
    return html.Div(
        parts,
        className="table-panel",
        style={"height": f"{height}px"},
        role="region",
        **{"aria-label": summary(model)},
    )


def summary(model: TableModel) -> str:
    names = ", ".join(c.header for c in model.columns)
    return f"{model.panel.title}, {model.span}: {len(model.frame):,} rows of {names}"


def rows(model: TableModel) -> Rows:
    frame, units, colors = pd.DataFrame(), {}, {}
    for column in model.columns:
        name = headed(column.header, column.unit)
        frame[name] = model.frame[column.field]
        if column.unit is not None:
            units[name] = column.unit
        if column.colored:
            colors[name] = [model.tint(column, v) for v in model.frame[column.field]]
    return Rows(frame, units, colors)


def figure(model: TableModel) -> dict:
    """A table trace with the panel's columns, formatted values and threshold colours."""
    headers, cells, aligns, colors = [], [], [], []
    for column in model.columns:
        values = model.frame[column.field]
        headers.append(escape(column.header))
        cells.append([escape(model.text(column, v)) for v in values])
        aligns.append("right" if column.unit is not None else "left")
        tints = [model.tint(column, v) for v in values] if column.colored else None
        colors.append([TEXT if t in (None, "inherit") else t for t in tints] if tints else TEXT)
    return table_figure(model.panel, headers, cells, aligns, colors)


KIND = PanelType(
    "table", TableOptions, build, summary, card=card, rows=rows, figure=figure, pdf=rows
)

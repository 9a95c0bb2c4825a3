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
from panels.units import format_value, headed, threshold_color

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


def header(column: str) -> str:
    return str(column).replace("_", " ")


@dataclass
class Column:
    field: str
    header: str
    unit: str | None  # formatted in this unit, right-aligned
    colored: bool


@dataclass
class TableModel(Model):
    columns: list[Column]
    frame: pd.DataFrame  # the values shown (times readable), in the panel's order

    def text(self, column: Column, value) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return ""
        if column.unit is not None:
            return format_value(value, column.unit, self.panel.decimals)
        if isinstance(value, float):
            return str(int(value)) if value.is_integer() else f"{value:.4g}"
        return str(value)

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
        if (
            unit is None
            and numeric
            and name != "id"
            and (name in colored or (not options.units and name == "value"))
        ):
            unit = panel.unit
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


CHAR_PX, CELL_PAD, HEADER_PAD = 8.2, 36, 58  # Alpine's 14 px text; a header has its icons
LONG_TEXT = 28  # characters: a column this wide takes the room left and wraps
MIN_LONG, MAX_WIDTH = 170, 320  # px


def column_width(header: str, texts: list[str]) -> tuple[int, bool]:
    """(px, long) for a column: as wide as its header or its widest text (of the rows shown
    first), so nothing that fits is cut; a long text column is `long`: it fills the card's
    room left, at least MIN_LONG px, and wraps its text onto more lines."""
    widest = max((len(t) for t in texts), default=0)
    words = max((len(w) for w in header.split()), default=0)
    # A header of more than a dozen characters wraps onto two lines rather than widen it.
    head = max(words, min(len(header), 12)) * CHAR_PX + HEADER_PAD
    width = max(head, widest * CHAR_PX + CELL_PAD)
    return int(min(width, MAX_WIDTH)), widest > LONG_TEXT


def card(model: TableModel) -> html.Div:
    records = []
    for raw in model.frame.to_dict("records"):
        record = dict(raw)
        for column in model.columns:
            if column.unit is not None:
                record[f"{column.field}__text"] = model.text(column, raw[column.field])
            if column.colored:
                record[f"{column.field}__color"] = text_color(model.tint(column, raw[column.field]))
        records.append(record)
    defs = []
    # What matters most stays in sight when the card is narrower than the table (a phone, a
    # third of a page): the coloured columns, or else the last one in a unit, pinned right.
    pinned = {c.field for c in model.columns if c.colored}
    if not pinned and (numbers := [c.field for c in model.columns if c.unit is not None]):
        pinned = {numbers[-1]}
    pinned = pinned if len(model.columns) >= 4 else set()
    sample = records[:200]
    for column in model.columns:
        key = f"{column.field}__text" if column.unit is not None else column.field
        texts = [str(r.get(key) or "") for r in sample]
        width, long = column_width(column.header, texts)
        definition = {
            "field": column.field,
            "headerName": column.header,
            "sortable": True,
            "filter": True,
            "resizable": True,
            "width": width,
        }
        if long:
            definition.update(flex=1, minWidth=MIN_LONG, wrapText=True, autoHeight=True)
        if column.field in pinned:
            definition["pinned"] = "right"
        if column.unit is None:
            definition["tooltipField"] = column.field  # a long text says all of itself
        else:
            definition["valueFormatter"] = {"function": f"params.data['{column.field}__text']"}
            definition["type"] = "rightAligned"
        if column.colored:
            definition["cellStyle"] = {
                "function": f"({{color: params.data['{column.field}__color'], fontWeight: 600}})"
            }
        defs.append(definition)
    loose = [d for d in defs if "pinned" not in d]
    if loose and not any("flex" in d for d in defs):
        # The last column takes the room left, so a pinned column sits next to it, not apart.
        loose[-1].update(flex=1, minWidth=loose[-1]["width"])
    grid = dag.AgGrid(
        rowData=records,
        columnDefs=defs,
        # Columns as wide as their contents (column_width; the table scrolls sideways in its
        # card when they need more than it has): "revenue i..." and "audio-enhan..." cut what
        # matters, and a grid's own autoSize measured before the card had its width.
        defaultColDef={"wrapHeaderText": True, "autoHeaderHeight": True},
        dashGridOptions={"domLayout": "normal", "animateRows": False, "tooltipShowDelay": 300},
        style={"height": f"{model.panel.height}px"},
        className="ag-theme-alpine",
    )
    return html.Div(grid, role="region", **{"aria-label": summary(model)})


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

"""Heatmap: x by y coloured by value. Prometheus histogram buckets over time (rows are `le`,
cumulative buckets turned into per-bucket counts), or any category by category from SQL.

Options: `y` (the SQL column of the rows), `y_order` (their order), `colorscale`.
A click means the clicked row (category) and column (series).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.drilldown import Clicked, text_of
from data.panel_data import PanelData
from data.spec import Panel
from data.timerange import QueryWindow
from panels.figures import escaped_figure
from panels.kind import Context, Model, PanelType, Rows, ScaledOptions
from panels.theme import base_layout, colorscale
from panels.units import format_value, headed


class HeatmapOptions(ScaledOptions):
    y: str | None = None
    y_order: list[str] = []


@dataclass
class HeatmapModel(Model):
    columns: list[str]
    rows: list[str]
    z: np.ndarray  # rows x columns
    column_name: str
    row_name: str


def _grid(data: PanelData) -> tuple[pd.DataFrame, str, str]:
    panel, frame = data.panel, data.frames[0]
    if frame.query.expr:
        tidy = frame.tidy
        rows = "le" if "le" in tidy else "series"
        grid = tidy.pivot_table(index=rows, columns="x", values="value", aggfunc="sum")
        if rows == "le":
            grid = grid.loc[sorted(grid.index, key=lambda v: float(v))]
            grid = grid.diff().fillna(grid)  # cumulative buckets -> per-bucket counts
        return grid, "time", rows
    raw = frame.raw
    x_col = frame.query.x or raw.columns[0]
    y_col = panel.options.y or raw.columns[1]
    v_col = frame.query.y_columns[0] if frame.query.y_columns else raw.columns[2]
    grid = raw.pivot_table(index=y_col, columns=x_col, values=v_col, aggfunc="sum")
    if panel.options.y_order:
        grid = grid.reindex([o for o in panel.options.y_order if o in grid.index])
    return grid, str(x_col), str(y_col)


def build(data: PanelData, _context: Context) -> HeatmapModel:
    grid, column_name, row_name = _grid(data)
    columns = [c.isoformat() if isinstance(c, pd.Timestamp) else str(c) for c in grid.columns]
    return HeatmapModel(
        data.panel,
        data.slug,
        data.time_range,
        columns,
        [str(i) for i in grid.index],
        grid.to_numpy(dtype=float),
        column_name,
        row_name,
    )


def figure(model: HeatmapModel) -> dict:
    panel = model.panel
    trace = {
        "type": "heatmap",
        "z": np.where(np.isnan(model.z), None, model.z).tolist(),
        "x": model.columns,
        "y": model.rows,
        "colorscale": colorscale(panel.options.colorscale),
        "hovertemplate": "%{y} · %{x}: %{z}<extra></extra>",
    }
    layout = base_layout(panel.height)
    layout["hovermode"] = "closest"
    layout["yaxis"] = {"type": "category", "automargin": True}
    layout["xaxis"] = {"type": "category", "automargin": True}
    return escaped_figure([trace], layout)


def summary(model: HeatmapModel) -> str:
    panel = model.panel
    if not model.z.size or np.isnan(model.z).all():
        return f"{panel.title}, {model.span}: no data"
    row, column = np.unravel_index(np.nanargmax(model.z), model.z.shape)
    top = format_value(float(model.z[row, column]), panel.unit, panel.decimals)
    return (
        f"{panel.title}, {model.span}: {len(model.rows)} rows by {len(model.columns)} "
        f"columns; highest {model.rows[row]} at {model.columns[column]}, {top}"
    )


def rows(model: HeatmapModel) -> Rows:
    """A row per cell the chart colours: its row, its column, its value."""
    value = headed("value", model.panel.unit)
    records = [
        (r, c, model.z[i, j])
        for i, r in enumerate(model.rows)
        for j, c in enumerate(model.columns)
        if not np.isnan(model.z[i, j])
    ]
    frame = pd.DataFrame(records, columns=[model.row_name, model.column_name, value])
    return Rows(frame, {value: model.panel.unit})


def click(_panel: Panel, point: dict, _window: QueryWindow) -> Clicked:
    return Clicked(category=text_of(point.get("y")), series=text_of(point.get("x")))


KIND = PanelType("heatmap", HeatmapOptions, build, summary, rows=rows, figure=figure, click=click)

"""Lint rules on panels as drawn from their data: what the figure and the rows of the panel's
display model show (panels/<type>.py), the same way for every type, then what a type checks of
itself (`PanelType.lint`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from data.panel_data import PanelData
from lint import Finding
from panels import panel_type
from panels.checks import same_colour
from panels.kind import Flag, Model
from panels.units import format_value


def legend_colors(figure: dict) -> dict[str, str]:
    """The colour of each legend entry (not a series' dotted or dashed companions, which share
    its colour: the earlier period, the forecast, the trend; nor threshold lines)."""
    colors: dict[str, str] = {}
    for trace in figure.get("data", []):
        marker = trace.get("marker") or {}
        line = trace.get("line") or {}
        if trace.get("showlegend") is False or line.get("dash", "solid") != "solid":
            continue
        tint = line.get("color") or marker.get("color")
        if trace.get("name") and isinstance(tint, str):
            colors[str(trace["name"])] = tint
    return colors


def _numbers(frame: pd.DataFrame, column) -> np.ndarray:
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    return values[~np.isnan(values)]


def scale_flags(model: Model) -> list[Flag]:
    """What the numbers it shows (its rows) say of its scale: percent on a 0-1 unit, a value
    past the panel's `max` (off a dial, past a bar's end, above an axis)."""
    kind, panel = panel_type(model.panel.type), model.panel
    if kind.rows is None:
        return []
    rows = kind.rows(model)
    found = []
    for column, unit in rows.units.items():
        values = _numbers(rows.frame, column)
        if not len(values):
            continue
        top = values.max()
        if unit == "percentunit" and top > 1.0001:
            found.append((
                "percent-scale",
                f"{column!r} reaches {top:g} on a 0-1 scale ({format_value(top, unit)}): the "
                "query returns percent, so make the unit percent, or divide by 100",
            ))  # fmt: skip
        if panel.max is not None and unit == panel.unit and top > panel.max:
            found.append((
                "over-max",
                f"reads {format_value(top, unit, panel.decimals)} on a scale that ends at "
                f"{format_value(panel.max, unit, panel.decimals)}: raise max, or show the value "
                "as a share of its target",
            ))  # fmt: skip
    return found


def drawn_flags(data: PanelData, model: Model) -> list[Flag]:
    """Every rule on a panel as drawn."""
    kind = panel_type(model.panel.type)
    found = scale_flags(model)
    if kind.figure is not None:
        found += same_colour(legend_colors(kind.figure(model)))
    if kind.lint is not None:
        found += kind.lint(model, data)
    return found


def panel_findings(slug: str, data: PanelData, model: Model) -> list[Finding]:
    return [Finding(slug, data.panel.id, rule, text) for rule, text in drawn_flags(data, model)]

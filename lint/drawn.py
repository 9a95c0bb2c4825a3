"""Lint rules on panels as drawn from their data: what the figure and the rows of the panel's
display model show (panels/<type>.py), so every type is checked the same way."""

from __future__ import annotations

import numpy as np
import pandas as pd

from data.panel_data import PanelData
from data.spec import Panel
from lint import Finding
from panels import panel_type
from panels.kind import Model
from panels.units import format_value


def legend_colors(figure: dict) -> dict[str, str]:
    """The colour of each series a reader tells apart by colour: legend entries and pie slices
    (not the dotted earlier period, which shares its series' colour, nor threshold lines)."""
    colors: dict[str, str] = {}
    for trace in figure.get("data", []):
        marker = trace.get("marker") or {}
        if trace.get("type") == "pie":
            labels = [str(v) for v in trace.get("labels", [])]
            colors.update(zip(labels, marker.get("colors", []), strict=False))
            continue
        line = trace.get("line") or {}
        if trace.get("showlegend") is False or line.get("dash") in ("dot", "dash"):
            continue
        tint = line.get("color") or marker.get("color")
        if trace.get("name") and isinstance(tint, str):
            colors[str(trace["name"])] = tint
    return colors


def color_findings(slug: str, panel: Panel, figure: dict) -> list[Finding]:
    by_color: dict[str, list[str]] = {}
    for name, tint in legend_colors(figure).items():
        by_color.setdefault(tint.lower(), []).append(name)
    return [
        Finding(
            slug,
            panel.id,
            "same-colour",
            f"{' and '.join(repr(n) for n in names)} are drawn in one colour ({tint}): give the "
            "series fewer than twelve values, or split the panel",
        )
        for tint, names in by_color.items()
        if len(names) > 1
    ]


def comparison_findings(slug: str, data: PanelData, figure: dict) -> list[Finding]:
    """A time series with a `compare` draws the earlier period dotted; one that read an earlier
    period and drew none promises a comparison the reader cannot see (SQL's text dates were
    dropped that way). An earlier period with no data has nothing to draw."""
    panel = data.panel
    if panel.type != "timeseries" or not panel.compare:
        return []
    if all(frame.tidy.empty for frame in data.previous):
        return []
    dotted = [t for t in figure.get("data", []) if (t.get("line") or {}).get("dash") == "dot"]
    if dotted:
        return []
    return [
        Finding(
            slug,
            panel.id,
            "comparison-not-drawn",
            f"compare {panel.compare} read the earlier period but drew none: its x column "
            "must be times (or dates as text) for the period to move onto this one",
        )
    ]


def _numbers(frame: pd.DataFrame, column) -> np.ndarray:
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    return values[~np.isnan(values)]


def scale_findings(slug: str, panel: Panel, model: Model) -> list[Finding]:
    kind = panel_type(panel.type)
    if kind.rows is None:
        return []
    rows = kind.rows(model)
    found = []
    for column, unit in rows.units.items():
        values = _numbers(rows.frame, column)
        if unit == "percentunit" and len(values) and values.max() > 1.0001:
            found.append(
                Finding(
                    slug,
                    panel.id,
                    "percent-scale",
                    f"{column!r} reaches {values.max():g} on a 0-1 scale "
                    f"({format_value(values.max(), unit)}): the query returns percent, so make "
                    "the unit percent, or divide by 100",
                )
            )
        if panel.type in ("gauge", "bargauge") and panel.max is not None and len(values):
            top = values.max()
            if top > panel.max:
                found.append(
                    Finding(
                        slug,
                        panel.id,
                        "gauge-over-max",
                        f"reads {format_value(top, panel.unit, panel.decimals)} on a dial that "
                        f"ends at {format_value(panel.max, panel.unit, panel.decimals)}: raise "
                        "max, or show the value as a share of its target",
                    )
                )
    return found

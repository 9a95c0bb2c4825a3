"""A legend as a table of values, Grafana's "legend as table": a row per series with its colour,
its name and its last, mean and max in the panel's unit. A chart with many series shows it under
the plot instead of a legend box, which would hide the series past its height behind a scroll
bar; every series keeps its row. On a narrow card (a phone) the mean gives way to the names."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from dash import html

from data.spec import Panel
from panels.kind import Rows
from panels.theme import css_color
from panels.units import format_value, headed

COLUMNS = ("Last", "Mean", "Max")


@dataclass(frozen=True)
class LegendRow:
    name: str
    color: str
    dotted: bool  # an earlier period, drawn dotted
    last: float | None
    mean: float | None
    max: float | None


def legend_rows(series: Iterable[tuple[str, str, bool, np.ndarray]]) -> list[LegendRow]:
    """A row per (name, colour, dotted, values): the values' last, mean and max, NaN skipped."""
    rows = []
    for name, tint, dotted, values in series:
        present = np.asarray(values, dtype=float)
        present = present[~np.isnan(present)]
        if present.size:
            figures = (float(present[-1]), float(present.mean()), float(present.max()))
        else:
            figures = (None, None, None)
        rows.append(LegendRow(name, tint, dotted, *figures))
    return rows


def legend_table(rows: list[LegendRow], panel: Panel, caption: str) -> html.Div:
    head = html.Thead(
        html.Tr(
            [html.Th("Series", scope="col")]
            + [html.Th(c, scope="col", className=f"num col-{c.lower()}") for c in COLUMNS]
        )
    )
    body = []
    for row in rows:
        tint = css_color(row.color)  # the chart's colour in either theme
        style = {"borderTopColor": tint} if row.dotted else {"background": tint}
        swatch = html.Span(className="legend-swatch" + (" dotted" if row.dotted else ""),
                           style=style)  # fmt: skip
        cells = [html.Td([swatch, row.name], className="legend-name", title=row.name)]
        cells += [
            html.Td(format_value(v, panel.unit, panel.decimals), className=f"num col-{c.lower()}")
            for c, v in zip(COLUMNS, (row.last, row.mean, row.max), strict=True)
        ]
        body.append(html.Tr(cells))
    table = html.Table(
        [html.Caption(caption, className="visually-hidden"), head, html.Tbody(body)],
        className="legend-table",
    )
    return html.Div(table, className="legend-table-wrap")


def legend_frame(rows: list[LegendRow], panel: Panel) -> Rows:
    """The legend table as rows (the PDF report prints it under the chart), each name in its
    series' colour."""
    numbers = {headed(c, panel.unit): [getattr(row, c.lower()) for row in rows] for c in COLUMNS}
    frame = pd.DataFrame({"Series": [row.name for row in rows], **numbers})
    colors = {"Series": [row.color for row in rows]}
    return Rows(frame, {column: panel.unit for column in numbers}, colors)

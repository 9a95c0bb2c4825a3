"""KPI card: a stat (panels/stat.py) that always has its sparkline, and may have a `target`: the
card shows the share of it reached (115 % reads 115 %; the bar stops full).

Options: `reduce`, `lower_is_better` as for a stat; `target` (a number in the panel's unit).
"""

from __future__ import annotations

from typing import Literal

from data.panel_data import PanelData
from panels import stat
from panels.kind import Context, Options, PanelType
from panels.numbers import REDUCERS


class KpiOptions(Options):
    reduce: Literal[REDUCERS] = "last"  # type: ignore[valid-type]
    lower_is_better: bool = False
    target: float | None = None


def build(data: PanelData, _context: Context) -> stat.ValueModel:
    options: KpiOptions = data.panel.options
    model = stat.build_value(data, options.reduce, options.lower_is_better, spark=True)
    model.target = stat.target_of(model, options.target)
    return model


KIND = PanelType(
    "kpi",
    KpiOptions,
    build,
    stat.summary,
    card=stat.card,
    rows=stat.rows,
    figure=stat.figure,
    compares=True,
)

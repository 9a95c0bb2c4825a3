"""KPI card: a stat (panels/stat.py) that always has its sparkline, and may have a target: the
card shows the share of it reached (115 % reads 115 %; the bar stops full).

Options: `reduce`, `lower_is_better` as for a stat; the target, a number in the panel's unit
(`target`) or the value of another of its queries, reduced the same way (`target_query`: its
`ref`, so a target kept beside the data follows it); `target_text`, how the card says it, with
`{share}` and `{target}` (default "{share} of target {target}": "115% of target 6K");
`analytics: {forecast: {to: month}}`: the forecast to the end of the month against the
target query over the whole month, "on track" or "at risk" (panels/outlook.py).
"""

from __future__ import annotations

from functools import partial
from string import Formatter
from typing import Literal

from pydantic import field_validator

from analytics.options import AnalyticsOptions
from data.errors import DataSourceError, ErrorKind
from data.panel_data import PanelData, QueryFrame
from data.spec import Panel
from panels import stat
from panels.analysed import history_of
from panels.kind import Context, Options, PanelType
from panels.numbers import REDUCERS, reduce_value
from panels.outlook import outlook


class KpiOptions(Options):
    reduce: Literal[REDUCERS] = "last"  # type: ignore[valid-type]
    lower_is_better: bool = False
    target: float | None = None
    target_query: str | None = None
    target_text: str = "{share} of target {target}"
    analytics: AnalyticsOptions | None = None

    _forecast = field_validator("analytics")(stat.forecast_only)

    @field_validator("target_text")
    @classmethod
    def _words(cls, value: str) -> str:
        try:
            fields = {name for _text, name, _spec, _conv in Formatter().parse(value) if name}
        except ValueError as exc:
            raise ValueError(f"{exc}: write {{share}} and {{target}} where they go") from None
        if fields - {"share", "target"}:
            raise ValueError(f"may name only {{share}} and {{target}}, not {sorted(fields)}")
        return value


def _target(panel: Panel, frames: list[QueryFrame]) -> float | None:
    """The target from the panel's `frames` (over its range, or over a forecast's period)."""
    options: KpiOptions = panel.options
    if options.target_query is None:
        return options.target
    mine = [f for f in frames if f.query.ref == options.target_query]
    if not mine:
        raise DataSourceError(
            f"target_query {options.target_query!r} names no query of the panel: give one of "
            "its queries that ref",
            datasource=panel.datasource,
            kind=ErrorKind.CONFIG,
        )
    return reduce_value(mine, options.reduce)


def build(data: PanelData, context: Context) -> stat.ValueModel:
    options: KpiOptions = data.panel.options
    model = stat.build_value(data, options.reduce, options.lower_is_better, spark=True)
    model.target = stat.target_of(model, _target(data.panel, data.frames), options.target_text)
    goal = model.target.value if model.target is not None else None
    model.outlook = outlook(data, context, options.reduce, options.lower_is_better,
                            partial(_target, data.panel), goal)  # fmt: skip
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
    history=history_of,
)

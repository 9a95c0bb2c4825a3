"""Experiment: an A/B test's variants from a SQL query (a row per variant: its visitors and
conversions), each variant's conversion rate, its difference from the control with a confidence
interval, the p-value, the observed power, and a verdict in words ("B beats A by 1.8 pp, 95 % CI
0.6-3.0 pp, significant" or "not yet: B vs A needs ~12,000 more visitors per variant");
analytics.experiment says how, and what each method assumes.

Options: `variant`, `visitors`, `conversions` (the query's columns), `control` (the variant the
others are compared with; default the first row), `method` (`fixed`: the z-test, read once at a
planned size; `sequential`: valid at every refresh), `confidence`, `power`, `minimum_effect` (a
rate: 0.005 is 0.5 pp; the smallest difference worth finding).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from textwrap import wrap
from typing import Literal

import pandas as pd
from pydantic import Field

from analytics.experiment import Comparison, Experiment, Variant, compare
from data.panel_data import PanelData
from panels.figures import escaped_figure, text_note
from panels.kind import Context, Model, Options, PanelType, Rows
from panels.theme import BAD, MUTED, OK, PALETTE, base_layout
from panels.units import headed

RATE = headed("rate", "percent")
WRAP = 38  # characters a line of the verdict holds on a phone (340 px, bold 13 px)
COLUMNS = ["variant", "visitors", "conversions", RATE, "difference (pp)", "CI low (pp)",
           "CI high (pp)", "p-value", "power (%)", "more visitors needed", "verdict"]  # fmt: skip


class ExperimentOptions(Options):
    variant: str = "variant"
    visitors: str = "visitors"
    conversions: str = "conversions"
    control: str | None = None
    method: Literal["fixed", "sequential"] = "fixed"
    confidence: float = Field(default=0.95, ge=0.8, le=0.999)
    power: float = Field(default=0.8, ge=0.5, le=0.99)
    minimum_effect: float | None = Field(default=None, gt=0, lt=1)


@dataclass
class ExperimentModel(Model):
    experiment: Experiment

    @property
    def mood(self) -> str:
        """good: a variant significantly beats the control; bad: one trails it; flat: neither."""
        found = [c for c in self.experiment.comparisons if c.significant]
        if any(c.difference > 0 for c in found):
            return "good"
        return "bad" if found else "flat"


def build(data: PanelData, _context: Context) -> ExperimentModel:
    options: ExperimentOptions = data.panel.options
    raw = data.frames[0].raw
    missing = [c for c in (options.variant, options.visitors, options.conversions)
               if c not in raw.columns]  # fmt: skip
    if missing:
        variants = []
        reason = (
            f"the query has no column {', '.join(missing)} (it returns {', '.join(raw.columns)})"
        )
    else:
        # A variant without a count (NULL) has none: it says "no visitors yet", not an error.
        visitors, conversions = (
            pd.to_numeric(raw[c], errors="coerce").fillna(0).astype(int)
            for c in (options.visitors, options.conversions)
        )
        variants = [
            Variant(str(name), int(v), int(c))
            for name, v, c in zip(raw[options.variant], visitors, conversions, strict=True)
        ]
        reason = None
    found = compare(
        variants,
        options.control,
        confidence=options.confidence,
        power=options.power,
        method=options.method,
        minimum_effect=options.minimum_effect,
    )
    if reason:
        found = Experiment(variants, [], options.method, options.confidence, reason)
    return ExperimentModel(data.panel, data.slug, data.time_range, found)


def _pp(value: float) -> float:
    return round(value * 100, 3)


def _stats(c: Comparison) -> str:
    power = "" if math.isnan(c.power) else f" · observed power {c.power * 100:.0f}\u00a0%"
    return f"{c.variant.name} vs {c.control.name}: p = {c.p_value:.3g}{power}"


def figure(model: ExperimentModel) -> dict:
    """Each variant's rate as a bar (left); each difference from the control with its interval
    against zero (right); the verdict above."""
    found = model.experiment
    layout = base_layout(model.panel.height)
    layout.update(hovermode="closest", showlegend=False)
    tint = {"good": OK, "bad": BAD, "flat": MUTED}[model.mood]
    # Wrapped by hand: plotly does not wrap, and a phone's panel is 340 px wide.
    verdict = [escape(line) for line in wrap(found.verdict, WRAP)]
    stats = [escape(line) for line in wrap(" · ".join(_stats(c) for c in found.comparisons), WRAP)]
    layout["margin"] = {"l": 48, "r": 12, "t": 16 + 17 * len(verdict) + 15 * len(stats), "b": 32}
    layout["annotations"] = [
        {**text_note("<br>".join(stats), 0.5, 1, 11, MUTED), "yanchor": "bottom", "yshift": 6},
        {
            **text_note(f"<b>{'<br>'.join(verdict)}</b>", 0.5, 1, 13, tint),
            "yanchor": "bottom",
            "yshift": 10 + 15 * len(stats),
        },
    ]
    variants = found.variants
    by_name = {c.variant.name: c for c in found.comparisons}
    traces = [
        {
            "type": "bar",
            "x": [v.name for v in variants],
            "y": [_rate(v) for v in variants],
            "text": [f"{_rate(v):.2f}%" for v in variants],
            "textposition": "auto",
            "marker": {"color": [PALETTE[i % len(PALETTE)] for i in range(len(variants))]},
            "customdata": [[v.visitors, v.conversions] for v in variants],
            "hovertemplate": "%{x}: %{y:.2f}% (%{customdata[1]:,} of %{customdata[0]:,} "
            "visitors)<extra></extra>",
        }
    ]
    compared = [v for v in variants if v.name in by_name]
    if compared:
        points = [by_name[v.name] for v in compared]
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": [_pp(c.difference) for c in points],
                "y": [f"{c.variant.name} - {c.control.name}" for c in points],
                "error_x": {
                    "type": "data",
                    "symmetric": False,
                    "array": [_pp(c.high - c.difference) for c in points],
                    "arrayminus": [_pp(c.difference - c.low) for c in points],
                    "color": MUTED,
                },
                "customdata": [
                    [
                        _pp(c.low),
                        _pp(c.high),
                        c.p_value,
                        round(c.power * 100, 1) if not math.isnan(c.power) else None,
                        c.needed,
                        c.verdict,
                    ]
                    for c in points
                ],
                "marker": {"size": 10, "color": [OK if c.significant else MUTED for c in points]},
                "xaxis": "x2",
                "yaxis": "y2",
                "hovertemplate": "%{y}: %{x:.2f} pp (CI %{customdata[0]:.2f} to "
                "%{customdata[1]:.2f} pp), p = %{customdata[2]:.3g}<br>%{customdata[5]}"
                "<extra></extra>",
            }
        )
    layout["xaxis"] = {"domain": [0, 0.42], "type": "category"}
    layout["yaxis"] = {"ticksuffix": "%", "rangemode": "tozero", "title": {"text": "rate"}}
    layout["xaxis2"] = {"domain": [0.55, 1], "anchor": "y2", "ticksuffix": " pp",
                        "zeroline": True, "zerolinecolor": MUTED, "zerolinewidth": 1}  # fmt: skip
    layout["yaxis2"] = {"anchor": "x2", "type": "category", "automargin": True}
    return escaped_figure(traces, layout)


def _rate(variant: Variant) -> float:
    return round(variant.rate * 100, 3) if variant.visitors else 0.0


def rows(model: ExperimentModel) -> Rows:
    """A row per variant: its visitors, conversions and rate; against the control, the
    difference with its interval, the p-value, the power, what is still needed, the verdict."""
    found = model.experiment
    by_name = {c.variant.name: c for c in found.comparisons}
    records = []
    for v in found.variants:
        c = by_name.get(v.name)
        compared = (
            [_pp(c.difference), _pp(c.low), _pp(c.high), c.p_value,
             round(c.power * 100, 1) if not math.isnan(c.power) else None, c.needed, c.verdict]
            if c else [None] * 7
        )  # fmt: skip
        records.append([v.name, v.visitors, v.conversions, _rate(v), *compared])
    points = {column: "pp" for column in COLUMNS if column.endswith("(pp)")}
    units = {RATE: "percent", "power (%)": "percent", **points}
    return Rows(pd.DataFrame(records, columns=COLUMNS), units)


def summary(model: ExperimentModel) -> str:
    found = model.experiment
    rates = ", ".join(f"{v.name} {_rate(v):.2f}%" for v in found.variants)
    return f"{model.panel.title}, {model.span}: {rates}; {found.verdict}"


KIND = PanelType("experiment", ExperimentOptions, build, summary, rows=rows, figure=figure)

"""Histogram: how the values of the query's rows are distributed, in `bins` bins per series; or,
with `bucketed`, counts the query has bucketed already (x: the bucket, y: its count)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pydantic import Field

from data.panel_data import PanelData
from panels.axes import category_labels, chart_layout
from panels.figures import escaped_figure, typed
from panels.kind import Context, Model, Options, PanelType, Rows
from panels.theme import NEUTRAL, series_colors
from panels.units import axis_format, format_value, headed


class HistogramOptions(Options):
    bins: int = Field(default=30, ge=2, le=500)
    bucketed: bool = False


@dataclass
class HistogramModel(Model):
    samples: dict[str, np.ndarray]  # series -> values (or, bucketed, x -> count)
    buckets: list | None = None  # bucketed: the buckets, `samples[""]` their counts

    def bins(self) -> list[tuple[str, float, float, int]]:
        """(series, from, to, count) of each bin, as the chart draws them."""
        out = []
        for name, values in self.samples.items():
            finite = values[np.isfinite(values)]
            if not len(finite):
                continue
            counts, edges = np.histogram(finite, bins=self.panel.options.bins)
            out += [
                (name, float(lo), float(hi), int(n))
                for lo, hi, n in zip(edges[:-1], edges[1:], counts, strict=True)
            ]
        return out


def build(data: PanelData, _context: Context) -> HistogramModel:
    tidy, panel = data.tidy, data.panel
    if panel.options.bucketed:
        counts = pd.to_numeric(tidy["value"], errors="coerce").to_numpy(dtype=np.float64)
        return HistogramModel(
            panel, data.slug, data.time_range, {"": counts}, category_labels(tidy["x"])
        )
    samples = {
        str(name): pd.to_numeric(part["value"], errors="coerce").to_numpy(np.float64)
        for name, part in tidy.groupby("series", sort=False)
    }
    return HistogramModel(panel, data.slug, data.time_range, samples)


def figure(model: HistogramModel) -> dict:
    panel = model.panel
    if model.buckets is not None:
        traces = [
            {
                "type": "bar",
                "x": model.buckets,
                "y": model.samples[""].tolist(),
                "marker": {"color": NEUTRAL},
            }
        ]
    else:
        # Bars of the bins rows() counts (numpy's), not plotly's own binning: image and CSV agree.
        by_series: dict[str, list] = {}
        for name, low, high, count in model.bins():
            by_series.setdefault(name, []).append((low, high, count))
        tints = series_colors(by_series)
        traces = [
            {
                "type": "bar",
                "x": typed(np.array([(lo + hi) / 2 for lo, hi, _ in bins])),
                "width": typed(np.array([hi - lo for lo, hi, _ in bins])),
                "y": typed(np.array([n for _, _, n in bins], dtype=np.float64)),
                "name": name,
                "opacity": 0.8,
                "marker": {"color": tints[name]},
                # The bin's edges, as the CSV has them: 77.9 – 79.01: 12.
                "customdata": [
                    f"{format_value(lo, panel.unit, panel.decimals)} – "
                    f"{format_value(hi, panel.unit, panel.decimals)}"
                    for lo, hi, _ in bins
                ],
                "hovertemplate": "%{customdata}: %{y}<extra></extra>",
            }
            for name, bins in by_series.items()
        ]
    layout = chart_layout(panel, None, hovermode="closest", barmode="overlay", bargap=0)
    layout["xaxis"] = axis_format(panel.unit, panel.decimals)[0]
    return escaped_figure(traces, layout)


def summary(model: HistogramModel) -> str:
    panel = model.panel
    parts = []
    for name, values in model.samples.items():
        finite = values[np.isfinite(values)]
        if len(finite):
            median = format_value(float(np.median(finite)), panel.unit, panel.decimals)
            parts.append(f"{name + ': ' if name else ''}{len(finite):,} values, median {median}")
    return f"{panel.title}, {model.span}: {'; '.join(parts) or 'no data'}"


def rows(model: HistogramModel) -> Rows:
    if model.buckets is not None:
        return Rows(pd.DataFrame({"bucket": model.buckets, "count": model.samples[""]}), {})
    low, high = headed("from", model.panel.unit), headed("to", model.panel.unit)
    frame = pd.DataFrame(model.bins(), columns=["series", low, high, "count"])
    return Rows(frame, {low: model.panel.unit, high: model.panel.unit})


KIND = PanelType("histogram", HistogramOptions, build, summary, rows=rows, figure=figure)

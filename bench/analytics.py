"""Benchmark of the analytics (prints figures; no assertions).

One time-series panel over 7 days as the data layer benchmark reads it (`sum by (service)
(rate(http_requests_total[$__rate_interval]))`, step 15 min: 7 series of 672 points, from a real
Prometheus holding 7 days of demo history), then its analytics as a dashboard would ask them: a
forecast of every series one day (and seven days) ahead with its 80 % and 95 % bands, and an
anomaly band over the range. Medians of many runs, computed from scratch (a new data version),
and read back from the query cache (every later view, refresh and export of the same data).

    make bench          # or: .venv/bin/python -m bench.analytics [--runs 40]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import pandas as pd

from analytics.analyse import analyse
from analytics.options import AnalyticsOptions
from analytics.series import as_series
from bench.data_layer import DAYS, QUERY, median_ms, prometheus_with_history, timed
from data.cache import make_cache
from data.datasources import DataLayer, build_sources
from data.timerange import TimeRange
from settings import ROOT, Settings


def panel_series(settings: Settings, tr: TimeRange) -> list[pd.Series]:
    layer = DataLayer(build_sources(settings), make_cache(settings))
    try:
        tidy = layer.prometheus("prometheus", QUERY, tr, legend="{{service}}").value
    finally:
        layer.close()
    return [as_series(part["timestamp"], part["value"], str(name))
            for name, part in tidy.groupby("series")]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    prometheus, end = prometheus_with_history(ROOT / "var" / "bench")
    try:
        settings = Settings(prometheus_url=prometheus.url, cache_dir=Path(tempfile.mkdtemp()))
        series = panel_series(settings, TimeRange(end - DAYS * 86_400, end))
    finally:
        prometheus.stop()
    cache = make_cache(settings)
    points = sum(len(s) for s in series)
    print(f"\nOne panel over {DAYS} days: {len(series)} series, {points} points; "
          f"medians of {args.runs} runs (preliminary: a shared machine)\n")  # fmt: skip
    print(f"{'analytics':<44} {'computed ms':>12} {'cached ms':>10}")
    for label, options in (
        ("forecast 1 day + anomaly band", {"forecast": {"horizon": "1d"}, "anomalies": {}}),
        ("forecast 7 days + anomaly band", {"forecast": {"horizon": "7d"}, "anomalies": {}}),
        ("forecast 1 day", {"forecast": {"horizon": "1d"}}),
        ("anomaly band", {"anomalies": {}}),
        ("robust trend", {"trend": {"method": "robust"}}),
    ):
        asked = AnalyticsOptions.model_validate(options)
        computed = [timed(lambda a=asked: analyse(series, a)) for _ in range(args.runs)]
        analyse(series, asked, cache)
        cached = [timed(lambda a=asked: analyse(series, a, cache)) for _ in range(args.runs)]
        print(f"{label:<44} {median_ms(computed):>12.1f} {median_ms(cached):>10.2f}")
    result = analyse(series, AnalyticsOptions.model_validate({"forecast": {}, "anomalies": {}}))
    models = sorted({f.words for f in result.forecasts.values()})
    print(f"\nmodels: {'; '.join(models)}; {result.notes[0]}")
    cache.close()


if __name__ == "__main__":
    main()

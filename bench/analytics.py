"""Benchmark of the analytics (prints figures; no assertions).

One time-series panel over 7 days as the data layer benchmark reads it (`sum by (service)
(rate(http_requests_total[$__rate_interval]))`, step 15 min: 7 series of 672 points, from a real
Prometheus holding 7 days of demo history), then its analytics as a dashboard would ask them: a
forecast of every series one day (and seven days) ahead with its 80 % and 95 % bands, and an
anomaly band over the range. Medians of many runs, computed from scratch (a new data version),
and read back from the query cache (every later view, refresh and export of the same data).

Then the panel itself, in process, as the panel callback builds it (its data through the
cached data layer, its display model: panels/display.py): with analytics off and on, warm (the
data and the models read back from the cache: a refresh of unchanged data) and with the models
computed again (a refresh that brought new data).

    make bench          # or: .venv/bin/python -m bench.analytics [--runs 40]
"""

from __future__ import annotations

import argparse
import os
import secrets
import tempfile
from dataclasses import replace
from pathlib import Path

import pandas as pd

import urls
from analytics.analyse import analyse
from analytics.options import AnalyticsOptions
from analytics.series import as_series
from auth.users import User
from bench.data_layer import DAYS, QUERY, median_ms, prometheus_with_history, timed
from data.cache import make_cache
from data.datasources import DataLayer, build_sources
from data.spec import TEAMS, Panel
from data.timerange import TimeRange
from panels.display import panel_data, panel_model
from services import services
from settings import ROOT, Settings
from view.resolve import view_of

ADMIN = User(id=0, name="bench", level="admin", teams=TEAMS)


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
        tr = TimeRange(end - DAYS * 86_400, end)
        model_costs(settings, panel_series(settings, tr), args.runs)
        panel_costs(settings, tr, args.runs)
    finally:
        prometheus.stop()


def model_costs(settings: Settings, series: list[pd.Series], runs: int) -> None:
    """The analytics of the panel's series alone, computed and read back from the cache."""
    cache = make_cache(settings)
    points = sum(len(s) for s in series)
    print(f"\nOne panel over {DAYS} days: {len(series)} series, {points} points; "
          f"medians of {runs} runs (preliminary: a shared machine)\n")  # fmt: skip
    print(f"{'analytics':<44} {'computed ms':>12} {'cached ms':>10}")
    for label, options in (
        ("forecast 1 day + anomaly band", {"forecast": {"horizon": "1d"}, "anomalies": {}}),
        ("forecast 7 days + anomaly band", {"forecast": {"horizon": "7d"}, "anomalies": {}}),
        ("forecast 1 day", {"forecast": {"horizon": "1d"}}),
        ("anomaly band", {"anomalies": {}}),
        ("robust trend", {"trend": {"method": "robust"}}),
    ):
        asked = AnalyticsOptions.model_validate(options)
        computed = [timed(lambda a=asked: analyse(series, a)) for _ in range(runs)]
        analyse(series, asked, cache)
        cached = [timed(lambda a=asked: analyse(series, a, cache)) for _ in range(runs)]
        print(f"{label:<44} {median_ms(computed):>12.1f} {median_ms(cached):>10.2f}")
    result = analyse(series, AnalyticsOptions.model_validate({"forecast": {}, "anomalies": {}}))
    models = sorted({f.words for f in result.forecasts.values()})
    print(f"\nmodels: {'; '.join(models)}; {result.notes[0]}")
    cache.close()


def panel_costs(settings: Settings, tr: TimeRange, runs: int) -> None:
    """The panel's data and display model in process, analytics off and on."""
    key = secrets.token_hex(32)
    # Importing app builds its module-level app from the environment: give it a place and a key.
    os.environ.setdefault("VAR_DIR", str(settings.cache_dir))
    os.environ.setdefault("SECRET_KEY", key)
    from app import create_app

    app = create_app(replace(settings, secret_key=key, var_dir=settings.cache_dir))
    asked = {"from": [str(int(tr.start * 1000))], "to": [str(int(tr.end * 1000))]}
    print(f"\nThe panel in process (its data and display model), medians of {runs} runs\n")
    print(f"{'analytics':<44} {'warm ms':>10} {'new data ms':>12}")
    with app.server.app_context():
        view = view_of(ADMIN, services().dashboards["application-performance"],
                       urls.view_state(asked))  # fmt: skip
        for label, analytics in (
            ("off", None),
            ("forecast 7 days + anomaly band", {"forecast": {"horizon": "7d"}, "anomalies": {}}),
        ):
            panel = Panel.model_validate(
                {"id": "requests", "type": "timeseries", "title": "Requests", "unit": "reqps",
                 "queries": [{"expr": QUERY, "legend": "{{service}}"}],
                 "options": {"analytics": analytics}}
            )  # fmt: skip

            def build(p: Panel = panel) -> None:
                panel_model(view, panel_data(view, p))

            build()
            warm = [timed(build) for _ in range(runs)]
            fresh = []
            for _ in range(max(3, runs // 4)):
                # A new data version: the models are computed again, the data still cached.
                view.layer.cache.clear()
                panel_data(view, panel)
                fresh.append(timed(build))
            print(f"{label:<44} {median_ms(warm):>10.1f} {median_ms(fresh):>12.1f}")


if __name__ == "__main__":
    main()

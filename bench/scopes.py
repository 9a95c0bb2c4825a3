"""Benchmark of scopes (prints figures; no assertions).

1. The rewrite alone, per query, for every SQL and PromQL query of the dashboards the demo's
   region-bound user opens: parsed and rewritten from scratch (a query first seen), and again
   from the per-(query, scope) cache (every later request). Medians over the queries, each
   timed many times.
2. One scoped panel query against the same query unscoped, end to end through the data layer
   on a cache miss (a real SQLite warehouse of 90 days, a real Prometheus with 7 days): what a
   region-bound viewer pays over an admin, the database's own work on fewer rows included.

    make bench          # or: .venv/bin/python -m bench.scopes [--runs 200]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

import panels  # noqa: F401 (the panel types the dashboards name)
from bench.data_layer import DAYS, median_ms, prometheus_with_history, timed
from data.cache import make_cache
from data.dashboards import load_all
from data.datasources import DataLayer, build_sources, source_dialects
from data.panel_data import render_sql
from data.promql import render as render_promql
from data.scopes import Scope, load_rules
from data.timerange import TimeRange, query_window
from demo.warehouse import build_warehouse
from settings import ROOT, Settings

EU = Scope.of({"region": "EU"})


def queries(layer: DataLayer, window) -> tuple[list[str], list[str]]:
    """The rendered SQL and PromQL of every panel a sales user may open."""
    sql, promql = [], []
    for dashboard in load_all().values():
        if "sales" not in dashboard.teams:
            continue
        for panel in dashboard.panels:
            for query in panel.queries:
                if query.sql:
                    sql.append(render_sql(query.sql, "sqlite"))
                elif query.expr:
                    promql.append(render_promql(query.expr, {}, window))
    return sql, promql


def rewrite_costs(settings: Settings, runs: int) -> dict[str, float]:
    sources = build_sources(settings)
    dialects = source_dialects(sources)
    window = query_window(TimeRange.parse("now-7d", "now"))
    sql, promql = queries(DataLayer(sources, make_cache(settings)), window)
    rules = load_rules(settings.scopes_file, dialects)
    allowed_sql = [s for s in sql if "search_terms" not in s]
    allowed_promql = [q for q in promql if "feature_usage" not in q]

    def cold(rewrite, items) -> float:
        per_query = []
        for item in items:
            samples = []
            for _ in range(max(5, runs // 10)):
                fresh = load_rules(settings.scopes_file, dialects)  # nothing cached
                samples.append(timed(lambda f=fresh, i=item: rewrite(f, i)))
            per_query.append(statistics.median(samples))
        return median_ms(per_query)

    def warm(rewrite, items) -> float:
        for item in items:
            rewrite(rules, item)
        per_query = [
            statistics.median(timed(lambda i=item: rewrite(rules, i)) for _ in range(runs))
            for item in items
        ]
        return median_ms(per_query)

    def sql_rewrite(r, statement):
        return r.sql("warehouse", "sqlite", statement, EU)

    def promql_rewrite(r, query):
        return r.promql("prometheus", query, EU)

    return {
        "sql queries": len(allowed_sql),
        "sql cold": cold(sql_rewrite, allowed_sql),
        "sql cached": warm(sql_rewrite, allowed_sql),
        "promql queries": len(allowed_promql),
        "promql cold": cold(promql_rewrite, allowed_promql),
        "promql cached": warm(promql_rewrite, allowed_promql),
    }


def end_to_end(settings: Settings, end: int, runs: int) -> list[tuple[str, float, float]]:
    sources = build_sources(settings)
    rules = load_rules(settings.scopes_file, source_dialects(sources))
    layer = DataLayer(sources, make_cache(settings), rules)
    scoped = layer.scoped(EU)
    dashboards = load_all()
    countries = render_sql(dashboards["sales-performance"].panel("countries").queries[0].sql,
                           "sqlite")  # fmt: skip
    regions = {"region": ["EU", "NA", "APAC", "LATAM"]}
    week = TimeRange(end - DAYS * 86_400, end)
    cases = {
        "SQL: sales by country, 7 days": lambda lay: lay.sql(
            "warehouse", countries, week, params=regions, max_points=600
        ),
        "PromQL: order queue depth, 7 days": lambda lay: lay.prometheus(
            "prometheus", "sum(order_queue_depth)", week
        ),
    }
    out = []
    for name, run in cases.items():
        for lay in (layer, scoped):
            run(lay)  # warm the rewrite cache and the database's pages
        times = {}
        for label, lay in (("unscoped", layer), ("scoped", scoped)):
            samples = []
            for _ in range(runs):
                layer.cache.clear()
                samples.append(timed(lambda lay=lay, run=run: run(lay)))
            times[label] = median_ms(samples)
        out.append((name, times["unscoped"], times["scoped"]))
    layer.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    bench_dir = ROOT / "var" / "bench"
    warehouse = build_warehouse(f"sqlite:///{bench_dir / 'warehouse.db'}", days=90)
    prometheus, end = prometheus_with_history(bench_dir)
    try:
        settings = Settings(
            prometheus_url=prometheus.url,
            database_url=warehouse.url,
            cache_dir=Path(tempfile.mkdtemp()),
        )
        costs = rewrite_costs(settings, args.runs)
        rows = end_to_end(settings, end, max(20, args.runs // 5))
    finally:
        prometheus.stop()
    print("\nThe rewrite for scope region=EU, per query (medians over the queries of the")
    print("dashboards sales-eu opens):\n")
    print(f"{'':<8} {'queries':>8} {'first time ms':>14} {'cached ms':>10}")
    for kind in ("sql", "promql"):
        print(f"{kind:<8} {costs[f'{kind} queries']:>8} {costs[f'{kind} cold']:>14.3f} "
              f"{costs[f'{kind} cached']:>10.4f}")  # fmt: skip
    print("\nOne panel query on a cache miss, unscoped (admin) against scoped (sales-eu):\n")
    print(f"{'':<36} {'unscoped ms':>11} {'scoped ms':>10} {'ratio':>6}")
    for name, unscoped, scoped in rows:
        print(f"{name:<36} {unscoped:>11.2f} {scoped:>10.2f} {scoped / unscoped:>5.2f}x")


if __name__ == "__main__":
    main()

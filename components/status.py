"""The system status card: one row per datasource and the cache, from DataLayer.health()."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html


def _row(name: str, report: dict) -> html.Tr:
    ok = report.get("ok", False)
    detail = (
        f"{report['latency_ms']:.0f} ms" if ok and "latency_ms" in report else report.get("error")
    )
    return html.Tr(
        [
            html.Td(name),
            html.Td(report.get("kind") or report.get("backend", "")),
            html.Td(dbc.Badge("up" if ok else "down", color="success" if ok else "danger")),
            html.Td(detail or "", className="text-muted small"),
        ],
        **{"data-status": "up" if ok else "down"},
    )


def status_table(health: dict) -> dbc.Table:
    rows = [_row(name, report) for name, report in health["datasources"].items()]
    rows.append(_row("cache", health["cache"]))
    head = html.Thead(html.Tr([html.Th(h) for h in ("Source", "Kind", "State", "Detail")]))
    return dbc.Table([head, html.Tbody(rows)], size="sm", className="mb-0", id="status-table")

"""The panel callback: one pattern-matching callback fills every panel of every dashboard, on
first render and on each refresh tick. The browser sends only ids, the time range and variable
values; queries come from the spec on the server, and values are checked against the options."""

from __future__ import annotations

import json

import orjson
from dash import MATCH, Dash, Input, Output, State, html
from plotly.io.json import to_json_plotly

from components.panels import render
from components.panels.common import message
from data import runtime
from data.annotations import fetch_annotations
from data.errors import DataSourceError
from data.panel_data import PanelData, fetch_panel
from data.spec import refresh_seconds
from data.timerange import TimeRangeError
from data.urlstate import ViewState
from data.variables import VariableError, as_query_values, resolve

BODY = {"type": "panel-body", "slug": MATCH, "panel": MATCH}


def _wrap(state: str, *children) -> html.Div:
    return html.Div(
        list(children), className=f"panel-content state-{state}", **{"data-panel-state": state}
    )


def _rendered(layer, dashboard, panel, data: PanelData, time_range, ttl: float):
    """The panel's component, built once per version of its data: every viewer of the same data
    (same query results, same computed_at) gets the cached component instead of a new figure."""
    key = json.dumps(
        [
            "render-json",
            dashboard.slug,
            panel.id,
            data.computed_at,
            data.status,
            data.error,
            [len(f.tidy) for f in data.frames],
            time_range.start // 60,
        ],
        default=str,
    )

    def build() -> str:
        extra = {}
        if panel.type == "timeseries" and dashboard.annotations:
            extra["annotations"] = fetch_annotations(layer, dashboard, time_range)
        # Kept as JSON: unpickling a plotly Figure re-validates every property (~60 ms a panel).
        return to_json_plotly(render(data, **extra))

    return orjson.loads(layer.cache.get_or_compute(key, build, ttl=ttl, datasource="render").value)


def panel_content(slug: str, panel_id: str, raw_state: dict) -> html.Div:
    dashboard = runtime.dashboards().get(slug)
    panel = dashboard.panel(panel_id) if dashboard else None
    if panel is None:
        return _wrap("error", message(f"No panel {panel_id!r} on dashboard {slug!r}.", "danger"))
    layer = runtime.data_layer()
    try:
        state = ViewState.from_dict(raw_state)
        time_range = state.time_range()
        values, _ = resolve(layer, dashboard, state.variables)
    except (TimeRangeError, VariableError) as exc:
        return _wrap("error", message(str(exc), "danger"))
    except DataSourceError as exc:
        return _wrap("error", message(exc.message, "danger"))
    ttl = float(refresh_seconds(state.refresh) or 60)
    data: PanelData = fetch_panel(
        layer, dashboard, panel, time_range, as_query_values(values, dashboard), ttl=ttl
    )
    if data.status == "error":
        return _wrap("error", message(data.error, "danger"))
    if data.status == "empty":
        return _wrap("empty", message("No data in this time range.", "light"))
    body = _rendered(layer, dashboard, panel, data, time_range, ttl)
    if data.status == "stale":
        return _wrap("stale", message(data.error, "warning"), body)
    if data.truncated:
        note = "Showing the first rows only: the result was longer than the row limit."
        return _wrap("ok", body, html.Div(note, className="small text-muted px-2"))
    return _wrap("ok", body)


def register(app: Dash) -> None:
    @app.callback(
        Output(BODY, "children"),
        Input("dash-refresh", "n_intervals"),
        State("dash-state", "data"),
        State(BODY, "id"),
    )
    def fill_panel(_tick, state, body_id):
        return panel_content(body_id["slug"], body_id["panel"], state)

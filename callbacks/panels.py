"""The panel callbacks: one pattern-matching callback fills every panel of a dashboard at once, on
first render and on each refresh tick; a second one finishes the panels that were still
computing when the first answered. The browser sends only ids, the time range and variable
values; queries come from the spec on the server, and values are checked against the options.

One request for the whole dashboard instead of one per panel: the browser applies one update
(Dash re-walks its layout after every callback response, which cost more than the panels' own
data on a 16-panel dashboard), and the variables are resolved once per dashboard, not per panel.
A slow panel does not hold the others back: whatever is not ready within BATCH_BUDGET is sent as
pending and fetched by its own request, while its query keeps running on the server."""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import wait

import orjson
from dash import ALL, MATCH, Dash, Input, Output, State, html
from plotly.io.json import to_json_plotly
from sqlalchemy import Engine

from components.alerts import alerts_table
from components.dashboard_view import loading_body
from components.panels import RENDERER_VERSION, render
from components.panels.common import message
from data import runtime
from data.access import current_viewer, locked_variables, may_view
from data.alerts import AckStore, current_alerts
from data.annotations import AnnotationStore, fetch_annotations
from data.datasources import DataLayer
from data.errors import DataSourceError
from data.panel_data import PanelData, fetch_panel
from data.spec import Dashboard, Panel, refresh_seconds
from data.timerange import TimeRange, TimeRangeError
from data.urlstate import ViewState
from data.variables import VariableError, as_query_values, resolve

BODIES = {"type": "panel-body", "slug": ALL, "panel": ALL}
PENDING = {"type": "panel-pending", "slug": MATCH, "panel": MATCH}
BATCH_BUDGET = 1.5  # seconds the dashboard-wide answer waits for its slowest panels


def _wrap(state: str, *children) -> html.Div:
    return html.Div(
        list(children), className=f"panel-content state-{state}", **{"data-panel-state": state}
    )


def _error(text: str) -> html.Div:
    return _wrap("error", message(text, "danger"))


def _rendered(view: _View, panel: Panel, data: PanelData):
    """The panel's component, built once per version of its data: every viewer of the same data
    (same variable values, query results and computed_at) gets the cached component. The spec
    and the drawing code are part of the key: after an edit or an upgrade the cache (kept across
    restarts) serves nothing drawn the old way."""
    key = json.dumps(
        [
            "render-json",
            RENDERER_VERSION,
            view.dashboard.slug,
            panel.id,
            hashlib.sha256(panel.model_dump_json().encode()).hexdigest()[:16],
            view.values,
            data.computed_at,
            data.status,
            data.error,
            [len(f.tidy) for f in data.frames],
            view.time_range.start // 60,
            view.notes_version,
        ],
        default=str,
        sort_keys=True,
    )

    def build() -> str:
        extra = {}
        if panel.type == "timeseries":
            extra["annotations"] = fetch_annotations(
                view.layer, view.dashboard, view.time_range, view.notes
            )
        return to_json_plotly(render(data, **extra))

    cached = view.layer.cache.get_or_compute(key, build, ttl=view.ttl, datasource="render")
    return orjson.loads(cached.value)


class _View:
    """What every panel of one request shares: the dashboard, time range, variable values (the
    ones locked for the viewer included)."""

    def __init__(
        self,
        layer: DataLayer,
        dashboard: Dashboard,
        raw_state: dict,
        locked: dict,
        state_db: Engine,
        prefix: str = "/",
    ) -> None:
        state = ViewState.from_dict(raw_state)
        self.layer = layer
        self.dashboard = dashboard
        self.state_db = state_db
        self.prefix = prefix
        self.notes = AnnotationStore(state_db)
        self.notes_version = self.notes.version(dashboard.slug)
        self.time_range: TimeRange = state.time_range()
        values, _ = resolve(layer, dashboard, state.variables, locked)
        self.values = as_query_values(values, dashboard)
        self.ttl = float(refresh_seconds(state.refresh) or 60)

    def content(self, panel: Panel) -> html.Div:
        if panel.type == "alerts":
            return self.alerts(panel)
        data = fetch_panel(
            self.layer, self.dashboard, panel, self.time_range, self.values, ttl=self.ttl
        )
        if data.status == "error":
            return _error(data.error)
        if data.status == "empty":
            return _wrap("empty", message("No data in this time range.", "light"))
        body = _rendered(self, panel, data)
        if data.status == "stale":
            return _wrap("stale", message(data.error, "warning"), body)
        if data.truncated:
            note = "Showing the first rows only: the result was longer than the row limit."
            return _wrap("ok", body, html.Div(note, className="small text-muted px-2"))
        return _wrap("ok", body)

    def alerts(self, panel: Panel) -> html.Div:
        try:
            alerts = current_alerts(self.layer, panel.datasource)
        except DataSourceError as exc:
            return _error(exc.message)
        if not alerts:
            return _wrap("ok", message("No alerts are pending or firing.", "success"))
        acks = AckStore(self.state_db).for_alerts(alerts)
        return _wrap("ok", alerts_table(alerts, acks, self.prefix))


def _view(slug: str, raw_state: dict) -> _View | html.Div:
    """The request's shared view, or the error every panel should show instead."""
    dashboard = runtime.dashboards().get(slug)
    if dashboard is None:
        return _error(f"There is no dashboard {slug!r}.")
    viewer = current_viewer()
    if not may_view(viewer, dashboard):
        return _error(f"You may not open dashboard {slug!r}.")
    locked = locked_variables(viewer, dashboard)
    try:
        return _View(
            runtime.data_layer(),
            dashboard,
            raw_state,
            locked,
            runtime.state(),
            runtime.settings().url_prefix,
        )
    except (TimeRangeError, VariableError) as exc:
        return _error(str(exc))
    except DataSourceError as exc:
        return _error(exc.message)


def _pending(slug: str, panel_id: str) -> html.Div:
    """A panel still computing: its own callback fetches it (the query is already running)."""
    return html.Div(loading_body(), id={"type": "panel-pending", "slug": slug, "panel": panel_id})


def dashboard_content(raw_state: dict, ids: list[dict], budget: float = BATCH_BUDGET) -> list:
    """The content of every panel in `ids` (all of one dashboard), computed side by side; the
    ones not ready within `budget` seconds come back pending."""
    slug = raw_state.get("slug", "")
    view = _view(slug, raw_state)
    if isinstance(view, html.Div):
        return [view for _ in ids]
    panels = [view.dashboard.panel(i["panel"]) if i["slug"] == slug else None for i in ids]
    pool = runtime.panel_pool()
    futures = {
        n: pool.submit(view.content, panel) for n, panel in enumerate(panels) if panel is not None
    }
    wait(futures.values(), timeout=budget)
    out = []
    for n, body_id in enumerate(ids):
        future = futures.get(n)
        if future is None:
            out.append(_error(f"No panel {body_id['panel']!r} on dashboard {slug!r}."))
        elif future.done():
            out.append(future.result())
        else:
            out.append(_pending(slug, body_id["panel"]))
    return out


def panel_content(raw_state: dict, panel_id: str) -> html.Div:
    """One panel, however long it takes (a panel left pending by the dashboard-wide answer)."""
    view = _view(raw_state.get("slug", ""), raw_state)
    if isinstance(view, html.Div):
        return view
    panel = view.dashboard.panel(panel_id)
    if panel is None:
        return _error(f"No panel {panel_id!r} on dashboard {view.dashboard.slug!r}.")
    return view.content(panel)


def update_request(slug: str, panel_ids: list[str], state: dict) -> dict:
    """The body of the panel callback's request as the browser sends it (for scripts, tests and
    the benchmark): the ids of the panels, the dashboard's state store."""
    ids = [{"type": "panel-body", "slug": slug, "panel": p} for p in panel_ids]
    return {
        "output": '{"panel":["ALL"],"slug":["ALL"],"type":"panel-body"}.children',
        "outputs": [{"id": i, "property": "children"} for i in ids],
        "inputs": [
            {"id": "dash-refresh", "property": "n_intervals", "value": None},
            {"id": "dash-notes", "property": "data", "value": None},
        ],
        "state": [
            {"id": "dash-state", "property": "data", "value": {"slug": slug, **state}},
            [{"id": i, "property": "id", "value": i} for i in ids],
        ],
        "changedPropIds": [],
    }


def register(app: Dash) -> None:
    @app.callback(
        Output(BODIES, "children"),
        Input("dash-refresh", "n_intervals"),
        Input("dash-notes", "data"),
        State("dash-state", "data"),
        State(BODIES, "id"),
    )
    def fill_panels(_tick, _notes, state, body_ids):
        return dashboard_content(state, body_ids)

    @app.callback(
        Output(PENDING, "children"),
        Input(PENDING, "id"),
        State("dash-state", "data"),
    )
    def finish_panel(pending_id, state):
        return panel_content(state, pending_id["panel"])

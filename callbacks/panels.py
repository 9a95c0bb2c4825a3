"""The panel callbacks: one pattern-matching callback fills every panel of a dashboard at once, on
first render and on each refresh tick; a second one finishes the panels that were still
computing when the first answered. The browser sends only ids, the time range and variable
values; the request is resolved through view.resolve (who may see which dashboard, with which
variables and scope) and the queries come from the spec on the server.

One request for the whole dashboard instead of one per panel: the browser applies one update
(Dash re-walks its layout after every callback response, which cost more than the panels' own
data on a 16-panel dashboard), and the variables are resolved once per dashboard, not per panel.
A slow panel does not hold the others back: whatever is not ready within BATCH_BUDGET is sent as
pending and fetched by its own request, while its query keeps running on the server. The guard
refuses, before any work, a request naming panels its dashboard does not have, or one twice."""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import wait

import orjson
from dash import ALL, MATCH, Dash, Input, Output, State, html
from plotly.io.json import to_json_plotly

from auth.access import current_viewer
from callbacks.access import STORE, Access, Bound, callback
from components.dashboard_view import loading_body
from data.errors import DataSourceError, ErrorKind
from data.panel_data import TRUNCATED_NOTE, PanelData
from data.spec import Dashboard, Panel
from panels import DRAWING_VERSION, panel_type
from panels.cards import message, table_view
from panels.display import panel_data, panel_model
from services import services
from view.resolve import INPUT_ERRORS, View, ViewDenied, resolve_view, store_state

BODIES = {"type": "panel-body", "slug": ALL, "panel": ALL}
PENDING = {"type": "panel-pending", "slug": MATCH, "panel": MATCH}
TOGGLE = {"type": "panel-table-toggle", "slug": MATCH, "panel": MATCH}
TABLE = {"type": "panel-table", "slug": MATCH, "panel": MATCH}
BODY = {"type": "panel-body", "slug": MATCH, "panel": MATCH}
BATCH_BUDGET = 1.5  # seconds the dashboard-wide answer waits for its slowest panels


def _wrap(state: str, *children) -> html.Div:
    return html.Div(
        list(children), className=f"panel-content state-{state}", **{"data-panel-state": state}
    )


def _error(text: str) -> html.Div:
    return _wrap("error", message(text, "danger"))


def _restricted(text: str) -> html.Div:
    """Refused for the viewer's scope: not a failure, and not data."""
    return _wrap("restricted", message(text, "secondary"))


def _rendered(view: View, panel: Panel, data: PanelData, notes_version: str):
    """The panel's card, built once per version of its data: every viewer of the same data
    (same scope, variable values, query results and computed_at) gets the cached card. The
    spec and the drawing code are part of the key: after an edit or an upgrade the cache (kept
    across restarts) serves nothing drawn the old way. No stale copy is kept: the data has one."""
    key = json.dumps(
        [
            "render-json",
            DRAWING_VERSION,
            view.dashboard.slug,
            panel.id,
            hashlib.sha256(panel.model_dump_json().encode()).hexdigest()[:16],
            view.scope.values,
            view.values,
            data.computed_at,
            data.status,
            data.error,
            [len(f.tidy) for f in data.frames],
            view.time_range.start // 60,
            notes_version,
            view.prefix,
        ],
        default=str,
        sort_keys=True,
    )

    def build() -> str:
        return to_json_plotly(panel_type(panel.type).card(panel_model(view, data)))

    cached = view.layer.cache.get_or_compute(key, build, ttl=view.ttl, datasource="render",
                                             last_good=False)  # fmt: skip
    return orjson.loads(cached.value)


def _failed(data: PanelData) -> html.Div:
    if data.error_kind == ErrorKind.SCOPE:
        return _restricted(data.error)
    return _error(data.error)


def panel_body(view: View, panel: Panel, notes_version: str) -> html.Div:
    """A panel's content; `notes_version` is the dashboard's annotations' (read once per
    request, before the panels' threads)."""
    data = panel_data(view, panel)
    if data.status == "error":
        return _failed(data)
    if not panel_type(panel.type).queries:
        # Text and alerts read no queries: no data version to key a drawing by.
        model = panel_model(view, data)
        return _wrap("ok", panel_type(panel.type).card(model)) if model else _failed(data)
    if data.status == "empty":
        return _wrap("empty", message("No data in this time range.", "light"))
    body = _rendered(view, panel, data, notes_version)
    if data.status == "stale":
        return _wrap("stale", message(data.error, "warning"), body)
    if data.truncated:
        return _wrap("ok", body, html.Div(TRUNCATED_NOTE, className="small text-muted px-2"))
    return _wrap("ok", body)


def _view(store: dict) -> View | html.Div:
    """The request's view, or the error every panel should show instead."""
    try:
        slug, asked = store_state(store)
        return resolve_view(current_viewer(), slug, asked)
    except ViewDenied as exc:
        return _error(exc.message)
    except INPUT_ERRORS as exc:
        return _error(str(exc))
    except DataSourceError as exc:
        return _restricted(exc.message) if exc.kind == ErrorKind.SCOPE else _error(exc.message)


def _pending(slug: str, panel_id: str) -> html.Div:
    """A panel still computing: its own callback fetches it (the query is already running)."""
    return html.Div(loading_body(), id={"type": "panel-pending", "slug": slug, "panel": panel_id})


def dashboard_content(store: dict, ids: list[dict], budget: float = BATCH_BUDGET) -> list:
    """The content of every panel in `ids` (panels of the store's dashboard), computed side by
    side; the ones not ready within `budget` seconds come back pending."""
    view = _view(store)
    if isinstance(view, html.Div):
        return [view for _ in ids]
    pool = services().panel_pool
    # The guard has checked the ids against the dashboard; a panel not on it is its error.
    panels = [view.dashboard.panel(i.get("panel")) for i in ids]
    notes = view.notes.version(view.dashboard.slug)
    futures = [pool.submit(panel_body, view, p, notes) if p is not None else None for p in panels]
    wait([f for f in futures if f is not None], timeout=budget)
    slug = view.dashboard.slug
    out = []
    for ident, panel, future in zip(ids, panels, futures, strict=True):
        if future is None:
            out.append(_error(f"Dashboard {slug!r} has no panel {ident.get('panel')!r}."))
        else:
            out.append(future.result() if future.done() else _pending(slug, panel.id))
    return out


def panel_content(store: dict, panel_id: str) -> html.Div:
    """One panel, however long it takes (a panel left pending by the dashboard-wide answer)."""
    view = _view(store)
    if isinstance(view, html.Div):
        return view
    panel = view.dashboard.panel(panel_id)
    if panel is None:
        return _error(f"Dashboard {view.dashboard.slug!r} has no panel {panel_id!r}.")
    return panel_body(view, panel, view.notes.version(view.dashboard.slug))


def _panel_ids(items, dashboard: Dashboard, kind: str) -> str | None:
    """What is wrong with a request's panel ids for `dashboard`: none unknown, none twice."""
    if dashboard is None:
        return "The request names no dashboard; reload the page."
    ids = items if isinstance(items, list) else [items]
    known = {p.id for p in dashboard.panels}
    seen: set[str] = set()
    for item in ids:
        ident = item.get("id") if isinstance(item, dict) else None
        if not isinstance(ident, dict) or ident.get("type") != kind:
            return "The request's panel ids are malformed; reload the page."
        panel = ident.get("panel")
        if ident.get("slug") != dashboard.slug or panel not in known:
            return f"Dashboard {dashboard.slug!r} has no panel {panel!r}; reload the page."
        if panel in seen:
            return f"Panel {panel!r} is asked for twice; reload the page."
        seen.add(panel)
    return None


def _check_bodies(bound: Bound, dashboard: Dashboard | None) -> str | None:
    """The dashboard-wide request: its outputs are the panels it names (the ids it passes the
    callback as state: each item's id and the value the callback receives), each a panel of
    the dashboard, once."""
    outputs, ids = bound.outputs, bound.at(len(bound.declared) - 1)
    if not isinstance(outputs, list) or not isinstance(ids, list) or len(outputs) != len(ids):
        return "The request's outputs and panel ids do not match; reload the page."
    for output, item in zip(outputs, ids, strict=True):
        if not isinstance(output, dict) or not isinstance(item, dict):
            return "The request's panel ids are malformed; reload the page."
        if not output.get("id") == item.get("id") == item.get("value"):
            return "The request's outputs and panel ids do not match; reload the page."
    return _panel_ids(ids, dashboard, "panel-body")


def _check_pending(bound: Bound, dashboard: Dashboard | None) -> str | None:
    """A pending panel's request: the panel it fills is the one it names (its input)."""
    output, asked = bound.outputs, bound.at(0)
    if not isinstance(output, dict) or not isinstance(asked, dict):
        return "The request's panel ids are malformed; reload the page."
    if output.get("id") != asked.get("value"):
        return "The request's output and panel id do not match; reload the page."
    return _panel_ids([output], dashboard, "panel-pending")


def table_of(store: dict, panel_id: str) -> html.Div:
    """The "View as table" of one panel: the numbers it shows, from its display model."""
    view = _view(store)
    if isinstance(view, html.Div):
        return view
    panel = view.dashboard.panel(panel_id)
    kind = panel_type(panel.type) if panel is not None else None
    if kind is None or kind.rows is None:
        return message("This panel has no numbers to show as a table.", "light")
    data = panel_data(view, panel)
    model = panel_model(view, data)
    if model is None:
        return message(data.error or "No data in this time range.", "light")
    caption = f"{panel.title}, {model.span}"
    return table_view(kind.rows(model), caption)


def _check_toggle(bound: Bound, dashboard: Dashboard | None) -> str | None:
    """A table toggle: the panel it names (its id, as the callback receives it) is the one its
    outputs are, and a panel of the dashboard."""
    asked, outputs = bound.at(len(bound.declared) - 1), bound.outputs
    if not isinstance(asked, dict) or not isinstance(outputs, list) or not outputs:
        return "The request's panel ids are malformed; reload the page."
    ident = asked.get("value")
    if not isinstance(ident, dict) or ident != asked.get("id"):
        return "The request's panel id does not match; reload the page."
    for output in outputs:
        other = output.get("id") if isinstance(output, dict) else None
        if not isinstance(other, dict) or (other.get("slug"), other.get("panel")) != (
            ident.get("slug"),
            ident.get("panel"),
        ):
            return "The request's outputs and panel id do not match; reload the page."
    return _panel_ids([{"id": {**ident, "type": "panel-table-toggle"}}], dashboard,
                      "panel-table-toggle")  # fmt: skip


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
    @callback(
        app,
        Output(BODIES, "children"),
        Input("dash-refresh", "n_intervals"),
        Input("dash-notes", "data"),
        State(*STORE),
        State(BODIES, "id"),
        access=Access(embed=True, check=_check_bodies),
    )
    def fill_panels(_tick, _notes, store, body_ids):
        return dashboard_content(store, body_ids)

    @callback(
        app,
        Output(PENDING, "children"),
        Input(PENDING, "id"),
        State(*STORE),
        access=Access(embed=True, check=_check_pending),
    )
    def finish_panel(pending_id, store):
        return panel_content(store, pending_id["panel"])

    @callback(
        app,
        Output(TABLE, "children"),
        Output(TABLE, "hidden"),
        Output(BODY, "hidden"),
        Output(TOGGLE, "children"),
        Output(TOGGLE, "aria-pressed"),
        Input(TOGGLE, "n_clicks"),
        State(*STORE),
        State(TOGGLE, "id"),
        prevent_initial_call=True,
        access=Access(embed=True, check=_check_toggle),
    )
    def toggle_table(clicks, store, toggle_id):
        if not clicks or clicks % 2 == 0:
            return [], True, False, "View as table", "false"
        return table_of(store, toggle_id["panel"]), False, True, "View as chart", "true"

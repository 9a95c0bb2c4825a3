"""Clicks and zooms on charts. One callback listens to every chart's clickData (a pattern over
all panels, not one per panel) and navigates where the panel's spec says: another dashboard, the
rows behind the point, or this dashboard filtered by the clicked category; one listens to every
time series' box zoom and sets the dashboard's time range; one removes a filter chip. Each is a
navigation, so every step has its URL and the back button works."""

from __future__ import annotations

from dataclasses import replace

from dash import ALL, Dash, Input, Output, State, ctx, no_update

import urls
from auth.access import current_viewer, may_view
from callbacks.access import PAGE_URL, VIEWERS, Access, callback
from data.drilldown import as_time
from data.errors import DataSourceError
from panels import panel_type
from services import services
from view.resolve import INPUT_ERRORS, View, ViewDenied, resolve_view

GRAPHS = {"type": "panel-graph", "slug": ALL, "panel": ALL}
SEARCH = Output("url", "search", allow_duplicate=True)  # this page, in another state


def _triggered(values: list) -> tuple[dict, object] | None:
    """(the id of the chart that fired, its value), if one did."""
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict):
        return None
    ids = [item["id"] for item in ctx.inputs_list[0]]
    value = values[ids.index(trigger)] if trigger in ids else None
    return (trigger, value) if value else None


def _page(href: str | None) -> tuple[View, str] | None:
    """The dashboard page (`/d/<slug>`) at `href` resolved for the viewer (a user), and its
    local path; None elsewhere, or when the viewer may not open it (embedded pages included:
    they do not drill)."""
    found = urls.where(services().settings.url_prefix, href)
    if found is None or found[0].kind != "dashboard":
        return None
    place, query = found
    try:
        view = resolve_view(current_viewer(), place.slug, urls.view_state(query), users_only=True)
    except (ViewDenied, DataSourceError, *INPUT_ERRORS):
        return None
    return view, urls.dashboard(view.prefix, place.slug, view.asked)


def navigate_click(graph_id: dict, click: dict, href: str | None) -> dict:
    """{"href": ...} or {"search": ...} for a click on a panel's chart; {} when it leads nowhere."""
    page = _page(href)
    if page is None:
        return {}
    view, here = page
    panel = view.dashboard.panel(graph_id.get("panel", ""))
    points = (click or {}).get("points") or []
    if graph_id.get("slug") != view.dashboard.slug or panel is None or not panel.clickable:
        return {}
    if not points:
        return {}
    try:
        window = view.window(panel)  # the bucket a click means is the one drawn
    except DataSourceError:
        return {}
    point = panel_type(panel.type).click(panel, points[0], window.query)
    drill = panel.drilldown
    if drill is not None and drill.dashboard:
        target = services().dashboards.get(drill.dashboard)
        if target is None or not may_view(view.viewer, target):
            return {}
        return {"href": urls.drill(view.prefix, drill, view.asked, point, here)}
    if drill is not None:
        return {"href": urls.detail(view.prefix, view.dashboard.slug, panel.id, view.asked, point)}
    if point.category is None:
        return {}
    variables = {**view.asked.variables, panel.cross_filter: [point.category]}
    return {"search": urls.view_query(replace(view.asked, variables=variables))}


def zoom_query(relayout: dict, href: str | None) -> str | None:
    """The URL query for a box zoom on a time axis: an absolute range in epoch ms."""
    start, end = relayout.get("xaxis.range[0]"), relayout.get("xaxis.range[1]")
    page = _page(href)
    if start is None or end is None or page is None:
        return None
    low, high = as_time(start), as_time(end)
    if low is None or high is None or high <= low:
        return None
    zoomed = replace(page[0].asked, time_from=str(int(low * 1000)), time_to=str(int(high * 1000)))
    return urls.view_query(zoomed)


def _on_charts(app: Dash, event: str, *outputs: Output):
    """A callback on every chart's `event` (clickData, relayoutData), with the page's URL.
    Charts on embedded pages report clicks and zooms too: their token (in the page's URL) lets
    the request through, and _page() leads nowhere for them."""
    return callback(
        app,
        *outputs,
        Input(GRAPHS, event),
        State(*PAGE_URL),
        prevent_initial_call=True,
        access=Access(embed=True),
    )


def register(app: Dash) -> None:
    @_on_charts(app, "clickData", Output("url", "href", allow_duplicate=True), SEARCH)
    def on_click(clicks, href):
        fired = _triggered(clicks)
        if fired is None:
            return no_update, no_update
        target = navigate_click(*fired, href)
        return target.get("href", no_update), target.get("search", no_update)

    @_on_charts(app, "relayoutData", SEARCH)
    def on_zoom(layouts, href):
        fired = _triggered(layouts)
        if fired is None:
            return no_update
        query = zoom_query(fired[1], href)
        return query if query is not None else no_update

    @callback(
        app,
        SEARCH,
        Input({"type": "filter-chip", "name": ALL}, "n_clicks"),
        State("url", "href"),
        prevent_initial_call=True,
        access=VIEWERS,
    )
    def remove_chip(clicks, href):
        trigger = ctx.triggered_id
        page = _page(href)
        if not isinstance(trigger, dict) or not any(clicks) or page is None:
            return no_update
        state = page[0].asked
        variables = {k: v for k, v in state.variables.items() if k != trigger["name"]}
        return urls.view_query(replace(state, variables=variables))

"""Clicks and zooms on charts. One callback listens to every chart's clickData (a pattern over
all panels, not one per panel) and navigates where the panel's spec says: another dashboard, the
rows behind the point, or this dashboard filtered by the clicked category; one listens to every
time series' box zoom and sets the dashboard's time range; one removes a filter chip. Each is a
navigation, so every step has its URL and the back button works."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

from dash import ALL, Dash, Input, Output, State, ctx, no_update

import urls
from auth.access import current_viewer, may_view
from callbacks.access import PAGE_URL, VIEWERS, Access, callback
from data.drilldown import as_time, cross_filter_query, dashboard_url, detail_url
from data.panel_data import panel_range, panel_window
from data.spec import Dashboard
from data.timerange import TimeRangeError
from data.urlstate import ViewState
from data.view import ViewDenied, authorise
from panels import panel_type
from services import services

GRAPHS = {"type": "panel-graph", "slug": ALL, "panel": ALL}


def _triggered(values: list) -> tuple[dict, object] | None:
    """(the id of the chart that fired, its value), if one did."""
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict):
        return None
    ids = [item["id"] for item in ctx.inputs_list[0]]
    value = values[ids.index(trigger)] if trigger in ids else None
    return (trigger, value) if value else None


def _page(href: str | None) -> tuple[Dashboard, ViewState, str] | None:
    """The dashboard page (`/d/<slug>`) at `href` if the viewer (a user) may open it, its state
    from the URL, and its local path; None elsewhere (embedded pages included: they do not
    drill)."""
    parts = urlsplit(href if isinstance(href, str) else "")
    rel = urls.relative(services().settings.url_prefix, parts.path)
    place = urls.place(rel) if rel is not None else None
    if place is None or place.kind != "dashboard":
        return None
    try:
        dashboard = authorise(current_viewer(), place.slug, users_only=True)
    except ViewDenied:
        return None
    query = parse_qs(parts.query)
    state = ViewState.from_query(dashboard, query)
    return dashboard, state, parts.path + (f"?{parts.query}" if parts.query else "")


def navigate_click(graph_id: dict, click: dict, href: str | None) -> dict:
    """{"href": ...} or {"search": ...} for a click on a panel's chart; {} when it leads nowhere."""
    page = _page(href)
    if page is None:
        return {}
    dashboard, state, here = page
    panel = dashboard.panel(graph_id.get("panel", ""))
    points = (click or {}).get("points") or []
    if graph_id.get("slug") != dashboard.slug or panel is None or not panel.clickable or not points:
        return {}
    try:
        time_range = panel_range(panel, state.time_range(services().settings.fiscal_year_start))
    except TimeRangeError:
        return {}
    # The bucket a click means is the one drawn: the panel's own window, as its queries ask.
    window = panel_window(services().data, panel, time_range)
    point = panel_type(panel.type).click(panel, points[0], window)
    prefix = services().settings.url_prefix
    drill = panel.drilldown
    if drill is not None and drill.dashboard:
        target = services().dashboards.get(drill.dashboard)
        if target is None or not may_view(current_viewer(), target):
            return {}
        return {"href": dashboard_url(prefix, dashboard, panel, state, point, here)}
    if drill is not None:
        return {"href": detail_url(prefix, dashboard.slug, panel, state, point)}
    if point.category is None:
        return {}
    return {"search": cross_filter_query(state, panel.cross_filter, point.category)}


def zoom_query(relayout: dict, href: str | None) -> str | None:
    """The URL query for a box zoom on a time axis: an absolute range in epoch ms."""
    start, end = relayout.get("xaxis.range[0]"), relayout.get("xaxis.range[1]")
    page = _page(href)
    if start is None or end is None or page is None:
        return None
    state = page[1]
    low, high = as_time(start), as_time(end)
    if low is None or high is None or high <= low:
        return None
    return replace(
        state, time_from=str(int(low * 1000)), time_to=str(int(high * 1000))
    ).query_string()


def register(app: Dash) -> None:
    # Charts on embedded pages report clicks and zooms too: their token (in the page's URL) lets
    # the request through, and _page() leads nowhere for them.
    @callback(
        app,
        Output("url", "href", allow_duplicate=True),
        Output("url", "search", allow_duplicate=True),
        Input(GRAPHS, "clickData"),
        State(*PAGE_URL),
        prevent_initial_call=True,
        access=Access(embed=True),
    )
    def on_click(clicks, href):
        fired = _triggered(clicks)
        if fired is None:
            return no_update, no_update
        target = navigate_click(*fired, href)
        return target.get("href", no_update), target.get("search", no_update)

    @callback(
        app,
        Output("url", "search", allow_duplicate=True),
        Input(GRAPHS, "relayoutData"),
        State(*PAGE_URL),
        prevent_initial_call=True,
        access=Access(embed=True),
    )
    def on_zoom(layouts, href):
        fired = _triggered(layouts)
        if fired is None:
            return no_update
        query = zoom_query(fired[1], href)
        return query if query is not None else no_update

    @callback(
        app,
        Output("url", "search", allow_duplicate=True),
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
        state = page[1]
        variables = {k: v for k, v in state.variables.items() if k != trigger["name"]}
        return replace(state, variables=variables).query_string()

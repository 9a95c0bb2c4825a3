"""The dashboard page's layout, shared by `/d/<slug>` and its kiosk form `/embed/<slug>`: the state
store (time range, refresh, variables; the embed token), the refresh timers, the toolbar and the
empty panel cards that the panel callback fills. The request is resolved once (view/resolve.py):
variables locked for the viewer (bound to a user attribute, or fixed by the embed link) take
their locked values whatever the URL says, and option lists are the viewer's scope's."""

from __future__ import annotations

from dataclasses import replace

import dash_bootstrap_components as dbc
from dash import dcc, html

import urls
from auth.access import Viewer, may_view
from auth.users import User
from components.annotate import annotate_form
from components.dashboard_view import grid, header, refresh_ms, toolbar
from components.drill_view import breadcrumb, filter_chips
from data.errors import DataSourceError
from data.spec import Dashboard
from data.timerange import TimeRangeError
from data.urlstate import ViewState
from data.variables import ALL, VariableError, resolve, shows_all
from pages._yours import yours
from services import services
from view.resolve import View, ViewDenied, authorise, view_of


def forbidden(what: str) -> dbc.Alert:
    return dbc.Alert(
        f"You may not open {what}. Ask an admin for access to it.", color="warning", className="m-3"
    )


def refused(exc: ViewDenied) -> dbc.Alert:
    return dbc.Alert(exc.message, color="warning", className="m-3")


def trail(query: dict, dashboard: Dashboard, titles: dict[str, str]) -> list:
    """The breadcrumb of a drill-down: the dashboard it came from (`back`), then this one."""
    raw = query.get("back")
    prefix = services().settings.url_prefix
    back = urls.local(raw[-1] if isinstance(raw, list) else raw, prefix)
    found = urls.where(prefix, back) if back is not None else None
    if found is None:
        return []
    return [breadcrumb([(titles.get(found[0].slug, "Back"), back), (dashboard.title, None)])]


def _resolved(
    viewer: Viewer | None, slug: str, query: dict, users_only: bool
) -> tuple[View, list[str]]:
    """The view the URL asks for; what it got wrong is shown as notes over the defaults (a
    variable value that no longer exists resets that variable only), and what is locked for
    the viewer over what it asked."""
    dashboard = authorise(viewer, slug, users_only=users_only)
    asked = urls.view_state(query)
    labels = {v.name: v.label or v.name for v in dashboard.variables}
    problems = []
    try:
        asked.comparison()
    except TimeRangeError as exc:
        problems.append(f"Compare with: {exc}. Showing no comparison instead.")
        asked = replace(asked, compare="")
    while True:
        try:
            view = view_of(viewer, dashboard, asked)
            break
        except TimeRangeError as exc:
            if not (asked.time_from or asked.time_to):
                raise
            problems.append(f"Time range: {exc}. Showing the dashboard's default range instead.")
            asked = replace(asked, time_from="", time_to="")
        except VariableError as exc:
            if exc.name not in asked.variables:
                raise
            label = labels.get(exc.name, exc.name)
            problems.append(
                f"{label}: {exc.value!r} is not one of its values (any more). Showing its default "
                "instead."
                if exc.value is not None
                else f"{exc}. Showing the default {label} instead."
            )
            kept = {k: v for k, v in asked.variables.items() if k != exc.name}
            asked = replace(asked, variables=kept)
    return view, problems + _locked_notes(asked, view, labels)


def _locked_notes(asked: ViewState, view: View, labels: dict[str, str]) -> list[str]:
    """What the address asked of a variable locked for the viewer, and what they see instead."""
    notes = []
    for name, locked in view.locked.items():
        wanted = asked.variables.get(name) or []
        if wanted and sorted(wanted) != sorted(locked):
            asked_for = "All" if wanted == [ALL] else ", ".join(wanted)
            notes.append(
                f"{labels.get(name, name)} is set to {', '.join(locked)} for you, so you see "
                f"{', '.join(locked)} only (this address asked for {asked_for})."
            )
    return notes


def dashboard_layout(
    slug: str,
    query: dict,
    viewer: Viewer | None,
    *,
    embed_token: str | None = None,
    panel_id: str | None = None,
) -> html.Div | dbc.Alert:
    mine = None
    try:
        if embed_token is None and isinstance(viewer, User):
            mine = yours(viewer, authorise(viewer, slug, users_only=True), query)
            query = mine.query
        view, problems = _resolved(viewer, slug, query, users_only=embed_token is None)
        if panel_id is not None:
            view.panel(panel_id)
    except ViewDenied as exc:
        return refused(exc)
    except DataSourceError as exc:
        message = f"Variable options could not be loaded: {exc.message}"
        return dbc.Alert(message, color="warning", className="m-3")
    dashboard, state, locked = view.dashboard, view.state, view.locked
    try:
        defaults, _ = resolve(view.layer, dashboard, {}, locked)
    except (DataSourceError, VariableError):
        defaults = view.values
    # The store holds the variables as the toolbar shows them ("All" as such), so the toolbar's
    # first report of its values matches it and does not navigate to the same page again.
    shown = {
        v.name: [ALL]
        if v.name not in locked and shows_all(v, view.values, view.choices)
        else view.values[v.name]
        for v in dashboard.variables
        if v.name in view.values
    }
    store_view = replace(state, variables=shown)
    store = {"slug": dashboard.slug, **store_view.to_dict()}
    if embed_token is not None:
        store["embed"] = embed_token
    timers = [
        dcc.Store(id="dash-state", data=store),
        dcc.Store(id="dash-updated", data=None),
        dcc.Store(id="dash-notes", data=None),
        dcc.Interval(
            id="dash-refresh", interval=refresh_ms(state.refresh), disabled=state.refresh == "off"
        ),
        dcc.Interval(id="dash-clock", interval=1000),
    ]
    notes = [dbc.Alert(p, color="warning", className="py-2 small") for p in problems]
    narrowed = {
        v.name: v.label or v.name
        for v in dashboard.variables
        if v.name not in locked
        and shown.get(v.name) not in (None, [ALL])
        and sorted(shown[v.name]) != sorted(defaults.get(v.name, []))
    }
    export = urls.export_query(store_view, embed_token)
    if embed_token is not None:
        body = [
            html.H1(dashboard.title, className="visually-hidden"),
            *notes,
            grid(dashboard, only=panel_id, export=export),
        ]
    else:
        titles = {d.slug: d.title for d in services().dashboards.values() if may_view(viewer, d)}
        operator = isinstance(viewer, User) and viewer.at_least("operator")
        chips = filter_chips(dashboard, view.values, defaults, set(locked))
        body = [
            *trail(query, dashboard, titles),
            header(dashboard, titles, export, extra=mine.controls if mine else None),
            *([mine.panel, *mine.notes] if mine else []),
            *([annotate_form()] if operator else []),
            *notes,
            toolbar(dashboard, state, view.values, view.choices, locked=set(locked)),
            *([chips] if chips else []),
            grid(dashboard, export=export, narrowed=narrowed),
        ]
    return html.Div(
        timers + body,
        id="dash-root",
        **{"data-refresh": state.refresh, "data-slug": dashboard.slug},
    )

"""A user's own things on the dashboard page: the star, and saved views (save the page's state
under a name, rename, delete, make one the default). Users only: the guard refuses embed links
and anonymous callers, and every action resolves the dashboard from the page's store through
view.resolve again and checks the view it names itself: a view is changed only on the dashboard it
belongs to, by its owner or an admin, whatever ids the request carries. Changes are audited."""

from __future__ import annotations

from dash import ALL, MATCH, Dash, Input, Output, State, html, no_update
from flask import request

import urls
from appdb.saved_views import SavedView, ViewError, check_name
from auth.access import current_viewer
from auth.saved_views import well_formed
from auth.users import User
from callbacks.access import STORE, VIEWERS, callback
from callbacks.pressed import pressed
from components.your_views import (
    PRIVATE,
    STAR_PROPS,
    share_teams,
    sharing,
    star_state,
    views_label,
    views_list,
)
from data.spec import Dashboard
from data.timerange import TimeRangeError
from services import services
from view.resolve import BadState, ViewDenied, authorise, store_state

SAVE_LABEL = "Save view"
CHANGE_LABEL = "Save changes"
ROWS = ("view-default", "view-delete", "view-rename")
# What a save or a row's button sets: the message, the list and the Views button's label; and the
# form (the view being renamed, the name, the Save button's label, whether Cancel shows).
LISTED = (("views-result", "children"), ("views-list", "children"), ("views-open", "children"))
FORM = (
    ("views-editing", "data"),
    ("views-name", "value"),
    ("views-save", "children"),
    ("views-cancel", "hidden"),
)


def _user_on(store) -> tuple[User, Dashboard]:
    """The viewer (a user) and the dashboard of the page's store, which they may open."""
    viewer = current_viewer()
    if not isinstance(viewer, User):
        raise ViewError("Log in to keep views.")
    try:
        slug, _ = store_state(store)
        return viewer, authorise(viewer, slug, users_only=True)
    except ViewDenied as exc:
        raise ViewError(exc.message) from None
    except BadState as exc:
        raise ViewError(str(exc)) from None


def _on_page(viewer: User, dashboard: Dashboard, view_id) -> SavedView:
    """The view `view_id` of this dashboard, if the viewer may open it."""
    view = services().views.get(view_id, viewer) if well_formed(view_id) else None
    if view is None or view.dashboard != dashboard.slug or not view.openable_by(viewer):
        raise ViewError("That view is not on this dashboard (deleted meanwhile?). Reload the page.")
    return view


def _editable(viewer: User, dashboard: Dashboard, view_id) -> SavedView:
    view = _on_page(viewer, dashboard, view_id)
    if not view.editable_by(viewer):
        raise ViewError(f"Only {view.owner} or an admin may change the view “{view.name}”.")
    return view


def _team(viewer: User, dashboard: Dashboard, share) -> str | None:
    if share in (None, PRIVATE):
        return None
    teams = share_teams(viewer, dashboard)
    if share not in teams:
        allowed = ", ".join(teams) or "none of your teams may open it"
        raise ViewError(f"You can share views of this dashboard with: {allowed}.")
    return share


def _state_query(store: dict, dashboard: Dashboard) -> str:
    """The page's state as its address's query: everything the page's store holds (so what the
    address learns to hold, a view keeps). Variable values are checked when a view opens."""
    _slug, state = store_state(store)
    unknown = set(state.variables) - {v.name for v in dashboard.variables}
    if unknown:
        raise ViewError(f"This dashboard has no variable {sorted(unknown)[0]!r}; reload the page.")
    try:
        state.time_range(services().settings.fiscal_year_start)
        state.comparison()
    except TimeRangeError as exc:
        raise ViewError(f"Time range or comparison: {exc}. Pick another one first.") from None
    return urls.view_query(state).removeprefix("?")


def _audit(action: str, viewer: User, view: SavedView, **detail) -> None:
    services().audit.record(
        action,
        viewer.name,
        target=view.dashboard,
        ip=request.remote_addr or "",
        detail={"id": view.id, "name": view.name, **detail},
    )


def save_view(store, editing, name, share) -> str:
    """A new view of the page's state, or the new name and sharing of view `editing`; the
    message for the form. ViewError when it cannot be done."""
    viewer, dashboard = _user_on(store)
    name = check_name(name)
    team = _team(viewer, dashboard, share)
    if editing is not None:
        view = _editable(viewer, dashboard, editing)
        services().views.change(view, name, team)
        _audit("view_change", viewer, view, to_name=name, team=team)
        return f"Saved “{name}” ({sharing(team)})."
    view = services().views.add(viewer, dashboard.slug, name, team, _state_query(store, dashboard))
    _audit("view_save", viewer, view, team=team, query=view.query[:500])
    return f"Saved “{name}” ({sharing(team)}): its link is in the list below."


def view_action(kind: str, store, view_id) -> tuple[str, SavedView]:
    """Make default (or not), delete, or start renaming view `view_id`; (message, view)."""
    viewer, dashboard = _user_on(store)
    if kind == "view-default":
        view = _on_page(viewer, dashboard, view_id)
        services().views.set_default(viewer, dashboard.slug, None if view.is_default else view.id)
        _audit("view_default", viewer, view, default=not view.is_default)
        if view.is_default:
            return f"“{view.name}” is no longer your default.", view
        return f"“{view.name}” opens when you open this dashboard.", view
    view = _editable(viewer, dashboard, view_id)
    if kind == "view-delete":
        services().views.delete(view.id)
        _audit("view_delete", viewer, view, owner=view.owner, team=view.team)
        return f"Deleted “{view.name}”.", view
    return f"Renaming “{view.name}”: change its name or sharing, then {CHANGE_LABEL}.", view


def _listed(store) -> tuple[html.Div, str]:
    """The page's views list and the Views button's label, as they are now."""
    viewer, dashboard = _user_on(store)
    views = services().views.for_dashboard(viewer, dashboard.slug)
    return views_list(views, viewer), views_label(views, viewer)


def _result(message: str, ok: bool) -> html.Span:
    return html.Span(message, className="text-success" if ok else "text-danger")


def register(app: Dash) -> None:
    @callback(
        app,
        *(Output(*part) for part in (*LISTED, *FORM)),
        Input("views-save", "n_clicks"),
        State(*STORE),
        State("views-editing", "data"),
        State("views-name", "value"),
        State("views-share", "value"),
        prevent_initial_call=True,
        access=VIEWERS,
    )
    def save(_clicks, store, editing, name, share):
        try:
            message = save_view(store, editing, name, share)
            listed, label = _listed(store)
        except ViewError as exc:
            # What was typed stays in the form.
            return (_result(str(exc), False), *(no_update,) * 6)
        return _result(message, True), listed, label, None, "", SAVE_LABEL, True

    @callback(
        app,
        *(Output(*part, allow_duplicate=True) for part in (*LISTED, *FORM)),
        Output("views-share", "value"),
        Input({"type": "view-default", "view": ALL}, "n_clicks"),
        Input({"type": "view-delete", "view": ALL}, "submit_n_clicks"),
        Input({"type": "view-rename", "view": ALL}, "n_clicks"),
        State(*STORE),
        prevent_initial_call=True,
        access=VIEWERS,
    )
    def act(_defaults, _deletes, _renames, store):
        trigger = pressed()
        if trigger is None or trigger.get("type") not in ROWS:
            return (no_update,) * 8  # a list drawn anew, not a click
        kind = trigger["type"]
        try:
            message, view = view_action(kind, store, trigger.get("view"))
            if kind == "view-rename":
                form = (view.id, view.name, CHANGE_LABEL, False, view.team or PRIVATE)
                return (_result(message, True), no_update, no_update, *form)
            listed, label = _listed(store)
        except ViewError as exc:
            return (_result(str(exc), False), *(no_update,) * 7)
        return _result(message, True), listed, label, *(no_update,) * 5

    @callback(
        app,
        *(Output("view-star", prop) for prop in STAR_PROPS),
        Input("view-star", "n_clicks"),
        State(*STORE),
        prevent_initial_call=True,
        access=VIEWERS,
    )
    def star(_clicks, store):
        try:
            viewer, dashboard = _user_on(store)
        except ViewError as exc:
            return no_update, no_update, str(exc)
        return star_state(services().personal.toggle_star(viewer, dashboard.slug))

    app.clientside_callback(
        """function (clicks, open) {
            const now = !open;
            return [now, now ? 'true' : 'false'];
        }""",
        Output("views-panel", "is_open"),
        Output("views-open", "aria-expanded"),
        Input("views-open", "n_clicks"),
        State("views-panel", "is_open"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        """function (clicks) {
            return [null, '', 'Save view', true, ''];
        }""",
        *(Output(*part, allow_duplicate=True) for part in FORM),
        Output("views-result", "children", allow_duplicate=True),
        Input("views-cancel", "n_clicks"),
        prevent_initial_call=True,
    )
    # The permalink, absolute, for the clipboard (the page knows the address it was reached at).
    app.clientside_callback(
        """function (clicks, href) {
            return new URL(href, window.location.href).href;
        }""",
        Output({"type": "view-copy", "view": MATCH}, "content"),
        Input({"type": "view-copy", "view": MATCH}, "n_clicks"),
        State({"type": "view-link", "view": MATCH}, "href"),
        prevent_initial_call=True,
    )
    # A page opened in a saved view gets the view's state in its address without a new history
    # entry, so the back button still leaves the page, and a click on a chart, a zoom or a copied
    # address start from the state shown. (Its output is never changed: Dash runs the callbacks
    # of a page's new parts by their outputs.)
    app.clientside_callback(
        """function (address) {
            if (address) {
                window.history.replaceState(window.history.state, '', address);
                window.dash_clientside.set_props('url', {
                    href: window.location.href, pathname: window.location.pathname,
                    search: window.location.search,
                });
            }
            return window.dash_clientside.no_update;
        }""",
        Output("view-address", "storage_type"),
        Input("view-address", "data"),
    )

"""One authorisation point: a dashboard as one viewer may see it, over one time range, with its
variables resolved and each panel's window. The dashboard page, the panel callbacks, the
exports, the detail pages and the drill-down all resolve their request here (`resolve_view`,
once) and use what comes back; nothing reads a dashboard, a variable, a window or a layer from
the request after this.

- The viewer may open the dashboard (ViewDenied otherwise), and may be required to be a user
  (detail pages, annotations: embed links do not reach them).
- The time range parses and is in range, the comparison is one (TimeRangeError), every variable
  value is one of its options (VariableError); values locked for the viewer win whatever was
  asked. The dashboard is as the toolbar's "Compare with" draws it (`Dashboard.compared`).
- `layer` reads for the viewer's scope: every query of every panel, variable list, drill-down
  and export made through this view is restricted to it.
- `window(panel)`: the panel's own range (after `relative_time`) and the step its points are
  asked at: what the panel draws, and the bucket a click on it means; `window(panel, over)`
  the same over a longer range its analytics read (a forecast's training window).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from appdb.acks import AckStore
from appdb.notes import AnnotationStore
from auth.access import Viewer, locked_variables, may_view, scope_of
from auth.users import User
from data.datasources import DataLayer
from data.panel_data import PanelWindow, panel_window
from data.scopes import Scope
from data.spec import Dashboard, Panel, refresh_seconds
from data.timerange import TimeRange, TimeRangeError
from data.urlstate import STORE_VARIABLES, ViewState
from data.variables import VariableError, as_query_values, resolve
from errors import StatusError
from services import services


class BadState(ValueError):
    """A page's state store that is not what the page sent: the message says to reload."""


# What a request can get wrong: a 400 (or a note on the page) with the message as it is.
INPUT_ERRORS = (TimeRangeError, VariableError, BadState)


class ViewDenied(StatusError):
    """The viewer may not open this (or it does not exist); the message says what, for a 403
    (or 401, 404) that a user can act on."""

    default_status = 403


@dataclass(frozen=True)
class View:
    viewer: Viewer
    dashboard: Dashboard
    state: ViewState  # as asked, the dashboard's defaults filled in; variables resolved
    asked: ViewState  # as asked, the dashboard's defaults filled in: what links carry on
    time_range: TimeRange
    choices: dict[str, list[str]]  # each variable's options, as the viewer may see them
    locked: dict[str, list[str]]
    scope: Scope
    layer: DataLayer  # reads for `scope`
    # The app database's notes (drawn on the page and in exports) and acknowledgements, here
    # for the panel threads, which run outside the request.
    notes: AnnotationStore
    acks: AckStore
    prefix: str  # URL_PREFIX, for links drawn into panels

    @property
    def values(self) -> dict[str, list[str]]:
        return self.state.variables

    @property
    def query_values(self) -> dict:
        return as_query_values(self.state.variables, self.dashboard)

    @property
    def ttl(self) -> float:
        """Cache lifetime: the dashboard's refresh interval."""
        return float(refresh_seconds(self.state.refresh) or 60)

    def window(self, panel: Panel, over: TimeRange | None = None) -> PanelWindow:
        """The panel's own range and step (DataSourceError when its datasource is not one the
        step can be asked of); `over`: a range of its own instead, as it is (the longer history
        a forecast is fitted on)."""
        if over is not None:
            return panel_window(self.layer, panel, over, relative=False)
        return panel_window(self.layer, panel, self.time_range)

    def panel(self, panel_id: str) -> Panel:
        panel = self.dashboard.panel(panel_id)
        if panel is None:
            raise ViewDenied(f"Dashboard {self.dashboard.slug!r} has no panel {panel_id!r}.", 404)
        return panel


def layer_for(viewer: Viewer) -> DataLayer:
    """The data layer reading for `viewer`'s scope, for what is not one dashboard (the alerts
    page, the navbar's badge)."""
    return services().data.scoped(scope_of(viewer))


def authorise(viewer: Viewer | None, slug: str, *, users_only: bool = False) -> Dashboard:
    """The dashboard `slug` if `viewer` may open it (an embed link only its own, and only where
    `users_only` is false); ViewDenied with the reason otherwise. `resolve_view` starts here;
    what needs the dashboard and no view (a note written on it) asks it alone."""
    dashboard = services().dashboards.get(slug)
    if dashboard is None:
        raise ViewDenied(f"There is no dashboard {slug!r}.", 404)
    if users_only and not isinstance(viewer, User):
        raise ViewDenied("Embed links show their dashboard's panels only. Log in for more.", 401)
    if not may_view(viewer, dashboard):
        raise ViewDenied(f"You may not open dashboard {slug!r}. Ask an admin for access to it.")
    return dashboard


def resolve_view(
    viewer: Viewer | None, slug: str, asked: ViewState, *, users_only: bool = False
) -> View:
    """The dashboard as `viewer` may see it in the state `asked` (from the URL, `urls.view_state`,
    or the page's store; what it leaves empty is the dashboard's default). Raises ViewDenied,
    TimeRangeError, VariableError, or DataSourceError when variable options cannot be loaded."""
    return view_of(viewer, authorise(viewer, slug, users_only=users_only), asked)


def view_of(viewer: Viewer | None, dashboard: Dashboard, asked: ViewState) -> View:
    """`dashboard` in the state `asked` for a viewer already authorised to open it (the lint
    reads files that are not loaded, as an admin)."""
    asked = asked.over(dashboard)
    time_range = asked.time_range(services().settings.fiscal_year_start)
    dashboard = dashboard.compared(asked.comparison())
    scope = scope_of(viewer)
    layer = layer_for(viewer)
    locked = locked_variables(viewer, dashboard)
    values, choices = resolve(layer, dashboard, asked.variables, locked)
    state = replace(asked, variables=values)
    app = services()
    return View(
        viewer,
        dashboard,
        state,
        asked,
        time_range,
        choices,
        locked,
        scope,
        layer,
        app.notes,
        app.acks,
        app.settings.url_prefix,
    )


def store_state(dashboard_store: object) -> tuple[str, ViewState]:
    """(slug, state) from a dashboard page's `dash-state` store as the browser sends it back
    (`ViewState.to_dict`'s, with the slug); BadState when it is not what the page sent (the
    store is the browser's to change)."""
    if not isinstance(dashboard_store, Mapping):
        raise BadState("The page's state is missing; reload the page.")
    slug = dashboard_store.get("slug")
    if not isinstance(slug, str):
        raise BadState("The page's state is malformed; reload the page.")
    fields = {}
    for name, param in ViewState.params():
        # A page served before a field existed (compare) lacks it: the dashboard's default.
        value = dashboard_store.get(param.name, "")
        if not isinstance(value, str):
            raise BadState("The page's state is malformed; reload the page.")
        if param.choices and value not in param.choices:
            raise BadState(f"{value!r} is not a valid {param.name}; reload the page.")
        fields[name] = value
    variables = dashboard_store.get(STORE_VARIABLES) or {}
    if not isinstance(variables, Mapping) or not all(
        isinstance(v, list) and all(isinstance(x, str) for x in v) for v in variables.values()
    ):
        raise BadState("The page's variables are malformed; reload the page.")
    return slug, ViewState(**fields, variables={str(k): list(v) for k, v in variables.items()})

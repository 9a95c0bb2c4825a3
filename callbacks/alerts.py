"""The alerts page's callbacks (list, filters, acknowledgements) and the navbar's badge of firing
alerts, for logged-in users only, each from the alerts the viewer's scope may see.
Acknowledging is an operator's action (declared with the callback, checked again here); it is
stored with who and when, and audited."""

from __future__ import annotations

from functools import cache

from dash import ALL, Dash, Input, Output, State, ctx, html, no_update
from flask import request

from auth.access import current_viewer, may_view, scope_of
from auth.users import User
from callbacks.access import OPERATORS, VIEWERS, callback
from components.alerts import alerts_view
from data.alerts import current_alerts
from data.errors import DataSourceError
from data.variables import offered as variable_options
from data.view import layer_for
from services import services


def _can_ack() -> bool:
    viewer = current_viewer()
    return isinstance(viewer, User) and viewer.at_least("operator")


def _matches(alert, severities: list[str] | None, search: str | None) -> bool:
    if severities and alert.severity not in severities:
        return False
    needle = (search or "").strip().lower()
    haystack = " ".join([alert.name, alert.service, alert.summary]).lower()
    return not needle or needle in haystack


def alerts_list(severities: list[str] | None, search: str | None) -> html.Div:
    try:
        alerts = current_alerts(layer_for(current_viewer()))
    except DataSourceError as exc:
        return html.Div(f"Alerts could not be loaded: {exc.message}", className="text-danger")
    shown = [a for a in alerts if _matches(a, severities, search)]
    acks = services().acks.for_alerts(shown)
    viewer = current_viewer()
    app = services()
    visible = [d for _, d in sorted(app.dashboards.items()) if may_view(viewer, d)]
    layer = layer_for(viewer)
    by_slug = cache(lambda slug: variable_options(layer, app.dashboards[slug]))
    listing = alerts_view(
        shown, acks, _can_ack(), visible, app.settings.url_prefix, lambda d: by_slug(d.slug)
    )
    scope = scope_of(current_viewer())
    if not scope:
        return listing
    note = f"Showing the alerts your scope ({scope.describe()}) may see."
    return html.Div([html.P(note, className="small text-muted mb-2"), listing])


def acknowledge(fingerprint: str, comment: str | None) -> str | None:
    """Acknowledge the current episode of the alert; the error text, if it cannot be."""
    viewer = current_viewer()
    if not _can_ack():
        return "Only operators and admins acknowledge alerts."
    comment = (comment or "").strip()
    if not comment:
        return "Say in a few words what is being done."
    visible = current_alerts(layer_for(viewer))
    alert = next((a for a in visible if a.fingerprint == fingerprint), None)
    if alert is None:
        return "That alert is no longer firing."
    services().acks.acknowledge(alert, comment[:500], viewer.name)
    services().audit.record("alert_ack", viewer.name, target=alert.name,
                           ip=request.remote_addr or "",
                           detail={"labels": alert.labels, "comment": comment[:500]})  # fmt: skip
    return None


def badge_of(alerts: list) -> tuple[str, str, str]:
    """The navbar's badge: every firing alert the viewer may see (the alerts page lists the
    same), red with a critical one among them, orange with warnings only; its title says so."""
    firing = [a for a in alerts if a.state == "firing"]
    critical = sum(1 for a in firing if a.severity == "critical")
    tone = "bg-danger" if critical else "bg-warning text-dark" if firing else "bg-success"
    words = f"{len(firing)} firing alert{'s' if len(firing) != 1 else ''} you can see"
    if critical:
        words += f", {critical} critical"
    return str(len(firing)), f"badge rounded-pill {tone}", words


def register(app: Dash) -> None:
    @callback(
        app,
        Output("alerts-list", "children"),
        Input("alerts-tick", "n_intervals"),
        Input("alerts-severity", "value"),
        Input("alerts-search", "value"),
        Input("alerts-acked", "data"),
        access=VIEWERS,
    )
    def show(_tick, severities, search, acked):
        listing = alerts_list(severities, search)
        error = (acked or {}).get("error") if ctx.triggered_id == "alerts-acked" else None
        if error:
            return html.Div([html.Div(error, className="text-danger small mb-2"), listing])
        return listing

    @callback(
        app,
        Output("alerts-acked", "data"),
        Input({"type": "op-ack", "fp": ALL}, "n_clicks"),
        State({"type": "op-ack-comment", "fp": ALL}, "value"),
        prevent_initial_call=True,
        access=OPERATORS,
    )
    def ack(clicks, comments):
        trigger = ctx.triggered_id
        if not trigger or not any(clicks):
            return no_update
        fingerprints = [item.get("id", {}).get("fp") for item in ctx.states_list[0]]
        if trigger["fp"] not in fingerprints or len(comments) != len(fingerprints):
            return {"fingerprint": None, "error": "The page is out of date; reload it."}
        comment = comments[fingerprints.index(trigger["fp"])]
        return {"fingerprint": trigger["fp"], "error": acknowledge(trigger["fp"], comment)}

    @callback(
        app,
        Output("alert-badge", "children"),
        Output("alert-badge", "className"),
        Output("alert-badge", "title"),
        Input("alert-badge-tick", "n_intervals"),
        access=VIEWERS,
    )
    def badge(_tick):
        try:
            alerts = current_alerts(layer_for(current_viewer()))
        except DataSourceError as exc:
            return "?", "badge rounded-pill bg-secondary", f"Alerts could not be read: {exc}"
        return badge_of(alerts)

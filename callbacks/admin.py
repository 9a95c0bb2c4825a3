"""The admin pages' callbacks: user changes, embed links, audit log filters. Every id starts with
`admin-`, so the guard refuses them to anyone but an admin; each checks again, and every change
is audited with the admin's name."""

from __future__ import annotations

from dash import Dash, Input, Output, State, ctx, html, no_update
from flask import request

from components.admin import audit_table, users_table
from data import runtime
from data.access import current_viewer, make_embed_token
from data.timerange import TimeRangeError, parse_duration
from data.users import User, UserError


def _admin() -> User:
    viewer = current_viewer()
    if not (isinstance(viewer, User) and viewer.is_admin):
        raise PermissionError("admins only")
    return viewer


def _pairs(raw: str | None) -> dict[str, str]:
    """`region=EU team=x` -> {"region": "EU", "team": "x"}; ValueError names a malformed pair."""
    pairs = {}
    for item in (raw or "").split():
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise ValueError(f"{item!r} is not name=value")
        pairs[key] = value
    return pairs


def _note(text: str, ok: bool = True) -> html.Div:
    return html.Div(text, className="text-success" if ok else "text-danger")


def change_user(action: str, name: str, level: str, teams: list[str], attrs: str, password: str):
    """Carry out one user action for the admin; (message, ok)."""
    admin = _admin()
    users, audit, ip = runtime.users(), runtime.audit(), request.remote_addr or ""
    name = (name or "").strip()
    try:
        attributes = _pairs(attrs)
        if action == "admin-user-add":
            user = users.add(name, password or "", level, teams or [], attributes)
            audit.record("user_add", admin.name, target=name, ip=ip,
                         detail={"level": level, "teams": list(user.teams)})  # fmt: skip
            return f"Added {name}.", True
        if action == "admin-user-save":
            user = users.set(name, level=level, teams=teams or [], attributes=attributes)
            audit.record("user_set", admin.name, target=name, ip=ip,
                         detail={"level": level, "teams": list(user.teams),
                                 "attributes": attributes})  # fmt: skip
            return f"Saved {name}.", True
        if action == "admin-user-reset":
            users.reset_password(name, password or "")
            audit.record("user_password", admin.name, target=name, ip=ip)
            return f"New password set for {name}; their sessions have ended.", True
        if name == admin.name:
            return "You cannot remove yourself.", False
        users.remove(name)
        audit.record("user_remove", admin.name, target=name, ip=ip)
        return f"Removed {name}; their sessions have ended.", True
    except (UserError, ValueError) as exc:
        return f"Not done: {exc}.", False


def make_link(slug: str | None, ttl: str, raw_vars: str) -> html.Div:
    admin = _admin()
    dashboard = runtime.dashboards().get(slug or "")
    if dashboard is None:
        return _note("Pick a dashboard.", False)
    try:
        seconds = parse_duration((ttl or "").strip())
        variables = _pairs(raw_vars)
    except (TimeRangeError, ValueError) as exc:
        return _note(f"Not done: {exc}.", False)
    names = {v.name for v in dashboard.variables}
    unknown = sorted(set(variables) - names)
    if unknown:
        return _note(f"Not done: {dashboard.title} has no variable {unknown[0]!r}.", False)
    locked = {k: [v] for k, v in variables.items()}
    token, grant = make_embed_token(runtime.settings_secret(), dashboard.slug, seconds, locked)
    runtime.audit().record("embed_token", admin.name, target=dashboard.slug,
                           ip=request.remote_addr or "",
                           detail={"id": grant.token_id, "ttl": ttl, "vars": locked})  # fmt: skip
    url = f"{request.host_url.rstrip('/')}{runtime.settings().url_prefix}embed/{slug}?token={token}"
    snippet = f'<iframe src="{url}" width="100%" height="800" frameborder="0"></iframe>'
    return html.Div(
        [
            _note(f"Link for {dashboard.title}, valid for {ttl}:"),
            html.Pre(url, id="admin-embed-url", className="small bg-light p-2 text-wrap"),
            html.Pre(snippet, className="small bg-light p-2 text-wrap"),
        ]
    )


def register(app: Dash) -> None:
    @app.callback(
        Output("admin-user-result", "children"),
        Output("admin-users", "children"),
        Input("admin-user-add", "n_clicks"),
        Input("admin-user-save", "n_clicks"),
        Input("admin-user-reset", "n_clicks"),
        Input("admin-user-remove", "n_clicks"),
        State("admin-user-name", "value"),
        State("admin-user-level", "value"),
        State("admin-user-teams", "value"),
        State("admin-user-attrs", "value"),
        State("admin-user-password", "value"),
        prevent_initial_call=True,
    )
    def user_action(_add, _save, _reset, _remove, name, level, teams, attrs, password):
        message, ok = change_user(ctx.triggered_id, name, level, teams, attrs, password)
        return _note(message, ok), users_table(runtime.users().all()) if ok else no_update

    @app.callback(
        Output("admin-user-name", "value"),
        Output("admin-user-level", "value"),
        Output("admin-user-teams", "value"),
        Output("admin-user-attrs", "value"),
        Input("admin-users-grid", "selectedRows"),
        prevent_initial_call=True,
    )
    def pick_user(rows):
        if not rows:
            return no_update, no_update, no_update, no_update
        _admin()
        user = runtime.users().get(rows[0]["name"])
        attrs = " ".join(f"{k}={v}" for k, v in user.attributes.items())
        return user.name, user.level, list(user.teams), attrs

    @app.callback(
        Output("admin-embed-result", "children"),
        Input("admin-embed-make", "n_clicks"),
        State("admin-embed-slug", "value"),
        State("admin-embed-ttl", "value"),
        State("admin-embed-vars", "value"),
        prevent_initial_call=True,
    )
    def embed_link(_clicks, slug, ttl, raw_vars):
        return make_link(slug, ttl, raw_vars)

    @app.callback(
        Output("admin-audit", "children"),
        Input("admin-audit-action", "value"),
        Input("admin-audit-actor", "value"),
        Input("admin-audit-outcome", "value"),
        prevent_initial_call=True,
    )
    def filter_audit(action, actor, outcome):
        _admin()
        events = runtime.audit().events(
            action=action or None, actor=(actor or "").strip() or None,
            outcome=outcome or None, limit=500,
        )  # fmt: skip
        return audit_table(events)

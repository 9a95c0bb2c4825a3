"""The admin pages' callbacks: user changes, embed links (made and revoked), report webhooks (added
and removed), audit log filters.
Each is declared for admins only, so the guard refuses it to anyone else; each checks again, and
every change is audited with the admin's name."""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlsplit

from dash import ALL, Dash, Input, Output, State, ctx, html, no_update
from flask import request

import urls
from appdb.webhooks import Webhook, WebhookError
from auth.embeds import EmbedLinkError
from auth.users import User, UserError
from callbacks.access import ADMINS, callback, caller
from callbacks.pressed import pressed
from components.admin import audit_table, embed_links_table, users_table, webhooks_table
from services import services


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
    admin = caller("admin")
    users, audit, ip = services().users, services().audit, request.remote_addr or ""
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


def make_link(slug: str | None, ttl: str, raw_vars: str, raw_scopes: str) -> html.Div:
    admin = caller("admin")
    dashboard = services().dashboards.get(slug or "")
    if dashboard is None:
        return _note("Pick a dashboard.", False)
    try:
        locked = {k: [v] for k, v in _pairs(raw_vars).items()}
        token, link = services().embed_links.create(dashboard, ttl, admin.name, locked,
                               _pairs(raw_scopes))  # fmt: skip
    except (EmbedLinkError, ValueError) as exc:
        return _note(f"Not done: {exc}.", False)
    services().audit.record("embed_token", admin.name, target=dashboard.slug,
                           ip=request.remote_addr or "",
                           detail={"id": link.id, "ttl": ttl, "vars": locked,
                                   "scopes": link.scopes})  # fmt: skip
    path = urls.embed(services().settings.url_prefix, dashboard.slug, token)
    url = urls.external(path)
    shown = [_note(f"Link {link.id} for {dashboard.title}, valid until "
                   f"{link.expires_at:%Y-%m-%d %H:%M} UTC:")]  # fmt: skip
    if url is None:
        url = path
        hint = ("Set PUBLIC_URL to the address users reach Teamdash at for a full link; until "
                "then, put that address in front of this path.")  # fmt: skip
        shown.append(_note(hint, False))
    snippet = f'<iframe src="{url}" width="100%" height="800" frameborder="0"></iframe>'
    return html.Div(
        [
            *shown,
            html.Pre(url, id="admin-embed-url", className="small bg-light p-2 text-wrap"),
            html.Pre(snippet, className="small bg-light p-2 text-wrap"),
        ]
    )


def webhooks_list() -> html.Div:
    """The webhooks, with how many subscriptions post to each."""
    app = services()
    used = Counter(sub.webhook for sub in app.reports.subscriptions() if sub.webhook)
    return webhooks_table(app.webhooks.all(), used)


def _audit_webhook(action: str, admin: User, hook: Webhook) -> None:
    # Its host only: a webhook's URL is a secret like a password (it lets anyone post).
    detail = {"id": hook.id, "host": urlsplit(hook.url).hostname}
    services().audit.record(action, admin.name, target=hook.label, ip=request.remote_addr or "",
                            detail=detail)  # fmt: skip


def change_webhooks(action: str, url: object, label: object, hook_id: object) -> tuple[str, bool]:
    """Adds the webhook of the form, or removes webhook `hook_id`; (message, ok)."""
    admin = caller("admin")
    app = services()
    try:
        if action == "add":
            hook = app.webhooks.add(url, label, admin.name)
            _audit_webhook("webhook_add", admin, hook)
            return f"Added {hook.label}: report subscriptions may post to it now.", True
        hook = app.webhooks.remove(hook_id)
    except WebhookError as exc:
        return f"Not done: {exc}.", False
    _audit_webhook("webhook_remove", admin, hook)
    users = sum(1 for sub in app.reports.subscriptions() if sub.webhook == hook.url)
    then = (f" {users} subscription(s) post to it: their next runs fail, and their owners are "
            "told." if users else "")  # fmt: skip
    return f"Removed {hook.label}.{then}", True


def revoke_link(link_id: str) -> tuple[str, bool]:
    admin = caller("admin")
    try:
        link = services().embed_links.revoke(link_id, admin.name)
    except EmbedLinkError as exc:
        return f"Not done: {exc}.", False
    services().audit.record("embed_revoke", admin.name, target=link.dashboard,
                           ip=request.remote_addr or "", detail={"id": link.id})  # fmt: skip
    return f"Revoked link {link.id} of {link.dashboard}: it opens nothing any more.", True


# The user form's buttons and fields (components/admin.py: `admin-user-<name>`).
USER_ACTIONS = ("add", "save", "reset", "remove")
USER_FIELDS = ("name", "level", "teams", "attrs")


def register(app: Dash) -> None:
    @callback(
        app,
        Output("admin-user-result", "children"),
        Output("admin-users", "children"),
        *[Input(f"admin-user-{action}", "n_clicks") for action in USER_ACTIONS],
        *[State(f"admin-user-{field}", "value") for field in (*USER_FIELDS, "password")],
        prevent_initial_call=True,
        access=ADMINS,
    )
    def user_action(_add, _save, _reset, _remove, name, level, teams, attrs, password):
        message, ok = change_user(ctx.triggered_id, name, level, teams, attrs, password)
        return _note(message, ok), users_table(services().users.all()) if ok else no_update

    @callback(
        app,
        *[Output(f"admin-user-{field}", "value") for field in USER_FIELDS],
        Input("admin-users-grid", "selectedRows"),
        prevent_initial_call=True,
        access=ADMINS,
    )
    def pick_user(rows):
        if not rows:
            return no_update, no_update, no_update, no_update
        caller("admin")
        user = services().users.get(rows[0]["name"])
        attrs = " ".join(f"{k}={v}" for k, v in user.attributes.items())
        return user.name, user.level, list(user.teams), attrs

    @callback(
        app,
        *[Output(f"admin-embed-{part}", "children") for part in ("result", "links")],
        Input("admin-embed-make", "n_clicks"),
        *[State(f"admin-embed-{field}", "value") for field in ("slug", "ttl", "vars", "scopes")],
        prevent_initial_call=True,
        access=ADMINS,
    )
    def embed_link(_clicks, slug, ttl, raw_vars, raw_scopes):
        made = make_link(slug, ttl, raw_vars, raw_scopes)
        return made, embed_links_table(services().embed_links.all())

    @callback(
        app,
        Output("admin-embed-result", "children", allow_duplicate=True),
        Output("admin-embed-links", "children", allow_duplicate=True),
        Input({"type": "admin-embed-revoke", "link": ALL}, "n_clicks"),
        prevent_initial_call=True,
        access=ADMINS,
    )
    def revoke(_clicks):
        row = pressed()
        if row is None:
            return no_update, no_update
        message, ok = revoke_link(str(row.get("link")))
        return _note(message, ok), embed_links_table(services().embed_links.all())

    @callback(
        app,
        Output("admin-webhook-result", "children"),
        Output("admin-webhooks", "children"),
        Output("admin-webhook-url", "value"),
        Output("admin-webhook-label", "value"),
        Input("admin-webhook-add", "n_clicks"),
        Input({"type": "admin-webhook-remove", "hook": ALL}, "submit_n_clicks"),
        State("admin-webhook-url", "value"),
        State("admin-webhook-label", "value"),
        prevent_initial_call=True,
        access=ADMINS,
    )
    def webhook_action(_add, _removes, url, label):
        row = pressed()
        if ctx.triggered_id != "admin-webhook-add" and row is None:
            return no_update, no_update, no_update, no_update
        action = "add" if row is None else "remove"
        message, ok = change_webhooks(action, url, label, row and row.get("hook"))
        cleared = ("", "") if ok and action == "add" else (no_update, no_update)
        return _note(message, ok), webhooks_list(), *cleared

    @callback(
        app,
        Output("admin-audit", "children"),
        *[Input(f"admin-audit-{field}", "value") for field in ("action", "actor", "outcome")],
        prevent_initial_call=True,
        access=ADMINS,
    )
    def filter_audit(action, actor, outcome):
        caller("admin")
        events = services().audit.events(
            action=action or None, actor=(actor or "").strip() or None,
            outcome=outcome or None, limit=500,
        )  # fmt: skip
        return audit_table(events)

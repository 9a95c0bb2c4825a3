"""One guard in front of every route, Dash's callbacks included, and the security headers on every
response.

- Static files (assets, component bundles), /login, /healthz and /metrics are open.
- A page: anonymous visitors go to /login; a dashboard page (`/d/<slug>`) the user may not open
  is a 403; `/admin` pages need the admin level; `/embed/<slug>` needs a valid embed token for
  that dashboard (401 page otherwise) instead of a login.
- A Dash request (`_dash-*`): anonymous gets 401 JSON. A callback that names a dashboard (a panel
  id's slug, the dash-state store) the viewer may not open gets 403 JSON, and the audit log
  records it. Embed pages authenticate their callbacks with the token in the dash-state store
  (their Dash boot requests, which carry no data, by the embed page they came from).
- Exports (`/export/<slug>/...`) take the user or an embed token (`?token=`), with the same checks.

The prefix (URL_PREFIX, Dash's routes_pathname_prefix) is stripped before any of these
decisions, so they hold under a path prefix too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote, urlsplit

from dash import Dash
from flask import Response, g, jsonify, redirect, render_template, request
from flask_login import current_user

from data import runtime
from data.access import EmbedGrant, EmbedTokenError, Viewer, may_view, read_embed_token
from data.users import User

OPEN = ("assets/", "_dash-component-suites/", "_favicon.ico", "login", "healthz", "metrics")
# Callback ids with these prefixes change state: they need at least this level.
LEVEL_BY_ID = (("admin-", "admin"), ("op-", "operator"))


@dataclass
class CallbackScope:
    """What a callback request names: dashboards, its ids, the page it routes to, a token."""

    slugs: set[str] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)
    pathname: str | None = None
    search: str = ""
    token: str | None = None


def _items(entries) -> list[dict]:
    flat = []
    for entry in entries or []:
        if isinstance(entry, list):
            flat.extend(e for e in entry if isinstance(e, dict))
        elif isinstance(entry, dict):
            flat.append(entry)
    return flat


def callback_scope(body: dict) -> CallbackScope:
    scope = CallbackScope()
    outputs = body.get("outputs")
    outputs = outputs if isinstance(outputs, list) else [outputs]
    for item in _items(outputs) + _items(body.get("inputs")) + _items(body.get("state")):
        ident, value = item.get("id"), item.get("value")
        if isinstance(ident, dict):
            if isinstance(ident.get("slug"), str):
                scope.slugs.add(ident["slug"])
            scope.ids.add(str(ident.get("type", "")))
        elif isinstance(ident, str):
            scope.ids.add(ident)
        if ident == "dash-state" and isinstance(value, dict):
            if isinstance(value.get("slug"), str):
                scope.slugs.add(value["slug"])
            if isinstance(value.get("embed"), str):
                scope.token = value["embed"]
        if ident in ("_pages_location", "url") and isinstance(value, str):
            prop = item.get("property")
            if prop == "pathname":
                scope.pathname = value
            elif prop == "search":
                scope.search = value
            elif prop == "href":
                parts = urlsplit(value)
                scope.pathname, scope.search = parts.path, parts.query
    return scope


def _token_in_query(query: str) -> str | None:
    values = parse_qs(query.lstrip("?")).get("token")
    return values[-1] if values else None


class Guard:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def relative(self, path: str) -> str | None:
        """The path below the prefix, or None outside it."""
        if not path.startswith(self.prefix):
            return None if path + "/" != self.prefix else ""
        return path[len(self.prefix) :]

    def grant(self, token: str | None) -> EmbedGrant | None:
        if token is None:
            return None
        try:
            return read_embed_token(runtime.settings_secret(), token)
        except EmbedTokenError:
            return None

    def forbidden(self, viewer: Viewer | None, target: str, as_json: bool) -> Response:
        actor = viewer.name if viewer is not None else "anonymous"
        runtime.audit().record("forbidden", actor, target=target, outcome="denied",
                               ip=request.remote_addr or "")  # fmt: skip
        text = f"You may not open {target}. Ask an admin for access to it."
        return self.deny(403, text, as_json)

    def deny(self, status: int, text: str, as_json: bool) -> Response:
        if as_json:
            response = jsonify({"error": text})
        else:
            response = Response(
                render_template(
                    "message.html",
                    prefix=self.prefix,
                    message=text,
                    tone="warning",
                    title="Not allowed",
                ),  # fmt: skip
                mimetype="text/html",
            )
        response.status_code = status
        return response

    def user(self) -> User | None:
        return current_user if current_user.is_authenticated else None

    def check(self) -> Response | None:
        rel = self.relative(request.path)
        if rel is None or rel.startswith(OPEN):
            return None
        if rel == "_dash-update-component":
            return self.check_callback()
        if rel in ("_dash-layout", "_dash-dependencies"):
            viewer = self.user() or self.embed_referrer()
            if viewer is None:
                return self.deny(401, "Log in first: no session, or it has ended.", True)
            g.viewer = viewer
            return None
        if rel.startswith("_dash-"):
            return None if self.user() else self.deny(401, "Log in first.", True)
        if rel.startswith("export/"):
            return self.check_export(rel)
        return self.check_page(rel)

    def embed_referrer(self) -> EmbedGrant | None:
        """The grant of the embed page a Dash boot request comes from (same origin)."""
        referrer = urlsplit(request.referrer or "")
        if referrer.netloc and referrer.netloc != request.host:
            return None
        rel = self.relative(referrer.path)
        if rel is None or not rel.startswith("embed/"):
            return None
        return self.grant(_token_in_query(referrer.query))

    def check_callback(self) -> Response | None:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return self.deny(400, "The callback request is not a JSON object.", True)
        scope = callback_scope(body)
        token = scope.token
        if token is None and scope.pathname is not None:
            rel = self.relative(scope.pathname) or ""
            if rel.startswith("embed/"):
                token = _token_in_query(scope.search)
        viewer: Viewer | None = self.grant(token) if token is not None else self.user()
        if viewer is None:
            if token is not None:
                return self.deny(401, "The embed token is not valid or has expired.", True)
            return self.deny(401, "Log in first: no session, or it has ended.", True)
        dashboards = runtime.dashboards()
        for slug in sorted(scope.slugs):
            dashboard = dashboards.get(slug)
            if dashboard is not None and not may_view(viewer, dashboard):
                return self.forbidden(viewer, f"dashboard {slug!r}", True)
        for prefix, level in LEVEL_BY_ID:
            needed = any(i.startswith(prefix) for i in scope.ids)
            if needed and not (isinstance(viewer, User) and viewer.at_least(level)):
                return self.forbidden(viewer, f"this action (needs {level})", True)
        g.viewer = viewer
        return None

    def check_export(self, rel: str) -> Response | None:
        token = request.args.get("token")
        viewer: Viewer | None = self.grant(token) if token is not None else self.user()
        if viewer is None:
            return self.deny(401, "Log in first, or use a valid embed token.", True)
        slug = rel.split("/")[1].split(".")[0]
        dashboard = runtime.dashboards().get(slug)
        if dashboard is not None and not may_view(viewer, dashboard):
            return self.forbidden(viewer, f"dashboard {slug!r}", True)
        g.viewer = viewer
        return None

    def check_page(self, rel: str) -> Response | None:
        if rel.startswith("embed/"):
            slug = rel.split("/")[1] if "/" in rel else ""
            try:
                grant = read_embed_token(runtime.settings_secret(), request.args.get("token", ""))
            except EmbedTokenError as exc:
                return self.deny(401, str(exc), False)
            if grant.slug != slug:
                return self.forbidden(grant, f"dashboard {slug!r} with this embed link", False)
            runtime.audit().record("embed_use", grant.name, target=slug,
                                   ip=request.remote_addr or "")  # fmt: skip
            g.viewer = grant
            return None
        user = self.user()
        if user is None:
            target = request.full_path.rstrip("?")
            return redirect(f"{self.prefix}login?next={quote(target, safe='/')}")
        g.viewer = user
        if rel.startswith("d/"):
            dashboard = runtime.dashboards().get(rel.split("/")[1])
            if dashboard is not None and not user.may_view(dashboard):
                return self.forbidden(user, f"dashboard {dashboard.slug!r}", False)
        if rel.startswith("admin") and not user.is_admin:
            return self.forbidden(user, "the admin pages", False)
        return None


def install(app: Dash) -> None:
    guard = Guard(runtime.settings().url_prefix)
    app.server.before_request(guard.check)

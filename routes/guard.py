"""One guard in front of every route, Dash's callbacks included.

- Static files (assets, component bundles), /login, /healthz and /metrics are open.
- A page: anonymous visitors go to /login; a dashboard page (`/d/<slug>`) the user may not open
  is a 403; `/admin` pages need the admin level; `/embed/<slug>` needs a live embed link for
  that dashboard (401 page otherwise) instead of a login.
- A callback (`_dash-update-component`): the body is bounded (MAX_REQUEST_BYTES, checked before
  it is read) and parsed once, with its nesting bounded. The callback is the one Dash will run
  for the request's `output`, or the request is a 400; who may call it was declared with it
  (callbacks/access.py): a level, and whether embed links may. Its arguments are read as Dash
  binds them, by position, so the dashboard checked here (the `dash-state` store's slug) is the
  one the callback receives; the callback resolves it again through view.resolve.
  Embed pages authenticate their callbacks with the token in that store, or in the page's
  address for their charts' clicks (and their Dash boot requests by the embed page they came
  from); a link opens its dashboard's panel callbacks and page, nothing else.
- Exports (`/export/<slug>/...`) take the user or an embed link's token (`?token=`).

Nothing is written for a request that is refused before it is authenticated (no metric, no
state), and the prefix (URL_PREFIX) is stripped before any decision, so they hold under a prefix
too.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from dash import Dash
from flask import Response, g, jsonify, redirect, render_template, request
from flask_login import current_user
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

import urls
from auth.access import Viewer, may_view
from auth.embeds import EmbedGrant, EmbedTokenError
from auth.users import User
from callbacks.access import PAGE_URL, STORE, Access, Bound, registry
from routes.timing import callback_label
from services import services

DASH_BOOT = ("_dash-layout", "_dash-dependencies")  # what a page asks Dash for as it starts
ROUTER_OUTPUT = ".._pages_content.children..._pages_store.data.."
PAGE_LOCATION = ("_pages_location", "pathname"), ("_pages_location", "search")
ROUTER_ACCESS = Access(embed=True)
MAX_JSON_DEPTH = 32


def _token_in_query(query: str) -> str | None:
    values = urls.query_value(query, "token")
    return values[-1] if values else None


def json_depth_exceeds(value, limit: int) -> bool:
    """Whether `value` nests deeper than `limit` (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return False


class Refused(Exception):
    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


class Guard:
    def __init__(self, app: Dash) -> None:
        self.app = app
        self.prefix = services().settings.url_prefix

    def relative(self, path: str) -> str | None:
        return urls.relative(self.prefix, path)

    def grant(self, token: str) -> EmbedGrant:
        try:
            return services().embed_links.read(token)
        except EmbedTokenError as exc:
            raise Refused(401, str(exc)) from None

    def forbidden(self, viewer: Viewer, target: str) -> Refused:
        services().audit.record("forbidden", viewer.name, target=target, outcome="denied",
                               ip=request.remote_addr or "")  # fmt: skip
        return Refused(403, f"You may not open {target}. Ask an admin for access to it.")

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
        place = urls.place(rel) if rel is not None else None
        if place is None or place.kind in ("static", "open"):
            return None
        as_json = place.kind in ("callback", "dash", "export")
        try:
            if place.kind == "callback":
                g.viewer = self.check_callback()
            elif place.kind == "dash" and place.rest in DASH_BOOT:
                g.viewer = self.user() or self.embed_referrer()
            elif place.kind == "dash":
                g.viewer = self.logged_in()
            elif place.kind == "export":
                g.viewer = self.check_export(place)
            else:
                return self.check_page(rel)
        except Refused as refusal:
            return self.deny(refusal.status, refusal.text, as_json)
        return None

    def logged_in(self) -> User:
        user = self.user()
        if user is None:
            raise Refused(401, "Log in first: no session, or it has ended.")
        return user

    def embed_referrer(self) -> Viewer:
        """The grant of the embed page a Dash boot request comes from (same origin)."""
        referrer = urlsplit(request.referrer or "")
        found = urls.where(self.prefix, referrer.path)
        token = _token_in_query(referrer.query)
        same_site = not referrer.netloc or referrer.netloc == request.host
        if found is None or found[0].kind != "embed" or token is None or not same_site:
            raise Refused(401, "Log in first: no session, or it has ended.")
        return self.grant(token)

    # Callbacks -------------------------------------------------------------------------------

    def body(self) -> dict:
        try:
            body = request.get_json()
        except RequestEntityTooLarge:
            limit = services().settings.max_request_bytes
            raise Refused(413, f"The request is larger than {limit:,} bytes.") from None
        except HTTPException:
            raise Refused(400, "The callback request is not valid JSON.") from None
        if not isinstance(body, dict):
            raise Refused(400, "The callback request is not a JSON object.")
        if json_depth_exceeds(body, MAX_JSON_DEPTH):
            raise Refused(400, f"The callback request nests deeper than {MAX_JSON_DEPTH} levels.")
        return body

    def check_callback(self) -> Viewer:
        body = self.body()
        output = body.get("output")
        spec = self.app.callback_map.get(output) if isinstance(output, str) else None
        access = ROUTER_ACCESS if output == ROUTER_OUTPUT else registry(self.app).get(output)
        if spec is None or access is None:
            raise Refused(400, "There is no such callback; reload the page.")
        bound = Bound(spec, body)
        if output == ROUTER_OUTPUT:
            viewer = self.check_router(bound)
        else:
            viewer = self.callback_viewer(bound, access)
        g.callback_label = callback_label(output, spec)
        return viewer

    def page_token(self, href) -> str | None:
        """The token of an embed page's address."""
        found = urls.where(self.prefix, href)
        return _token_in_query(found[1]) if found and found[0].kind == "embed" else None

    def callback_viewer(self, bound: Bound, access: Access) -> Viewer:
        store = bound.value(STORE)
        store = store if isinstance(store, dict) else {}
        token = store.get("embed") or self.page_token(bound.value(PAGE_URL))
        if access.embed and isinstance(token, str):
            viewer: Viewer = self.grant(token)
        else:
            viewer = self.logged_in()
            if not viewer.at_least(access.level):
                raise self.forbidden(viewer, f"this action (it needs the {access.level} level)")
        slug = store.get("slug")
        dashboard = services().dashboards.get(slug) if isinstance(slug, str) else None
        if dashboard is not None and not may_view(viewer, dashboard):
            raise self.forbidden(viewer, f"dashboard {slug!r}")
        if access.check is not None:
            problem = access.check(bound, dashboard)
            if problem is not None:
                raise Refused(400, problem)
        return viewer

    def check_router(self, bound: Bound) -> Viewer:
        """The pages router: its page is the path Dash hands it (its first argument), read as
        Dash reads it (urls.relative); an embed page's token is in the query it hands it (its
        second)."""
        pathname, search = (bound.value(dependency) for dependency in PAGE_LOCATION)
        if not isinstance(pathname, str):
            raise Refused(400, "The page request names no page; reload the page.")
        rel = self.relative(pathname)
        if rel is None:
            raise Refused(400, "That page is not part of this app.")
        if urls.place(rel).kind == "embed":
            token = _token_in_query(search) if isinstance(search, str) else None
            grant = self.grant(token or "")
            if urls.place(rel).slug != grant.slug:
                raise self.forbidden(grant, "another dashboard with this embed link")
            return grant
        user = self.logged_in()
        self.check_path(user, rel)
        return user

    def check_path(self, user: User, rel: str) -> None:
        place = urls.place(rel)
        if place.kind in ("dashboard", "detail"):
            dashboard = services().dashboards.get(place.slug)
            if dashboard is not None and not user.may_view(dashboard):
                raise self.forbidden(user, f"dashboard {dashboard.slug!r}")
        if place.kind == "admin" and not user.is_admin:
            raise self.forbidden(user, "the admin pages")

    # Exports and pages -----------------------------------------------------------------------

    def check_export(self, place: urls.Place) -> Viewer:
        token = request.args.get("token")
        viewer = self.grant(token) if token is not None else self.logged_in()
        slug = place.slug
        dashboard = services().dashboards.get(slug)
        if dashboard is not None and not may_view(viewer, dashboard):
            raise self.forbidden(viewer, f"dashboard {slug!r}")
        return viewer

    def check_page(self, rel: str) -> Response | None:
        try:
            if urls.place(rel).kind == "embed":
                grant = self.grant(request.args.get("token", ""))
                slug = urls.place(rel).slug
                if grant.slug != slug:
                    raise self.forbidden(grant, f"dashboard {slug!r} with this embed link")
                services().audit.record("embed_use", grant.name, target=slug,
                                       ip=request.remote_addr or "")  # fmt: skip
                g.viewer = grant
                return None
            user = self.user()
            if user is None:
                return redirect(urls.login(self.prefix, request.full_path.rstrip("?")))
            g.viewer = user
            self.check_path(user, rel)
        except Refused as refusal:
            return self.deny(refusal.status, refusal.text, False)
        return None


def install(app: Dash) -> None:
    app.server.before_request(Guard(app).check)

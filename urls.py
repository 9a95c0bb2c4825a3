"""The app's URLs, built and read in one place, the prefix (URL_PREFIX, always ending in `/`)
applied one way: `/td/` + `d/sales`.

Building: `dashboard`, `detail`, `embed`, `export`, `page`, `asset`, and `external` for a link
that leaves the page (PUBLIC_URL's origin, or the request's host only when ALLOWED_HOSTS lists
it: a Host header is the client's to write). Reading: `place` says what a path is.
Saved views: `dashboard_view` (a dashboard in a view's state) and `saved_view` (`v/<id>`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import has_request_context, request

from services import services

Pairs = Iterable[tuple[str, str]]


def _query(pairs: Pairs | str | None) -> str:
    if not pairs:
        return ""
    text = pairs if isinstance(pairs, str) else urlencode(list(pairs))
    return text if text.startswith("?") else f"?{text}"


def dashboard(prefix: str, slug: str, pairs: Pairs | str | None = None) -> str:
    return f"{prefix}d/{slug}{_query(pairs)}"


def detail(prefix: str, slug: str, panel_id: str, pairs: Pairs | str | None = None) -> str:
    return f"{prefix}d/{slug}/detail/{panel_id}{_query(pairs)}"


def embed(prefix: str, slug: str, token: str) -> str:
    return f"{prefix}embed/{slug}{_query([('token', token)])}"


def export(
    prefix: str, slug: str, fmt: str, panel_id: str | None = None, pairs: Pairs | str | None = None
) -> str:
    """A panel's download (`export/<slug>/<panel>.<fmt>`) or the dashboard's report (`.pdf`)."""
    path = f"{slug}/{panel_id}.{fmt}" if panel_id else f"{slug}.{fmt}"
    return f"{prefix}export/{path}{_query(pairs)}"


def dashboard_view(prefix: str, slug: str, view_id: str, query: str = "") -> str:
    """A dashboard in a saved view's state (its stored `query`), the view named by `view=`."""
    named = urlencode([("view", view_id)])
    return dashboard(prefix, slug, f"{query}&{named}" if query else named)


def saved_view(prefix: str, view_id: str) -> str:
    """A saved view's permalink: its dashboard in the view's state (routes/saved_views.py)."""
    return f"{prefix}v/{view_id}"


def page(prefix: str, name: str = "") -> str:
    """A page of the app by its path below the prefix: "", "alerts", "login", "admin/users"."""
    return f"{prefix}{name}"


def asset(prefix: str, name: str) -> str:
    return f"{prefix}assets/{name}"


def external(path: str) -> str | None:
    """`path` (a URL this module built) as an absolute URL, or None when no trusted origin is
    known."""
    settings = services().settings
    origin = settings.public_url
    if origin is None and has_request_context() and request.host in settings.allowed_hosts:
        origin = f"{request.scheme}://{request.host}"
    return f"{origin}{path}" if origin else None


@dataclass(frozen=True)
class Place:
    """What a path below the prefix is: `kind` dashboard, detail, embed, export, admin, view (a
    saved view's permalink, its id in `rest`) or page (anything else), and the dashboard (and
    panel, format) it names."""

    kind: str
    slug: str = ""
    panel: str = ""
    fmt: str = ""
    rest: str = ""


def relative(prefix: str, path: str) -> str | None:
    """The path below the prefix (`d/sales`), or None outside it."""
    if not path.startswith(prefix):
        return None if path + "/" != prefix else ""
    return path[len(prefix) :]


def place(rel: str) -> Place:
    """What a path below the prefix (`relative`'s) names."""
    parts = rel.split("?")[0].split("/")
    head, slug = parts[0], parts[1] if len(parts) > 1 else ""
    if head == "d" and len(parts) >= 4 and parts[2] == "detail":
        return Place("detail", slug, parts[3])
    if head == "d":
        return Place("dashboard", slug)
    if head == "embed":
        return Place("embed", slug)
    if head == "export":
        target = "/".join(parts[1:])
        name, _, fmt = target.rpartition(".")
        dashboard, _, panel = name.partition("/")
        return Place("export", dashboard, panel, fmt)
    if head == "admin":
        return Place("admin", rest=slug)
    if head == "v" and len(parts) == 2:
        return Place("view", rest=slug)
    return Place("page", rest=rel)

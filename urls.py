"""The app's URLs, built and read in one place, the prefix (URL_PREFIX, always ending in `/`)
applied one way: `/td/` + `d/sales`.

Building: `dashboard`, `detail`, `embed`, `export`, `login`, `page`, `asset`, each with a
dashboard's state as its query (`view_query`: from a ViewState, whatever fields it has), and
`external` for a link that leaves the page (PUBLIC_URL's origin, or the request's host only when
ALLOWED_HOSTS lists it: a Host header is the client's to write). Reading: `relative` (a path
below the prefix, as Dash's pages router reads it), `place` (what it names), `view_state` (a
dashboard's state from a query), `clicked` (the point a detail URL names).
Saved views: `dashboard_view` (a dashboard in a view's state), `saved_view` (`v/<id>`) and
`subscribe` (the reports form on a view).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from flask import has_request_context, request

from data.drilldown import MAX_VALUE, Clicked
from data.spec import Drilldown
from data.urlstate import VARIABLE_PREFIX, ViewState
from services import services

Pairs = Iterable[tuple[str, str]]
Query = Mapping[str, str | list[str]]  # a parsed query string: a repeated key gives a list
DETAIL_ROWS = "rows"  # export/<slug>/<panel>/rows.csv: a detail page's rows


# The query of a dashboard's state --------------------------------------------------------------


def view_query(state: ViewState | None, *more: tuple[str, str]) -> str:
    """`?from=...&to=...&refresh=...&var-name=...` for every field `state` sets, then `more`;
    "" when there is nothing to say."""
    pairs = []
    if state is not None:
        pairs += [(p.name, v) for name, p in state.params() if (v := getattr(state, name))]
        for name, values in state.variables.items():
            pairs += [(f"{VARIABLE_PREFIX}{name}", v) for v in values]
    pairs += [(k, v) for k, v in more if v is not None]
    return f"?{urlencode(pairs)}" if pairs else ""


def _last(query: Query, key: str) -> str | None:
    value = query.get(key)
    value = value[-1] if isinstance(value, list) and value else value
    return None if value is None or isinstance(value, list) else str(value)


def view_state(query: Query | str) -> ViewState:
    """The state a query asks for (Dash's parsed query, or the text after `?`); a field it leaves
    out, leaves empty or sets to what the field may not be is empty: the dashboard's default
    (`ViewState.over`)."""
    if isinstance(query, str):
        query = parse_qs(query.lstrip("?"), keep_blank_values=True)
    asked = {}
    for name, param in ViewState.params():
        value = _last(query, param.name)
        if value and (not param.choices or value in param.choices):
            asked[name] = value
    variables = {
        key[len(VARIABLE_PREFIX) :]: [str(v) for v in value]
        if isinstance(value, list)
        else [str(value)]
        for key, value in query.items()
        if key.startswith(VARIABLE_PREFIX)
    }
    return ViewState(**asked, variables=variables)


def query_value(search: str | None, key: str) -> list[str]:
    """Every value of `key` in a query string (`?back=...`)."""
    return parse_qs((search or "").lstrip("?")).get(key, [])


# Building --------------------------------------------------------------------------------------


def dashboard(
    prefix: str,
    slug: str,
    state: ViewState | None = None,
    *,
    back: str | None = None,
    view: str | None = None,
) -> str:
    """`back`: the page a drill-down came from, for its breadcrumb; `view`: the saved view the
    state is from."""
    return f"{prefix}d/{slug}{view_query(state, ('back', back), ('view', view))}"


def _point(point: Clicked) -> list[tuple[str, str | None]]:
    """A clicked point as a query (`clicked` reads it back)."""
    pairs = [("category", point.category), ("series", point.series)]
    if point.bucket_start is not None:
        pairs += [("bucket", _ms(point.bucket_start)), ("bucket_end", _ms(point.bucket_end))]
    return pairs


def detail(prefix: str, slug: str, panel_id: str, state: ViewState, point: Clicked) -> str:
    """The rows behind a clicked point: the dashboard's state, and what was clicked."""
    return f"{prefix}d/{slug}/detail/{panel_id}{view_query(state, *_point(point))}"


def detail_rows(prefix: str, slug: str, panel_id: str, state: ViewState, point: Clicked) -> str:
    """Every row behind a clicked point, as CSV (the detail page's download)."""
    query = view_query(replace(state, refresh=""), *_point(point))
    return export(prefix, slug, "csv", f"{panel_id}/{DETAIL_ROWS}", query)


def _ms(seconds: float) -> str:
    return str(int(seconds * 1000))


def drill(prefix: str, drilldown: Drilldown, state: ViewState, point: Clicked, back: str) -> str:
    """The dashboard a panel's drilldown leads to from a clicked point: over the clicked bucket
    (`time: bucket`) or the picker's range, its `variables` set from the point."""
    time_from, time_to = state.time_from, state.time_to
    if drilldown.time == "bucket" and point.bucket_start is not None:
        time_from, time_to = _ms(point.bucket_start), _ms(point.bucket_end)
    variables = {
        name: [value]
        for name, field in drilldown.variables.items()
        if (value := point.field(field)) is not None
    }
    target = ViewState(time_from, time_to, variables=variables)
    return dashboard(prefix, drilldown.dashboard, target, back=back)


def embed(prefix: str, slug: str, token: str) -> str:
    return f"{prefix}embed/{slug}{view_query(None, ('token', token))}"


def export_query(state: ViewState, token: str | None = None) -> str:
    """What a page's export links carry: its state (its refresh aside) and, on an embedded page,
    its token (exports check it as the page's callbacks do)."""
    return view_query(replace(state, refresh=""), ("token", token))


def export(prefix: str, slug: str, fmt: str, panel_id: str | None = None, query: str = "") -> str:
    """A panel's download (`export/<slug>/<panel>.<fmt>`) or the dashboard's report (`.pdf`);
    `query`: `export_query`'s."""
    path = f"{slug}/{panel_id}.{fmt}" if panel_id else f"{slug}.{fmt}"
    return f"{prefix}export/{path}{query}"


def login(prefix: str, next_: str | None = None) -> str:
    """The login form; `next_`: where to go after it (a path of this app)."""
    after = f"?next={quote(next_, safe='/')}" if next_ else ""
    return f"{prefix}login{after}"


def dashboard_view(prefix: str, slug: str, view_id: str, query: str = "") -> str:
    """A dashboard in a saved view's state (its stored `query`), the view named by `view=`."""
    return dashboard(prefix, slug, view_state(query), view=view_id)


def saved_view(prefix: str, view_id: str) -> str:
    """A saved view's permalink: its dashboard in the view's state (routes/saved_views.py)."""
    return f"{prefix}v/{view_id}"


def subscribe(prefix: str, view_id: str) -> str:
    """The reports page, its form started on a saved view (pages/reports.py)."""
    return f"{prefix}reports?{urlencode({'view': view_id})}"


def page(prefix: str, name: str = "") -> str:
    """A page of the app by its path below the prefix: "", "alerts", "admin/users"."""
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


def local(target: str | None, prefix: str) -> str | None:
    """`target` if it is a path of this app (below `prefix`): where to go after login (`next`),
    a breadcrumb's way back (`back`). `//evil.example`, `https://evil.example`,
    `/\\evil.example`, white space and control characters are refused."""
    if not target or not target.startswith(prefix) or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 or c.isspace() for c in target):
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


# Reading ---------------------------------------------------------------------------------------

STATIC = ("assets", "_dash-component-suites")  # files, open to anyone
OPEN = ("login", "healthz", "metrics", "_favicon.ico")  # routes open to anyone
CALLBACK = "_dash-update-component"


@dataclass(frozen=True)
class Place:
    """What a path below the prefix is: `kind` dashboard, detail, embed, export, admin, view (a
    saved view's permalink, its id in `rest`), static, open (login, health, metrics), callback (a
    Dash callback), dash (Dash's other routes), or page (anything else); and the dashboard (and
    panel, format) it names. `rest`: an admin page's name, a detail page's rows (`rows`) for an
    export."""

    kind: str
    slug: str = ""
    panel: str = ""
    fmt: str = ""
    rest: str = ""


def mount(prefix: str) -> str | None:
    """The prefix as Flask mounts a blueprint's routes under it (None at the root)."""
    return prefix.rstrip("/") or None


def relative(prefix: str, path: str) -> str | None:
    """The path below the prefix without its outer slashes, as Dash's pages router reads a
    page's path (`d/sales` for `/td/d/sales/`); None outside the prefix."""
    base = prefix.rstrip("/")
    if path != base and not path.startswith(f"{base}/"):
        return None
    return path[len(base) :].strip("/")


def place(rel: str) -> Place:
    """What a path below the prefix (`relative`'s) names."""
    parts = rel.split("?")[0].split("/")
    head, slug = parts[0], parts[1] if len(parts) > 1 else ""
    if head in STATIC:
        return Place("static", rest=rel)
    if rel in OPEN:
        return Place("open", rest=rel)
    if rel == CALLBACK:
        return Place("callback")
    if head.startswith("_dash-"):
        return Place("dash", rest=rel)
    if head == "d" and len(parts) >= 4 and parts[2] == "detail":
        return Place("detail", slug, parts[3])
    if head == "d":
        return Place("dashboard", slug)
    if head == "embed":
        return Place("embed", slug)
    if head == "export":
        name, _, fmt = "/".join(parts[1:]).rpartition(".")
        dashboard, _, panel = name.partition("/")
        panel, _, rows = panel.partition("/")
        return Place("export", dashboard, panel, fmt, rest=rows)
    if head == "admin":
        return Place("admin", rest=slug)
    if head == "v" and len(parts) == 2:
        return Place("view", rest=slug)
    return Place("page", rest=rel)


def where(prefix: str, url: object) -> tuple[Place, str] | None:
    """What an address of this app (a path, or a full URL from the browser) names, and its
    query; None for anything else."""
    parts = urlsplit(url if isinstance(url, str) else "")
    rel = relative(prefix, parts.path)
    return (place(rel), parts.query) if rel is not None else None


LAST_MS = 7_258_118_400_000  # 2200-01-01 in milliseconds


def clicked(query: Query) -> Clicked:
    """The point a detail URL names (`detail`'s): its category, series and bucket."""

    def one(key: str) -> str | None:
        value = _last(query, key)
        return None if value is None else value[:MAX_VALUE]

    def moment(key: str) -> float | None:
        """Milliseconds since 1970 up to 2200 (past that, no time the data has: ignored)."""
        value = one(key) or ""
        return int(value) / 1000 if value.isdigit() and int(value) < LAST_MS else None

    return Clicked(one("category"), one("series"), moment("bucket"), moment("bucket_end"))

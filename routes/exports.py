"""Export downloads: `GET /export/<slug>/<panel-id>.png|svg|csv`, `GET /export/<slug>.pdf`, and
a detail page's rows, `GET /export/<slug>/<panel-id>/rows.csv` (users only, as detail pages are).

The time range and variables come from the query string as on `/d/<slug>` (from, to, var-NAME),
resolved once through view/resolve.py: values locked for the viewer (bound to a user attribute,
or fixed by an embed link) win, and the data is read for the viewer's scope. PNG and SVG take
`width` and `height` (CSS pixels) and PNG `scale`. The guard has authenticated the request (a
session, or an embed link's token as `?token=`) and checked the dashboard; the view checks again.
Every export goes to the audit log whatever its outcome, a failure nobody foresaw included (a
500 that says so; the traceback goes to the app's log).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, current_app, g, jsonify, request

import urls
from auth.access import Viewer
from data.errors import DataSourceError, ErrorKind
from data.panel_data import TRUNCATED_NOTE
from errors import StatusError
from exports.build import (
    MEDIA_TYPES,
    PANEL_FORMATS,
    ExportError,
    detail_csv,
    filename,
    panel_data_csv,
)
from exports.offload import WORKER_HEADER, drawn
from services import services
from view.detail import detail_of
from view.resolve import INPUT_ERRORS, View, ViewDenied, resolve_view

blueprint = Blueprint("exports", __name__)
TRUNCATED_HEADER = "X-Teamdash-Truncated"  # a CSV cut at the row limit says so here too

SIZE_LIMITS = {"width": (100, 4000), "height": (80, 4000)}
SCALE_LIMITS = (0.5, 4.0)
MAX_PIXELS = 4000 * 4000


def _error(status: int, text: str) -> Response:
    response = jsonify({"error": text})
    response.status_code = status
    return response


def _number(name: str, low: float, high: float, whole: bool) -> float | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    kind = "a whole number" if whole else "a number"
    try:
        value = int(raw) if whole else float(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise ExportError(f"{name} must be {kind} from {low:g} to {high:g}, got {raw!r}", 400)
    return value


def _image_size(fmt: str) -> tuple[tuple[int, int] | None, float]:
    width = _number("width", *SIZE_LIMITS["width"], whole=True)
    height = _number("height", *SIZE_LIMITS["height"], whole=True)
    scale = _number("scale", *SCALE_LIMITS, whole=False) if fmt == "png" else None
    scale = scale or 1.0
    if (width is None) != (height is None):
        raise ExportError("give both width and height, or neither (the panel's own size)", 400)
    if width is not None and width * height * scale * scale > MAX_PIXELS:
        raise ExportError(
            f"{width:g}x{height:g} at scale {scale:g} is more than {MAX_PIXELS:,} pixels; "
            "ask for a smaller image",
            400,
        )
    size = (int(width), int(height)) if width is not None else None
    return size, scale


def _view(slug: str, viewer: Viewer, *, users_only: bool = False) -> View:
    """The export's view: the dashboard as the viewer may see it, in the URL's state."""
    try:
        asked = urls.view_state(request.args.to_dict(flat=False))
        return resolve_view(viewer, slug, asked, users_only=users_only)
    except INPUT_ERRORS as exc:
        raise ExportError(str(exc), 400) from None
    except DataSourceError as exc:
        status = 403 if exc.kind == ErrorKind.SCOPE else 502
        raise ExportError(f"Variable options could not be loaded: {exc.message}", status) from None


UNFORESEEN = (
    "The export failed in a way the app did not foresee; it is logged. Try again, or tell an "
    "admin the time it happened."
)


def _made(viewer: Viewer, target: str, make: Callable[[Viewer], Response]) -> Response:
    """`make`'s download, or the error that says why not."""
    try:
        return make(viewer)
    except ViewDenied as exc:
        if exc.status == 403:
            services().audit.record("forbidden", viewer.name, target=target, outcome="denied",
                                   ip=request.remote_addr or "")  # fmt: skip
        return _error(exc.status, exc.message)
    except StatusError as exc:  # an export that cannot be made as asked, an engine that failed
        return _error(exc.status, exc.message)
    except DataSourceError as exc:
        return _error(403 if exc.kind == ErrorKind.SCOPE else 502, exc.message)
    except Exception:  # noqa: BLE001 (any other failure is still answered and audited)
        current_app.logger.exception("export %s failed", target)
        return _error(500, UNFORESEEN)


def _download(body: bytes | str, fmt: str, name: str, headers: dict | None = None) -> Response:
    response = Response(body, mimetype=MEDIA_TYPES[fmt], headers=headers)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _exported(target: str, fmt: str, make: Callable[[Viewer], Response]) -> Response:
    """`make`'s download for the request's viewer (the guard's, checked again through the
    view), audited whatever the outcome."""
    viewer = g.get("viewer")
    if viewer is None:  # the guard refuses these first; this holds if a route escapes it
        return _error(401, "Log in first, or use a valid embed link.")
    response = _made(viewer, target, make)
    # The query as asked, without the embed token (a credential: never kept).
    asked = {k: v for k, v in request.args.to_dict(flat=False).items() if k != "token"}
    detail: dict = {"format": fmt, "query": asked}
    outcome = "ok" if response.status_code == 200 else "error"
    if outcome == "error":
        detail["status"] = response.status_code
    services().audit.record("export", viewer.name, target=target, outcome=outcome,
                            ip=request.remote_addr or "", detail=detail)  # fmt: skip
    return response


# Images and reports are drawn by the export workers when the queue is configured
# (exports/offload.py), in this process otherwise; the response says which worker drew it.
def _drawn(view: View, fmt: str, headers: dict, **what) -> bytes:
    body, worker = drawn(view, fmt, **what)
    if worker is not None:
        headers[WORKER_HEADER] = worker
    return body


@blueprint.get("/export/<slug>/<panel_id>.<fmt>")
def panel_export(slug: str, panel_id: str, fmt: str) -> Response:
    def make(viewer: Viewer) -> Response:
        view = _view(slug, viewer)
        panel = view.panel(panel_id)
        if fmt not in PANEL_FORMATS:
            raise ExportError(f"A panel exports as {', '.join(PANEL_FORMATS)}, not {fmt!r}.", 404)
        size, scale = _image_size(fmt) if fmt != "csv" else (None, 1.0)
        headers = {}
        if fmt == "csv":
            body, truncated = panel_data_csv(view, panel)
            if truncated:
                headers[TRUNCATED_HEADER] = TRUNCATED_NOTE
        else:
            body = _drawn(view, fmt, headers, panel_id=panel.id, size=size, scale=scale)
        return _download(body, fmt, filename(view, fmt, panel), headers)

    return _exported(f"{slug}/{panel_id}", fmt, make)


@blueprint.get("/export/<slug>.pdf")
def dashboard_report(slug: str) -> Response:
    def make(viewer: Viewer) -> Response:
        view = _view(slug, viewer)
        headers: dict = {}
        pdf = _drawn(view, "pdf", headers)
        return _download(pdf, "pdf", filename(view, "pdf"), headers)

    return _exported(slug, "pdf", make)


@blueprint.get(f"/export/<slug>/<panel_id>/{urls.DETAIL_ROWS}.csv")
def detail_rows(slug: str, panel_id: str) -> Response:
    def make(viewer: Viewer) -> Response:
        view = _view(slug, viewer, users_only=True)
        detail = detail_of(view, panel_id, request.args.to_dict(flat=False))
        body, cut = detail_csv(detail.rows)
        headers = {TRUNCATED_HEADER: detail.rows.said(len(detail.rows.frame))} if cut else {}
        return _download(body, "csv", filename(view, "csv", detail.panel, "rows"), headers)

    return _exported(f"{slug}/{panel_id}/{urls.DETAIL_ROWS}", "csv", make)

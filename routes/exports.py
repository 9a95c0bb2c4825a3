"""Export downloads: `GET /export/<slug>/<panel-id>.png|svg|csv` and `GET /export/<slug>.pdf`.

The time range and variables come from the query string as on `/d/<slug>` (from, to, var-NAME),
resolved through data.view: values locked for the viewer (bound to a user attribute, or fixed by
an embed link) win, and the data is read for the viewer's scope. PNG and SVG take `width` and
`height` (CSS pixels) and PNG `scale`. The guard has authenticated the request (a session, or an
embed link's token as `?token=`) and checked the dashboard; data.view checks again. Every
export, made or failed, goes to the audit log.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, g, jsonify, request

from auth.access import Viewer
from data.errors import DataSourceError, ErrorKind
from data.panel_data import TRUNCATED_NOTE
from data.urlstate import ViewState
from data.view import INPUT_ERRORS, View, ViewDenied, authorise, resolve_view
from exports.build import (
    MEDIA_TYPES,
    PANEL_FORMATS,
    ExportError,
    filename,
    panel_data_csv,
)
from exports.kaleido_engine import ExportEngineError
from exports.offload import WORKER_HEADER, drawn
from services import services

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


def _view(slug: str, viewer: Viewer) -> View:
    """The export's view: the dashboard as the viewer may see it, in the URL's state."""
    dashboard = authorise(viewer, slug)
    try:
        asked = ViewState.from_query(dashboard, request.args.to_dict(flat=False))
        return resolve_view(viewer, slug, asked)
    except INPUT_ERRORS as exc:
        raise ExportError(str(exc), 400) from None
    except DataSourceError as exc:
        status = 403 if exc.kind == ErrorKind.SCOPE else 502
        raise ExportError(f"Variable options could not be loaded: {exc.message}", status) from None


def _audited(viewer: Viewer, target: str, fmt: str, make: Callable[[], Response]) -> Response:
    # The query as asked, without the embed token (a credential: never kept).
    asked = {k: v for k, v in request.args.to_dict(flat=False).items() if k != "token"}
    detail: dict = {"format": fmt, "query": asked}
    try:
        response = make()
    except (ExportError, ExportEngineError) as exc:
        response = _error(exc.status, exc.message)
    outcome = "ok" if response.status_code == 200 else "error"
    if outcome == "error":
        detail["status"] = response.status_code
    ip = request.remote_addr or ""
    services().audit.record(
        "export", viewer.name, target=target, outcome=outcome, ip=ip, detail=detail
    )
    return response


def _download(body: bytes | str, fmt: str, name: str, headers: dict | None = None) -> Response:
    response = Response(body, mimetype=MEDIA_TYPES[fmt], headers=headers)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _exported(target: str, fmt: str, make: Callable[[Viewer], Response]) -> Response:
    """`make`'s download for the request's viewer (the guard's, checked again through
    data.view), audited whatever the outcome."""
    viewer = g.get("viewer")
    if viewer is None:  # the guard refuses these first; this holds if a route escapes it
        return _error(401, "Log in first, or use a valid embed link.")
    try:
        return _audited(viewer, target, fmt, lambda: make(viewer))
    except ViewDenied as exc:
        if exc.status == 403:
            services().audit.record("forbidden", viewer.name, target=target, outcome="denied",
                                   ip=request.remote_addr or "")  # fmt: skip
        return _error(exc.status, exc.message)


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

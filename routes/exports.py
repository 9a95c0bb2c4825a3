"""Export downloads: `GET /export/<slug>/<panel-id>.png|svg|csv` and `GET /export/<slug>.pdf`.

The time range and variables come from the query string as on `/d/<slug>` (from, to, var-NAME);
values locked for the viewer (bound to a user attribute, or fixed by an embed token) win. PNG and
SVG take `width` and `height` (CSS pixels) and PNG `scale`. The guard has authenticated the
request (a session, or an embed token as `?token=`) and checked the dashboard; the check is
repeated here. Every export, made or failed, goes to the audit log.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, g, jsonify, request

from data import runtime
from data.access import Viewer, locked_variables, may_view
from data.annotations import AnnotationStore
from data.errors import DataSourceError
from data.spec import Dashboard
from data.timerange import TimeRangeError
from data.variables import VariableError
from exports.build import (
    MEDIA_TYPES,
    PANEL_FORMATS,
    ExportError,
    filename,
    panel_data_csv,
    panel_image,
    report_pdf,
)
from exports.kaleido_engine import ExportEngineError
from exports.view import ExportView, export_view

blueprint = Blueprint("exports", __name__)

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


def _authorised(slug: str) -> tuple[Dashboard, Viewer] | Response:
    dashboard = runtime.dashboards().get(slug)
    if dashboard is None:
        return _error(404, f"There is no dashboard {slug!r}.")
    viewer = g.get("viewer")
    if not may_view(viewer, dashboard):
        # The guard refuses these first; this holds if a route ever escapes it.
        actor = viewer.name if viewer is not None else "anonymous"
        ip = request.remote_addr or ""
        runtime.audit().record("forbidden", actor, target=slug, outcome="denied", ip=ip)
        return _error(403, f"You may not open dashboard {slug!r}. Ask an admin for access to it.")
    return dashboard, viewer


def _view(dashboard: Dashboard, viewer: Viewer) -> ExportView:
    query = request.args.to_dict(flat=False)
    try:
        return export_view(
            runtime.data_layer(),
            dashboard,
            query,
            locked_variables(viewer, dashboard),
            AnnotationStore(runtime.state()),
        )
    except (TimeRangeError, VariableError) as exc:
        raise ExportError(str(exc), 400) from None
    except DataSourceError as exc:
        raise ExportError(f"Variable options could not be loaded: {exc.message}", 502) from None


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
    runtime.audit().record(
        "export", viewer.name, target=target, outcome=outcome, ip=ip, detail=detail
    )
    return response


def _download(body: bytes | str, fmt: str, name: str) -> Response:
    response = Response(body, mimetype=MEDIA_TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@blueprint.get("/export/<slug>/<panel_id>.<fmt>")
def panel_export(slug: str, panel_id: str, fmt: str) -> Response:
    allowed = _authorised(slug)
    if isinstance(allowed, Response):
        return allowed
    dashboard, viewer = allowed
    panel = dashboard.panel(panel_id)
    if panel is None:
        return _error(404, f"Dashboard {slug!r} has no panel {panel_id!r}.")
    if fmt not in PANEL_FORMATS:
        return _error(404, f"A panel exports as {', '.join(PANEL_FORMATS)}, not {fmt!r}.")

    def make() -> Response:
        size, scale = _image_size(fmt) if fmt != "csv" else (None, 1.0)
        view = _view(dashboard, viewer)
        layer = runtime.data_layer()
        if fmt == "csv":
            body: bytes | str = panel_data_csv(layer, view, panel)
        else:
            timeout = runtime.settings().export_timeout
            body = panel_image(layer, view, panel, fmt, size=size, scale=scale, timeout=timeout)
        return _download(body, fmt, filename(view, fmt, panel))

    return _audited(viewer, f"{slug}/{panel_id}", fmt, make)


@blueprint.get("/export/<slug>.pdf")
def dashboard_report(slug: str) -> Response:
    allowed = _authorised(slug)
    if isinstance(allowed, Response):
        return allowed
    dashboard, viewer = allowed

    def make() -> Response:
        view = _view(dashboard, viewer)
        pdf = report_pdf(
            runtime.data_layer(),
            view,
            runtime.panel_pool(),
            viewer.name,
            timeout=runtime.settings().export_timeout,
        )
        return _download(pdf, "pdf", filename(view, "pdf"))

    return _audited(viewer, slug, "pdf", make)

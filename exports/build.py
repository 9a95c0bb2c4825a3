"""The export files of a view, made the same way for the browser (routes/exports.py) and for cron
(`flask report`): a panel's PNG or SVG, its CSV, the dashboard's PDF report."""

from __future__ import annotations

from concurrent.futures import Executor
from datetime import UTC, datetime

from data.datasources import DataLayer
from data.spec import Panel
from exports.figures import default_size, for_image, panel_figure
from exports.kaleido_engine import ENGINE, Image
from exports.panel_csv import panel_csv
from exports.report import layout_report, overlay, typeset
from exports.view import ExportView, PanelExport, fetch, fetch_all

MEDIA_TYPES = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
}
PANEL_FORMATS = ("png", "svg", "csv")


class ExportError(Exception):
    """An export that cannot be made as asked; `status` is the HTTP status that says why."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def filename(view: ExportView, fmt: str, panel: Panel | None = None) -> str:
    """`system-health_request-rate_20261122-2150.png`: dashboard, panel, end of the range (UTC)."""
    end = datetime.fromtimestamp(view.time_range.end, UTC).strftime("%Y%m%d-%H%M")
    parts = [view.dashboard.slug, *([panel.id] if panel else []), end]
    return "_".join(parts) + f".{fmt}"


def _loaded(layer: DataLayer, view: ExportView, panel: Panel) -> PanelExport:
    export = fetch(layer, view, panel)
    if export.data.status == "error":
        raise ExportError(f"Panel {panel.id!r} has no data to export: {export.data.error}", 502)
    return export


def panel_image(
    layer: DataLayer,
    view: ExportView,
    panel: Panel,
    fmt: str,
    *,
    size: tuple[int, int] | None = None,
    scale: float = 1.0,
    timeout: float,
) -> bytes:
    """The panel as PNG or SVG, titled, at `size` (CSS pixels; default: about its size on the
    page) times `scale`."""
    figure = panel_figure(_loaded(layer, view, panel))
    if figure is None:
        raise ExportError(
            f"Panel {panel.id!r} is a text panel: it has no image (the PDF report prints it).",
            400,
        )
    width, height = size or default_size(panel)
    image = Image(for_image(figure, panel, title=True), fmt, width, height, scale)
    return ENGINE.image(image, timeout)


def panel_data_csv(layer: DataLayer, view: ExportView, panel: Panel) -> str:
    if panel.type == "text":
        raise ExportError(f"Panel {panel.id!r} is a text panel: it has no data to export.", 400)
    return panel_csv(_loaded(layer, view, panel).data)


def report_pdf(
    layer: DataLayer, view: ExportView, pool: Executor, generated_by: str, *, timeout: float
) -> bytes:
    """The dashboard's PDF report. The browser draws the figures while reportlab sets the text."""
    exports = fetch_all(layer, view, pool)
    layout = layout_report(view, exports, generated_by, datetime.now(UTC))
    images = [
        Image(
            for_image(panel_figure(slot.export), slot.export.data.panel, title=False),
            "pdf",
            *slot.pixels,
        )
        for slot in layout.slots
    ]
    drawn = pool.submit(ENGINE.images, images, timeout) if images else None
    text = typeset(view, layout)
    return overlay(text, layout.slots, drawn.result() if drawn else [])

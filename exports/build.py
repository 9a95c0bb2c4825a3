"""The export files of a view, made the same way for the browser (routes/exports.py) and for cron
(`flask report`): a panel's PNG or SVG, its CSV, the dashboard's PDF report."""

from __future__ import annotations

from concurrent.futures import Executor
from datetime import UTC, datetime

from data.drilldown import DetailRows
from data.errors import ErrorKind
from data.spec import Panel
from errors import StatusError
from exports.figures import default_size, for_image, message_figure
from exports.kaleido_engine import ENGINE, Image
from exports.panel_csv import NO_DATA, csv_text, frame_csv
from exports.report import layout_report, overlay, typeset
from exports.view import PanelExport, fetch, fetch_all
from panels import panel_type
from view.resolve import View

MEDIA_TYPES = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
}
PANEL_FORMATS = ("png", "svg", "csv")


class ExportError(StatusError):
    """An export that cannot be made as asked; `status` is the HTTP status that says why."""


def filename(view: View, fmt: str, panel: Panel | None = None, what: str = "") -> str:
    """`system-health_request-rate_20261122-2150.png`: dashboard, panel, what of it (a detail
    page's `rows`), end of the range (UTC)."""
    end = datetime.fromtimestamp(view.time_range.end, UTC).strftime("%Y%m%d-%H%M")
    parts = [view.dashboard.slug, *([panel.id] if panel else []), *([what] if what else []), end]
    return "_".join(parts) + f".{fmt}"


def _loaded(view: View, panel: Panel) -> PanelExport:
    export = fetch(view, panel)
    if export.data.status == "error":
        # Refused for the viewer's scope is a 403, as on the page; anything else an upstream's.
        status = 403 if export.data.error_kind == ErrorKind.SCOPE else 502
        raise ExportError(f"Panel {panel.id!r} has no data to export: {export.data.error}", status)
    return export


def figure_of(export: PanelExport) -> dict:
    """The panel's image figure: its type's, or the page's message when there is no data."""
    if export.model is None:
        return message_figure(export.data.panel, "No data in this time range.")
    return panel_type(export.data.panel.type).figure(export.model)


def _offered(panel: Panel, fmt: str) -> None:
    kind = panel_type(panel.type)
    if fmt not in kind.exports:
        offered = ", ".join(kind.exports) or "nothing (the PDF report prints it)"
        message = f"Panel {panel.id!r} is a {panel.type} panel: it exports as {offered}, not {fmt}."
        raise ExportError(message, 400)


def panel_image(
    view: View,
    panel: Panel,
    fmt: str,
    *,
    size: tuple[int, int] | None = None,
    scale: float = 1.0,
    timeout: float,
) -> bytes:
    """The panel as PNG or SVG, titled, at `size` (CSS pixels; default: about its size on the
    page) times `scale`."""
    _offered(panel, fmt)
    figure = figure_of(_loaded(view, panel))
    width, height = size or default_size(panel)
    image = Image(for_image(figure, panel, title=True), fmt, width, height, scale)
    return ENGINE.image(image, timeout)


def panel_data_csv(view: View, panel: Panel) -> tuple[str, bool]:
    """The panel's CSV, and whether its data was cut at the row limit (the CSV says so too)."""
    _offered(panel, "csv")
    export = _loaded(view, panel)
    if export.model is None:
        return NO_DATA, False
    rows = panel_type(panel.type).rows(export.model)
    return csv_text(rows, export.data.truncated), export.data.truncated


def detail_csv(rows: DetailRows) -> tuple[str, bool]:
    """A detail page's rows as CSV, and whether they were cut at the row limit (the CSV then
    ends saying how many of how many it holds)."""
    cut = len(rows.frame) < rows.total
    return frame_csv(rows.frame, rows.said(len(rows.frame)) if cut else None), cut


def report_pdf(view: View, pool: Executor, generated_by: str, *, timeout: float) -> bytes:
    """The dashboard's PDF report. The browser draws the figures while reportlab sets the text."""
    exports = fetch_all(view, pool)
    layout = layout_report(view, exports, generated_by, datetime.now(UTC))
    images = [
        Image(for_image(slot.figure, slot.export.data.panel, title=False), "pdf", *slot.pixels)
        for slot in layout.slots
    ]
    drawn = pool.submit(ENGINE.images, images, timeout) if images else None
    text = typeset(view, layout)
    return overlay(text, layout.slots, drawn.result() if drawn else [])

"""The PDF report of a dashboard, A4 landscape: a cover (title, description, time range as
written and in UTC, variable values, when and by whom it was made), then every panel in the
dashboard's order, one or two to a page, "page N of M" on every page.

Each panel prints as its type says (panels/kind.py `pdf`): its figure, its rows as a table, or
prose. Two passes. reportlab lays out all the text (the cover, panel titles and descriptions,
tables as real tables, prose, messages of panels without data) and leaves an empty slot for
each figure, noting the page and position where the slot landed. kaleido draws each figure
as a one-page vector PDF at its slot's size, and pypdf lays each page over its slot. So text
stays text (searchable and copyable) and charts stay vector.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from html import escape
from io import BytesIO
from pathlib import Path

from pypdf import PdfReader, PdfWriter, Transformation
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from data.panel_data import TRUNCATED_NOTE
from exports.view import PanelExport
from panels import panel_type
from panels.kind import Prose, Rows, window_words
from panels.units import cell_text
from view.resolve import View

PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
MARGIN = 36.0
FOOTER = 18.0
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
# A figure slot: two panels (title, description, figure) fit on a page; tall panels get a page.
HALF_SLOT = 190.0
FULL_SLOT = 400.0
TALL_PANEL = 400  # px
POINTS_PER_PX = 0.75  # kaleido's PDF pages measure the figure's CSS pixels in points at 96 dpi
TABLE_ROWS = 100
CELL_CHARS = 200

_FONTS = Path("/usr/share/fonts/truetype/dejavu")


def _fonts() -> tuple[str, str]:
    """DejaVu Sans when the system has it (every character of a title prints), else Helvetica."""
    regular, bold = _FONTS / "DejaVuSans.ttf", _FONTS / "DejaVuSans-Bold.ttf"
    if not (regular.exists() and bold.exists()):
        return "Helvetica", "Helvetica-Bold"
    if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(regular)))
        pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(bold)))
    return "DejaVuSans", "DejaVuSans-Bold"


FONT, BOLD = _fonts()
INK = colors.HexColor("#2c3138")
MUTED = colors.HexColor("#6e7079")
RULE = colors.HexColor("#dfe3e8")
STYLES = {
    "cover": ParagraphStyle("cover", fontName=BOLD, fontSize=26, leading=32, textColor=INK),
    "lead": ParagraphStyle("lead", fontName=FONT, fontSize=12, leading=16, textColor=MUTED),
    "title": ParagraphStyle("title", fontName=BOLD, fontSize=13, leading=17, textColor=INK),
    "note": ParagraphStyle("note", fontName=FONT, fontSize=8.5, leading=11, textColor=MUTED),
    "body": ParagraphStyle("body", fontName=FONT, fontSize=10, leading=14, textColor=INK),
    "cell": ParagraphStyle("cell", fontName=FONT, fontSize=8, leading=10, textColor=INK),
    "number": ParagraphStyle(
        "number", fontName=FONT, fontSize=8, leading=10, textColor=INK, alignment=TA_RIGHT
    ),
}


@dataclass
class Slot:
    """Room for one figure; where it landed once laid out (page from 1, points from bottom left)."""

    export: PanelExport
    figure: dict
    width: float
    height: float
    page: int = 0
    x: float = 0.0
    y: float = 0.0

    @property
    def pixels(self) -> tuple[int, int]:
        return round(self.width / POINTS_PER_PX), round(self.height / POINTS_PER_PX)


class _SlotFlowable(Flowable):
    def __init__(self, slot: Slot) -> None:
        super().__init__()
        self.slot = slot

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.slot.width, self.slot.height

    def draw(self) -> None:
        self.slot.page = self.canv.getPageNumber()
        self.slot.x, self.slot.y = self.canv.absolutePosition(0, 0)


class _NumberedCanvas(Canvas):
    """Keeps every page until the end, then writes the footer with "page N of M" on each."""

    def __init__(self, *args, footer: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._footer = footer
        self._pages: list[dict] = []

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFont(FONT, 8)
            self.setFillColor(MUTED)
            self.drawString(MARGIN, MARGIN - 14, self._footer)
            self.drawRightString(
                PAGE_WIDTH - MARGIN, MARGIN - 14, f"page {self._pageNumber} of {total}"
            )
            super().showPage()
        super().save()


@dataclass
class ReportLayout:
    """The laid-out text of the report and the figure slots it left."""

    story: list[Flowable] = field(default_factory=list)
    slots: list[Slot] = field(default_factory=list)


def _utc(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _cover(view: View, generated_by: str, generated_at: datetime) -> list[Flowable]:
    dashboard = view.dashboard
    state = view.state
    facts = [
        ("Time range", f"{state.time_from} to {state.time_to}"),
        ("From", _utc(view.time_range.start)),
        ("To", _utc(view.time_range.end)),
    ]
    for variable in dashboard.variables:
        chosen = state.variables.get(variable.name, [])
        facts.append((variable.label or variable.name, ", ".join(chosen) or "(none)"))
    facts += [
        ("Generated", f"{generated_at.strftime('%Y-%m-%d %H:%M:%S UTC')} by {generated_by}"),
        ("Panels", str(len(dashboard.panels))),
    ]
    rows = [
        [Paragraph(escape(k), STYLES["note"]), Paragraph(escape(v), STYLES["body"])]
        for k, v in facts
    ]
    table = Table(rows, colWidths=[120, CONTENT_WIDTH - 120], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -2), 0.5, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    return [
        Spacer(1, 60),
        Paragraph(escape(dashboard.title), STYLES["cover"]),
        Spacer(1, 8),
        Paragraph(escape(dashboard.description), STYLES["lead"]),
        Spacer(1, 28),
        table,
        PageBreak(),
    ]


def _heading(export: PanelExport) -> list[Flowable]:
    data = export.data
    panel = data.panel
    parts: list[Flowable] = [Paragraph(escape(panel.title), STYLES["title"])]
    notes = [panel.description] if panel.description else []
    if window_words(panel):  # as the card says it
        notes.append(" · ".join(words for words, _why in window_words(panel)))
    if data.status == "stale" and data.error:
        notes.append(data.error)
    if data.truncated:
        notes.append(TRUNCATED_NOTE)
    parts += [Paragraph(escape(n), STYLES["note"]) for n in notes]
    parts.append(Spacer(1, 6))
    return parts


def _cell(text: str, unit: bool, tint: object) -> Paragraph:
    """One cell, wrapped to its column; in its threshold colour and bold where the panel says."""
    text = escape(text if len(text) <= CELL_CHARS else text[: CELL_CHARS - 1] + "…")
    if isinstance(tint, str) and tint.startswith("#"):
        text = f'<font color="{tint}"><b>{text}</b></font>'
    return Paragraph(text, STYLES["number" if unit else "cell"])


def _table(rows: Rows) -> list[Flowable]:
    """A panel's rows as a table (its first TABLE_ROWS), header repeated on each page, numbers
    in their unit, threshold colours as on the page."""
    frame = rows.frame
    body = [
        [
            Paragraph(f"<b>{escape(str(c))}</b>", STYLES["number" if c in rows.units else "cell"])
            for c in frame.columns
        ]
    ]
    for n, record in enumerate(frame.head(TABLE_ROWS).itertuples(index=False)):
        body.append(
            [
                _cell(
                    cell_text(value, rows.units.get(column)),
                    column in rows.units,
                    rows.colors.get(column, [None] * (n + 1))[n],
                )  # fmt: skip
                for column, value in zip(frame.columns, record, strict=True)
            ]
        )
    count = max(1, len(frame.columns))
    table = Table(body, colWidths=[CONTENT_WIDTH / count] * count, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f4f5f7")),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    if len(frame) <= TABLE_ROWS:
        return [table]
    more = f"The first {TABLE_ROWS} of {len(frame)} rows; the CSV export has them all."
    return [table, Paragraph(more, STYLES["note"])]


TEXT_STYLES = {"heading": "title", "paragraph": "body", "item": "body", "code": "cell"}


def _prose(prose: Prose) -> list[Flowable]:
    """Text blocks, formatted as on the page (bold, lists, headings)."""
    return [
        Paragraph(("• " if style == "item" else "") + markup, STYLES[TEXT_STYLES[style]])
        for style, markup in prose.blocks
    ]


def layout_report(
    view: View, exports: list[PanelExport], generated_by: str, generated_at: datetime
) -> ReportLayout:
    """The report's flowables: the cover, then each panel as its type prints it (panels/kind.py
    `pdf`): a figure slot, a table or text; its message when it has no data."""
    layout = ReportLayout(_cover(view, generated_by, generated_at))
    for export in exports:
        data = export.data
        heading = _heading(export)
        block = panel_type(data.panel.type).pdf(export.model) if export.model else None
        if block is None:
            message = data.error if data.status == "error" else "No data in this time range."
            layout.story.append(
                KeepTogether([*heading, Paragraph(escape(message or ""), STYLES["body"])])
            )
        elif isinstance(block, Rows):
            layout.story.append(KeepTogether([*heading, *_table(block)]))
        elif isinstance(block, Prose):
            layout.story.append(KeepTogether([*heading, *_prose(block)]))
        else:
            tall = data.panel.height >= TALL_PANEL
            slot = Slot(export, block.figure, CONTENT_WIDTH, FULL_SLOT if tall else HALF_SLOT)
            layout.slots.append(slot)
            legend = _table(block.table) if block.table is not None else []  # as on the card
            layout.story.append(KeepTogether([*heading, _SlotFlowable(slot), *legend]))
        layout.story.append(Spacer(1, 16))
    return layout


def typeset(view: View, layout: ReportLayout) -> bytes:
    """The report without its figures; notes where each slot landed."""
    text_pdf = BytesIO()
    document = BaseDocTemplate(
        text_pdf,
        pagesize=(PAGE_WIDTH, PAGE_HEIGHT),
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + FOOTER,
        title=f"{view.dashboard.title} report",
        author="Teamdash",
    )
    frame = Frame(
        MARGIN, MARGIN + FOOTER, CONTENT_WIDTH, PAGE_HEIGHT - 2 * MARGIN - FOOTER, id="content"
    )
    document.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    footer = f"{view.dashboard.title} · {view.state.time_from} to {view.state.time_to}"
    document.build(layout.story, canvasmaker=partial(_NumberedCanvas, footer=footer))
    return text_pdf.getvalue()


def overlay(text_pdf: bytes, slots: list[Slot], figures: list[bytes]) -> bytes:
    """The finished PDF: each figure's vector page laid over its slot, scaled to fit."""
    writer = PdfWriter(clone_from=PdfReader(BytesIO(text_pdf)))
    for slot, figure in zip(slots, figures, strict=True):
        page = PdfReader(BytesIO(figure)).pages[0]
        box = page.mediabox
        scale = min(slot.width / float(box.width), slot.height / float(box.height))
        x = slot.x + (slot.width - float(box.width) * scale) / 2 - float(box.left) * scale
        y = slot.y + (slot.height - float(box.height) * scale) / 2 - float(box.bottom) * scale
        writer.pages[slot.page - 1].merge_transformed_page(
            page, Transformation().scale(scale).translate(x, y)
        )
    out = BytesIO()
    writer.write(out)
    return out.getvalue()

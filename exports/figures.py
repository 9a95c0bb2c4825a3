"""A panel's figure made ready for an image: on a white page, at the export's size, titled when
the image stands alone. The figure itself is the panel type's (panels/<type>.py `figure`), drawn
from the same display model as the page."""

from __future__ import annotations

from html import escape

from data.spec import Panel
from panels.figures import bare_layout, text_note
from panels.theme import MUTED, TEXT

TITLE_ROOM = 36  # px above the plot for the panel's title


def for_image(figure: dict, panel: Panel, *, title: bool) -> dict:
    """The figure on a white page, sized by the export; with the panel's title on top when the
    image stands alone (the PDF report prints titles as text)."""
    layout = {k: v for k, v in figure["layout"].items() if k not in ("height", "width")}
    layout["paper_bgcolor"] = "white"
    layout["plot_bgcolor"] = "white"
    if title:
        layout["title"] = {
            "text": escape(panel.title),
            "x": 0.01,
            "xanchor": "left",
            "y": 1,
            "yanchor": "top",
            "yref": "container",
            "pad": {"t": 10},
            "font": {"size": 15, "color": TEXT},
        }
        margin = dict(layout.get("margin", {}))
        margin["t"] = margin.get("t", 8) + TITLE_ROOM
        layout["margin"] = margin
    return {"data": figure["data"], "layout": layout}


def default_size(panel: Panel) -> tuple[int, int]:
    """An image about the size of the panel on a 1200 px wide page, title included."""
    return max(320, round(panel.width / 12 * 1200)), panel.height + TITLE_ROOM


def message_figure(panel: Panel, text: str) -> dict:
    """The page's message where a panel has no data, as a picture."""
    layout = bare_layout(panel)
    layout["annotations"] = [text_note(escape(text), 0.5, 0.5, 14, MUTED)]
    return {"data": [], "layout": layout}

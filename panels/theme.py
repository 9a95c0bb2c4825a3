"""Colours and the plotly template every panel shares.

Series take colours from a colour-blind-safe palette, one each within a panel: a name's own
slot (the same service is the same colour on every panel where it can be), or the next free one.
Names that mean something (a severity, a status, an HTTP status class, a cache hit or miss) take
the colour of that meaning; red is kept for bad news and is not in the palette. Sequential scales
run from light (low) to dark (high).
"""

from __future__ import annotations

import hashlib
import re

# Okabe & Ito's colour-blind-safe set without its black, yellow and vermillion, then Paul Tol's
# muted set: eleven hues told apart with any common colour-vision deficiency.
PALETTE = [
    "#0072b2",  # blue
    "#e69f00",  # orange
    "#009e73",  # bluish green
    "#cc79a7",  # reddish purple
    "#56b4e9",  # sky blue
    "#332288",  # indigo
    "#999933",  # olive
    "#882255",  # wine
    "#44aa99",  # teal
    "#ddcc77",  # sand
    "#aa4499",  # purple
]
NAMED = {
    "green": "#56a64b",
    "red": "#e02f44",
    "dark-red": "#c4162a",
    "orange": "#ff9830",
    "yellow": "#f2cc0c",
    "blue": "#3274d9",
    "purple": "#8f3bb8",
    "grey": "#6e7079",
    "gray": "#6e7079",
}
OK, WARN, BAD, NEUTRAL = NAMED["green"], NAMED["orange"], NAMED["red"], "#3274d9"
TEXT, MUTED, WHITE = "#2c3138", "#6e7079", "#ffffff"
IDLE = "#9fa7b3"
# What a name means, whatever panel it is on (names compared lower case, "-" and " " as "_").
MEANINGS = {
    **dict.fromkeys(("critical", "blocker", "urgent", "fatal", "p1", "sev1"), NAMED["dark-red"]),
    **dict.fromkeys(("high", "major", "error", "errors", "failed", "failure", "down"), BAD),
    **dict.fromkeys(("warning", "medium", "degraded", "at_risk", "blocked", "late"), WARN),
    **dict.fromkeys(("minor", "low", "miss", "misses", "retry", "retrying", "rollback"), "#fade2a"),
    **dict.fromkeys(("info", "trivial", "in_progress", "running", "active"), NEUTRAL),
    **dict.fromkeys(
        (
            "ok",
            "up",
            "success",
            "succeeded",
            "done",
            "completed",
            "hit",
            "hits",
            "healthy",
            "passed",
            "resolved",
            "sent",
        ),
        OK,
    ),  # fmt: skip
    **dict.fromkeys(("planned", "pending", "queued", "idle", "unknown", "other"), IDLE),
}
HTTP_CLASSES = {"2": OK, "3": NEUTRAL, "4": WARN, "5": BAD}
_HTTP = re.compile(r"^([2-5])(\d\d|xx)$")


def color(name: str) -> str:
    return NAMED.get(name, name)


def meaning(name: str) -> str | None:
    """The colour a name means (`critical`, `in_progress`, `5xx`, `miss`), or None."""
    key = re.sub(r"[-\s]+", "_", str(name).strip().lower())
    http = _HTTP.match(key)
    return HTTP_CLASSES[http.group(1)] if http else MEANINGS.get(key)


def _slot(name: str) -> int:
    digest = hashlib.blake2b(str(name).encode(), digest_size=2).digest()
    return int.from_bytes(digest, "big") % len(PALETTE)


def series_colors(names) -> dict[str, str]:
    """A colour per name, no two alike while the palette lasts (eleven): meanings first, then
    each name its own slot or the next free one after it, in the order given."""
    names = list(dict.fromkeys(str(n) for n in names))
    given = {n: c for n in names if (c := meaning(n)) is not None}
    taken = set(given.values())
    for name in names:
        if name in given:
            continue
        start = _slot(name)
        turn = [PALETTE[(start + i) % len(PALETTE)] for i in range(len(PALETTE))]
        given[name] = next((c for c in turn if c not in taken), turn[0])
        taken.add(given[name])
    return given


# Light for low, dark for high (plotly's own "Blues" runs the other way).
SEQUENTIAL = {
    "blues": ["#f0f5fc", "#9ecae1", "#4292c6", "#08519c", "#08306b"],
    "greens": ["#f2f9f1", "#a1d99b", "#41ab5d", "#006d2c", "#00441b"],
    "reds": ["#fdf1ee", "#fcae91", "#fb6a4a", "#cb181d", "#67000d"],
    "oranges": ["#fff5eb", "#fdbe85", "#fd8d3c", "#d94701", "#7f2704"],
    "purples": ["#f7f5fb", "#bcbddc", "#807dba", "#54278f", "#3f007d"],
}
SCALES = tuple(SEQUENTIAL)


def colorscale(name: str) -> list[list]:
    stops = SEQUENTIAL[name]
    return [[i / (len(stops) - 1), c] for i, c in enumerate(stops)]


_AXIS = {
    "gridcolor": "#eef0f3",
    "linecolor": "#eef0f3",
    "zerolinecolor": "#eef0f3",
    "ticks": "",
}
# The few template settings the panels rely on. Plotly's named templates (plotly_white) carry
# 7 KB of settings for every trace type: copied and validated into each figure they took most of
# a panel's render time on the server, and were sent to the browser with every panel update.
TEMPLATE = {
    "layout": {
        "colorway": PALETTE,
        "font": {"color": "#2c3138"},
        "hoverlabel": {"align": "left"},
        # No automargin: it measures the labels and draws every chart twice. Value axes get a
        # left margin sized for their labels instead (charts._layout); category axes set it.
        "xaxis": _AXIS,
        "yaxis": _AXIS,
        "coloraxis": {"colorbar": {"outlinewidth": 0, "ticks": ""}},
        "geo": {
            "bgcolor": "rgba(0,0,0,0)",
            "landcolor": "#f4f5f7",
            "subunitcolor": "#c8d4e3",
            "showland": True,
        },
        "annotationdefaults": {"arrowcolor": "#2c3138", "arrowhead": 0, "arrowwidth": 1},
    }
}


def base_layout(height: int) -> dict:
    return {
        "template": TEMPLATE,
        "height": height,
        "margin": {"l": 48, "r": 12, "t": 8, "b": 32},
        "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12},
        # At most about a fifth of the panel: more series scroll in it, the plot keeps its room.
        "legend": {"orientation": "h", "y": -0.18, "x": 0, "font": {"size": 11}, "maxheight": 0.2},
        "hovermode": "x unified",
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
    }

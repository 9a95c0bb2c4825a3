"""Colours and the plotly template every panel shares.

Series take colours from a colour-blind-safe palette, one each within a panel, in order: the
values of the dashboard's variables first, each at its place in its variable's list (a service
is the same colour on every panel of the dashboard, filtered or not), then the others in the
order the panel draws them, each the next free colour. Names that mean something (a severity, a
status, an HTTP status class, a cache hit or miss) take the colour of that meaning; red is kept
for bad news and is not in the palette. Severities differ in lightness as well as hue, so they
are told apart in grey too (and every chart names them). Sequential scales run from light (low)
to dark (high).
"""

from __future__ import annotations

import colorsys
import re
from collections.abc import Iterable

# Okabe & Ito's colour-blind-safe set without its black, yellow and vermillion, then Paul Tol's
# muted set: eleven hues told apart with any common colour-vision deficiency. In order of how well
# each reads as a thin line on white: a panel's first series never get the pale sand.
PALETTE = [
    "#0072b2",  # blue
    "#e69f00",  # orange
    "#009e73",  # bluish green
    "#cc79a7",  # reddish purple
    "#332288",  # indigo
    "#56b4e9",  # sky blue
    "#999933",  # olive
    "#882255",  # wine
    "#44aa99",  # teal
    "#aa4499",  # purple
    "#ddcc77",  # sand
]
NAMED = {
    "green": "#56a64b",
    "red": "#e02f44",
    "dark-red": "#8c0a1c",
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
INK = "#111217"  # text on light tiles
# Severities from worst to least, each clearly lighter than the one before (lightness about 30,
# 52, 72, 89 of 100): a blocker is near-black red, a major one red, a minor one yellow.
CRITICAL, MINOR = NAMED["dark-red"], "#fade2a"
# What a name means, whatever panel it is on (names compared lower case, "-" and " " as "_").
MEANINGS = {
    **dict.fromkeys(("critical", "blocker", "urgent", "fatal", "p1", "sev1"), CRITICAL),
    **dict.fromkeys(("high", "major", "error", "errors", "failed", "failure", "down"), BAD),
    **dict.fromkeys(("warning", "medium", "degraded", "at_risk", "blocked", "late"), WARN),
    **dict.fromkeys(("minor", "low", "miss", "misses", "retry", "retrying", "rollback"), MINOR),
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
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def color(name: str) -> str:
    return NAMED.get(name, name)


def meaning(name: str) -> str | None:
    """The colour a name means (`critical`, `in_progress`, `5xx`, `miss`), or None."""
    key = re.sub(r"[-\s]+", "_", str(name).strip().lower())
    http = _HTTP.match(key)
    return HTTP_CLASSES[http.group(1)] if http else MEANINGS.get(key)


def _hls(hex_color: str) -> tuple[float, float, float]:
    return colorsys.rgb_to_hls(
        *(int(hex_color.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4))
    )


def _luminance(hex_color: str) -> float:
    """WCAG's relative luminance."""
    channels = (int(hex_color.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4))
    red, green, blue = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
                        for c in channels)  # fmt: skip
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(one: str, other: str) -> float:
    """WCAG's contrast ratio of two colours (1 to 21; text needs 4.5)."""
    high, low = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def ink(background: str) -> str:
    """The text colour that reads on `background`: white on a dark tile, near-black on a light
    one (white on the palette's green or yellow fails WCAG AA)."""
    if not _HEX.match(str(background)):
        return WHITE
    return WHITE if contrast(WHITE, background) >= 4.5 else INK


def alike(one: str, other: str) -> bool:
    """Two colours a reader could take for one another: near in hue and in lightness (a meaning's
    blue and the palette's blue; greys are told apart by their hue-less look)."""
    (h1, l1, s1), (h2, l2, s2) = _hls(one), _hls(other)
    if min(s1, s2) < 0.2:
        return one == other
    turn = abs(h1 - h2) * 360
    return min(turn, 360 - turn) < 25 and abs(l1 - l2) < 0.25


def series_colors(names: Iterable, order: Iterable[Iterable[str]] = ()) -> dict[str, str]:
    """A colour per name, no two alike while the palette lasts (eleven): meanings first; then
    a name that is a value of one of `order`'s lists (the dashboard's variables) the colour of
    its place in that list, when no other name of the panel took it; then the rest, in the
    order given, each the first free colour. A palette colour like a meaning on the panel
    (blue beside `active`'s blue) is not given."""
    names = list(dict.fromkeys(str(n) for n in names))
    given = {n: c for n in names if (c := meaning(n)) is not None}
    meant = set(given.values())
    taken = meant | {c for c in PALETTE if any(alike(c, m) for m in meant)}
    places: dict[str, int] = {}
    for values in order:
        for place, value in enumerate(dict.fromkeys(str(v) for v in values)):
            places.setdefault(value, place)
    for name in names:
        tint = PALETTE[places[name] % len(PALETTE)] if name in places else None
        if name not in given and tint is not None and tint not in taken:
            given[name] = tint
            taken.add(tint)
    for number, name in enumerate(names):
        if name not in given:
            wrapped = PALETTE[number % len(PALETTE)]  # past eleven series, colours repeat
            given[name] = next((c for c in PALETTE if c not in taken), wrapped)
            taken.add(given[name])
    return given


# Analytics on a time series (panels/timeseries.py): a forecast's 95 % and 80 % bands and an
# expected band drawn in the series' own colour this opaque, behind it; a point outside its
# expected band marked in red, the colour of bad news.
BAND_ALPHA = {"95": 0.12, "80": 0.24, "expected": 0.16}
ANOMALY = NAMED["red"]


def rgba(hex_color: str, alpha: float) -> str:
    """`#0072b2` at an opacity, as plotly reads it: a band drawn in its series' colour."""
    red, green, blue = (int(hex_color.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({red},{green},{blue},{alpha})"


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
        "font": {"color": TEXT},
        # A unified hover label's box is white (plotly would take the transparent paper's).
        "hoverlabel": {
            "align": "left",
            "bgcolor": WHITE,
            "bordercolor": "#dfe3e8",
            "font": {"color": TEXT},
        },  # fmt: skip
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
        "annotationdefaults": {"arrowcolor": TEXT, "arrowhead": 0, "arrowwidth": 1},
    }
}


MARGIN = {"l": 48, "r": 12, "t": 8, "b": 32}
TICK_ROOM = 30  # px under the plot for one line of x tick labels (11 px, never rotated)


def legend_below(height: int, margin: dict = MARGIN) -> dict:
    """A horizontal legend under the x tick labels, whatever the panel's width: plotly places
    legends in fractions of the plot's height, so the fraction is worked out from the height.
    A legend of several lines takes its room from the plot (plotly widens the margin)."""
    plot = max(40, height - margin["t"] - margin["b"])
    return {
        "orientation": "h",
        "x": 0,
        "xanchor": "left",
        "y": -TICK_ROOM / plot,
        "yanchor": "top",
        "font": {"size": 11},
    }


def legend_above() -> dict:
    """A horizontal legend over the plot: for category axes, whose labels plotly may turn."""
    return {"orientation": "h", "x": 0, "xanchor": "left", "y": 1.02, "yanchor": "bottom",
            "font": {"size": 11}}  # fmt: skip


def base_layout(height: int) -> dict:
    return {
        "template": TEMPLATE,
        "height": height,
        "margin": dict(MARGIN),
        "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12},
        "legend": legend_below(height),
        "hovermode": "x unified",
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
    }


# Dark mode. Figures are drawn once, light, whoever asks (the drawn card is cached per version of
# its data, and exports stay light); a dark page recolours them in the browser before plotly
# draws them (assets/theme.js), by this map: text and grid lines light on dark, white separators
# and boxes the card's dark, the palette's two darkest hues and the severities' darkest reds
# lighter (each still darker than the next severity), sequential scales reversed (low fades into
# the dark background, high stands out). HTML tints (a stat's value, a legend's swatch) read the
# same map as CSS variables (`css_color`).
DARK_CARD = "#181b1f"
DARK = {
    TEXT: "#d8d9da",
    MUTED: "#9fa7b3",
    WHITE: DARK_CARD,
    "#eef0f3": "#2c3235",  # grid lines, table rules
    "#f4f5f7": "#22252b",  # table headers, land
    "#dfe3e8": "#343a40",  # borders
    "#c8d4e3": "#4a5361",  # country borders
    "#d0d4da": "#3d434b",  # countries without data
    "#332288": "#8877dd",  # indigo
    "#882255": "#c23b7a",  # wine
    CRITICAL: "#d11a2f",
    BAD: "#f2495c",
    NAMED["purple"]: "#a36bd6",
    **{
        stop: stops[len(stops) - 1 - i]
        for stops in SEQUENTIAL.values()
        for i, stop in enumerate(stops)
    },
}


def css_color(tint: str) -> str:
    """A tint for an HTML style (a legend's swatch), as the chart draws it in either theme: CSS
    `light-dark()` picks by the page's colour scheme, so the same card serves both."""
    key = str(tint).lower()
    return f"light-dark({key}, {DARK[key]})" if key in DARK else tint


def _readable(tint: str, background: str, ratio: float) -> str:
    """`tint` darkened (on a light background) or lightened (on a dark one), its hue kept,
    until it reads on `background` at `ratio`."""
    hue, lightness, saturation = _hls(tint)
    step = -0.02 if _luminance(background) > 0.5 else 0.02
    shade = tint
    while contrast(shade, background) < ratio and 0 < lightness < 1:
        lightness = min(1.0, max(0.0, lightness + step))
        red, green, blue = colorsys.hls_to_rgb(hue, lightness, saturation)
        shade = "#" + "".join(f"{round(c * 255):02x}" for c in (red, green, blue))
    return shade


def text_color(tint: str, large: bool = False) -> str:
    """A tint for text (a stat's value, a table's coloured cell) at WCAG AA contrast on a card
    in either theme (large text 3:1, other text 4.5:1): orange text on white is darkened, dark
    red on the dark card lightened; the hue stays."""
    key = str(tint).lower()
    if not _HEX.match(key):
        return tint
    ratio = 3.0 if large else 4.5
    light, dark = _readable(key, WHITE, ratio), _readable(DARK.get(key, key), DARK_CARD, ratio)
    return f"light-dark({light}, {dark})"

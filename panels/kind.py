"""What a panel type is. One module of `panels/` says everything about a type and ends with
`KIND = PanelType(...)`:

- `Options`: its `options:` in a dashboard file (a pydantic model; an unknown key is refused with
  the file, the field and the reason, like the rest of the spec);
- `build(data, context) -> model`: its data as a *display model*, what the panel shows (values,
  labels, colours, thresholds, comparisons), free of Dash and plotly;
- from that model only: `figure` (the PNG/SVG/PDF image, a plotly dict; the page draws it too),
  `card` (the page's component, when it is more than that chart), `rows` (the numbers it
  shows: the CSV and the "View as table"), `summary` (one line for screen readers), `pdf`
  (what the PDF report prints: its figure, unless the type says `Rows` as a table or `Prose`),
  `click` (what a click on a point means), and `lint` (what the lint checks of this type
  besides what it checks of every type, panels/checks.py);
- `history`: the longer range its analytics (analytics/) read besides its own, fetched like
  its own data for the same viewer (a forecast's training window);
- which exports it offers follows from those: no Export menu item that cannot work.

Page and exports cannot disagree: they draw one model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from data.drilldown import Clicked
from data.panel_data import PanelData
from data.spec import Panel
from data.timerange import (
    PREVIOUS,
    QueryWindow,
    TimeRange,
    compare_words,
    duration_words,
    parse_duration,
)
from panels.cards import chart
from panels.theme import SCALES
from panels.units import headed


class Options(BaseModel):
    """Options every panel type takes; a type's own model adds its fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Points a query asks for at most (default: about one per pixel of the panel's width).
    max_points: int | None = Field(default=None, ge=10, le=11_000)


class ScaledOptions(Options):
    """Options of a type that colours its values along a sequential scale (heatmaps, maps)."""

    colorscale: Literal[SCALES] = "blues"  # type: ignore[valid-type]  # light low, dark high

    @field_validator("colorscale", mode="before")
    @classmethod
    def _lower(cls, value: str) -> str:
        return str(value).lower()


@dataclass(frozen=True)
class Context:
    """What building a panel's model takes besides its data."""

    time_range: TimeRange  # the panel's own (after relative_time)
    window: QueryWindow  # its points' step, as its queries were asked for
    prefix: str = "/"  # URL_PREFIX, for links drawn into the panel
    annotations: pd.DataFrame | None = None  # time series: deployments, incidents, notes
    source: Any = None  # panels without queries (alerts): what they read instead
    # Each dashboard variable's values: a value keeps the colour of its place on every panel.
    series_order: tuple[tuple[str, ...], ...] = ()
    # The values a click on this panel set (its `cross_filter` variable): the panel still shows
    # every one, these highlighted.
    selected: tuple[str, ...] = ()
    # Its analytics: the same queries over the longer window they read (`PanelType.history`),
    # and the query cache their results are kept in under the data's version.
    history: PanelData | None = None
    cache: Any = None


@dataclass
class Model:
    """What every display model carries: its panel and where it stands."""

    panel: Panel
    slug: str
    time_range: TimeRange

    @property
    def span(self) -> str:
        """The panel's time range as a summary says it: `last 24 hours`."""
        return span_words(self.time_range)


def window_words(panel: Panel) -> list[tuple[str, str]]:
    """(words, why) for what a panel shows besides the picker's range, as its card and the PDF
    say it: its own window ("last 90 days"), the earlier period laid over it ("vs 7 days
    earlier")."""
    said = []
    if panel.relative_time:
        words = duration_words(parse_duration(panel.relative_time)) or panel.relative_time
        said.append((f"last {words}", "This panel always shows its own window, not the picker's"))
    if panel.compare:
        why = (
            "Compared with the span just before, as long (dotted)"
            if panel.compare == PREVIOUS
            else "Compared with the same span this long before (dotted)"
        )
        said.append((f"vs {compare_words(panel.compare)}", why))
    return said


def span_words(time_range: TimeRange) -> str:
    seconds = time_range.seconds
    words = duration_words(seconds)
    if time_range.raw_to in ("", "now") and words:
        return f"last {words}"
    start = pd.Timestamp(time_range.start, unit="s", tz="UTC")
    end = pd.Timestamp(time_range.end, unit="s", tz="UTC")
    return f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC"


@dataclass(frozen=True)
class Rows:
    """The numbers a panel shows: `frame`'s columns as its CSV names them (unit in the header),
    `units` the unit of each numeric column (the table view formats them), `colors` the
    threshold colour of each cell of the columns the panel colours."""

    frame: pd.DataFrame
    units: dict[str, str]
    colors: dict[str, list] = field(default_factory=dict)

    @classmethod
    def named(cls, panel: Panel, key: str, names: list, values: list, value: str = "value") -> Rows:
        """A column `key` of names and a column of their values in the panel's unit."""
        column = headed(value, panel.unit)
        return cls(pd.DataFrame({key: names, column: values}), {column: panel.unit})


@dataclass(frozen=True)
class Prose:
    """Text as the PDF report prints it: (style, markup) blocks, style one of heading,
    paragraph, item (of a list), code; markup reportlab's (<b>, <i>, <font>, escaped text)."""

    blocks: list[tuple[str, str]]


@dataclass(frozen=True)
class Picture:
    """A figure as the PDF report prints it: drawn by the export browser, as vector; `table`
    printed under it (a time series' legend of values, as its card shows it)."""

    figure: dict
    table: Rows | None = None


PdfBlock = Picture | Rows | Prose
ClickReader = Callable[[Panel, dict, QueryWindow], Clicked]
# (rule, message): what the lint finds of a panel as drawn.
Flag = tuple[str, str]


@dataclass(frozen=True)
class PanelType:
    name: str
    options: type[Options]
    build: Callable[[PanelData, Context], Model]
    summary: Callable[[Any], str]
    card: Callable[[Any], Any] | None = None  # None: its figure, as a chart with its summary
    rows: Callable[[Any], Rows] | None = None
    figure: Callable[[Any], dict] | None = None
    pdf: Callable[[Any], PdfBlock] | None = None  # None: its figure
    click: ClickReader | None = None
    lint: Callable[[Any, PanelData], list[Flag]] | None = None
    queries: bool = True  # False: it reads no queries of its own (text, alerts)
    annotated: bool = False  # it draws the dashboard's annotations (deployments, notes)
    compares: bool = False  # it draws a `compare` period (the toolbar's "Compare with" too)
    # It writes its queries from its options (cohort): the spec holds them as if written there.
    writes_queries: Callable[[Any], list] | None = None
    # The longer range its analytics read besides its own (a forecast's `train`, a month to
    # forecast the end of), given its panel and own range; None when its own is enough.
    history: Callable[[Panel, TimeRange], TimeRange | None] | None = None

    def __post_init__(self) -> None:
        if self.card is None:
            object.__setattr__(self, "card", self._chart)
        if self.pdf is None:
            object.__setattr__(self, "pdf", self._picture)

    def _chart(self, model: Model):
        return chart(model, self.figure(model), self.summary(model))

    def _picture(self, model: Model) -> Picture:
        return Picture(self.figure(model))

    @property
    def exports(self) -> tuple[str, ...]:
        """What its Export menu offers."""
        images = ("png", "svg") if self.figure is not None else ()
        return images + (("csv",) if self.rows is not None else ())

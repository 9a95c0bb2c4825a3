"""The dashboard spec: what one YAML file in dashboards/ may say, as pydantic models.

The spec is the single source of truth for a panel: the page layout, the panel-data callback, the
exports and the embeds all read the same `Panel` object.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Literal, Protocol

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SerializeAsAny,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from data.timerange import (
    TimeRangeError,
    checked_compare,
    checked_duration,
    parse_duration,
    parse_time,
)

TEAMS = (
    "executive",
    "sre",
    "developer",
    "dba",
    "security",
    "sales",
    "finance",
    "product",
    "migration",
)
REFRESH_CHOICES = ("off", "5s", "15s", "30s", "1m", "5m", "15m")
SLUG = r"^[a-z0-9][a-z0-9-]*$"
NAME = r"^[a-z_][a-z0-9_]*$"
TAG = r"^[a-z0-9][a-z0-9-]{0,31}$"


class PanelKind(Protocol):
    """What the spec checks of a panel type (panels/kind.py's `PanelType` is one)."""

    options: type[BaseModel]  # its `options:`
    queries: bool  # it reads queries of its own
    click: object | None  # what a click on it means, if it reports clicks
    # It writes its queries from its options (cohort): the spec holds them as if written there.
    writes_queries: Callable[[Any], list] | None
    compares: bool  # it draws a `compare` period (the toolbar's "Compare with" too)


# The panel types a spec may name, filled by panels/ when it is imported: the types read the spec,
# so the spec does not import them.
PANEL_TYPES: dict[str, PanelKind] = {}


def panel_kinds() -> dict[str, PanelKind]:
    if not PANEL_TYPES:
        raise RuntimeError("No panel types are registered: import panels before reading specs.")
    return PANEL_TYPES


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Threshold(Strict):
    """A step: from `value` upwards the colour is `color` (the first step has value None)."""

    value: float | None
    color: str


class ValueMapping(Strict):
    """Show `text` in `color` instead of the value when it equals `value` (or lies in from..to)."""

    value: float | str | None = None
    range: tuple[float, float] | None = None
    text: str
    color: str | None = None


class Query(Strict):
    """One query of a panel. PromQL (`expr`) or SQL (`sql`), never both."""

    ref: str = "A"
    expr: str | None = None
    legend: str | None = None
    instant: bool = False
    sql: str | None = None
    x: str | None = None  # SQL column for the x axis (time or category)
    y: list[str] | str | None = None  # SQL value column(s)
    series: str | None = None  # SQL column whose values split series
    datasource: str | None = None  # overrides the panel's

    @model_validator(mode="after")
    def _one_language(self) -> Query:
        if bool(self.expr) == bool(self.sql):
            raise ValueError("a query needs exactly one of expr (PromQL) or sql")
        return self

    @property
    def y_columns(self) -> list[str]:
        if self.y is None:
            return []
        return [self.y] if isinstance(self.y, str) else list(self.y)


CLICK_FIELDS = ("series", "category", "time")


class Drilldown(Strict):
    """What a click on a point of the panel opens: another dashboard with variables set from the
    point (`variables: {service: series}`), or the rows behind it (`sql`, with :category,
    :series, :bucket_start and :bucket_end bound from the point)."""

    title: str | None = None
    dashboard: str | None = Field(default=None, pattern=SLUG)
    variables: dict[str, Literal[CLICK_FIELDS]] = {}  # type: ignore[valid-type]
    time: Literal["keep", "bucket"] = "keep"
    sql: str | None = None
    datasource: str = "warehouse"

    @model_validator(mode="after")
    def _one_target(self) -> Drilldown:
        if bool(self.dashboard) == bool(self.sql):
            raise ValueError("a drilldown needs exactly one of dashboard or sql")
        if self.variables and not self.dashboard:
            raise ValueError("variables are set on another dashboard: give `dashboard` too")
        return self


def mentions(text: str | None, variable: str) -> bool:
    """Whether a query text reads the variable (`$name`, `${name}`, `[[name]]`, `:name`)."""
    if not text:
        return False
    pattern = rf"\$\{{?{variable}\b|\[\[{variable}\]\]|(?<![:\w]):{variable}\b"
    return re.search(pattern, text) is not None


class Panel(Strict):
    id: str = Field(pattern=SLUG)
    type: str  # one of PANEL_TYPES
    title: str
    description: str = ""
    datasource: str = "prometheus"
    queries: list[Query] = []
    width: int = Field(default=6, ge=1, le=12)
    height: int = Field(default=300, ge=80, le=1200)
    unit: str = "short"
    decimals: int | None = Field(default=None, ge=0, le=6)
    min: float | None = None
    max: float | None = None
    thresholds: list[Threshold] = []
    mappings: list[ValueMapping] = []
    # "7d", or "previous" (the range just before, as long): that period too, drawn dotted over
    # this one. `time_shift` is its older name.
    compare: str | None = Field(
        default=None, validation_alias=AliasChoices("compare", "time_shift")
    )
    relative_time: str | None = None  # e.g. "90d": this panel always shows the last 90 days
    # The type's own options, checked against its model (panels/<type>.py `Options`).
    options: SerializeAsAny[Any] = Field(default=None, validate_default=True)
    content: str = ""  # text panels: Markdown
    drilldown: Drilldown | None = None
    cross_filter: str | None = Field(default=None, pattern=NAME)  # a variable a click sets

    @property
    def clickable(self) -> bool:
        return self.drilldown is not None or self.cross_filter is not None

    def uses(self, variable: str) -> bool:
        """Whether the panel's queries (or its drill-down's) read the variable: `$name` or
        `${name}` in PromQL, `:name` in SQL."""
        texts = [t for q in self.queries for t in (q.expr, q.sql, q.legend)]
        texts += [self.content, self.drilldown.sql if self.drilldown else None]
        return any(mentions(t, variable) for t in texts)

    @model_validator(mode="before")
    @classmethod
    def _written_queries(cls, data: Any) -> Any:
        """A type that writes its queries from its options (cohort) has them here, so whatever
        reads a panel's queries (the data, the scopes, the lint) reads the SQL it runs."""
        kind = PANEL_TYPES.get(data.get("type")) if isinstance(data, dict) else None
        if kind is None or kind.writes_queries is None:
            return data
        try:
            options = kind.options.model_validate(data.get("options") or {})
        except ValidationError:
            return data  # the options' own error says what is wrong
        written = kind.writes_queries(options)
        given = [q if isinstance(q, Query) else Query.model_validate(q)
                 for q in data.get("queries") or []]  # fmt: skip
        if given and given != written:
            raise ValueError(
                f"a {kind.name} panel writes its own query from its options: leave `queries` out"
            )
        return {**data, "queries": written}

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        if value not in panel_kinds():
            raise ValueError(f"{value!r} is not a panel type; one of: {', '.join(PANEL_TYPES)}")
        return value

    @field_validator("options", mode="before")
    @classmethod
    def _options(cls, value: Any, info: ValidationInfo) -> Any:
        kind = info.data.get("type")
        if kind is None:
            return value  # the type's own error says what is wrong
        return panel_kinds()[kind].options.model_validate(value or {})

    _relative = field_validator("relative_time")(checked_duration)

    @field_validator("compare")
    @classmethod
    def _compare(cls, value: str | None) -> str | None:
        try:
            return checked_compare(value)
        except TimeRangeError as exc:
            raise ValueError(str(exc)) from None

    @model_validator(mode="after")
    def _needs_queries(self) -> Panel:
        kind = panel_kinds()[self.type]
        if kind.queries and not self.queries:
            raise ValueError(f"a {self.type} panel needs at least one query")
        if self.clickable and kind.click is None:
            clickable = ", ".join(name for name, k in PANEL_TYPES.items() if k.click is not None)
            raise ValueError(
                f"a {self.type} panel reports no clicks: drilldown and cross_filter need a chart "
                f"that does ({clickable})"
            )
        values = [t.value for t in self.thresholds]
        if values and values[0] is not None:
            raise ValueError("the first threshold is the base colour: its value must be null")
        if any(v is None for v in values[1:]):
            raise ValueError("only the first threshold may have a null value")
        steps = [v for v in values[1:] if v is not None]
        if steps != sorted(steps):
            raise ValueError("threshold values must ascend")
        return self


class Row(Strict):
    title: str | None = None
    panels: list[Panel]


class Variable(Strict):
    """A dashboard variable, `$name` in queries and `var-name` in the URL."""

    name: str = Field(pattern=NAME)
    label: str | None = None
    type: Literal["label_values", "sql", "custom"]
    datasource: str | None = None
    label_name: str | None = None  # label_values: the label
    match: str | None = None  # label_values: a series selector, may use earlier variables
    sql: str | None = None  # sql: the first column gives the options
    values: list[str] = []  # custom
    multi: bool = False
    include_all: bool = False
    default: str | list[str] | None = None
    # A user attribute (e.g. region): a user who has it sees only that value, whatever the URL.
    bind: str | None = Field(default=None, pattern=NAME)

    @model_validator(mode="after")
    def _source(self) -> Variable:
        needs = {"label_values": self.label_name, "sql": self.sql, "custom": self.values}
        if not needs[self.type]:
            field_name = {"label_values": "label_name", "sql": "sql", "custom": "values"}
            raise ValueError(f"a {self.type} variable needs `{field_name[self.type]}`")
        return self


class Link(Strict):
    title: str
    dashboard: str = Field(pattern=SLUG)


class Annotation(Strict):
    """Markers on time-series panels: rows of a SQL query (time, text[, end]) or a PromQL series."""

    name: str
    datasource: str = "warehouse"
    sql: str | None = None
    expr: str | None = None
    color: str = "#8e44ad"


class Dashboard(Strict):
    slug: str = Field(pattern=SLUG)
    title: str
    description: str = ""
    teams: list[Literal[TEAMS]] = Field(min_length=1)  # type: ignore[valid-type]
    landing_for: list[Literal[TEAMS]] = []  # type: ignore[valid-type]
    time_from: str = "now-24h"
    time_to: str = "now"
    refresh: Literal[REFRESH_CHOICES] = "1m"  # type: ignore[valid-type]
    variables: list[Variable] = []
    rows: list[Row] = Field(min_length=1)
    links: list[Link] = []
    annotations: list[Annotation] = []
    # Words the home page's search finds the dashboard by, besides its titles: `tags: [revenue]`.
    tags: list[str] = Field(default=[], max_length=20)

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        for tag in value:
            if not re.match(TAG, tag):
                raise ValueError(f"tag {tag!r}: use 1-32 lower-case letters, digits and -")
        return value

    @field_validator("time_from", "time_to")
    @classmethod
    def _time(cls, value: str) -> str:
        try:
            parse_time(value)
        except TimeRangeError as exc:
            raise ValueError(str(exc)) from None
        return value

    @model_validator(mode="after")
    def _unique_ids(self) -> Dashboard:
        seen: set[str] = set()
        for panel in self.panels:
            if panel.id in seen:
                raise ValueError(f"panel id {panel.id!r} is used twice")
            seen.add(panel.id)
        names = [v.name for v in self.variables]
        if len(names) != len(set(names)):
            raise ValueError("variable names must be unique")
        for panel in self.panels:
            if panel.cross_filter and panel.cross_filter not in names:
                raise ValueError(
                    f"panel {panel.id!r}: cross_filter {panel.cross_filter!r} is not a variable "
                    f"of this dashboard ({', '.join(names) or 'it has none'})"
                )
        return self

    @property
    def panels(self) -> list[Panel]:
        return [panel for row in self.rows for panel in row.panels]

    def reads(self, panel: Panel, variable: str) -> bool:
        """Whether the variable filters the panel: the panel reads it, or reads a variable whose
        options follow it (a `service` listed for the chosen `$team`)."""
        names = {variable}
        for other in self.variables:  # a variable may use only those before it
            if any(mentions(other.sql, n) or mentions(other.match, n) for n in names):
                names.add(other.name)
        return any(panel.uses(name) for name in names)

    def panel(self, panel_id: str) -> Panel | None:
        return next((p for p in self.panels if p.id == panel_id), None)

    def compared(self, compare: str | None) -> Dashboard:
        """The dashboard as the toolbar's "Compare with" shows it: every panel whose type draws a
        comparison (time series, stat, KPI) compared with `compare`, over its own `compare`;
        itself when none is asked."""
        if not compare:
            return self
        kinds = panel_kinds()
        rows = [
            row.model_copy(
                update={
                    "panels": [
                        p.model_copy(update={"compare": compare}) if kinds[p.type].compares else p
                        for p in row.panels
                    ]
                }
            )
            for row in self.rows
        ]
        return self.model_copy(update={"rows": rows})


def refresh_seconds(choice: str) -> int | None:
    return None if choice == "off" else parse_duration(choice)

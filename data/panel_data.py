"""Fetch what one panel shows: run its queries through the data layer for a time range and
variable values, and hand back tidy frames (x, series, value, plus labels or SQL columns)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

import pandas as pd

from data.datasources import DataLayer, sql_window
from data.errors import DataSourceError, ErrorKind
from data.spec import Dashboard, Panel, Query
from data.sql import SQLSource
from data.timerange import QueryWindow, TimeRange, compare_shift, parse_duration, query_window

_MACRO = re.compile(
    r"\$__(timeFilter|timeGroup|day|week|month|hourOfDay|dayOfWeek|epoch)\(\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\)"
)
# Dialect-specific forms of the date macros: SQLite stores times as text, PostgreSQL as timestamps.
_DATE_MACROS = {
    "sqlite": {
        "day": "date({c})",
        # Back 6 days, then on to a Monday: a Monday stays in its own week.
        "week": "date({c}, '-6 days', 'weekday 1')",
        "month": "date({c}, 'start of month')",
        "hourOfDay": "CAST(strftime('%H', {c}) AS INTEGER)",
        "dayOfWeek": "CAST(strftime('%w', {c}) AS INTEGER)",
        "epoch": "CAST(strftime('%s', {c}) AS REAL)",
    },
    "postgresql": {
        "day": "date_trunc('day', {c})",
        "week": "date_trunc('week', {c})",
        "month": "date_trunc('month', {c})",
        "hourOfDay": "CAST(extract(hour from {c}) AS INTEGER)",
        "dayOfWeek": "CAST(extract(dow from {c}) AS INTEGER)",
        "epoch": "extract(epoch from {c})",
    },
}


def render_sql(sql: str, dialect: str) -> str:
    """Grafana-style SQL macros on a column named in the spec (never from the browser):
    `$__timeFilter(col)` -> col >= :start AND col < :end; `$__timeGroup(col)` -> col floored to
    :bucket seconds; `$__day`, `$__week` (Monday), `$__month`, `$__hourOfDay`, `$__dayOfWeek`
    (0 = Sunday), `$__epoch` (unix seconds), each in this database's dialect."""

    def expand(match: re.Match) -> str:
        macro, column = match.groups()
        if macro == "timeFilter":
            return f"{column} >= :start AND {column} < :end"
        if macro != "timeGroup":
            forms = _DATE_MACROS.get(dialect, _DATE_MACROS["postgresql"])
            return forms[macro].format(c=column)
        if dialect == "postgresql":
            return f"to_timestamp(floor(extract(epoch from {column}) / :bucket) * :bucket)"
        epoch = f"CAST(strftime('%s', {column}) AS INTEGER)"
        return f"datetime(({epoch} / :bucket) * :bucket, 'unixepoch')"

    return _MACRO.sub(expand, sql)


@dataclass
class QueryFrame:
    query: Query
    tidy: pd.DataFrame  # x, series, value (+ labels for PromQL)
    raw: pd.DataFrame  # as the datasource returned it (tables show these columns)


# What the page, the CSV and the PDF say of a result cut at SQL_ROW_LIMIT.
TRUNCATED_NOTE = "Showing the first rows only: the result was longer than the row limit."


@dataclass
class PanelData:
    panel: Panel
    slug: str = ""  # the dashboard's
    frames: list[QueryFrame] = field(default_factory=list)
    previous: list[QueryFrame] = field(default_factory=list)  # the `compare` period
    shift: float = 0.0  # seconds the `compare` period lies before the panel's range
    status: str = "ok"  # ok | empty | stale | error
    error: str | None = None
    error_kind: ErrorKind | None = None  # SCOPE: refused for the viewer's scope
    computed_at: float | None = None
    truncated: bool = False
    time_range: TimeRange | None = None  # the panel's own, after relative_time
    window: QueryWindow | None = None  # the step its points were asked at (a click's bucket)

    @classmethod
    def failed(cls, panel: Panel, slug: str, error: DataSourceError) -> PanelData:
        return cls(panel, slug, status="error", error=error.message, error_kind=error.kind)

    @property
    def tidy(self) -> pd.DataFrame:
        frames = [f.tidy for f in self.frames if not f.tidy.empty]
        return pd.concat(frames, ignore_index=True) if frames else _empty()


def _empty() -> pd.DataFrame:
    return pd.DataFrame({"x": [], "series": [], "value": []})


def _tidy_sql(query: Query, frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return _empty()
    if len(frame.columns) == 1 and not query.y_columns:
        # One column, one value (a stat from `SELECT avg(...)`): the column is the value.
        frame = frame.assign(_row=range(len(frame)))
        x, ys = "_row", [frame.columns[0]]
    else:
        x = query.x or frame.columns[0]
        ys = query.y_columns or [c for c in frame.columns if c not in (x, query.series)][:1]
    parts = []
    for y in ys:
        part = pd.DataFrame({"x": frame[x], "value": pd.to_numeric(frame[y], errors="coerce")})
        if query.series:
            part["series"] = frame[query.series].astype(str)
        else:
            part["series"] = query.legend if (query.legend and len(ys) == 1) else y
        parts.append(part)
    tidy = pd.concat(parts, ignore_index=True)
    if tidy["x"].dtype == object:
        as_time = pd.to_datetime(tidy["x"], errors="coerce", utc=True, format="mixed")
        if as_time.notna().all():
            tidy["x"] = as_time
    return tidy


def max_points(panel: Panel) -> int:
    """Points a query of the panel asks for: about one per pixel, as Grafana does (a full-width
    panel ~1200, a third ~400), or the panel's own `max_points`."""
    return panel.options.max_points or panel.width * 100


@dataclass(frozen=True)
class PanelWindow:
    """What a panel shows of a dashboard's range: its own range (after `relative_time`) and the
    step its points are asked at, as its (first) query asks for them: what it draws, and the
    bucket a click on it means."""

    time_range: TimeRange
    query: QueryWindow

    @property
    def step(self) -> int:
        return self.query.step


def panel_window(
    layer: DataLayer, panel: Panel, time_range: TimeRange, *, relative: bool = True
) -> PanelWindow:
    """The panel's window over the dashboard's `time_range` (view/resolve.py `View.window`: the
    one place callers get it), or with `relative` false over `time_range` as it is (the longer
    history a forecast is fitted on). DataSourceError when its datasource is not one it can
    ask."""
    own = time_range  # the dashboard's, or the panel's own last `relative_time`
    if panel.relative_time and relative:
        own = TimeRange(time_range.end - parse_duration(panel.relative_time), time_range.end)
    points = max_points(panel)
    query = panel.queries[0] if panel.queries else None
    datasource = (query.datasource if query else None) or panel.datasource
    if query is None:
        return PanelWindow(own, query_window(own, max_points=points))
    if isinstance(layer.sources.get(datasource), SQLSource) or query.sql:
        return PanelWindow(own, sql_window(own, points))
    return PanelWindow(own, layer.window(datasource, own, points))


def _run(
    layer: DataLayer, panel: Panel, query: Query, tr: TimeRange, values: dict, ttl: float
) -> tuple[QueryFrame, float, bool, DataSourceError | None]:
    datasource = query.datasource or panel.datasource
    points = max_points(panel)
    if query.expr:
        result = layer.prometheus(
            datasource,
            query.expr,
            tr,
            variables=values,
            legend=query.legend,
            max_points=points,
            ttl=ttl,
            instant=query.instant,
        )
        raw = result.value
        tidy = raw.rename(columns={"timestamp": "x"})
        truncated = False
    else:
        source: SQLSource = layer.source(datasource, SQLSource)
        sql = render_sql(query.sql, source.dialect)
        result = layer.sql(datasource, sql, tr, params=values, max_points=points, ttl=ttl)
        raw = result.value.frame
        tidy = _tidy_sql(query, raw)
        truncated = result.value.truncated
    return QueryFrame(query, tidy, raw), result.computed_at, truncated, result.error


def _so_far(tr: TimeRange) -> TimeRange:
    """A range that runs past now (Today, This month) as far as it has come: its comparison
    is the same span so far, not a whole earlier day against part of this one."""
    now = time.time()
    return TimeRange(tr.start, now, tr.raw_from, tr.raw_to) if tr.start < now < tr.end else tr


def fetch_panel(
    layer: DataLayer,
    dashboard: Dashboard,
    panel: Panel,
    window: PanelWindow,
    values: dict,
    *,
    ttl: float = 30.0,
    compare: bool = True,
) -> PanelData:
    """Every query of the panel over its `window` (and, unless `compare` is false, of its
    `compare` period when it has one)."""
    tr = window.time_range
    data = PanelData(panel, dashboard.slug, time_range=tr, window=window.query)
    if not panel.queries:
        return data
    computed, stale_errors = [], []
    shifts = [(0, data.frames)]
    if panel.compare and compare:
        data.shift = compare_shift(panel.compare, tr)
        shifts.append((data.shift, data.previous))
    try:
        for shift, target in shifts:
            span = _so_far(tr).shifted(shift) if shift else tr
            for query in panel.queries:
                frame, at, truncated, error = _run(layer, panel, query, span, values, ttl)
                target.append(frame)
                computed.append(at)
                data.truncated |= truncated
                if error is not None:
                    stale_errors.append(error)
    except DataSourceError as exc:
        data.status, data.error, data.error_kind = "error", exc.message, exc.kind
        return data
    data.computed_at = min(computed) if computed else time.time()
    if stale_errors:
        data.status = "stale"
        shown = time.strftime("%H:%M", time.gmtime(data.computed_at))
        data.error = f"{stale_errors[0].message}; showing data from {shown} UTC"
    elif data.tidy.empty:
        data.status = "empty"
    return data

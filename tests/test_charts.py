"""Charts honest to the eye, from their display models: colours given in order and kept by a
variable's values across a dashboard, severities told apart, names as people read them, partial
days drawn as partial, a legend table where many series, short time ticks, maps centred on their
data, and a pie that keeps every slice under its own cross-filter (through the panel callback,
on the real warehouse)."""

from __future__ import annotations

import base64
import json

import numpy as np
import pandas as pd
import pytest

from app import create_app
from callbacks.panels import update_request
from data.panel_data import PanelData, QueryFrame
from data.spec import Panel
from data.timerange import TimeRange, query_window
from data.urlstate import ViewState
from panels import bar, timeseries
from panels.axes import time_axis
from panels.countries import data_view
from panels.kind import Context
from panels.theme import PALETTE, meaning, series_colors
from tests.fixtures.app import add_user, client_for, figure_in, nodes

# Seven days to 15:30 today: today's bucket is cut short, and so is the first day's.
RANGE = TimeRange.parse("2026-11-24T15:30", "2026-12-01T15:30")
CONTEXT = Context(RANGE, query_window(RANGE))
DAYS = pd.Series(pd.date_range("2026-11-24", "2026-12-01", freq="D", tz="UTC"))


def sql_panel(kind: str, **fields) -> Panel:
    query = {"sql": "SELECT 1", "x": "day", "y": "orders"}
    return Panel(id="p", type=kind, title="Orders", datasource="warehouse", queries=[query],
                 **fields)  # fmt: skip


def data_of(panel: Panel, tidy: pd.DataFrame) -> PanelData:
    return PanelData(panel, frames=[QueryFrame(panel.queries[0], tidy, tidy)], time_range=RANGE)


def daily(names: list[str], x: pd.Series = DAYS) -> pd.DataFrame:
    return pd.concat(
        [pd.DataFrame({"x": x, "series": n, "value": 100.0 + i}) for i, n in enumerate(names)],
        ignore_index=True,
    )


def luminance(hex_color: str) -> float:
    """Relative luminance (WCAG): what is left of a colour in grey."""
    channels = [int(hex_color.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_cht001_colours_come_in_order_and_a_variables_values_keep_theirs():
    assert list(series_colors(["web", "api", "auth"]).values()) == PALETTE[:3]
    assert "#ddcc77" not in PALETTE[:10]  # the pale sand is the last colour given
    services = [["api", "auth", "checkout", "web"]]
    # The same service, the same colour on every panel, whichever others it is drawn with.
    assert series_colors(["web"], services)["web"] == series_colors(["api", "web"], services)["web"]
    assert series_colors(["web", "P95"], services) == {"web": PALETTE[3], "P95": PALETTE[0]}
    # Severities are told apart in grey too: each clearly darker than the next (a contrast of
    # 1.5 or more; the blocker and major reds were 1.33 apart).
    ladder = [meaning(s) for s in ("critical", "major", "warning", "minor")]
    assert meaning("blocker") == ladder[0] and meaning("urgent") == ladder[0]
    steps = [luminance(c) + 0.05 for c in ladder]
    assert all(later / earlier >= 1.5 for earlier, later in zip(steps, steps[1:], strict=False))


def test_cht002_snake_case_reads_as_words_and_a_click_keeps_the_data_value():
    panel = Panel(id="c", type="bar", title="Channels", datasource="warehouse",
                  queries=[{"sql": "SELECT 1", "x": "channel", "y": "customers"}])  # fmt: skip
    tidy = pd.DataFrame({"x": ["paid_search", "organic"], "series": "customers",
                         "value": [87.0, 161.0]})  # fmt: skip
    model = bar.build(data_of(panel, tidy), CONTEXT)
    figure = bar.figure(model)
    assert figure["layout"]["xaxis"]["ticktext"] == ["paid search", "organic"]
    assert figure["data"][0]["x"] == ["paid_search", "organic"]
    assert bar.rows(model).frame["channel"].tolist() == ["paid search", "organic"]
    point = {"x": "paid_search", "customdata": figure["data"][0]["customdata"][0]}
    assert bar.click(panel, point, CONTEXT.window).category == "paid_search"
    states = data_of(sql_panel("timeseries"), daily(["in_progress"]))
    assert timeseries.figure(timeseries.build(states, CONTEXT))["data"][0]["name"] == "in progress"


def test_cht003_a_day_the_range_cuts_short_is_drawn_as_partial_not_as_a_fall():
    data = data_of(sql_panel("timeseries"), daily(["orders"]))
    model = timeseries.build(data, CONTEXT)
    assert model.lines[0].buckets.partial.tolist() == [True] + [False] * 6 + [True]
    figure = timeseries.figure(model)
    marks = [t for t in figure["data"] if t.get("name") == "orders (partial day)"]
    assert len(marks) == 1 and marks[0]["showlegend"] is False
    assert marks[0]["marker"]["color"] == "white"  # hollow points
    dashed = [s for s in figure["layout"]["shapes"] if s["line"].get("dash") == "dash"]
    assert len(dashed) == 2  # into the first day and into today
    rows = timeseries.rows(model).frame
    assert rows["partial"].tolist() == ["partial day"] + [""] * 6 + ["partial day"]
    assert "partial day" in timeseries.summary(model)

    # Bars over time with days missing: the partial ones on their own days, hatched.
    sparse = daily(["orders"]).drop(index=[2, 4, 5])
    columns = timeseries.figure(timeseries.build(
        data_of(sql_panel("timeseries", options={"style": "bars"}), sparse), CONTEXT))  # fmt: skip
    hatched = next(t for t in columns["data"] if t["name"] == "orders (partial day)")
    assert hatched["marker"]["pattern"] == {"shape": "/"} and hatched["dx"] == 86_400_000
    ys = np.frombuffer(base64.b64decode(hatched["y"]["bdata"]), dtype=np.float32)
    assert np.flatnonzero(~np.isnan(ys)).tolist() == [0, 7]

    bars = bar.figure(bar.build(data_of(sql_panel("bar"), daily(["orders"]).assign(
        x=DAYS.dt.strftime("%Y-%m-%d"))), CONTEXT))  # fmt: skip
    whole, partial = bars["data"]
    assert partial["marker"]["pattern"] == {"shape": "/"} and partial["showlegend"] is False
    assert [y is None for y in whole["y"]] == [True] + [False] * 6 + [True]
    assert partial["customdata"][-1][3] == " (partial day)"


def test_cht004_many_series_get_a_legend_table_and_images_keep_every_series():
    names = [f"route-{n}" for n in range(7)]
    model = timeseries.build(data_of(sql_panel("timeseries"), daily(names)), CONTEXT)
    assert [row.name for row in model.legend] == names
    card = json.loads(json.dumps(timeseries.card(model).to_plotly_json(), default=_plain))
    table = [n for n in nodes(card) if n.get("className") == "legend-table"]
    assert table and all(name in json.dumps(table) for name in names)
    assert figure_in(card)["layout"]["showlegend"] is False
    assert timeseries.figure(model)["layout"]["showlegend"] is True  # PNG, SVG, PDF
    few = timeseries.build(data_of(sql_panel("timeseries"), daily(names[:5])), CONTEXT)
    assert few.legend == []


def _plain(value):
    """Dash components and arrays as JSON, the way the page receives them."""
    if hasattr(value, "to_plotly_json"):
        return value.to_plotly_json()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


@pytest.mark.parametrize(("span", "within_day"), [("now-24h", "%H:%M"), ("now-7d", "%b %-d %H:%M")])
def test_cht005_time_ticks_are_one_short_line_never_turned(span, within_day):
    axis = time_axis(TimeRange.parse(span, "now"))
    assert axis["tickangle"] == 0
    formats = {tuple(s["dtickrange"]): s["value"] for s in axis["tickformatstops"]}
    assert formats[(60_000, 86_400_000 - 1)] == within_day
    assert formats[(86_400_000, "M1")] == "%b %-d"
    assert all("\n" not in f and "<br>" not in f for f in formats.values())


def test_cht006_a_map_is_centred_on_the_countries_with_data():
    _lon, _lat, lons, lats = data_view(["GBR", "DEU", "FRA", "ESP", "ITA", "POL", "SWE"])
    assert -30 < lons[0] < lons[1] < 45 and 30 < lats[0] < lats[1] < 75
    lon, _lat, lons, _lats = data_view(["USA", "BRA", "DEU", "IND", "AUS", "JPN", "ZAF"])
    assert lons[1] - lons[0] == 360 and -30 < lon < 30  # the world, about Greenwich
    _lon, _lat, lons, _lats = data_view(["NZL", "FJI", "AUS"])  # across the antimeridian
    assert lons[1] - lons[0] < 120


@pytest.fixture(scope="module")
def boss(prometheus, warehouse_sqlite, tmp_path_factory):
    from tests.fixtures.app import settings_for

    app = create_app(settings_for(prometheus, warehouse_sqlite, tmp_path_factory.mktemp("app")))
    add_user(app, "boss", "admin", ())
    return client_for(app, "boss")


def test_cht007_a_pie_keeps_every_slice_under_its_own_cross_filter(boss):
    """A click on the revenue pie's Books slice filters Sales Performance by Books; the pie
    still shows every category, Books pulled out, the others faded."""
    state = ViewState("now-30d", "now", "off", {"category": ["Books"], "region": ["$__all"],
                                                "campaign": ["any"]})  # fmt: skip
    payload = update_request("sales-performance", ["revenue-by-category"], state.to_dict())
    response = boss.post("/_dash-update-component", json=payload)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    body = next(iter(response.get_json()["response"].values()))["children"]
    pie = figure_in(body)
    assert pie is not None, json.dumps(body)[:400]
    trace = pie["data"][0]
    assert len(trace["labels"]) > 3 and "Books" in trace["labels"]
    pulled = [label for label, pull in zip(trace["labels"], trace["pull"], strict=True) if pull]
    assert pulled == ["Books"]
    faded = [c for c in trace["marker"]["colors"] if c.startswith("rgba")]
    assert len(faded) == len(trace["labels"]) - 1


def test_cht008_no_series_takes_a_colour_like_a_meaning_on_its_panel():
    """The connection pool's `active` is the blue of things in progress: `max` beside it is not
    given the palette's blue as well."""
    tints = series_colors(["active", "idle", "max"])
    assert tints["active"] == meaning("active") and tints["idle"] == meaning("idle")
    assert tints["max"] not in ("#0072b2", "#56b4e9")
    assert series_colors(["warning", "api"])["api"] == PALETTE[0]
    assert series_colors(["warning", "api", "web"])["web"] not in ("#e69f00", "#ddcc77")

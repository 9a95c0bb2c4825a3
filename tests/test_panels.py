"""The panel types' pure parts (panels/): units as Grafana users read them, Markdown without
markup, what a chart draws from a frame of data."""

from __future__ import annotations

import base64
import json

import numpy as np
import pandas as pd
import pytest
from plotly.io.json import to_json_plotly

from data.panel_data import PanelData, QueryFrame
from data.spec import Panel, Threshold
from data.timerange import TimeRange, query_window
from panels import numbers, table, text, timeseries
from panels.figures import escaped_figure
from panels.kind import Context
from panels.units import cell_text, duration_scale, format_value, threshold_color

RANGE = TimeRange.parse("2026-10-01", "2026-11-01")
CONTEXT = Context(RANGE, query_window(RANGE))


@pytest.mark.parametrize(
    ("value", "unit", "decimals", "shown"),
    [
        (1234, "short", None, "1.2K"),
        (3_400_000, "short", None, "3.4M"),
        (0.1234, "percentunit", 1, "12.3%"),
        (99.5, "percent", None, "99.5%"),
        # A share short of all never reads 100 %.
        (0.9997, "percentunit", None, "99.97%"),
        (99.996, "percent", None, "99.996%"),
        (1.0, "percentunit", None, "100%"),
        (0.25, "s", None, "250 ms"),
        (90, "s", None, "1.5 min"),
        (7200, "s", None, "2 h"),
        (1536, "bytes", None, "1.5 KiB"),
        (3 * 2**30, "bytes", None, "3 GiB"),
        (2.5 * 2**20, "Bps", None, "2.5 MiB/s"),
        (1500, "reqps", None, "1.5K req/s"),
        (1_250_000, "currency:USD", None, "$1.25M"),
        (None, "short", None, "–"),
    ],
)
def test_pnl001_units(value, unit, decimals, shown):
    assert format_value(value, unit, decimals) == shown


def test_pnl002_threshold_steps():
    steps = [Threshold(value=None, color="green"), Threshold(value=80, color="orange"),
             Threshold(value=90, color="red")]  # fmt: skip
    assert [threshold_color(v, steps, "blue") for v in (10, 80, 95, None)] == [
        "green", "orange", "red", "blue",
    ]  # fmt: skip


def test_pnl003_markdown_renders_no_markup_and_no_script_links():
    panel = Panel(id="t", type="text", title="T",
                  content="**bold** <img src=x onerror=alert(1)>\n\n[ok](https://x.example) "
                          "[bad](javascript:alert(1))")  # fmt: skip
    model = text.build(PanelData(panel, time_range=RANGE), CONTEXT)
    rendered = json.loads(to_json_plotly(text.card(model)))
    flat = json.dumps(rendered)
    assert '"Strong"' in flat and "https://x.example" in flat
    assert "<img src=x onerror=alert(1)>" in flat  # as text, not as an element
    assert '"Img"' not in flat and '"javascript:' not in flat


def test_pnl004_labels_from_data_reach_plotly_as_text_not_markup():
    hostile = '<a href="https://evil.example">click</a><img src=x onerror=alert(1)>'
    built = escaped_figure([{"type": "bar", "x": [hostile, "ok"], "y": [1, 2], "name": hostile,
                     "text": [hostile, "ok"]}], {})  # fmt: skip
    flat = json.dumps(built)
    assert "<a " not in flat and "<img" not in flat
    assert "&lt;a href=" in flat and built["data"][0]["x"][1] == "ok"


def frames_of(panel: Panel, tidy: pd.DataFrame) -> list[QueryFrame]:
    """What a datasource would give the panel's first query: `tidy` (x, series, value)."""
    return [QueryFrame(panel.queries[0], tidy, tidy)]


def drawn(data: PanelData, annotations: pd.DataFrame | None = None) -> dict:
    """The time series' figure, as the page and the exports draw it."""
    context = Context(RANGE, query_window(RANGE), annotations=annotations)
    return timeseries.figure(timeseries.build(data, context))


@pytest.mark.parametrize(
    ("unit", "top", "scale"),
    [("s", 90, (1, "s")), ("s", 4_700, (60, "min")), ("s", 9_000, (3600, "h")),
     ("s", 300_000, (86_400, "days")), ("ms", 850, (1, "ms")), ("ms", 30_000, (1000, "s")),
     ("bytes", 5e9, (1, "bytes"))],
)  # fmt: skip
def test_pnl005_long_durations_are_drawn_in_minutes_hours_or_days(unit, top, scale):
    assert duration_scale(unit, top) == scale


def test_pnl006_an_hour_long_series_counts_in_minutes_not_kiloseconds():
    steps = [{"value": None, "color": "green"}, {"value": 3600, "color": "red"}]
    query = {"sql": "SELECT 1", "x": "week", "y": "mttr"}
    panel = Panel(id="mttr", type="timeseries", title="MTTR", unit="s", datasource="warehouse",
                  queries=[query], thresholds=steps)  # fmt: skip
    weeks = pd.date_range("2026-10-05", periods=3, freq="7D", tz="UTC")
    tidy = pd.DataFrame({"x": weeks, "series": "MTTR", "value": [1200.0, 4800.0, 2400.0]})
    data = PanelData(panel, frames=frames_of(panel, tidy), time_range=RANGE)
    figure = drawn(data)
    layout = figure["layout"]
    assert layout["yaxis"]["ticksuffix"] == " min"
    assert figure["data"][0]["hovertemplate"].endswith(" min")
    assert layout["shapes"][0]["y0"] == 60  # the one-hour threshold, in minutes
    y = figure["data"][0]["y"]  # a typed array: base64 of float32
    assert np.frombuffer(base64.b64decode(y["bdata"]), dtype=np.float32).tolist() == [20, 80, 40]


@pytest.mark.parametrize("as_text", [False, True])  # datetimes, or date strings as SQLite gives
def test_pnl007_annotations_outside_the_panels_span_are_left_out(as_text):
    query = {"sql": "SELECT 1", "x": "day", "y": "revenue"}
    panel = Panel(id="rev", type="timeseries", title="Revenue", datasource="warehouse",
                  queries=[query])  # fmt: skip
    days = pd.date_range("2026-10-05", periods=15, freq="1D").strftime(
        "%Y-%m-%d"
    )  # as SQLite gives
    tidy = pd.DataFrame({"x": days, "series": "revenue", "value": 1.0})
    quarters = pd.to_datetime(["2026-07-01", "2026-10-10", "2027-01-01"], utc=True)
    notes = pd.DataFrame({"time": quarters, "text": ["Q3", "Q4", "Q1"], "end": pd.NaT,
                          "source": "Fiscal quarters", "color": "#8f3bb8"})  # fmt: skip
    data = PanelData(panel, frames=frames_of(panel, tidy), time_range=RANGE)
    markers = [t for t in drawn(data, notes)["data"] if t["mode"] == "markers"]
    assert [m["text"] for m in markers] == [["Q4"]]


def test_pnl008_a_missed_sample_in_a_stack_is_bridged_not_drawn_as_zero():
    query = {"expr": "sum by (service) (rate(http_requests_total[1m]))"}
    panel = Panel(id="rps", type="timeseries", title="Requests", unit="reqps",
                  queries=[query], options={"style": "area", "stack": True})  # fmt: skip
    times = pd.date_range("2026-11-23 12:00", periods=6, freq="15s", tz="UTC")
    tidy = pd.concat([
        pd.DataFrame({"x": times.delete(3), "series": "web", "value": 5.0}),
        pd.DataFrame({"x": times, "series": "api", "value": 3.0}),
    ])  # fmt: skip
    data = PanelData(panel, frames=frames_of(panel, tidy), time_range=RANGE)
    traces = drawn(data)["data"]
    assert {t["stackgaps"] for t in traces} == {"interpolate"}


def test_pnl009_tables_show_times_the_same_way_whatever_the_database_returns():
    readable_times = table.readable_times
    sqlite = pd.Series(["2026-11-23 17:48:09.000000", None, "2026-11-22T06:18:23"])
    assert readable_times(sqlite).tolist() == ["2026-11-23 17:48", None, "2026-11-22 06:18"]
    stamps = pd.Series(pd.to_datetime(["2026-11-23 17:48:09"], utc=True))
    assert readable_times(stamps).tolist() == ["2026-11-23 17:48"]
    for untouched in (pd.Series(["email", "2026-11-23 17:48"]), pd.Series([1, 2]),
                      pd.Series(["2026-13-45 99:99"])):  # fmt: skip
        assert readable_times(untouched).tolist() == untouched.tolist()


@pytest.mark.parametrize(
    ("now", "before", "lower_is_better", "note"),
    [(110, 100, False, ("▲ 10.0% vs 1 day earlier", "good")),
     (110, 100, True, ("▲ 10.0% vs 1 day earlier", "bad")),
     (90, 100, True, ("▼ 10.0% vs 1 day earlier", "good")),
     (99.99, 100, False, ("no change vs 1 day earlier", "flat"))],
)  # fmt: skip
def test_pnl010_a_change_that_rounds_to_zero_is_no_change_not_a_red_arrow(
    now, before, lower_is_better, note
):
    panel = Panel(id="s", type="stat", title="S", queries=[{"expr": "x"}], time_shift="1d",
                  options={"lower_is_better": lower_is_better})  # fmt: skip

    found = numbers.change(panel, now, before, panel.options.lower_is_better)
    assert (found.text, found.mood) == note


def test_pnl011_an_unknown_option_is_refused_naming_the_field():
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as refused:
        Panel(id="s", type="stat", title="S", queries=[{"expr": "x"}], options={"redcue": "max"})
    error = refused.value.errors()[0]
    assert error["loc"] == ("options", "redcue") and error["type"] == "extra_forbidden"
    with pytest.raises(ValidationError, match="Input should be 'last', 'mean'"):
        Panel(id="s", type="stat", title="S", queries=[{"expr": "x"}], options={"reduce": "avg"})
    with pytest.raises(ValidationError, match="a stat panel reports no clicks"):
        Panel(id="s", type="stat", title="S", queries=[{"expr": "x"}], cross_filter="x")


def test_pnl012_the_time_axis_spans_the_range_asked_for_not_the_data():
    """Three minutes of samples under "last month" are drawn as three minutes of a month."""
    panel = Panel(id="rps", type="timeseries", title="Requests", queries=[{"expr": "up"}])
    times = pd.date_range("2026-10-31 23:57", periods=3, freq="1min", tz="UTC")
    tidy = pd.DataFrame({"x": times, "series": "api", "value": [1.0, 2.0, 3.0]})
    figure = drawn(PanelData(panel, frames=frames_of(panel, tidy), time_range=RANGE))
    assert figure["layout"]["xaxis"]["range"] == [RANGE.start * 1000, RANGE.end * 1000]


def test_pnl013_sql_dates_as_text_are_shifted_and_drawn_dotted_in_their_series_colour():
    """`$__day` gives '2026-10-05' as text; a time shift must still lay the earlier period over
    this one (the comparison a title promised was never drawn)."""
    query = {"sql": "SELECT 1", "x": "day", "y": "orders"}
    panel = Panel(id="orders", type="timeseries", title="Orders", datasource="warehouse",
                  queries=[query], time_shift="7d")  # fmt: skip
    days = pd.Series(["2026-10-05", "2026-10-06", "2026-10-07"], dtype="string")
    now = pd.DataFrame({"x": days, "series": "orders", "value": [5.0, 6.0, 7.0]})
    before = pd.DataFrame({"x": days, "series": "orders", "value": [4.0, 4.0, 4.0]})
    data = PanelData(panel, frames=frames_of(panel, now), time_range=RANGE)
    data.previous = frames_of(panel, before)
    traces = drawn(data)["data"]
    dotted = [t for t in traces if t.get("line", {}).get("dash") == "dot"]
    solid = [t for t in traces if t.get("name") == "orders"]
    assert len(dotted) == 1 and dotted[0]["line"]["color"] == solid[0]["line"]["color"]


@pytest.mark.parametrize(
    ("value", "unit", "decimals", "shown"),
    [(0.0003, "percentunit", None, "0.03%"),  # an error rate of 0.03 %, not "0%"
     (0.03, "percent", None, "0.03%"),
     (0.000346, "percentunit", None, "0.035%"),  # two significant digits
     (0.0016, "percentunit", 1, "0.2%"),  # decimals asked for, kept while they say something
     (0.0003, "percentunit", 1, "0.03%"),  # ... and one significant digit past them
     (0.0004, "short", None, "0.0004"),
     (0.004, "currency:USD", None, "$0.004"),
     (1e-12, "percentunit", None, "0%"),  # float noise is nothing
     (0.0, "percent", None, "0%"),
     (15000, "none", None, "15,000"),
     (28692.879999999986, "none", None, "28,692.88"),  # no float noise
     (1234567, "none", None, "1,234,567"),
     (0.5, "percent", None, "0.5%"),
     (2.345, "percent", None, "2.3%")],
)  # fmt: skip
def test_pnl014_small_values_keep_their_significant_digits_big_ones_their_thousands(
    value, unit, decimals, shown
):
    assert format_value(value, unit, decimals) == shown


def test_pnl015_a_table_says_counts_with_thousands_and_ids_as_they_are_in_every_format():
    """The grid, "View as table", the PNG/PDF picture and the CSV's header of one table."""
    panel = Panel(id="t", type="table", title="Rollbacks", datasource="warehouse",
                  queries=[{"sql": "SELECT 1"}],
                  options={"units": {"share": "percentunit"}})  # fmt: skip
    raw = pd.DataFrame({"component": ["media", "search"], "order_id": [15000, 20261],
                        "records": [15000, 7], "amount": [28692.879999999986, 0.5],
                        "share": [0.0003, 0.25]})  # fmt: skip
    model = table.build(PanelData(panel, frames=[QueryFrame(panel.queries[0], raw, raw)],
                                  time_range=RANGE), CONTEXT)  # fmt: skip
    expected = [["media", "15000", "15,000", "28,692.88", "0.03%"],
                ["search", "20261", "7", "0.5", "25%"]]  # fmt: skip
    shown = [[model.text(c, row[c.field]) for c in model.columns]
             for row in model.frame.to_dict("records")]  # fmt: skip
    assert shown == expected
    rows = table.rows(model)
    columns = rows.frame.columns
    viewed = [[cell_text(v, rows.units.get(c)) for c, v in zip(columns, row, strict=True)]
              for row in rows.frame.itertuples(index=False)]  # fmt: skip
    assert viewed == expected
    figure = table.figure(model)["data"][0]
    assert [list(r) for r in zip(*figure["cells"]["values"], strict=True)] == expected
    # Numbers right-aligned under headers on the right, in the picture as on the page.
    assert figure["header"]["align"] == figure["cells"]["align"] == [
        "left", "left", "right", "right", "right"]  # fmt: skip
    assert list(rows.frame.columns) == ["component", "order id", "records", "amount", "share (0-1)"]

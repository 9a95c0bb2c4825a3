"""Analytics on the panels as their users read them: a time series' forecast whose band holds
what happened next, an SRE's expected band over the demo's latency that circles a slowdown
nobody filed and leaves a normal week alone, an executive's "forecast end of month" with its
verdict against the month's target, a card that says in words why no model could be fitted,
the forecast's numbers in the CSV, the table view and the PDF report, and a region-bound
user's forecast made of that region's data only. Real Prometheus, real SQL, real Chromium."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import requests
import yaml
from plotly.io.json import to_json_plotly
from sqlalchemy import create_engine, text

import urls
from app import create_app
from data.panel_data import PanelData, QueryFrame
from data.spec import Panel
from data.timerange import TimeRange, query_window
from demo.backfill import backfill
from demo.incidents import incidents_between
from demo.promstack import PrometheusServer, free_port, write_config
from demo.series import slowdowns_between
from panels import timeseries
from panels.display import panel_data, panel_model
from panels.kind import Context
from services import services
from settings import ROOT
from tests.fixtures._servers import require, wait_until
from tests.fixtures.app import add_user, client_for, demo_app, figure_in, nodes, settings_for
from tests.test_analytics import seasonal
from tests.test_exports import pdf_pages
from tests.test_panel_types import _numbers, _table_view
from view.resolve import resolve_view

HOUR, DAY = 3600, 86_400


def _texts(card) -> list[str]:
    """Every string a card prints (a component, or as the callback sent it), and what it says
    on hover (titles)."""
    if not isinstance(card, dict):
        card = json.loads(to_json_plotly(card))
    said = []
    for node in nodes(card):
        props = node.get("props") if isinstance(node.get("props"), dict) else {}
        children = props.get("children")
        said += [c for c in (children if isinstance(children, list) else [children])
                 if isinstance(c, str)]  # fmt: skip
        said += [props["title"]] if isinstance(props.get("title"), str) else []
    return said


def _panel(analytics: dict, unit: str = "reqps") -> Panel:
    return Panel(id="requests", type="timeseries", title="Requests", unit=unit,
                 queries=[{"expr": "x", "legend": "api"}],
                 options={"analytics": analytics})  # fmt: skip


def _built(panel: Panel, series: pd.Series) -> timeseries.TimeSeriesModel:
    tidy = pd.DataFrame({"x": series.index, "series": series.name, "value": series.to_numpy()})
    span = TimeRange(series.index[0].timestamp(), series.index[-1].timestamp() + 900)
    data = PanelData(panel, frames=[QueryFrame(panel.queries[0], tidy, tidy)], time_range=span)
    return timeseries.build(data, Context(span, query_window(span)))


def test_anp001_the_forecast_drawn_on_a_time_series_holds_the_day_that_came_next():
    """Two weeks of a service's requests: the panel draws the next day dashed inside its bands,
    past the end of its range, and the day that then happened lies inside the 95 % band the
    panel drew (its CSV's bounds, the chart's numbers)."""
    history = seasonal(15, 900, seed=7)
    shown, then = history[: 14 * 96], history[14 * 96 :]
    model = _built(_panel({"forecast": {"horizon": "1d"}}), shown)
    drawn = timeseries.figure(model)
    names = [t.get("name") for t in drawn["data"]]
    assert "api forecast" in names and names.index("api") < names.index("api forecast")
    dashed = drawn["data"][names.index("api forecast")]
    assert dashed["line"]["dash"] == "dash" and "95 %" in dashed["text"][0]
    bands = [t for t in drawn["data"] if t.get("fill") == "toself"]
    assert len(bands) == 2  # 95 % and 80 %, behind the series
    axis_end = pd.Timestamp(drawn["layout"]["xaxis"]["range"][1], unit="ms", tz="UTC")
    assert axis_end >= shown.index[-1] + pd.Timedelta(hours=23)
    frame = timeseries.rows(model).frame.set_index("time")
    ahead = frame["api forecast (req/s)"].dropna()
    assert len(ahead) == 24
    actual = then.resample("1h").mean().reindex(ahead.index)
    low, high = frame["api forecast lower 95 (req/s)"], frame["api forecast upper 95 (req/s)"]
    inside = (actual >= low.reindex(ahead.index)) & (actual <= high.reindex(ahead.index))
    assert inside.mean() >= 0.9, inside.mean()
    assert model.about == "Forecast: ETS(A,A,A), daily season, 336 hourly points"


def test_anp002_a_card_says_why_no_model_was_fitted_and_draws_the_series_alone():
    times = pd.date_range("2026-11-02", periods=48, freq="h", tz="UTC")
    flat = pd.Series(5.0, index=times, name="disk")
    model = _built(_panel({"forecast": {"horizon": "7d"}}, unit="percent"), flat)
    said = _texts(timeseries.card(model))
    assert "disk: the series is constant (5): there is no model to fit" in said
    assert [t.get("name") for t in timeseries.figure(model)["data"]] == ["disk"]
    short = _built(_panel({"forecast": {"horizon": "1d"}}), flat.iloc[:4] + np.arange(4))
    assert "disk: too little data to forecast (4 points; at least 10 needed)" in _texts(
        timeseries.card(short)
    )
    drawn = timeseries.figure(short)
    assert [t.get("name") for t in drawn["data"]] == ["disk"]
    # The image says it too, over the chart.
    assert "too little data" in drawn["layout"]["annotations"][-1]["text"]


# --- the SRE's expected band, on the demo's own latency in a real Prometheus -----------------


def _events(service: str, start: datetime, end: datetime) -> list:
    """What makes a service's latency unusual: its incidents and its unfiled slowdowns."""
    found = incidents_between(start, end) + slowdowns_between(start, end)
    return [e for e in found if e.service == service]


def _weeks(now: datetime) -> tuple[tuple[str, datetime], tuple[str, datetime]]:
    """((service, end of a week whose only unusual moment is one slowdown of it), (service, end
    of a week with nothing unusual for it)), both within the last four weeks."""
    first = now - timedelta(days=27)
    slowed = normal = None
    for slowdown in slowdowns_between(first, now - timedelta(days=4)):
        end = slowdown.started_at + timedelta(days=3)
        if _events(slowdown.service, end - timedelta(days=7), end) == [slowdown]:
            slowed = (slowdown.service, end)
            break
    for service in ("api", "web", "auth", "search", "payments", "checkout", "audio-enhancer"):
        for days in range(1, 21):
            end = now - timedelta(days=days)
            if not _events(service, end - timedelta(days=7, hours=2), end):
                normal = (service, end)
                break
        if normal:
            break
    assert slowed and normal, "four weeks of the demo world without a lone slowdown"
    return slowed, normal


@pytest.fixture(scope="module")
def latency_app(tmp_path_factory, warehouse_sqlite):
    """The shipped Application Performance over a Prometheus holding four weeks of the demo's
    latency histograms of two services (its variables read their options from them)."""
    require("prometheus", "prometheus")
    require("promtool", "prometheus")
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    (slowed, normal) = _weeks(now)
    kept = {slowed[0], normal[0]}
    root = tmp_path_factory.mktemp("latency")
    end = int(now.timestamp())
    first = int(min(slowed[1], normal[1]).timestamp()) - 8 * DAY
    backfill(root / "data", first, end,
             only=lambda s: s.name.startswith("http_request_duration_seconds")
             and s.label_dict.get("service") in kept)  # fmt: skip
    config = write_config(root / "prometheus.yml", scrape_interval=60, targets={}, rules_files=[])
    server = PrometheusServer(root / "data", config, free_port())
    server.start()
    wait_until(lambda: _answers(server.url, end), "the backfilled latency", timeout=30)
    board = yaml.safe_load((ROOT / "dashboards" / "application-performance.yaml").read_text())
    for variable in board["variables"]:
        variable["match"] = variable["match"].replace(
            "http_requests_total", "http_request_duration_seconds_count"
        )
    boards = root / "dashboards"
    boards.mkdir()
    (boards / "application-performance.yaml").write_text(yaml.safe_dump(board))
    source = SimpleNamespace(url=server.url, step=60)
    app = create_app(settings_for(source, warehouse_sqlite, root, dashboards_dir=boards))
    add_user(app, "oncall", "viewer", ("sre",))
    yield app, slowed, normal
    server.stop()


def _answers(url: str, at: int) -> bool:
    query = {"query": "count(http_request_duration_seconds_count)", "time": at - 600}
    body = requests.get(f"{url}/api/v1/query", params=query, timeout=5).json()
    return bool(body.get("data", {}).get("result"))


def _latency_week(app, service: str, end: datetime):
    query = {"to": [str(int(end.timestamp() * 1000))], "from": [str(int((end - timedelta(
        days=7)).timestamp() * 1000))], "var-service": [service]}  # fmt: skip
    with app.server.app_context():
        viewer = services().users.get("oncall")
        view = resolve_view(viewer, "application-performance", urls.view_state(query))
        data = panel_data(view, view.dashboard.panel("p95-expected"))
        return data, panel_model(view, data)


def test_anp003_the_latency_band_circles_a_slowdown_nobody_filed_and_not_a_normal_week(
    latency_app,
):
    """The SRE's P95 against its expected band over a week in which the service slowed down
    once (no incident, no alert: in no table): the card counts the slowdown's points, the chart
    circles them, the table view marks them; over a week with nothing unusual, no point is."""
    app, (service, end), (calm, calm_end) = latency_app
    data, model = _latency_week(app, service, end)
    assert data.status == "ok", data.error
    (slowdown,) = _events(service, end - timedelta(days=7), end)
    band = model.analysis.bands[service]
    assert band.ok and band.season.name == "daily"
    flagged = band.times[band.flagged]
    assert len(flagged) >= 1
    # Every circled point is the slowdown (a rate over its window trails it by a step or two).
    assert ((flagged >= pd.Timestamp(slowdown.started_at)) & (
        flagged <= pd.Timestamp(slowdown.ended_at) + pd.Timedelta(minutes=30))).all()  # fmt: skip
    count = len(flagged)
    words = f"{count} {'anomaly' if count == 1 else 'anomalies'} in range"
    assert model.notes[0] == words and words in _texts(timeseries.card(model))
    circles = [t for t in timeseries.figure(model)["data"] if t.get("name") == "anomaly"]
    assert len(circles) == 1 and circles[0]["marker"]["symbol"] == "circle-open"
    marks = timeseries.rows(model).frame[f"{service} anomaly"]
    assert (marks == "anomaly").sum() == count
    data, model = _latency_week(app, calm, calm_end)
    assert data.status == "ok", data.error
    assert model.notes == ["0 anomalies in range"]
    assert model.analysis.bands[calm].count == 0


# --- an executive's forecast to the end of the month, on known data --------------------------


def _daily(day: pd.Timestamp) -> float:
    """Sales a day on average: growing, lower at weekends."""
    return 1000.0 + 4.0 * (day - pd.Timestamp("2026-01-01", tz="UTC")).days - (
        250.0 if day.day_of_week >= 5 else 0.0)  # fmt: skip


GOALS = {"low-plan": "0.95", "high-plan": "1.05"}  # the plan at 95 % and 105 % of sales
SHOP = {
    "slug": "shop",
    "title": "Shop",
    "teams": ["executive"],
    "time_from": "now-30d",
    "rows": [{"panels": [
        {"id": f"sales-{name}", "type": "kpi", "title": f"Sales vs plan x{goal}",
         "unit": "currency:USD", "datasource": "warehouse",
         "options": {"reduce": "sum", "target_query": "plan",
                     "analytics": {"forecast": {"to": "month", "train": "120d"}}},
         "queries": [
             {"sql": "SELECT $__day(day) AS day, sum(amount) AS sales FROM sales "
                     "WHERE $__timeFilter(day) GROUP BY 1 ORDER BY 1", "x": "day", "y": "sales"},
             {"ref": "plan", "sql": f"SELECT $__day(day) AS day, sum(target) * {goal} AS target "
                                    "FROM plan WHERE $__timeFilter(day) GROUP BY 1 ORDER BY 1",
              "x": "day", "y": "target"}]}
        for name, goal in GOALS.items()] + [
        {"id": "daily-sales", "type": "timeseries", "title": "Sales per day",
         "unit": "currency:USD", "datasource": "warehouse", "relative_time": "90d",
         "queries": [{"sql": "SELECT $__day(day) AS day, sum(amount) AS sales FROM sales "
                             "WHERE $__timeFilter(day) GROUP BY 1 ORDER BY 1",
                      "x": "day", "y": "sales", "legend": "sales"}],
         "options": {"analytics": {"forecast": {"horizon": "14d"}, "anomalies": {}}}},
        {"id": "flat", "type": "timeseries", "title": "Flat", "datasource": "warehouse",
         "queries": [{"sql": "SELECT $__day(day) AS day, 5 AS stock FROM sales "
                             "WHERE $__timeFilter(day) ORDER BY 1",
                      "x": "day", "y": "stock", "legend": "stock"}],
         "options": {"analytics": {"forecast": {"horizon": "7d"}}}}]}],
}  # fmt: skip


@pytest.fixture(scope="module")
def shop(prometheus, tmp_path_factory):
    """An app over a shop of known daily sales (120 days to now, today so far half a day's)
    and its plan for every day of this month: the plan at 95 % of the expected sales, and at
    105 %."""
    root = tmp_path_factory.mktemp("shop")
    today = pd.Timestamp.now(tz="UTC").normalize()
    days = pd.date_range(today - pd.Timedelta(days=120), today, freq="D")
    noise = np.random.default_rng(4).normal(0, 20, len(days))
    sales = [_daily(d) + n for d, n in zip(days, noise, strict=True)]
    sales[-1] /= 2  # today so far
    month = pd.date_range(today.replace(day=1), today.replace(day=1) + pd.offsets.MonthEnd(1))
    engine = create_engine(f"sqlite:///{root / 'shop.db'}")
    with engine.begin() as conn:
        pd.DataFrame({"day": days.tz_localize(None), "amount": sales}).to_sql("sales", conn)
        plan = pd.DataFrame({"day": month.tz_localize(None), "target": [_daily(d) for d in month]})
        plan.to_sql("plan", conn)
    engine.dispose()
    boards = root / "dashboards"
    boards.mkdir()
    (boards / "shop.yaml").write_text(yaml.safe_dump(SHOP))
    warehouse = SimpleNamespace(url=f"sqlite:///{root / 'shop.db'}")
    app = create_app(settings_for(prometheus, warehouse, root, dashboards_dir=boards))
    add_user(app, "boss", "admin", ("executive",))
    so_far = sum(s for d, s in zip(days, sales, strict=True) if month[0] <= d < today)
    expected = so_far + sum(_daily(d) for d in month if d >= today)
    return app, expected


def _card_of(client, slug: str, panel_id: str, query: dict) -> dict:
    from callbacks.panels import update_request

    request = update_request(slug, [panel_id], {**query, "refresh": "off", "vars": {}})
    answer = client.post("/_dash-update-component", json=request)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    (value,) = answer.get_json()["response"].values()
    return value["children"]


def test_anp004_a_kpi_forecasts_the_month_end_and_says_whether_it_is_on_track(shop):
    """This month's sales so far plus the forecast of each day left, within its margin of what
    the shop will sell on average; "on track" against a plan 5 % below that, "at risk" against
    one 5 % above, each with its percent from the month's whole plan (days to come included)."""
    app, expected = shop
    client = client_for(app, "boss")
    week = {"from": "now-30d", "to": "now"}
    first = pd.Timestamp.now(tz="UTC").normalize().replace(day=1)
    month_plan = sum(_daily(d) for d in pd.date_range(first, first + pd.offsets.MonthEnd(1)))
    for name, verdict in (("low-plan", "on track"), ("high-plan", "at risk")):
        goal = GOALS[name]
        said = _texts(_card_of(client, "shop", f"sales-{name}", week))
        forecast = next(t for t in said if t.startswith("forecast end of month: $"))
        csv = client.get(f"/export/shop/sales-{name}.csv", query_string=week)
        row = pd.read_csv(io.StringIO(csv.get_data(as_text=True))).iloc[0]
        value = row["forecast end of month (USD)"]
        low, high = row["forecast end of month lower 95 (USD)"], row[
            "forecast end of month upper 95 (USD)"]  # fmt: skip
        assert low <= expected <= high, (low, expected, high)
        assert (high - low) / 2 < 0.05 * value  # a margin an executive can plan with
        assert row["target for the forecast end of month (USD)"] == pytest.approx(
            month_plan * float(goal), rel=1e-6)  # fmt: skip
        gap = abs(value / (month_plan * float(goal)) - 1) * 100
        side = "above" if verdict == "on track" else "below"
        assert f"{verdict}: {gap:.0f} % {side} the month's target" in " ".join(said), said
        assert "(± " in forecast


def test_anp005_the_csv_the_table_view_and_the_pdf_carry_the_forecast(shop):
    """The forecast's columns with their bounds in the CSV and the table view, the expected
    band and its marks too; the PDF report prints the chart with what the card says of it."""
    app, _expected = shop
    client = client_for(app, "boss")
    week = {"from": "now-30d", "to": "now"}
    csv = client.get("/export/shop/daily-sales.csv", query_string=week).get_data(as_text=True)
    frame = pd.read_csv(io.StringIO(csv))
    columns = ["sales forecast (USD)", "sales forecast lower 80 (USD)",
               "sales forecast upper 80 (USD)", "sales forecast lower 95 (USD)",
               "sales forecast upper 95 (USD)", "sales expected (USD)",
               "sales expected lower (USD)", "sales expected upper (USD)",
               "sales anomaly"]  # fmt: skip
    assert set(columns) <= set(frame.columns)
    ahead = frame.dropna(subset=["sales forecast (USD)"])
    # From today on: today so far is a partial day, forecast whole; the days after, forecast.
    assert len(ahead) == 14 and ahead["sales (USD)"].iloc[1:].isna().all()
    assert ahead["partial"].iloc[0] == "partial day"
    assert (ahead["sales forecast lower 95 (USD)"] < ahead["sales forecast lower 80 (USD)"]).all()
    assert (ahead["sales forecast upper 80 (USD)"] < ahead["sales forecast upper 95 (USD)"]).all()
    table = _table_view(client, "shop", "daily-sales", week)
    assert table[0] == list(frame.columns)
    last = table[1 + len(frame) - 1]
    assert last[frame.columns.get_loc("sales forecast (USD)")].startswith("$")
    card = _card_of(client, "shop", "daily-sales", week)
    notes = [t for t in _texts(card) if "anomal" in t]
    assert notes, _texts(card)
    report = client.get("/export/shop.pdf", query_string=week)
    assert report.status_code == 200
    printed = " ".join(pdf_pages(report.data))
    assert notes[0] in printed and "sales forecast" in printed
    flat = _texts(_card_of(client, "shop", "flat", week))
    assert "stock: the series is constant (5): there is no model to fit" in flat
    figure = figure_in(_card_of(client, "shop", "flat", week))
    assert [t.get("name") for t in figure["data"]] == ["stock", "stock (partial day)"]


def test_anp006_a_region_bound_users_forecast_is_made_of_their_regions_data(
    prometheus, warehouse_sqlite, tmp_path
):
    """sales-eu's month-end revenue forecast on Business Overview is the one an admin gets for
    region EU (the longer history it is fitted on read for EU too), not everyone's."""
    app = demo_app(prometheus, warehouse_sqlite, tmp_path)
    asked = {"from": ["now-7d"], "to": ["now"]}
    outlooks = {}
    with app.server.app_context():
        chosen = asked | {"var-region": ["EU"]}
        for name, user, query in (("sales-eu", "sales-eu", asked), ("admin", "admin", asked),
                                  ("admin-eu", "admin", chosen)):  # fmt: skip
            view = resolve_view(services().users.get(user), "business-overview",
                                urls.view_state(query))  # fmt: skip
            data = panel_data(view, view.dashboard.panel("revenue"))
            outlooks[name] = panel_model(view, data).outlook
    eu, everyone, chosen = outlooks["sales-eu"], outlooks["admin"], outlooks["admin-eu"]
    assert eu.reason is None and everyone.reason is None
    assert eu.value == pytest.approx(chosen.value) and eu.target == pytest.approx(chosen.target)
    assert everyone.value > eu.value * 1.5 and everyone.target > eu.target * 1.5
    engine = create_engine(warehouse_sqlite.url)
    with engine.connect() as conn:
        month = pd.Timestamp.now(tz="UTC").normalize().replace(day=1).tz_localize(None)
        within = {"start": str(month), "end": str(month + pd.offsets.MonthBegin(1))}
        plan = conn.execute(text("SELECT sum(target) FROM revenue_targets WHERE region = 'EU' "
                                 "AND day >= :start AND day < :end"), within).scalar()  # fmt: skip
    engine.dispose()
    assert eu.target == pytest.approx(plan)


def test_anp007_a_forecast_to_done_stops_at_done_and_says_when():
    """Records left by a migration falling by about 40,000 a day: the card says when they reach
    none, and the drawn and listed forecast stops once its 80 % band is all at none, never below
    it (records left are not negative), so the chart's time axis ends there and not 90 days on."""
    days = pd.date_range("2026-11-01", periods=30, freq="D", tz="UTC")
    noise = np.random.default_rng(5).normal(0, 8_000, len(days))
    left = pd.Series(1_600_000 - 40_000 * np.arange(len(days)) + noise, index=days, name="media")
    panel = _panel({"forecast": {"horizon": "90d", "reaches": 0, "season": "none"}}, unit="short")
    model = _built(panel, left)
    said = " ".join(_texts(timeseries.card(model)))
    assert "media reaches 0 in about 11 days (Dec 11; 80 %: " in said, said
    drawn = timeseries.figure(model)
    names = [t.get("name") for t in drawn["data"]]
    dashed = drawn["data"][names.index("media forecast")]
    assert min(_numbers(dashed["y"], [])) == 0
    assert min(_numbers([t["y"] for t in drawn["data"]], [])) >= 0
    last = pd.Timestamp(max(_numbers(dashed["x"], [])), unit="ms", tz="UTC")
    assert last < days[-1] + pd.Timedelta(days=20)
    assert pd.Timestamp(drawn["layout"]["xaxis"]["range"][1], unit="ms", tz="UTC") == last
    frame = timeseries.rows(model).frame
    columns = [c for c in frame.columns if c.startswith("media forecast")]
    assert len(columns) == 5 and (frame[columns].dropna() >= 0).all().all()
    # The image says it over the chart, in lines that fit it: none cut off at its right edge.
    model.notes = [*model.notes, *(f"component-{n} reaches 0 in about {n} days" for n in range(9))]
    lines = timeseries.figure(model)["layout"]["annotations"][-1]["text"].split("<br>")
    assert len(lines) > 1 and all(len(line) <= 1160 / 6.5 for line in lines)
    assert " · ".join(lines) == " · ".join(model.notes)

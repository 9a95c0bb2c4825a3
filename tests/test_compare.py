"""Comparisons, as a user meets them: a panel's own `compare`, and the toolbar's "Compare with"
for the whole dashboard, kept in the URL; the earlier period drawn dotted and named in the
legend, said by a stat, and carried by the table view, the CSV and the export links. The real
Prometheus and warehouse behind them."""

from __future__ import annotations

import io
import json
import time

import pandas as pd
import pytest

import urls
from app import create_app
from callbacks.panels import update_request
from data.dashboards import load_all
from data.panel_data import fetch_panel, panel_window
from data.timerange import TimeRange, TimeRangeError
from data.urlstate import ViewState
from data.variables import as_query_values, resolve
from panels.units import headed
from services import services
from tests.fixtures.app import add_user, client_for, figure_in, nodes, open_page, settings_for
from view.resolve import store_state

DASHBOARDS = load_all()


@pytest.fixture(scope="module")
def app(prometheus, warehouse_sqlite, tmp_path_factory):
    app = create_app(settings_for(prometheus, warehouse_sqlite, tmp_path_factory.mktemp("app")))
    add_user(app, "boss", "admin", ())
    return app


@pytest.fixture(scope="module")
def boss(app):
    return client_for(app, "boss")


@pytest.fixture(scope="module")
def past_hours() -> dict[str, str]:
    """Two hours that ended five minutes ago, in epoch ms: the same data for every request."""
    end = (int(time.time()) // 60 * 60 - 300) * 1000
    return {"from": str(end - 2 * 3600 * 1000), "to": str(end)}


def panels_of(client, slug: str, panel_ids: list[str], state: ViewState) -> dict[str, dict]:
    """The panel callback's answer for these panels, as the browser asks for it; asked again
    while one is still computing (pending: on a busy machine it may take longer than the
    callback waits)."""
    payload = update_request(slug, panel_ids, state.to_dict())
    deadline = time.monotonic() + 60
    while True:
        response = client.post("/_dash-update-component", json=payload)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        bodies = {
            json.loads(key)["panel"]: value["children"]
            for key, value in response.get_json()["response"].items()
        }
        pending = "panel-pending" in json.dumps(bodies)
        if not pending or time.monotonic() > deadline:
            return bodies
        time.sleep(0.5)


def text_of(component) -> str:
    return " ".join(str(n.get("children")) for n in nodes(component) if "children" in n)


def test_cmp001_the_url_keeps_the_comparison():
    state = urls.view_state({"from": "now-6h", "compare": ["previous"]})
    assert state.compare == "previous" and state.comparison() == "previous"
    assert "compare=previous" in urls.view_query(state)
    assert urls.view_state(urls.view_query(state)) == state
    page = state.over(DASHBOARDS["system-health"])  # as the page's store holds it
    assert store_state({"slug": "system-health", **page.to_dict()}) == ("system-health", page)
    plain = urls.view_state({})
    assert plain.compare == "" and "compare" not in urls.view_query(plain)
    with pytest.raises(TimeRangeError, match="neither 'previous' nor a duration"):
        urls.view_state({"compare": "soon"}).comparison()


def test_cmp002_compare_with_reaches_every_time_series_stat_and_kpi_panel_only():
    dashboard = DASHBOARDS["business-overview"]
    compared = dashboard.compared("1y")
    kinds = {p.id: (p.type, p.compare) for p in compared.panels}
    assert {t for t, c in kinds.values() if c == "1y"} == {"timeseries", "stat", "kpi"}
    assert all(c is None for t, c in kinds.values() if t not in ("timeseries", "stat", "kpi"))
    # "None" in the toolbar leaves each panel's own comparison.
    assert dashboard.compared(None) is dashboard
    assert dashboard.panel("orders-trend").compare == "30d"


def test_cmp003_previous_period_is_drawn_dotted_named_and_in_the_csv(app, boss, past_hours):
    """System Health's request rate compared with the two hours before: a dotted line per
    service named "api, previous period", in the legend table and in the CSV, with the values
    Prometheus has for those two hours."""
    state = ViewState(past_hours["from"], past_hours["to"], "off", {}, "previous")
    body = panels_of(boss, "system-health", ["request-rate"], state)["request-rate"]
    figure = figure_in(body)
    assert figure is not None, json.dumps(body)[:600]
    dotted = [t for t in figure["data"] if (t.get("line") or {}).get("dash") == "dot"]
    solid = {t["name"]: t["line"]["color"] for t in figure["data"] if t not in dotted}
    assert len(dotted) == len(solid) > 5
    for trace in dotted:
        name = trace["name"].removesuffix(", previous period")
        assert trace["name"].endswith(", previous period") and trace["line"]["color"] == solid[name]
    assert "api, previous period" in text_of(body)  # the legend table's row

    response = boss.get(
        "/export/system-health/request-rate.csv", query_string=past_hours | {"compare": "previous"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    csv = pd.read_csv(io.StringIO(response.get_data(as_text=True)))
    assert "api, previous period (req/s)" in csv.columns
    dashboard = DASHBOARDS["system-health"]
    start, end = int(past_hours["from"]) / 1000, int(past_hours["to"]) / 1000
    with app.server.app_context():
        values, _ = resolve(services().data, dashboard, {})
        panel, before = dashboard.panel("request-rate"), TimeRange(2 * start - end, start)
        asked = as_query_values(values, dashboard)
        window = panel_window(services().data, panel, before)
        earlier = fetch_panel(services().data, dashboard, panel, window, asked)
    api = earlier.tidy[earlier.tidy["series"] == "api"]["value"].dropna().tolist()
    assert csv["api, previous period (req/s)"].dropna().tolist() == pytest.approx(api, 1e-9)


def test_cmp004_a_stat_says_its_change_against_the_toolbar_period(boss, past_hours):
    state = ViewState(past_hours["from"], past_hours["to"], "off", {}, "1h")
    body = panels_of(boss, "system-health", ["error-ratio-now"], state)["error-ratio-now"]
    words = text_of(body)
    assert "vs 1 hour earlier" in words or "no data 1 hour earlier" in words, words[:300]
    response = boss.get(
        "/export/system-health/error-ratio-now.csv", query_string=past_hours | {"compare": "1h"}
    )
    csv = pd.read_csv(io.StringIO(response.get_data(as_text=True)))
    unit = DASHBOARDS["system-health"].panel("error-ratio-now").unit
    assert list(csv.columns) == [headed("value", unit), headed("1 hour earlier", unit)]


def test_cmp005_the_toolbar_shows_the_choice_and_export_links_carry_it(boss):
    page = open_page(boss, "/d/system-health?from=now-6h&compare=7d")
    layout = json.loads(page)
    choice = next(n for n in nodes(layout) if n.get("id") == "compare-choice")
    assert choice["value"] == "7d"
    assert [o["label"] for o in choice["options"]] == [
        "None", "Previous period", "Previous week", "Previous year",
    ]  # fmt: skip
    links = [n["href"] for n in nodes(layout) if "/export/" in str(n.get("href", ""))]
    assert links and all("compare=7d" in link for link in links)
    badges = [n.get("children") for n in nodes(layout) if n.get("className") == "panel-window"]
    assert "vs 7 days earlier" in badges
    # A comparison the URL gets wrong is said, and none is drawn.
    wrong = json.loads(open_page(boss, "/d/system-health?compare=soon"))
    assert "Compare with: compare 'soon' is neither" in text_of(wrong)
    assert next(n for n in nodes(wrong) if n.get("id") == "compare-choice")["value"] == ""


def test_cmp006_a_bad_comparison_in_an_export_is_refused_with_the_reason(boss, past_hours):
    response = boss.get(
        "/export/system-health/request-rate.csv", query_string=past_hours | {"compare": "5x"}
    )
    assert response.status_code == 400
    assert "neither 'previous' nor a duration" in response.get_json()["error"]
    far = past_hours | {"compare": "999999999y"}
    response = boss.get("/export/business-overview/orders-trend.csv", query_string=far)
    assert response.status_code == 400
    assert "reaches back more than 100 years" in response.get_json()["error"]


def test_cmp007_a_range_running_past_now_is_compared_as_far_as_it_has_come(boss):
    """Two hours ago to two hours ahead, against the four hours before: the earlier period
    stops where this one has come to (now), instead of laying its last two hours over the
    future."""
    now = int(time.time())
    asked = {
        "from": str((now - 7200) * 1000),
        "to": str((now + 7200) * 1000),
        "compare": "previous",
    }
    response = boss.get("/export/system-health/request-rate.csv", query_string=asked)
    assert response.status_code == 200, response.get_data(as_text=True)
    csv = pd.read_csv(io.StringIO(response.get_data(as_text=True)), parse_dates=["time"])
    earlier = csv.dropna(subset=["api, previous period (req/s)"])["time"]
    assert len(earlier) > 10
    assert earlier.max() <= pd.Timestamp(now + 120, unit="s", tz="UTC")

"""Drill-down by clicking, cross-filtering and box zoom, in a real browser on the real demo data;
the detail rows and the spec's checks through HTTP."""

from __future__ import annotations

import base64
import itertools
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pandas as pd
import pytest
import yaml
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.support.ui import WebDriverWait

import urls
from app import create_app
from callbacks.panels import update_request
from data.dashboards import SpecError, parse
from data.drilldown import as_time
from data.timerange import readable_time
from data.urlstate import ViewState
from panels.display import panel_data
from services import services
from tests.fixtures.app import (
    add_user,
    client_for,
    figure_in,
    login,
    nodes,
    open_page,
    route_request,
    settings_for,
    start_logged_in,
)
from tests.test_dashboards_browser import wait_all_ok, wait_value
from view.resolve import resolve_view

ROOT = Path(__file__).resolve().parent.parent


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def wait_url(duo, check, timeout: float = 15) -> str:
    WebDriverWait(duo.driver, timeout).until(lambda d: check(d.current_url))
    return duo.driver.current_url


def click_until(duo, selector: str, arrived, down: float = 0.0) -> str:
    """Click the first element matching `selector` (`down`: that share of its height below its
    centre) until the URL satisfies `arrived`: a chart listens for clicks only once it has
    drawn, a little after its panel reads ok."""

    def clicked(driver) -> str | None:
        if arrived(driver.current_url):
            return driver.current_url
        target = duo.find_elements(selector)[0]
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", target)
        offset = int(target.size["height"] * down)
        ActionChains(driver).move_to_element(target).move_by_offset(0, offset).click().perform()
        return None

    return WebDriverWait(duo.driver, 20, poll_frequency=1).until(clicked)


@pytest.fixture
def duo(dash_duo, settings):
    app = create_app(settings)
    add_user(app, "boss", "admin", ())
    start_logged_in(dash_duo, app, "boss")
    dash_duo.app = app
    return dash_duo


@pytest.mark.browser
def test_drl001_clicking_a_bar_opens_the_rows_behind_it_and_back_returns(duo):
    duo.driver.get(duo.server_url + "/d/sales-performance?from=now-7d&to=now")
    wait_all_ok(duo)
    channel = duo.find_elements("[data-panel-id='channels'] .xaxislayer-above .xtick text")[0].text
    url = click_until(
        duo, "[data-panel-id='channels'] g.trace.bars .point path", lambda u: "/detail/" in u
    )
    assert query_of(url)["category"] == [channel]
    crumbs = duo.wait_for_element(".drill-crumbs")
    assert crumbs.text.startswith("Sales Performance")
    duo.wait_for_element("#detail-grid .ag-row")
    with duo.app.server.app_context():
        expected = (
            services()
            .data.sql(
                "warehouse",
                "SELECT count(*) AS n FROM customers cu JOIN marketing_channels ch "
                "ON ch.id = cu.channel_id WHERE ch.name = :c AND cu.signup_at >= :s",
                params={"c": channel, "s": _days_ago(7)},
            )
            .value.frame["n"][0]
        )
    shown = int(duo.find_element(".drill-detail p").text.split()[0].replace(",", ""))
    assert abs(shown - expected) <= max(3, expected * 0.05)  # the range's edges move with now
    duo.driver.back()
    wait_url(duo, lambda u: "/detail/" not in u and "/d/sales-performance" in u)
    wait_all_ok(duo)
    assert duo.get_logs() == []


def _days_ago(days: int) -> datetime:
    """Naive UTC, as the warehouse stores times."""
    return (datetime.now(UTC) - timedelta(days=days)).replace(tzinfo=None)


@pytest.mark.browser
def test_drl002_cross_filter_chip_appears_filters_other_panels_and_clears(duo):
    duo.driver.get(duo.server_url + "/d/sales-performance?from=now-7d&to=now")
    wait_all_ok(duo)
    assert duo.find_elements(".filter-chip") == []
    url = click_until(
        duo,
        "[data-panel-id='revenue-by-category'] g.slice path.surface",
        lambda u: query_of(u).get("var-category", ["$__all"]) != ["$__all"],
    )
    category = query_of(url)["var-category"][0]
    chip = duo.wait_for_element(".filter-chip[data-filter='category']")
    assert f"Category: {category}" in chip.text
    wait_all_ok(duo)
    cells = "[data-panel-id='top-products'] .ag-cell[col-id='category']"
    texts = WebDriverWait(duo.driver, 10).until(
        lambda d: set(d.execute_script(
            "return Array.from(document.querySelectorAll(arguments[0])).map(c => c.textContent);",
            cells)) - {""} or None
    )  # fmt: skip
    assert texts == {category}
    duo.find_element(".filter-chip[data-filter='category'] .chip-remove").click()
    wait_url(duo, lambda u: query_of(u).get("var-category", ["$__all"]) == ["$__all"])
    WebDriverWait(duo.driver, 10).until(lambda d: not duo.find_elements(".filter-chip"))
    wait_all_ok(duo)
    assert duo.get_logs() == []


@pytest.mark.browser
def test_drl003_box_zoom_on_a_time_series_sets_the_time_range(duo):
    duo.driver.get(duo.server_url + "/d/system-health?from=now-6h&to=now")
    wait_all_ok(duo)
    # What a box zoom does: plotly relayouts the x axis to the box (its plotly_relayout event).
    # Repeated until the URL changes: the chart listens for it only once it has drawn.
    zoom = """const gd = document.querySelector("[data-panel-id='latency'] .js-plotly-plot");
        if (!gd || !gd.layout || !gd.layout.xaxis) { return; }
        const [a, b] = gd.layout.xaxis.range.map(v => new Date(v).getTime());
        const third = (b - a) / 3;
        Plotly.relayout(gd, {'xaxis.range[0]': a + third, 'xaxis.range[1]': b - third});"""

    def zoomed(driver) -> str | None:
        if "from=now" in driver.current_url:
            driver.execute_script(zoom)
            return None
        return driver.current_url

    url = WebDriverWait(duo.driver, 20, poll_frequency=1).until(zoomed)
    start, end = (int(query_of(url)[k][0]) for k in ("from", "to"))
    span = (end - start) / 3_600_000
    assert 0.5 < span < 4, span  # about a third of the six hours
    wait_all_ok(duo)
    # From/To show the zoomed range as dates, not the URL's epoch milliseconds.
    wait_value(duo, "#time-from", readable_time(str(start)))
    duo.driver.back()
    wait_url(duo, lambda u: "from=now-6h" in u)


@pytest.mark.browser
def test_drl004_clicking_a_series_opens_its_dashboard_with_the_variable_and_a_breadcrumb(duo):
    duo.driver.get(duo.server_url + "/d/system-health?from=now-1h&to=now")
    wait_all_ok(duo)

    url = click_until(
        duo,
        "[data-panel-id='request-rate'] .nsewdrag",
        lambda u: "/d/application-performance" in u,
        down=1 / 3,
    )
    query = query_of(url)
    with duo.app.server.app_context():
        known = services().data.label_values("prometheus", "service").value
    assert query["var-service"][0] in known
    assert query["back"][0].startswith("/d/system-health")
    crumbs = duo.wait_for_element(".drill-crumbs")
    assert crumbs.text.startswith("System Health")
    wait_all_ok(duo)
    duo.driver.execute_script("arguments[0].click();", duo.find_element(".drill-crumbs a"))
    wait_url(duo, lambda u: "/d/system-health" in u)
    assert duo.get_logs() == []


def test_drl005_detail_rows_of_a_time_bucket_and_who_may_see_them(
    prometheus, warehouse_sqlite, tmp_path
):
    app = create_app(settings_for(prometheus, warehouse_sqlite, tmp_path))
    add_user(app, "exec", "viewer", ("executive",))
    add_user(app, "dev", "viewer", ("developer",))
    client = app.server.test_client()
    login(client, "exec")
    day = (datetime.now(UTC) - timedelta(days=2)).replace(hour=0, minute=0, second=0, microsecond=0)
    start_ms = int(day.timestamp() * 1000)
    path = (f"/d/business-overview/detail/orders-trend?from=now-30d&to=now"
            f"&bucket={start_ms}&bucket_end={start_ms + 86_400_000}")  # fmt: skip
    page = client.post("/_dash-update-component", json=route_request(path)).get_data(as_text=True)
    grid = json.loads(page)["response"]["_pages_content"]["children"]
    rows = _grid_rows(grid)
    assert rows, page[:400]
    assert {r["created_at"][:10] for r in rows} == {day.strftime("%Y-%m-%d")}
    other = app.server.test_client()
    login(other, "dev")
    assert other.get(path).status_code == 403


def _grid_rows(component) -> list[dict]:
    if isinstance(component, dict):
        props = component.get("props", {})
        if component.get("type") == "AgGrid":
            return props.get("rowData", [])
        for value in props.values():
            rows = _grid_rows(value)
            if rows:
                return rows
    if isinstance(component, list):
        for item in component:
            rows = _grid_rows(item)
            if rows:
                return rows
    return []


def test_drl006_the_spec_checks_drilldowns_and_cross_filters(tmp_path):
    base = """
slug: t
title: T
teams: [sre]
variables:
  - {name: service, type: custom, values: [a, b]}
rows:
  - panels:
      - id: p
        type: bar
        title: P
        queries: [{expr: up}]
"""
    bad_filter = tmp_path / "t.yaml"
    bad_filter.write_text(base + "        cross_filter: region\n")
    with pytest.raises(SpecError, match="cross_filter 'region' is not a variable"):
        parse(bad_filter)
    both = base + "        drilldown: {dashboard: x, sql: SELECT 1}\n"
    bad_filter.write_text(both)
    with pytest.raises(SpecError, match="exactly one of dashboard or sql"):
        parse(bad_filter)


# A dashboard of the tests' own: orders over the panels' own two days (not the picker's hour),
# a time series a click on which lists the orders of its bucket, and bars of the orders by status
# a click on which lists those of the status.
OWN_WINDOW = {
    "slug": "orders-drill",
    "title": "Orders drill",
    "teams": ["sales"],
    "time_from": "now-1h",
    "rows": [
        {
            "panels": [
                {
                    "id": "orders-over-time",
                    "type": "timeseries",
                    "title": "Orders",
                    "datasource": "warehouse",
                    "relative_time": "2d",
                    "options": {"style": "bars"},
                    "queries": [
                        {
                            "sql": "SELECT $__timeGroup(created_at) AS t, count(*) AS orders "
                            "FROM orders WHERE $__timeFilter(created_at) GROUP BY 1 ORDER BY 1",
                            "x": "t",
                            "y": "orders",
                        }
                    ],
                    "drilldown": {
                        "title": "Orders of the bucket",
                        "sql": "SELECT id, created_at, region, status FROM orders WHERE "
                        "created_at >= :bucket_start AND created_at < :bucket_end",
                    },
                },
                {
                    "id": "orders-by-status",
                    "type": "bar",
                    "title": "Orders by status",
                    "datasource": "warehouse",
                    "relative_time": "2d",
                    "queries": [
                        {
                            "sql": "SELECT status, count(*) AS orders FROM orders WHERE "
                            "$__timeFilter(created_at) GROUP BY 1 ORDER BY 2 DESC",
                            "x": "status",
                            "y": "orders",
                        }
                    ],
                    "drilldown": {
                        "title": "Orders of the status",
                        "sql": "SELECT id, created_at, region, status FROM orders WHERE "
                        "status = :category AND created_at >= :bucket_start "
                        "AND created_at < :bucket_end",
                    },
                },
            ]
        }
    ],
}
HOUR = {"from": "now-1h", "to": "now", "refresh": "off", "vars": {}}


@pytest.fixture(scope="module")
def drill_app(prometheus, warehouse_sqlite, tmp_path_factory):
    folder = tmp_path_factory.mktemp("drill")
    dashboards = folder / "dashboards"
    shutil.copytree(ROOT / "dashboards", dashboards)
    (dashboards / "orders-drill.yaml").write_text(yaml.safe_dump(OWN_WINDOW, sort_keys=False))
    app = create_app(settings_for(prometheus, warehouse_sqlite, folder, dashboards_dir=dashboards,
                                  sql_row_limit=1500))  # fmt: skip
    add_user(app, "sam", "viewer", ("sales",))
    add_user(app, "eve", "viewer", ("sales",), region="EU")
    return app


def click(client, app, slug: str, panel_id: str, point: dict, href: str) -> dict:
    """What the page's click callback answers when the chart reports `point` (as plotly does)."""
    key = next(k for k in sorted(app.callback_map) if k.startswith("..url.href@"))
    graph = {"type": "panel-graph", "slug": slug, "panel": panel_id}
    body = {
        "output": key,
        "outputs": [{"id": "url", "property": "href"}, {"id": "url", "property": "search"}],
        "inputs": [[{"id": graph, "property": "clickData", "value": {"points": [point]}}]],
        "state": [{"id": "url", "property": "href", "value": href}],
        "changedPropIds": [json.dumps(graph, sort_keys=True, separators=(",", ":")) + ".clickData"],
    }
    answer = client.post("/_dash-update-component", json=body)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    return answer.get_json()["response"]["url"]


def drawn(client, slug: str, panel_id: str) -> tuple[list, list]:
    """The x and y of the first trace of the panel's chart, as the page draws it."""
    answer = client.post("/_dash-update-component", json=update_request(slug, [panel_id], HOUR))
    (card,) = answer.get_json()["response"].values()
    trace = figure_in(card["children"])["data"][0]
    y = decoded(trace["y"])
    if "x" in trace:
        return decoded(trace["x"]), y
    # Points at a regular step are drawn from a start and the step (epoch ms on a time axis).
    return [float(trace["x0"]) + n * float(trace["dx"]) for n in range(len(y))], y


def decoded(values) -> list:
    if isinstance(values, dict):  # a typed array
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return list(values)


def shown_rows(client, path: str) -> tuple[str, list[dict]]:
    """A detail page as its user sees it: what it says of its rows, and the rows."""
    grid = json.loads(open_page(client, path))["response"]["_pages_content"]["children"]
    said = next(n["props"]["children"] for n in nodes(grid)
                if n.get("props", {}).get("className") == "detail-count")  # fmt: skip
    return said, _grid_rows(grid)


@pytest.mark.parametrize("name", ["sam", "eve"])
def test_drl007_a_click_lists_the_orders_of_the_bucket_drawn_in_the_panels_own_window(
    drill_app, name
):
    """The bars are the panel's own two days at its step; a click on one lists the orders of that
    bar, as many as it shows, for a region-bound viewer only hers (the bucket was once computed
    from the picker's hour, and without her scope)."""
    client = client_for(drill_app, name)
    times, counts = drawn(client, "orders-drill", "orders-over-time")
    starts = [as_time(t) for t in times]
    step = min(b - a for a, b in itertools.pairwise(starts))
    counts = [0 if np.isnan(c) else c for c in counts]
    with drill_app.server.app_context():
        view = resolve_view(services().users.get(name), "orders-drill", ViewState("now-1h", "now"))
        panel = view.dashboard.panel("orders-over-time")
        assert panel_data(view, panel).window.step == view.window(panel).step == step
    assert step > 60  # two days at about 600 points, not the picker's hour
    busiest = max(range(len(counts)), key=counts.__getitem__)
    # Plotly reports a point of a time axis as the time it shows, to the minute.
    shown = f"{pd.Timestamp(starts[busiest], unit='s'):%Y-%m-%d %H:%M}"
    href = click(client, drill_app, "orders-drill", "orders-over-time", {"x": shown},
                 "http://localhost/d/orders-drill?from=now-1h&to=now")["href"]  # fmt: skip
    query = query_of(href)
    bucket, bucket_end = int(query["bucket"][0]), int(query["bucket_end"][0])
    assert (bucket / 1000, (bucket_end - bucket) / 1000) == (starts[busiest], step)
    said, rows = shown_rows(client, href)
    assert said == f"{int(counts[busiest]):,} rows"
    assert len(rows) == counts[busiest]
    regions = {r["region"] for r in rows}
    assert regions == {"EU"} if name == "eve" else len(regions) > 1


def test_drl008_without_a_bucket_the_rows_are_the_panels_own_window_and_say_how_many(drill_app):
    """A bar of a two-day panel under a one-hour picker lists two days of its orders; past the
    page's thousand rows the page says how many there are, and its CSV has them (past the row
    limit, it says how many it holds of how many)."""
    client = client_for(drill_app, "sam")
    statuses, counts = drawn(client, "orders-drill", "orders-by-status")
    here = "http://localhost/d/orders-drill?from=now-1h&to=now"
    for status, count in zip(statuses, counts, strict=True):
        href = click(client, drill_app, "orders-drill", "orders-by-status", {"x": status}, here)
        href = href["href"]
        assert "bucket" not in query_of(href) and query_of(href)["category"] == [status]
        said, rows = shown_rows(client, href)
        assert len(rows) == min(count, 1000)
        if count > 1000:
            assert said == f"Showing 1,000 of {int(count):,} rows"
        else:
            assert said == f"{int(count):,} rows"
        csv_link = urls.detail_rows("/", "orders-drill", "orders-by-status", urls.view_state(
            urlsplit(href).query), urls.clicked(query_of(href)))  # fmt: skip
        csv = client.get(csv_link)
        assert csv.status_code == 200, csv.get_data(as_text=True)[:200]
        lines = csv.get_data(as_text=True).splitlines()
        held = [line for line in lines[1:] if not line.startswith("#")]
        assert len(held) == min(count, 1500)
        if count > 1500:
            assert lines[-1] == f"# Showing 1,500 of {int(count):,} rows"
            assert csv.headers["X-Teamdash-Truncated"] == f"Showing 1,500 of {int(count):,} rows"
    assert max(counts) > 1500, counts  # the demo has statuses past both limits

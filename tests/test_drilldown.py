"""Drill-down by clicking, cross-filtering and box zoom, in a real browser on the real demo data;
the detail rows and the spec's checks through HTTP."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.support.ui import WebDriverWait

from app import create_app
from data.dashboards import SpecError, parse
from data.timerange import readable_time
from services import services
from tests.fixtures.app import add_user, login, route_request, settings_for, start_logged_in
from tests.test_dashboards_browser import wait_all_ok, wait_value


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

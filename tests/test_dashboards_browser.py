"""Dashboards in a real browser (headless Debian chromium): every panel of every dashboard
reaches `ok` with no console errors; the time picker and variables drive the URL; a refresh tick
updates panels without reloading the page."""

from __future__ import annotations

import pytest
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.support.ui import WebDriverWait

from app import create_app
from data.dashboards import load_all
from tests.fixtures.app import add_user, start_logged_in

DASHBOARDS = load_all()
pytestmark = pytest.mark.browser


@pytest.fixture
def started(dash_duo, settings):
    app = create_app(settings)
    add_user(app, "boss", "admin", ())
    start_logged_in(dash_duo, app, "boss")
    return dash_duo


def open_dashboard(duo, path: str) -> None:
    duo.driver.get(duo.server_url + path)
    duo.wait_for_element("#dash-root")


def panel_states(duo) -> dict[str, str]:
    return duo.driver.execute_script(
        """const out = {};
        document.querySelectorAll('[data-panel-id]').forEach(card => {
            const state = card.querySelector('[data-panel-state]');
            out[card.dataset.panelId] = state ? state.dataset.panelState : 'missing';
        });
        return out;"""
    )


def wait_all_ok(duo, timeout: float = 40) -> dict[str, str]:
    try:
        WebDriverWait(duo.driver, timeout).until(
            lambda _d: (states := panel_states(duo)) and all(s == "ok" for s in states.values())
        )
    except TimeoutException:
        not_ok = {
            panel: (state, duo.driver.execute_script(
                "return document.querySelector(`[data-panel-id='${arguments[0]}']`).innerText;",
                panel,
            )[:300])
            for panel, state in panel_states(duo).items()
            if state != "ok"
        }  # fmt: skip
        raise AssertionError(f"panels not ok after {timeout} s: {not_ok}") from None
    return panel_states(duo)


def wait_value(duo, selector: str, value: str, timeout: float = 10) -> None:
    """Until the input shows `value` (the page may be replaced while we look: a new layout)."""
    WebDriverWait(duo.driver, timeout, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda _d: duo.find_element(selector).get_attribute("value") == value
    )


def series_names(duo, panel_id: str) -> list[str]:
    return duo.driver.execute_script(
        "const g = document.querySelector(`[data-panel-id='${arguments[0]}'] .js-plotly-plot`);"
        "return g && g.data ? g.data.map(t => t.name) : null;",
        panel_id,
    )


def wait_for_history(duo, prometheus, slug: str) -> None:
    """Series that only exist once something happened need a minute of history before a range
    query shows them: alerts (written by the rules), and the app's own metrics (written when
    callbacks run; another dashboard is opened first to make some)."""
    prometheus.wait_for_history("ALERTS")
    if slug == "dashboards-health":
        open_dashboard(duo, "/d/system-health")
        wait_all_ok(duo)
        prometheus.wait_for_history("rate(dashboard_callback_duration_seconds_count[5m]) > 0")


@pytest.mark.parametrize("slug", sorted(DASHBOARDS))
def test_dbr001_every_panel_reaches_ok_without_console_errors(started, prometheus, slug):
    wait_for_history(started, prometheus, slug)
    open_dashboard(started, f"/d/{slug}")
    states = wait_all_ok(started)
    assert set(states) == {p.id for p in DASHBOARDS[slug].panels}
    assert started.get_logs() == []


def test_dbr002_time_preset_changes_the_url_and_panels_requery(started):
    open_dashboard(started, "/d/system-health")
    wait_all_ok(started)
    started.select_dcc_dropdown("#time-preset", value="Last 1 hour")
    WebDriverWait(started.driver, 10).until(lambda d: "from=now-1h" in d.current_url)
    wait_all_ok(started)
    wait_value(started, "#time-from", "now-1h")
    started.driver.back()
    WebDriverWait(started.driver, 10).until(lambda d: "from=now-1h" not in d.current_url)
    wait_value(started, "#time-from", "now-6h")
    assert started.get_logs() == []


def test_dbr003_picking_a_variable_value_filters_the_panels(started):
    open_dashboard(started, "/d/system-health")
    wait_all_ok(started)
    assert len(series_names(started, "request-rate")) > 1
    open_dashboard(started, "/d/system-health?var-service=api")
    wait_all_ok(started)
    assert series_names(started, "request-rate") == ["api"]
    started.select_dcc_dropdown(".var-dropdown", value="web")
    WebDriverWait(started.driver, 10).until(lambda d: "var-service=web" in d.current_url)
    wait_all_ok(started)
    WebDriverWait(started.driver, 10).until(
        lambda _d: sorted(series_names(started, "request-rate") or []) == ["api", "web"]
    )


def test_dbr004_refresh_tick_updates_panels_without_reloading(started):
    open_dashboard(started, "/d/system-health?refresh=5s")
    wait_all_ok(started)
    # Remember the rendered content of every panel; a tick must replace each in this document.
    started.driver.execute_script(
        """window.__sameDocument = true;
        window.__before = Array.from(document.querySelectorAll('.panel-content'));"""
    )

    def all_replaced(driver) -> bool:
        return driver.execute_script(
            """const now = Array.from(document.querySelectorAll('.panel-content'));
            return now.length === window.__before.length
                && now.every(node => !window.__before.includes(node));"""
        )

    WebDriverWait(started.driver, 20).until(all_replaced)
    assert started.driver.execute_script("return window.__sameDocument === true;")
    wait_all_ok(started)

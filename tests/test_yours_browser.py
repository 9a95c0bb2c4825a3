"""Saved views, stars and the home page in a real browser (headless Debian chromium), as team
members use them: save a view and open its link as a team mate, make a view the default and find
the dashboard opening in it, star a dashboard and find it at home, search with `/`."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from app import create_app
from components.your_views import PRIVATE
from tests.fixtures.app import PASSWORD, add_user, start_logged_in
from tests.test_dashboards_browser import wait_all_ok, wait_value

pytestmark = pytest.mark.browser
SALES = "/d/sales-performance"


@pytest.fixture
def started(dash_duo, settings):
    app = create_app(settings)
    add_user(app, "sally", "viewer", ("sales",))
    add_user(app, "sam", "viewer", ("sales",))
    start_logged_in(dash_duo, app, "sally")
    return dash_duo


def log_in_as(duo, name: str) -> None:
    duo.driver.delete_all_cookies()
    duo.driver.get(duo.server_url + "/login")
    duo.wait_for_element("#username").send_keys(name)
    duo.find_element("#password").send_keys(PASSWORD)
    duo.find_element("button[type=submit]").click()
    duo.wait_for_element("#react-entry-point", timeout=15)


def by_xpath(duo, expression: str, timeout: float = 10):
    return WebDriverWait(duo.driver, timeout).until(
        lambda d: d.find_element(By.XPATH, expression), expression
    )


def url_has(duo, *parts: str, timeout: float = 10) -> None:
    WebDriverWait(duo.driver, timeout).until(
        lambda d: all(part in d.current_url for part in parts), f"{parts} in the address"
    )


def pick_range(duo, label: str, time_from: str) -> None:
    duo.select_dcc_dropdown("#time-preset", value=label)
    url_has(duo, f"from={time_from}")
    wait_value(duo, "#time-from", time_from)


def save_view(duo, name: str, share: str = PRIVATE) -> str:
    """Saves the page's view from the Views panel; its permalink."""
    if duo.find_element("#views-open").get_attribute("aria-expanded") != "true":
        duo.find_element("#views-open").click()
    duo.wait_for_element("#views-name").send_keys(name)
    Select(duo.find_element("#views-share")).select_by_value(share)
    duo.find_element("#views-save").click()
    duo.wait_for_contains_text("#views-result", f"Saved “{name}”")
    row = by_xpath(duo, f"//li[@data-view][a[text()='{name}']]")
    return row.find_element(By.CSS_SELECTOR, "a[id*='view-link']").get_attribute("href")


def test_yrb001_a_saved_view_opens_for_a_team_mate_by_its_link(started):
    duo = started
    duo.driver.get(duo.server_url + SALES)
    pick_range(duo, "Last 30 days", "now-30d")
    link = save_view(duo, "Last month", share="sales")
    assert "/v/" in link
    log_in_as(duo, "sam")
    duo.driver.get(link)
    url_has(duo, SALES, "from=now-30d", "view=")
    wait_value(duo, "#time-from", "now-30d")
    duo.wait_for_contains_text("#view-current", "Last month")
    assert "by sally · shared with Sales" in duo.find_element("#view-current").text
    assert duo.get_logs() == []


def test_yrb002_a_default_view_opens_when_the_dashboard_does(started):
    duo = started
    duo.driver.get(duo.server_url + SALES)
    pick_range(duo, "Last 90 days", "now-90d")
    save_view(duo, "Quarter")
    row = "//li[@data-view][a[text()='Quarter']]"
    by_xpath(duo, row + "//button[text()='Make default']").click()
    duo.wait_for_contains_text("#views-result", "opens when you open this dashboard")
    # Home, then the dashboard's card: both in-app navigations.
    duo.find_element(".navbar-brand").click()
    duo.wait_for_element("#home-search")
    duo.find_element(".home-card[data-dashboard='sales-performance'] a").click()
    wait_value(duo, "#time-from", "now-90d")
    duo.wait_for_contains_text("#view-current", "Your default view Quarter")
    url_has(duo, "from=now-90d", "view=")  # the address has the view's state
    duo.driver.back()  # leaves the dashboard: no extra history entry
    url_has(duo, duo.server_url + "/")
    duo.wait_for_element("#home-search")
    duo.driver.forward()
    wait_value(duo, "#time-from", "now-90d")
    # A click on a chart starts from the view's state: a category of the revenue pie filters
    # the dashboard, over the view's 90 days.
    wait_all_ok(duo)
    duo.driver.execute_script(
        "document.querySelector(`[data-panel-id='revenue-by-category'] .slice`)"
        ".dispatchEvent(new MouseEvent('click', {bubbles: true}));"
    )
    url_has(duo, "from=now-90d", "var-category=")
    duo.wait_for_element("[data-filter='category']")  # the filtered page is drawn
    # Delete it (confirmed in the browser's dialog).
    duo.find_element("#views-open").click()
    by_xpath(duo, row + "//button[text()='Delete']").click()
    WebDriverWait(duo.driver, 5).until(lambda d: d.switch_to.alert).accept()
    duo.wait_for_contains_text("#views-result", "Deleted “Quarter”")
    duo.wait_for_contains_text("#views-list", "No saved views of this dashboard yet")
    assert duo.get_logs() == []


def test_yrb003_star_a_dashboard_then_find_things_from_home_with_slash(started):
    duo = started
    duo.driver.get(duo.server_url + SALES)
    WebDriverWait(duo.driver, 10).until(lambda d: d.title == "Sales Performance - Teamdash")
    duo.wait_for_text_to_equal("#view-star", "☆ Star")
    duo.find_element("#view-star").click()
    duo.wait_for_text_to_equal("#view-star", "★ Starred")
    assert duo.find_element("#view-star").get_attribute("aria-pressed") == "true"
    duo.find_element(".navbar-brand").click()
    duo.wait_for_contains_text("#home-starred", "Sales Performance")
    duo.wait_for_contains_text("#home-recent", "Sales Performance")
    WebDriverWait(duo.driver, 10).until(lambda d: d.title == "Home - Teamdash")
    ActionChains(duo.driver).send_keys("/").perform()
    assert duo.driver.switch_to.active_element.get_attribute("id") == "home-search"
    ActionChains(duo.driver).send_keys("abandon").perform()
    duo.wait_for_contains_text("#home-results", "Sales Performance")
    assert "Panels: Cart abandonment rate" in duo.find_element("#home-results").text
    assert duo.find_element("#home-search").get_attribute("value") == "abandon"  # no "/" typed
    duo.find_element("#home-results a").click()
    url_has(duo, SALES)
    WebDriverWait(duo.driver, 10).until(lambda d: d.title == "Sales Performance - Teamdash")
    assert duo.get_logs() == []

"""Every page type passes axe-core in both themes: the login page, home, each shipped dashboard, a
detail page, alerts, reports, the admin pages and an embedded dashboard, in a real browser
(headless Debian chromium), light and dark: no serious or critical violation of WCAG 2.2 A/AA
or of axe's best practices. Each page also has its language, one h1 and a main landmark (a
user's pages a header and a navigation too), and turning dark recolours its charts.

axe-core is the npm package, vendored under tests/vendor/axe-core (README: Accessibility says
why). One browser for every page, logged in once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from data.dashboards import load_all
from tests.fixtures.app import PASSWORD, demo_app, embed_token, module_browser
from tests.test_charts_browser import settled

pytestmark = pytest.mark.browser
AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
DASHBOARDS = sorted(load_all())
SERIOUS = ("serious", "critical")
# Every rule of WCAG 2.0-2.2 A and AA, and axe's best practices.
RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']}).then(result => done(result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 4).map(n => n.target.join(' ') + ': ' + n.failureSummary)
})))).catch(error => done([{id: 'axe-error', impact: 'critical', help: String(error), nodes: []}]));
"""
STRUCTURE_JS = """
return {
    lang: document.documentElement.lang,
    h1: document.querySelectorAll('h1').length,
    main: document.querySelectorAll('main, [role=main]').length,
    header: document.querySelectorAll('header').length,
    nav: document.querySelectorAll('nav').length,
    theme: document.documentElement.getAttribute('data-bs-theme'),
};
"""
# A chart's font colour as plotly.js drew it (the template's text colour, or its dark form).
CHART_TEXT_JS = """
const chart = document.querySelector('.js-plotly-plot');
return chart && chart._fullLayout ? chart._fullLayout.font.color : null;
"""


@pytest.fixture(scope="module")
def site(request, prometheus, warehouse_sqlite, tmp_path_factory):
    """The demo's users; the browser on the login page first (anonymous), then as the admin."""
    app = demo_app(prometheus, warehouse_sqlite, tmp_path_factory.mktemp("a11y"))
    with module_browser(request, tmp_path_factory) as duo:
        duo.start_server(app, navigate=False)
        duo.app = app
        duo.logged_in = False
        prometheus.wait_for_history("ALERTS")
        yield duo


def log_in(duo) -> None:
    """The admin, logged in through the form once for the module."""
    if duo.logged_in:
        return
    duo.driver.get(duo.server.url + "/login")
    duo.wait_for_element("#username").send_keys("admin")
    duo.find_element("#password").send_keys(PASSWORD)
    duo.find_element("button[type=submit]").click()
    duo.wait_for_element("#react-entry-point", timeout=15)
    duo._url = duo.server.url  # dash_duo's base URL, without its setter's navigation
    duo.logged_in = True


def axe_violations(duo) -> list[dict]:
    """The serious and critical violations axe finds on the page as it is now."""
    # Tables drawn: AG Grid draws a grid's cells once it has been in sight.
    for grid in duo.driver.find_elements(By.CSS_SELECTOR, ".ag-root"):
        duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", grid)
        WebDriverWait(duo.driver, 10).until(
            lambda _d, g=grid: "ag-delay-render" not in g.get_attribute("class")
        )
    duo.driver.execute_script("window.scrollTo(0, 0);")
    if not duo.driver.execute_script("return !!window.axe"):
        duo.driver.execute_script(AXE)
    duo.driver.set_script_timeout(60)
    found = duo.driver.execute_async_script(RUN_AXE)
    return [v for v in found if v["impact"] in SERIOUS]


def in_theme(duo, theme: str) -> None:
    """The page turned `theme` as the user menu does it (in the browser only)."""
    duo.driver.execute_script("window.teamdashTheme.apply(arguments[0]);", theme)
    WebDriverWait(duo.driver, 5).until(lambda d: d.execute_script(STRUCTURE_JS)["theme"] == theme)


def check_both_themes(duo, user_page: bool = True) -> None:
    """The page's structure, then axe in light and in dark."""
    structure = duo.driver.execute_script(STRUCTURE_JS)
    assert structure["lang"] == "en"
    assert structure["h1"] == 1, structure
    assert structure["main"] == 1, structure
    if user_page:
        assert structure["header"] == 1 and structure["nav"] >= 1, structure
    problems = {}
    for theme in ("light", "dark"):
        in_theme(duo, theme)
        found = axe_violations(duo)
        if found:
            problems[theme] = found
    assert problems == {}, "\n".join(
        f"{theme}: {v['impact']} {v['id']} ({v['help']}): {v['nodes']}"
        for theme, found in problems.items()
        for v in found
    )


def detail_path() -> str:
    day = (datetime.now(UTC) - timedelta(days=2)).replace(hour=0, minute=0, second=0, microsecond=0)
    start = int(day.timestamp() * 1000)
    return (f"/d/business-overview/detail/orders-trend?from=now-30d&to=now"
            f"&bucket={start}&bucket_end={start + 86_400_000}")  # fmt: skip


def test_a11y001_the_login_page_passes_axe_in_both_themes(site):
    site.driver.get(site.server.url + "/login")
    site.wait_for_element("#username")
    check_both_themes(site, user_page=False)


@pytest.mark.parametrize("slug", DASHBOARDS)
def test_a11y002_every_dashboard_passes_axe_in_both_themes(site, slug):
    log_in(site)
    site.driver.get(site.server.url + f"/d/{slug}")
    site.wait_for_element("#dash-root")
    settled(site)
    light_text = site.driver.execute_script(CHART_TEXT_JS)
    check_both_themes(site)
    if light_text is not None:
        dark_text = site.driver.execute_script(CHART_TEXT_JS)
        assert (light_text, dark_text) == ("#2c3138", "#d8d9da")  # the charts turned too
    assert site.get_logs() == []


@pytest.mark.parametrize(
    "path, ready",
    [
        ("/", "#home-search"),
        ("/alerts", "#alerts-list .alert-item, #alerts-list .alert"),
        ("/reports", "#reports-subscriptions"),
        ("/admin/users", "#admin-users .ag-row"),
        ("/admin/embed", "#admin-embed-links"),
        ("/admin/audit", "#admin-audit"),
        ("detail", "#detail-grid .ag-row"),
    ],
)
def test_a11y003_home_alerts_reports_admin_and_detail_pages_pass_axe(site, path, ready):
    log_in(site)
    site.driver.get(site.server.url + (detail_path() if path == "detail" else path))
    site.wait_for_element(ready, timeout=20)
    check_both_themes(site)
    assert site.get_logs() == []


def test_a11y004_an_embedded_dashboard_passes_axe_and_opens_dark_when_asked(site):
    token = embed_token(site.app, "system-health")
    site.driver.get(site.server.url + f"/embed/system-health?token={token}&theme=dark")
    site.wait_for_element("#dash-root")
    assert site.driver.execute_script(STRUCTURE_JS)["theme"] == "dark"
    settled(site)
    assert site.driver.execute_script(CHART_TEXT_JS) == "#d8d9da"
    check_both_themes(site, user_page=False)


def press(duo, *keys) -> None:
    """Keys pressed on whatever has the focus, as a keyboard user would."""
    ActionChains(duo.driver).send_keys(*keys).perform()


def focused(duo) -> str:
    """The focused element, as its id or its text."""
    return duo.driver.execute_script(
        "const e = document.activeElement; return e.id || e.textContent.trim().slice(0, 40);"
    )


def focused_on(duo, selector: str) -> bool:
    return duo.driver.execute_script(
        "return document.activeElement.matches(arguments[0]);", selector
    )


def tab_to(duo, selector: str, limit: int = 120, back: bool = False):
    """Tab (or Shift+Tab) until the focus is on `selector`; fails when it is never reached."""
    for _ in range(limit):
        if focused_on(duo, selector):
            return duo.driver.switch_to.active_element
        press(duo, Keys.SHIFT + Keys.TAB if back else Keys.TAB)
    raise AssertionError(f"{selector} is not reached by the keyboard (focus on {focused(duo)})")


def url_has(duo, part: str) -> None:
    WebDriverWait(duo.driver, 15).until(lambda d: part in d.current_url, f"{part} in the URL")


def expanded(duo, selector: str) -> str | None:
    return duo.find_element(selector).get_attribute("aria-expanded")


def pick(duo, selector: str, typed: str, url_part: str) -> None:
    """A toolbar menu from the keyboard: Tab to it, Enter opens it, Escape closes it again with
    the focus back on it; typing opens it at the options that match, Down and Enter pick the
    first. The page's address then has `url_part`, and the focus is still on the menu."""
    tab_to(duo, selector)
    press(duo, Keys.ENTER)
    WebDriverWait(duo.driver, 10).until(lambda _d: expanded(duo, selector) == "true")
    press(duo, Keys.ESCAPE)
    WebDriverWait(duo.driver, 10).until(lambda _d: expanded(duo, selector) == "false")
    WebDriverWait(duo.driver, 10).until(
        lambda _d: focused_on(duo, selector), f"focus on {selector}"
    )
    press(duo, typed[0])  # the first key opens the menu and its search box, the rest go there
    WebDriverWait(duo.driver, 10).until(lambda _d: focused_on(duo, ".dash-dropdown-search"))
    press(duo, typed[1:])
    press(duo, Keys.ARROW_DOWN, Keys.ENTER)
    url_has(duo, url_part)
    settled(duo)
    WebDriverWait(duo.driver, 10).until(
        lambda _d: focused_on(duo, selector), f"focus on {selector}"
    )


def test_a11y005_the_toolbar_export_menu_and_table_view_work_from_the_keyboard(site):
    """A keyboard user skips the navbar, sets the time range, a variable, the comparison and the
    refresh from the toolbar, opens a panel's export menu and closes it with Escape, and turns
    a chart into its table and back: Tab, Enter and Escape only."""
    log_in(site)
    site.driver.get(site.server.url + "/d/system-health")
    settled(site)
    site.driver.execute_script("document.activeElement.blur(); window.scrollTo(0, 0);")
    press(site, Keys.TAB)
    assert focused(site) == "Skip to the page"
    press(site, Keys.ENTER)
    assert focused(site) == "main"
    pick(site, "#time-preset", "7 days", "from=now-7d")
    pick(site, '[id*=\'"type":"var"\']', "api", "var-service=api")
    pick(site, "#compare-choice", "week", "compare=7d")
    pick(site, "#refresh-choice", "off", "refresh=off")
    # The export menu of the request-rate panel: open, its first link in reach, Escape.
    card = "[data-panel-id='request-rate']"
    toggle = tab_to(site, f"{card} .panel-export-toggle")
    press(site, Keys.ENTER)
    assert site.find_element(f"{card} .panel-export").get_attribute("open") == "true"
    press(site, Keys.TAB)
    assert site.driver.switch_to.active_element.text == "PNG image"
    press(site, Keys.ESCAPE)
    assert site.find_element(f"{card} .panel-export").get_attribute("open") is None
    assert site.driver.switch_to.active_element == toggle
    # View as table, and back to the chart.
    tab_to(site, f"{card} .panel-table-toggle", back=True)
    press(site, Keys.ENTER)
    site.wait_for_element(f"{card} .panel-table-box table")
    assert site.find_element(f"{card} .panel-table-toggle").get_attribute("aria-pressed") == "true"
    press(site, Keys.ENTER)
    site.wait_for_text_to_equal(f"{card} .panel-table-toggle", "View as table")
    assert site.get_logs() == []


def test_a11y006_an_alert_is_acknowledged_from_the_keyboard(site):
    """The operator tabs to an alert's comment, types what is being done, tabs to Acknowledge
    and presses Enter: the alert says who acknowledged it, and the focus is on the outcome (read
    out), not lost at the top of the page."""
    log_in(site)
    site.driver.get(site.server.url + "/alerts")
    item = "[data-alert=CredentialStuffing]"
    site.wait_for_element(f"{item} .alert-comment", timeout=20)
    site.driver.execute_script("document.activeElement.blur(); window.scrollTo(0, 0);")
    comment = tab_to(site, f"{item} .alert-comment", limit=250)
    named = site.driver.execute_script("return arguments[0].labels[0].textContent;", comment)
    assert named == "Comment on CredentialStuffing", named
    press(site, "Blocking the address at the WAF")
    press(site, Keys.TAB)
    assert site.driver.switch_to.active_element.text == "Acknowledge"
    press(site, Keys.ENTER)
    site.wait_for_contains_text(f"{item} .alert-ack", "acknowledged by admin")
    assert "Blocking the address at the WAF" in site.find_element(f"{item} .alert-ack").text
    WebDriverWait(site.driver, 5).until(
        lambda _d: focused_on(site, f"{item} .alert-outcome"), "focus on the outcome"
    )
    assert site.driver.switch_to.active_element.get_attribute("role") == "status"
    assert site.get_logs() == []


# What pushes the page sideways, and the toolbar's and header's controls that overlap another
# (their bounding boxes, a pixel of rounding allowed) or stick out of the toolbar.
LAYOUT_JS = """
const page = document.documentElement;
const boxes = selector => [...document.querySelectorAll(selector)]
    .map(e => [e.className.toString().split(' ')[0] || e.tagName, e.getBoundingClientRect()])
    .filter(([_name, r]) => r.width > 0);
const overlaps = [];
for (const selector of ['.dash-toolbar > .toolbar-item', '.dash-title-row > *']) {
    const found = boxes(selector);
    found.forEach(([a, r], i) => found.slice(i + 1).forEach(([b, s]) => {
        if (r.left < s.right - 1 && s.left < r.right - 1 && r.top < s.bottom - 1
                && s.top < r.bottom - 1) { overlaps.push(a + ' over ' + b); }
    }));
}
const bar = document.querySelector('.dash-toolbar');
const outside = bar ? boxes('.dash-toolbar > .toolbar-item')
    .filter(([_name, r]) => r.right > bar.getBoundingClientRect().right + 1)
    .map(([name]) => name) : [];
return {scroll: page.scrollWidth, client: page.clientWidth, overlaps, outside};
"""
WIDTHS = (360, 390, 820, 1024)


@pytest.mark.parametrize("width", WIDTHS)
def test_a11y007_phones_and_tablets_never_scroll_the_page_sideways(site, width):
    """At a phone's, a large phone's, a tablet's and a small laptop's width, home, two dashboards,
    alerts, reports and a detail page fit the screen: no sideways scroll of the page, no
    toolbar or header control over another; panels one a row on a phone, two on a tablet."""
    log_in(site)
    site.driver.set_window_size(width, 900)
    pages = [
        ("/", "#home-search"),
        ("/d/system-health", "#dash-root"),
        ("/d/business-overview", "#dash-root"),
        ("/alerts", "#alerts-list .alert-item"),
        ("/reports", "#reports-subscriptions"),
        (detail_path(), "#detail-grid .ag-row"),
    ]
    try:
        for path, ready in pages:
            site.driver.get(site.server.url + path)
            site.wait_for_element(ready, timeout=20)
            if ready == "#dash-root":
                settled(site)
            layout = site.driver.execute_script(LAYOUT_JS)
            assert layout["scroll"] <= layout["client"], (path, layout)
            assert layout["overlaps"] == layout["outside"] == [], (path, layout)
        # The last dashboard's first row: two half-width panels side by side from 768 px.
        site.driver.get(site.server.url + "/d/business-overview")
        site.wait_for_element(".panel-card")
        cards = site.driver.find_elements(By.CSS_SELECTOR, ".panel-card")[:2]
        tops = {round(card.rect["y"]) for card in cards}
        assert len(tops) == (1 if width >= 768 else 2)
    finally:
        site.driver.set_window_size(1400, 1000)  # conftest's desktop size, for the next tests


# The focused element's ring: (style, width in px, colour), its outline or else its box shadow.
RING_JS = """
const e = document.activeElement, s = getComputedStyle(e);
return [e.id || e.className.toString().slice(0, 40) || e.tagName, s.outlineStyle,
        parseFloat(s.outlineWidth), s.outlineColor, !!e.closest('.navbar'),
        !!e.closest('.dropdown-menu')];
"""
NAV_RING = "rgb(255, 212, 121)"  # --td-nav-focus: the navbar's black behind it


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a11y008_every_control_the_keyboard_reaches_shows_a_focus_ring(site, theme):
    """Tab through a dashboard from the top to its end, navbar included: each control the focus
    lands on draws a ring at least 2 px wide, the navbar's in a colour that shows on its black."""
    log_in(site)
    site.driver.get(site.server.url + "/d/system-health")
    settled(site)
    in_theme(site, theme)
    site.driver.execute_script("document.activeElement.blur(); window.scrollTo(0, 0);")
    rings = []
    for _ in range(150):  # to the end of the page, where the focus leaves it
        press(site, Keys.TAB)
        ring = site.driver.execute_script(RING_JS)
        if ring[0] == "BODY":
            break
        rings.append(ring)
    faint = [r for r in rings if r[1] in ("none", "hidden") or r[2] < 2]
    assert faint == [], faint
    in_navbar = [r for r in rings if r[4] and not r[5]]
    assert len(in_navbar) >= 10 and {r[3] for r in in_navbar} == {NAV_RING}, in_navbar
    assert any(r[0] == "time-preset" for r in rings)  # the toolbar was reached too


def test_a11y009_a_chart_drills_down_from_the_keyboard(site):
    """A keyboard user tabs to the order volume chart (its label says how), steps to the day
    before yesterday with End and Left, and Enter opens that day's orders, as a click would."""
    log_in(site)
    site.driver.get(site.server.url + "/d/business-overview?from=now-30d&to=now")
    settled(site)
    chart = "[data-panel-id='orders-trend'] [data-chart-keys]"
    site.driver.execute_script("document.activeElement.blur(); window.scrollTo(0, 0);")
    tab_to(site, chart, limit=200)
    assert "Enter opens the one shown" in site.find_element(chart).get_attribute("aria-label")
    press(site, Keys.END, Keys.ARROW_LEFT)
    site.wait_for_element(f"{chart} .hoverlayer > *")  # the point shown, as on hover
    press(site, Keys.ENTER)
    url_has(site, "/detail/orders-trend")
    site.wait_for_element("#detail-grid .ag-row", timeout=20)
    assert site.get_logs() == []

"""Every chart readable at every page width: each shipped dashboard opened by an admin at 1440,
820 and 390 px wide, every panel ok or empty, no tick label over a legend or over another tick
label in any chart (their boxes as the browser lays them out), and no page scrolling sideways.

One browser and one app for all of them: the dashboard loads once, then the window is resized
and the charts redraw for each width. With CHART_SCREENSHOTS set to a folder, a full-page
screenshot of each dashboard at each width is saved there (`<slug>-<width>.png`) for a person
to look at.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.support.ui import WebDriverWait

from app import create_app
from data.dashboards import load_all
from tests.fixtures.app import add_user, module_browser, settings_for, start_logged_in

DASHBOARDS = load_all()
WIDTHS = (1440, 820, 390)
pytestmark = pytest.mark.browser

# Every chart's tick labels and legend entries as the browser draws them (turned labels as the
# turned rectangles they are: their screen corners), and the pairs that overlap, by the
# separating axis test: a tick label over the legend, or two tick labels of one axis.
OVERLAPS_JS = """
const hits = [];
const corners = e => {
  const b = e.getBBox(), m = e.getScreenCTM();
  return [[b.x, b.y], [b.x + b.width, b.y], [b.x + b.width, b.y + b.height], [b.x, b.y + b.height]]
    .map(([x, y]) => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f]);
};
const normals = p => [0, 1].map(i => {
  const dx = p[i + 1][0] - p[i][0], dy = p[i + 1][1] - p[i][1], l = Math.hypot(dx, dy) || 1;
  return [-dy / l, dx / l];
});
const meets = (p, q) => [...normals(p), ...normals(q)].every(([ax, ay]) => {
  const a = p.map(([x, y]) => x * ax + y * ay), b = q.map(([x, y]) => x * ax + y * ay);
  return Math.min(Math.max(...a), Math.max(...b)) - Math.max(Math.min(...a), Math.min(...b)) > 1;
});
const shown = e => e.textContent.trim() !== '' && e.getBBox().width > 0
    && getComputedStyle(e).display !== 'none' && getComputedStyle(e).opacity !== '0';
document.querySelectorAll('[data-panel-id] .js-plotly-plot').forEach(plot => {
  const panel = plot.closest('[data-panel-id]').dataset.panelId;
  const legend = Array.from(plot.querySelectorAll('.legend .traces')).filter(shown)
    .map(e => [e.textContent, corners(e)]);
  const axes = {};
  plot.querySelectorAll('.xtick > text, .ytick > text').forEach(t => {
    if (!shown(t)) { return; }
    const kind = t.parentNode.classList.contains('xtick') ? 'x' : 'y';
    const layer = t.closest('g[class*="axislayer"]');
    const key = kind + (layer ? layer.getAttribute('class') : '');
    (axes[key] = axes[key] || []).push([t.textContent, corners(t)]);
  });
  Object.values(axes).forEach(ticks => {
    ticks.forEach(([text, box], i) => {
      legend.forEach(([name, entry]) => { if (meets(box, entry)) {
        hits.push(`${panel}: tick ${text} over legend ${name}`); } });
      ticks.slice(i + 1).forEach(([other, next]) => { if (meets(box, next)) {
        hits.push(`${panel}: tick ${text} over tick ${other}`); } });
    });
  });
});
return hits;
"""
# Every chart redrawn at its card's new width after a resize, and where everything in it
# stands (plotly's resize is asynchronous, and assets/legends.js draws a chart with a legend
# once more after it): the layout is read after two animation frames, when labels are placed.
LAYOUT_JS = """
const done = arguments[arguments.length - 1];
const charts = Array.from(document.querySelectorAll('.js-plotly-plot'));
const drawn = charts.every(g => g._fullLayout && !g.classList.contains('dash-graph--pending')
    && Math.abs(g._fullLayout.width - g.getBoundingClientRect().width) < 2);
requestAnimationFrame(() => requestAnimationFrame(() => done(drawn && JSON.stringify(
    charts.map(g => [g._fullLayout._size,
                     (g.querySelector('.legend') || g).getAttribute('transform')])
))));
"""
STATES_JS = """
return Array.from(document.querySelectorAll('[data-panel-id]')).map(card => {
    const state = card.querySelector('[data-panel-state]');
    return [card.dataset.panelId, state ? state.dataset.panelState : 'missing'];
});
"""


@pytest.fixture(scope="module")
def browser(request, prometheus, warehouse_sqlite, tmp_path_factory):
    """An admin logged in once, in one browser, for every dashboard and width."""
    app = create_app(settings_for(prometheus, warehouse_sqlite, tmp_path_factory.mktemp("app")))
    add_user(app, "boss", "admin", ())
    with module_browser(request, tmp_path_factory) as duo:
        start_logged_in(duo, app, "boss")
        prometheus.wait_for_history("ALERTS")
        yield duo


@pytest.fixture(scope="module")
def shots() -> Path | None:
    folder = os.environ.get("CHART_SCREENSHOTS")
    if not folder:
        return None
    Path(folder).mkdir(parents=True, exist_ok=True)
    return Path(folder)


def settled(duo, timeout: float = 40) -> dict[str, str]:
    """Until every panel is ok or empty (its state), then the states."""
    done = ("ok", "empty")
    try:
        WebDriverWait(duo.driver, timeout).until(
            lambda d: (states := d.execute_script(STATES_JS)) and all(s in done for _p, s in states)
        )
    except TimeoutException:
        raise AssertionError(f"panels not ok after {timeout} s: {panel_states(duo)}") from None
    return panel_states(duo)


def panel_states(duo) -> dict[str, str]:
    return dict(duo.driver.execute_script(STATES_JS))


def redrawn(duo) -> None:
    """Until every chart is drawn for its card's width and stays as it is."""
    seen = [None]

    def still(driver) -> bool:
        now = driver.execute_async_script(LAYOUT_JS)
        same = bool(now) and now == seen[0]
        seen[0] = now
        return same

    WebDriverWait(duo.driver, 15, poll_frequency=0.25).until(still)


def at_width(duo, width: int) -> None:
    """The window `width` px wide, every chart redrawn for it."""
    duo.driver.set_window_size(width, 1000)
    redrawn(duo)


def screenshot(duo, path) -> None:
    """The whole page, as tall as it is."""
    width = duo.driver.get_window_size()["width"]
    height = duo.driver.execute_script("return document.documentElement.scrollHeight")
    duo.driver.set_window_size(width, min(height + 120, 12_000))
    redrawn(duo)
    duo.driver.save_screenshot(str(path))


@pytest.mark.parametrize("slug", sorted(DASHBOARDS))
def test_chr001_every_chart_is_readable_at_desktop_tablet_and_phone_widths(
    browser, prometheus, shots, slug
):
    at_width(browser, WIDTHS[0])
    if slug == "dashboards-health":  # the app's own metrics: some requests first
        browser.driver.get(browser.server_url + "/d/system-health")
        settled(browser)
        prometheus.wait_for_history("rate(dashboard_callback_duration_seconds_count[5m]) > 0")
    browser.driver.get(browser.server_url + f"/d/{slug}")
    browser.wait_for_element("#dash-root")
    states = settled(browser)
    assert set(states) == {p.id for p in DASHBOARDS[slug].panels}
    problems = []
    for width in WIDTHS:
        at_width(browser, width)
        overlaps = browser.driver.execute_script(OVERLAPS_JS)
        problems += [f"{width} px: {o}" for o in overlaps]
        sideways = browser.driver.execute_script(
            "const e = document.documentElement; return e.scrollWidth - e.clientWidth;"
        )
        if sideways > 0:
            problems.append(f"{width} px: the page scrolls {sideways} px sideways")
        if shots is not None:
            screenshot(browser, shots / f"{slug}-{width}.png")
    assert problems == [], "\n".join(problems)
    assert browser.get_logs() == []


def test_chr002_compare_with_previous_period_from_the_toolbar(browser):
    """Picking "Previous period" puts `compare=previous` in the URL, and System Health's
    latency chart draws each percentile's previous six hours dotted, named so in its legend."""
    at_width(browser, WIDTHS[0])
    browser.driver.get(browser.server_url + "/d/system-health")
    settled(browser)
    browser.select_dcc_dropdown("#compare-choice", value="Previous period")
    WebDriverWait(browser.driver, 10).until(lambda d: "compare=previous" in d.current_url)
    settled(browser)
    names_js = """const g = document.querySelector("[data-panel-id='latency'] .js-plotly-plot");
        return g && g.data ? g.data.map(t => [t.name, (t.line || {}).dash || '']) : [];"""
    WebDriverWait(browser.driver, 20).until(
        lambda d: any(dash == "dot" for _n, dash in d.execute_script(names_js))
    )
    dotted = {n for n, dash in browser.driver.execute_script(names_js) if dash == "dot"}
    assert dotted == {"P50, previous period", "P95, previous period", "P99, previous period"}
    assert browser.get_logs() == []

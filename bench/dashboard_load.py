"""Benchmark: open the largest dashboard (7 days) in headless chromium and time until every panel
is `ok` (and until every chart has drawn), with a cold data cache and a warm one; the bytes of
the dashboard's panel update and each panel's share of it. Prints figures.

Measures the app as deployed: the demo stack and the app under gunicorn (`make run` in another
terminal). Cold runs clear the shared query cache first.

It logs in as a demo user (admin, password from var/demo-users.txt) first.

    .venv/bin/python -m bench.dashboard_load [--runs 5] [--url http://127.0.0.1:8050] [--user admin]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import time

import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from callbacks.panels import update_request
from data.cache import make_cache
from data.dashboards import load_all
from data.datasources import DataLayer, build_sources
from data.spec import Dashboard
from data.urlstate import ViewState
from data.variables import resolve
from settings import Settings

# Runs in the page before anything else: notes, on the browser's clock, when every panel's state
# first reads ok, and when every chart and grid in them has drawn. Polling from the benchmark
# would add the WebDriver round trip (tens of ms on a busy machine) to every figure.
OBSERVER_JS = """
window.__bench = {};
new MutationObserver(() => {
  const cards = document.querySelectorAll('[data-panel-id]');
  if (!cards.length) { return; }
  const now = performance.now();
  const ok = Array.from(cards).every(c => {
    const s = c.querySelector('[data-panel-state]');
    return s && s.dataset.panelState === 'ok';
  });
  if (ok && window.__bench.ok === undefined) { window.__bench.ok = now; }
  const drawn = ok && Array.from(document.querySelectorAll('.panel-graph'))
      .every(g => g.querySelector('.main-svg'))
    && Array.from(document.querySelectorAll('.ag-theme-alpine'))
      .every(t => t.querySelector('.ag-row'));
  if (drawn && window.__bench.drawn === undefined) { window.__bench.drawn = now; }
}).observe(document, {subtree: true, childList: true, attributes: true});
"""
UPDATES_JS = """
return performance.getEntriesByType('resource')
  .filter(e => e.name.includes('_dash-update-component'))
  .map(e => [e.transferSize, e.decodedBodySize]);
"""


def demo_password(user: str) -> str:
    """The password `make run` gave a demo user (var/demo-users.txt)."""
    path = Settings.from_env().var_dir / "demo-users.txt"
    for line in path.read_text().splitlines() if path.exists() else []:
        name, _, password = line.partition(" ")
        if name == user:
            return password
    raise SystemExit(f"no demo user {user!r} in {path}: start `make run`, or pass --password")


def browser_login(driver, base: str, user: str, password: str) -> None:
    driver.get(f"{base}/login")
    driver.find_element("id", "username").send_keys(user)
    driver.find_element("id", "password").send_keys(password)
    driver.find_element("css selector", "button[type=submit]").click()
    deadline = time.monotonic() + 15
    while "/login" in driver.current_url and time.monotonic() < deadline:
        time.sleep(0.1)
    if "/login" in driver.current_url:
        raise SystemExit(f"could not log in as {user}: check the password")


def session_login(base: str, user: str, password: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"username": user, "password": password, "csrf_token": token}
    session.post(f"{base}/login", data=form, timeout=10, allow_redirects=False)
    return session


def panel_sizes(
    session: requests.Session, url: str, dashboard: Dashboard, layer: DataLayer
) -> dict[str, tuple[int, int]]:
    """{panel id: (gzipped, raw) bytes} of each panel's part of the dashboard's panel update, as
    the browser asks for it (each part gzipped on its own: a slight overestimate)."""
    values, _ = resolve(layer, dashboard, {})
    state = ViewState("now-7d", "now", "off", values).to_dict()
    payload = update_request(dashboard.slug, [p.id for p in dashboard.panels], state)
    response = session.post(f"{url}/_dash-update-component", json=payload, timeout=60)
    response.raise_for_status()
    sizes = {}
    for key, value in response.json()["response"].items():
        raw = json.dumps(value, separators=(",", ":")).encode()
        sizes[json.loads(key)["panel"]] = (len(gzip.compress(raw)), len(raw))
    return sizes


def browser() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1400,1200",
    ):
        options.add_argument(flag)
    options.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": OBSERVER_JS})
    return driver


def load(driver, url: str, timeout: float = 60) -> tuple[float, float]:
    """Seconds from the start of the navigation (the browser's own clock, as a user clicking a
    link experiences it) until every panel's state is ok, and until every chart has drawn."""
    started = time.perf_counter()
    driver.get(url)
    marks = None
    while time.perf_counter() - started < timeout:
        marks = driver.execute_script("return window.__bench;")
        if marks and "drawn" in marks:
            return marks["ok"] / 1000, marks["drawn"] / 1000
        time.sleep(0.05)
    raise RuntimeError(f"the panels did not all draw within {timeout} s: {marks}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--url", default="http://127.0.0.1:8050", help="the running app")
    parser.add_argument("--user", default="admin", help="who opens the dashboard")
    parser.add_argument("--password", help="default: the demo user's, from var/demo-users.txt")
    args = parser.parse_args()
    password = args.password or demo_password(args.user)
    try:
        requests.get(f"{args.url}/healthz", timeout=5)
    except requests.RequestException:
        raise SystemExit(f"no app at {args.url}: start `make run` first") from None
    # The app's workers share this cache (CACHE_DIR or REDIS_URL): clearing it makes a cold run.
    cache = make_cache(Settings.from_env())
    dashboards = load_all()
    largest = max(dashboards.values(), key=lambda d: len(d.panels))
    url = f"{args.url}/d/{largest.slug}?from=now-7d&to=now&refresh=off"
    driver = browser()
    try:
        browser_login(driver, args.url, args.user, password)
        load(driver, url)  # browser assets cached, the workers warmed up
        cold, warm, updates = [], [], []
        for _ in range(args.runs):
            cache.clear()
            cold.append(load(driver, url))
            warm.append(load(driver, url))
            updates.extend(driver.execute_script(UPDATES_JS))
    finally:
        driver.quit()
    batches = [size for size in updates if size[0]]
    settings = Settings.from_env()
    session = session_login(args.url, args.user, password)
    sizes = panel_sizes(session, args.url, largest, DataLayer(build_sources(settings), cache))
    series = [sizes[p.id] for p in largest.panels if p.type == "timeseries"]
    print(
        f"\n{largest.title}: {len(largest.panels)} panels, last 7 days, "
        f"medians of {args.runs} runs, app under gunicorn at {args.url}"
    )
    for name, runs in (("cold", cold), ("warm", warm)):
        for what, index in (("every panel ok", 0), ("every chart drawn", 1)):
            times = [run[index] * 1000 for run in runs]
            print(
                f"  {name} data cache, {what:17}: {statistics.median(times):6.0f} ms "
                f"(min {min(times):.0f}, max {max(times):.0f})"
            )
    largest_batch = max(batches)
    print(
        f"  the dashboard's panel update: {largest_batch[0] / 1024:.1f} KB gzipped on the wire "
        f"({largest_batch[1] / 1024:.1f} KB raw) for {len(largest.panels)} panels"
    )
    print(
        f"  per time-series panel: median {statistics.median(s[0] for s in series) / 1024:.1f} KB,"
        f" max {max(s[0] for s in series) / 1024:.1f} KB gzipped (raw max "
        f"{max(s[1] for s in series) / 1024:.1f} KB); largest panel of any type "
        f"{max(s[0] for s in sizes.values()) / 1024:.1f} KB"
    )


if __name__ == "__main__":
    main()

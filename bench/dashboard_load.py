"""Benchmark: open the largest dashboard (7 days) in headless chromium and time until every panel
is `ok`, with a cold data cache and a warm one; bytes per panel update. Prints figures.

Measures the app as deployed: the demo stack and the app under gunicorn (`make run` in another
terminal). Cold runs clear the shared query cache first.

    .venv/bin/python -m bench.dashboard_load [--runs 5] [--url http://127.0.0.1:8050]
"""

from __future__ import annotations

import argparse
import statistics
import time

import requests
from selenium import webdriver

from data.cache import make_cache
from data.config import Settings
from data.dashboards import load_all

STATES_JS = """
const cards = document.querySelectorAll('[data-panel-id]');
if (!cards.length) { return null; }
let ok = 0;
cards.forEach(c => { const s = c.querySelector('[data-panel-state]');
                     if (s && s.dataset.panelState === 'ok') { ok += 1; } });
return [ok, cards.length, performance.now()];
"""
UPDATES_JS = """
return performance.getEntriesByType('resource')
  .filter(e => e.name.includes('_dash-update-component'))
  .map(e => [e.transferSize, e.decodedBodySize]);
"""


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
    return webdriver.Chrome(executable_path="/usr/bin/chromedriver", options=options)


def time_to_ok(driver, url: str, timeout: float = 60) -> float:
    """Seconds from the start of the navigation (the browser's own clock, as a user clicking a
    link experiences it) until every panel's state is ok."""
    started = time.perf_counter()
    driver.get(url)
    state = None
    while time.perf_counter() - started < timeout:
        state = driver.execute_script(STATES_JS)
        if state and state[0] == state[1]:
            return state[2] / 1000
        time.sleep(0.005)
    raise RuntimeError(f"panels did not all reach ok within {timeout} s: {state}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--url", default="http://127.0.0.1:8050", help="the running app")
    args = parser.parse_args()
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
        time_to_ok(driver, url)  # browser assets cached, the workers warmed up
        cold, warm, updates = [], [], []
        for _ in range(args.runs):
            cache.clear()
            cold.append(time_to_ok(driver, url))
            warm.append(time_to_ok(driver, url))
            updates.extend(driver.execute_script(UPDATES_JS))
    finally:
        driver.quit()
    sent = sorted(size for size, _ in updates if size)
    body = sorted(size for _, size in updates if size)
    print(
        f"\n{largest.title}: {len(largest.panels)} panels, last 7 days, "
        f"medians of {args.runs} runs, app under gunicorn at {args.url}"
    )
    print(
        f"  all panels ok, cold data cache: {statistics.median(cold) * 1000:7.0f} ms "
        f"(min {min(cold) * 1000:.0f}, max {max(cold) * 1000:.0f})"
    )
    print(
        f"  all panels ok, warm data cache: {statistics.median(warm) * 1000:7.0f} ms "
        f"(min {min(warm) * 1000:.0f}, max {max(warm) * 1000:.0f})"
    )
    print(
        f"  bytes per panel update (gzip on the wire): median {statistics.median(sent) / 1024:.1f}"
        f" KB, max {max(sent) / 1024:.1f} KB; uncompressed median "
        f"{statistics.median(body) / 1024:.1f} KB, max {max(body) / 1024:.1f} KB"
    )


if __name__ == "__main__":
    main()

"""Benchmark: the server's time to lay out a dashboard page for a logged-in user (the pages
router's callback: authorisation, variable options, the user's star, visit and saved views), in
process through the Flask test client, against the demo stack's data and state database
(`make run` in another terminal, whose environment this needs: DEMO_MODE=1, PROMETHEUS_URL,
VAR_DIR). Prints medians, and the state database's statements per page: for the largest
dashboard opened from another one (a new visit of it), and laid out again (a toolbar change).

    DEMO_MODE=1 .venv/bin/python -m bench.page_layout [--runs 50] [--user admin]
"""

from __future__ import annotations

import argparse
import statistics
import time

from sqlalchemy import event

from app import create_app
from bench.dashboard_load import demo_password
from data.dashboards import load_all
from services import services
from settings import Settings
from tests.fixtures.app import login, route_request


def timed(client, body: dict, statements: list[str], runs: int, between: dict | None) -> str:
    """Lays out the page `runs` times (with the page `between` laid out before each, untimed);
    the median, p90 and statements of the timed layouts."""
    times, counted = [], 0
    for _ in range(runs):
        if between is not None:
            client.post("/_dash-update-component", json=between)
        statements.clear()
        start = time.perf_counter()
        answer = client.post("/_dash-update-component", json=body)
        times.append((time.perf_counter() - start) * 1000)
        counted += len(statements)
        assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    times.sort()
    return (
        f"median {statistics.median(times):5.1f} ms, p90 {times[int(len(times) * 0.9) - 1]:5.1f}"
        f" ms, {counted / runs:.1f} state database statements (the login session's included)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--user", default="admin")
    args = parser.parse_args()
    largest, other = sorted(load_all().values(), key=lambda d: len(d.panels))[-1:-3:-1]
    app = create_app(Settings.from_env())
    client = app.server.test_client()
    if login(client, args.user, demo_password(args.user)).status_code != 302:
        raise SystemExit(f"could not log in as {args.user}: is this `make run`'s environment?")
    body, between = (
        route_request(f"/d/{d.slug}?from=now-7d&to=now&refresh=off") for d in (largest, other)
    )
    statements: list[str] = []
    with app.server.app_context():
        engine = services().database
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    for _ in range(3):  # variable options cached, connections open
        client.post("/_dash-update-component", json=body)
        client.post("/_dash-update-component", json=between)
    print(f"\n/d/{largest.slug} laid out for {args.user}, in process, {args.runs} runs each:")
    opened = f"opened from {other.slug} (a new visit):"
    print(f"  {opened:48} {timed(client, body, statements, args.runs, between)}")
    again = "laid out again (a toolbar change):"
    print(f"  {again:48} {timed(client, body, statements, args.runs, None)}")


if __name__ == "__main__":
    main()

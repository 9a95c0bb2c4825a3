"""The demo world in a real Prometheus holds exactly what demo.series says, the live exporter
continues it, and the alert rules fire on it."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest
import requests
from prometheus_client import CollectorRegistry, start_http_server

from demo.alert_history import alert_rules, alert_states, alerts_openmetrics
from demo.backfill import timestamps
from demo.exporter import DemoCollector
from demo.incidents import incidents_between
from demo.promstack import free_port
from demo.series import Series, all_series, sample
from tests.fixtures.prometheus import RULES


def find(name: str, **labels: str) -> Series:
    return next(
        s for s in all_series() if s.name == name and all(s.label_dict.get(k) == v
                                                          for k, v in labels.items())
    )  # fmt: skip


def selector(s: Series) -> str:
    return s.key


def test_demo001_counter_value_equals_the_model(prometheus):
    s = find("http_requests_total", service="api", route="/api/orders", status_code="200")
    at = prometheus.end_time - 120
    value = float(prometheus.query(selector(s), at=at)[0]["value"][1])
    assert value == pytest.approx(float(sample(s, np.array([at]))[0]), rel=1e-12)


def test_demo002_increase_over_an_hour_is_exactly_the_models(prometheus):
    s = find("http_requests_total", service="checkout", route="/checkout", status_code="500")
    at = prometheus.end_time - 60
    result = prometheus.query(f"{selector(s)} - {selector(s)} offset 1h", at=at)
    expected = np.diff(sample(s, np.array([at - 3600, at])))[0]
    assert float(result[0]["value"][1]) == pytest.approx(expected, rel=1e-9)


def test_demo003_counters_never_decrease_over_fourteen_days_at_scrape_resolution():
    end = int(time.time()) // 60 * 60
    t = np.arange(end - 14 * 86_400, end, 5.0)[::7]  # every 35 s: fine enough, and quick
    for s in all_series():
        if s.kind == "counter":
            assert (np.diff(sample(s, t)) >= 0).all(), s.key


def test_demo004_incidents_raise_errors_and_latency_of_their_service():
    end = time.time()
    incident = next(i for i in incidents_between_days(60, end) if i.severity == "critical")
    errors = find("http_requests_total", service=incident.service, status_code="500")
    mid = incident.started_at.timestamp() + 600
    during = np.diff(sample(errors, np.array([mid, mid + 60])))[0]
    week_before = np.diff(sample(errors, np.array([mid - 7 * 86_400, mid - 7 * 86_400 + 60])))[0]
    assert during > 5 * week_before


def incidents_between_days(days: int, end: float):
    from datetime import UTC, datetime

    return incidents_between(
        datetime.fromtimestamp(end - days * 86_400, UTC), datetime.fromtimestamp(end, UTC)
    )


def test_demo005_flapping_job_is_down_at_night(prometheus):
    redis_up = find("up", job="redis")
    day = prometheus.end_time // 86_400 * 86_400
    assert sample(redis_up, np.array([day + 2 * 3600 + 60.0]))[0] == 0
    assert sample(redis_up, np.array([day + 4 * 3600.0]))[0] == 1
    result = prometheus.query('up{job="api"}', at=prometheus.end_time - 60)
    assert float(result[0]["value"][1]) == 1


def test_demo006_latency_quantile_is_finite_and_plausible(prometheus):
    q = "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket" \
        '{service="api"}[5m])))'  # fmt: skip
    value = float(prometheus.query(q, at=prometheus.end_time - 60)[0]["value"][1])
    assert 0.05 < value < 1.0


def test_demo007_exporter_serves_the_model_at_the_current_time():
    registry = CollectorRegistry()
    frozen = 1_795_000_000.0
    registry.register(DemoCollector(clock=lambda: frozen))
    port = free_port()
    start_http_server(port, addr="127.0.0.1", registry=registry)
    text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    s = find("node_cpu_seconds_total", instance="demo-node-2:9100", cpu="1", mode="user")
    line = next(line for line in text.splitlines() if line.startswith(s.name + "{")
                and 'instance="demo-node-2:9100"' in line and 'cpu="1"' in line
                and 'mode="user"' in line)  # fmt: skip
    assert float(line.rsplit(" ", 1)[1]) == pytest.approx(sample(s, np.array([frozen]))[0])
    names = set(re.findall(r"^([a-zA-Z_:]+)[{ ]", text, re.M))
    assert {"up", "http_requests_total", "http_request_duration_seconds_bucket",
            "tls_certificate_expiry_days", "slo_target_ratio"} <= names  # fmt: skip


def test_demo008_history_resolution():
    end = 1_795_000_000 // 60 * 60
    t = timestamps(end - 14 * 86_400, end)
    assert t[0] >= end - 14 * 86_400 and t[-1] == end - 15
    assert (np.diff(t) > 0).all()
    # rate(...[1m]) over the last six hours needs two samples a minute; older data is coarser.
    assert set(np.diff(t[t >= end - 6 * 3600])) == {15.0}
    assert set(np.diff(t[(t >= end - 2 * 86_400) & (t < end - 6 * 3600)])) == {60.0}
    assert set(np.diff(t[t < end - 2 * 86_400])) == {300.0}


def test_demo009_alerts_fire_on_the_demo_data(prometheus):
    deadline = time.monotonic() + 20
    firing = set()
    while (
        time.monotonic() < deadline and not {"DiskSpaceLow", "ContainerMemoryNearLimit"} <= firing
    ):
        alerts = requests.get(f"{prometheus.url}/api/v1/alerts", timeout=5).json()
        firing = {a["labels"]["alertname"] for a in alerts["data"]["alerts"]}
        time.sleep(0.5)
    assert {"DiskSpaceLow", "ContainerMemoryNearLimit"} <= firing


GAUGE_ALERTS = {"DiskSpaceLow", "ContainerMemoryNearLimit", "TLSCertificateExpiringSoon",
                "TLSCertificateExpiryCritical"}  # fmt: skip


def test_demo010_alert_history_has_the_series_the_rule_manager_writes(prometheus):
    """Backfilled ALERTS continue the live ones: same label sets, so the state timeline is one
    line per alert across the moment the stack started. Both sides are read over the same three
    minutes, not at one instant: a scrape of the demo exporter that fails (it shares this busy
    process) marks its series stale for seconds, and an instant in that gap has no gauge alert
    on either side while the other side, read a moment later, has them again."""

    def gauge_alerts(results) -> set[frozenset]:
        return {frozenset((k, v) for k, v in r["metric"].items() if k != "__name__")
                for r in results if r["metric"]["alertname"] in GAUGE_ALERTS}  # fmt: skip

    deadline = time.monotonic() + 60
    while len({dict(s)["alertname"] for s in gauge_alerts(prometheus.query("ALERTS"))}) < 4:
        assert time.monotonic() < deadline, "the rule manager did not fire the gauge alerts"
        time.sleep(1)
    end = int(time.time())
    params = {"query": 'ALERTS{alertstate="firing"}', "start": end - 180, "end": end, "step": 5}
    live = requests.get(f"{prometheus.url}/api/v1/query_range", params=params, timeout=10)
    text, _count = alerts_openmetrics(prometheus.url, RULES, end - 180, end)
    history = []
    for line in text.splitlines():
        if line.startswith("ALERTS{"):
            labels = line.rsplit(" ", 2)[0]
            pairs = re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', labels)
            history.append({"metric": dict(pairs)})
    firing = gauge_alerts(live.json()["data"]["result"])
    assert len(firing) == 5 and gauge_alerts(history) == firing


def test_demo011_an_alert_is_pending_for_its_hold_then_firing_and_a_gap_starts_again():
    times = [0, 60, 120, 180, 240, 600, 660]
    assert alert_states(times, 120) == {"pending": [0, 60, 600, 660], "firing": [120, 180, 240]}
    assert alert_states(times, 0) == {"pending": [], "firing": times}


def test_demo012_recording_rules_are_written_out_in_alert_expressions():
    rule = next(r for r in alert_rules(RULES) if r.name == "HighErrorRate")
    assert "service:http_errors" not in rule.expr and "rate(http_requests_total" in rule.expr
    assert rule.hold == 120 and rule.labels["severity"]


def test_demo013_calls_into_each_service_add_up_to_its_requests():
    """The node graph's traffic is each service's own: over an hour, the calls it received from
    every caller (clients outside included) are its requests."""
    end = 1_795_000_000.0
    t = np.array([end - 3600, end])
    served, received = {}, {}
    for s in all_series():
        if s.name == "http_requests_total":
            served[s.label_dict["service"]] = (
                served.get(s.label_dict["service"], 0) + np.diff(sample(s, t))[0]
            )
        elif s.name == "service_calls_total":
            received[s.label_dict["destination"]] = received.get(s.label_dict["destination"], 0)
            received[s.label_dict["destination"]] += np.diff(sample(s, t))[0]
    assert set(received) == set(served)
    for service, requests_ in served.items():
        assert received[service] == pytest.approx(requests_, rel=0.01), service


def test_demo014_the_pool_is_out_of_connections_only_in_checkout_incidents():
    """Active connections never pass the pool's size, idle ones are the few it keeps open, and
    clients wait only while every connection is out: during checkout incidents (each request
    holds its connection longer), never on a normal day."""
    end = 1_795_000_000 // 60 * 60
    t = np.arange(end - 60 * 86_400, end, 60.0)
    state = {(s.name, s.label_dict.get("state")): sample(s, t) for s in all_series()
             if s.name.startswith("db_pool")}  # fmt: skip
    active, idle = state["db_pool_connections", "active"], state["db_pool_connections", "idle"]
    waiting = state["db_pool_waiting_clients", None]
    assert active.max() <= 60 and idle.max() <= 8 and (active + idle <= 60).all()
    assert (active[waiting > 0] == 60).all() and waiting.max() > 0
    checkout = [(i.started_at.timestamp(), i.ended_at.timestamp())
                for i in incidents_between_days(60, end) if i.service == "checkout"]  # fmt: skip
    during = np.zeros_like(t, dtype=bool)
    for begin, stop in checkout:
        during |= (t >= begin) & (t < stop)
    assert (waiting[~during] == 0).all()


def test_demo015_latency_is_kept_per_route_and_adds_up_per_service(prometheus):
    at = prometheus.end_time - 60
    by_route = "histogram_quantile(0.95, sum by (route, le) (rate(" \
        'http_request_duration_seconds_bucket{service="auth"}[5m])))'  # fmt: skip
    p95 = {r["metric"]["route"]: float(r["value"][1]) for r in prometheus.query(by_route, at=at)}
    assert set(p95) == {"/login", "/logout", "/token"}
    assert p95["/login"] > 2 * p95["/logout"]
    service = by_route.replace("sum by (route, le)", "sum by (le)")
    whole = float(prometheus.query(service, at=at)[0]["value"][1])
    assert min(p95.values()) < whole < max(p95.values())

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
    line per alert across the moment the stack started."""

    def firing(promql_result) -> set[frozenset]:
        return {frozenset(r["metric"].items()) for r in promql_result
                if r["metric"]["alertname"] in GAUGE_ALERTS}  # fmt: skip

    deadline = time.monotonic() + 60
    while len({dict(s)["alertname"] for s in firing(prometheus.query("ALERTS"))}) < 4:
        assert time.monotonic() < deadline, "the rule manager did not fire the gauge alerts"
        time.sleep(1)
    live = firing(prometheus.query('ALERTS{alertstate="firing"}'))
    now = int(time.time()) // 60 * 60
    text, _count = alerts_openmetrics(prometheus.url, RULES, now - 180, now)
    last = {}
    for line in text.splitlines():
        if line.startswith("ALERTS{"):
            labels, _value, stamp = line.rsplit(" ", 2)
            pairs = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', labels))
            last[pairs | {("__name__", "ALERTS")}] = int(stamp)
    history = {s for s, t in last.items() if t == max(last.values())}
    assert firing([{"metric": dict(s)} for s in history]) == live


def test_demo011_an_alert_is_pending_for_its_hold_then_firing_and_a_gap_starts_again():
    times = [0, 60, 120, 180, 240, 600, 660]
    assert alert_states(times, 120) == {"pending": [0, 60, 600, 660], "firing": [120, 180, 240]}
    assert alert_states(times, 0) == {"pending": [], "firing": times}


def test_demo012_recording_rules_are_written_out_in_alert_expressions():
    rule = next(r for r in alert_rules(RULES) if r.name == "HighErrorRate")
    assert "service:http_errors" not in rule.expr and "rate(http_requests_total" in rule.expr
    assert rule.hold == 120 and rule.labels["severity"]

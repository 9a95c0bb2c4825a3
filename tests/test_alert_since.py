"""An alert's "since" agrees with its history: a Prometheus that restarted (or, as in the demo,
had its ALERTS backfilled) says the alert became active a moment ago, while ALERTS shows it has
been firing for hours; the app says hours. And an alert links to the dashboard its rule names,
and to no dashboard where its label is not one of the variable's values."""

from __future__ import annotations

import subprocess
import time

import pytest
import requests
import yaml

from components.alerts import service_dashboards
from data.alerts import current_alerts
from data.cache import make_cache
from data.dashboards import load_all
from data.datasources import DataLayer, build_sources
from data.variables import offered
from demo.backfill import promtool
from demo.promstack import PrometheusServer, free_port, write_config
from settings import Settings
from tests.fixtures._servers import require, wait_until

HOURS = 3
RULES = {
    "groups": [
        {
            "name": "since",
            "rules": [
                {
                    "alert": "CertificateExpiring",
                    "expr": "vector(1)",
                    "labels": {"severity": "warning", "service": "edge"},
                    "annotations": {
                        "summary": "a certificate expires soon",
                        "dashboard": "security-monitoring",
                    },  # fmt: skip
                },
                {"alert": "JustStarted", "expr": "vector(1)", "labels": {"severity": "info"}},
            ],
        }
    ]
}


@pytest.fixture(scope="module")
def layer(tmp_path_factory):
    """A Prometheus whose TSDB holds three hours of ALERTS for CertificateExpiring (as the demo's
    backfill writes them) and whose rule manager has just started, and a data layer on it."""
    require("prometheus", "prometheus")
    root = tmp_path_factory.mktemp("since")
    now = int(time.time()) // 60 * 60
    labels = 'alertname="CertificateExpiring",alertstate="firing",service="edge",severity="warning"'
    lines = [f"ALERTS{{{labels}}} 1 {t}" for t in range(now - HOURS * 3600, now, 60)]
    history = root / "alerts.om"
    history.write_text("# TYPE ALERTS gauge\n" + "\n".join(lines) + "\n# EOF\n")
    subprocess.run([promtool(), "tsdb", "create-blocks-from", "openmetrics", str(history),
                    str(root / "data")], check=True, capture_output=True)  # fmt: skip
    rules = root / "rules.yml"
    rules.write_text(yaml.safe_dump(RULES))
    config = write_config(root / "prometheus.yml", scrape_interval=15, targets={},
                          rules_files=[rules], evaluation_interval=1)  # fmt: skip
    server = PrometheusServer(root / "data", config, free_port())
    server.start()
    url = f"{server.url}/api/v1/alerts"
    wait_until(lambda: len(requests.get(url, timeout=5).json()["data"]["alerts"]) == 2, "alerts")
    settings = Settings(var_dir=root, cache_dir=root / "cache", prometheus_url=server.url,
                        database_url=f"sqlite:///{root / 'none.db'}")  # fmt: skip
    layer = DataLayer(build_sources(settings), make_cache(settings))
    yield layer
    layer.close()
    server.stop()


def test_alh001_since_is_the_start_of_the_run_in_the_alerts_history(layer):
    alerts = {a.name: a for a in current_alerts(layer)}
    expiring, started = alerts["CertificateExpiring"], alerts["JustStarted"]
    now = time.time()
    assert now - expiring.active_at < 120  # Prometheus's rule manager: since it started
    assert now - expiring.since == pytest.approx(HOURS * 3600, abs=600)  # the history's
    assert started.since == started.active_at  # no history: Prometheus's word


def test_alh002_an_alert_links_its_rules_dashboard_and_only_valid_variable_values(layer):
    """CertificateExpiring names Security Monitoring; its service 'edge' is no value of System
    Health's $service, so no link sends anyone to a dashboard that cannot open at it."""
    alert = next(a for a in current_alerts(layer) if a.name == "CertificateExpiring")
    dashboards = sorted(load_all().values(), key=lambda d: d.slug)
    links = service_dashboards(alert, dashboards, "/", lambda d: offered(layer, d))
    assert links[0] == ("Security Monitoring", "/d/security-monitoring")
    assert not any("var-service=edge" in href for _title, href in links)

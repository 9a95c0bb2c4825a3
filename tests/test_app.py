"""The app as a user and a monitoring system meet it: /healthz, /metrics, the home page in a
real browser."""

from __future__ import annotations

import pytest

from app import create_app
from tests.fixtures.app import add_user, client_for, login, settings_for, start_logged_in


@pytest.fixture
def client(prometheus, warehouse_sqlite, tmp_path):
    app = create_app(settings_for(prometheus, warehouse_sqlite, tmp_path))
    add_user(app, "ops", "operator", ("sre",))
    client = app.server.test_client()
    login(client, "ops")
    return client


def test_app001_healthz_all_up(client, prometheus):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["datasources"]["prometheus"] == {
        "ok": True,
        "kind": "prometheus",
        "url": prometheus.url,
        "latency_ms": body["datasources"]["prometheus"]["latency_ms"],
    }
    assert body["datasources"]["warehouse"]["ok"] is True
    assert body["cache"]["ok"] is True


def test_app002_healthz_503_names_what_is_down(warehouse_sqlite, prometheus, tmp_path):
    settings = settings_for(prometheus, warehouse_sqlite, tmp_path).with_(
        prometheus_url="http://127.0.0.1:9"
    )
    app = create_app(settings)
    anonymous = app.server.test_client().get("/healthz")
    assert anonymous.status_code == 200 and anonymous.get_json()["status"] == "ok"
    add_user(app, "ops", "operator", ("sre",))
    response = client_for(app, "ops").get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "degraded"
    down = body["datasources"]["prometheus"]
    assert down["ok"] is False
    assert "Prometheus unreachable at http://127.0.0.1:9: connection refused" in down["error"]
    assert body["datasources"]["warehouse"]["ok"] is True


def test_app003_metrics_count_upstream_queries_and_callbacks(client):
    client.get("/healthz")
    update = {
        "output": "home-status.children",
        "outputs": {"id": "home-status", "property": "children"},
        "inputs": [{"id": "home-status", "property": "id", "value": "home-status"}],
        "changedPropIds": [],
        "state": [],
    }
    assert client.post("/_dash-update-component", json=update).status_code == 200
    text = client.get("/metrics").get_data(as_text=True)
    assert 'dashboard_upstream_queries_total{datasource="prometheus",outcome="ok"}' in text
    assert 'dashboard_upstream_queries_total{datasource="warehouse",outcome="ok"}' in text
    assert 'dashboard_callback_duration_seconds_count{callback="status.show_status"}' in text
    assert "dashboard_cache_requests_total" in text


@pytest.mark.browser
def test_app004_home_page_renders_with_status_and_no_console_errors(
    dash_duo, prometheus, warehouse_sqlite, tmp_path
):
    app = create_app(settings_for(prometheus, warehouse_sqlite, tmp_path))
    add_user(app, "boss", "admin", ())
    start_logged_in(dash_duo, app, "boss")
    dash_duo.wait_for_text_to_equal("#home-dashboards", "Dashboards")
    dash_duo.wait_for_element("#status-table tr[data-status='up']")
    rows = dash_duo.find_elements("#status-table tbody tr")
    assert [row.get_attribute("data-status") for row in rows] == ["up", "up", "up"]
    assert dash_duo.find_element(".navbar-brand").text == "Teamdash"
    assert dash_duo.get_logs() == []

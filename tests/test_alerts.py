"""Alerts from the real Prometheus's rules, acknowledgements, and annotations added from the UI:
through the app's callbacks as the browser sends them, and across an app restart."""

from __future__ import annotations

import json
import re

import pytest

from app import create_app
from appdb.notes import Note
from data.alerts import Alert, current_alerts
from services import services
from tests.fixtures.app import add_user, client_for, figure_in, login, route_request, settings_for
from tests.test_auth import panel_request, panel_results


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("alerts")


def make_app(prometheus, warehouse_sqlite, state_dir):
    """An app on a state database that outlives it (a restart is a second make_app)."""
    return create_app(
        settings_for(prometheus, warehouse_sqlite, state_dir, login_rate_limit="1000 per minute")
    )


@pytest.fixture(scope="module")
def app(prometheus, warehouse_sqlite, state_dir):
    app = make_app(prometheus, warehouse_sqlite, state_dir)
    add_user(app, "olga", "operator", ("sre",))
    add_user(app, "vic", "viewer", ("sre",))
    prometheus.wait_for_history("ALERTS")
    return app


def alerts_request(severities=None, search=None, action=None, typed=None) -> dict:
    """The alerts list's request; `typed`: {fingerprint: comment} in the operators' forms."""
    comments = [
        {"id": {"type": "op-ack-comment", "fp": fp}, "property": "value", "value": text}
        for fp, text in (typed or {}).items()
    ]
    return {
        "output": "alerts-list.children",
        "outputs": {"id": "alerts-list", "property": "children"},
        "inputs": [
            {"id": "alerts-tick", "property": "n_intervals", "value": None},
            {"id": "alerts-severity", "property": "value", "value": severities},
            {"id": "alerts-search", "property": "value", "value": search},
            {"id": "alerts-action", "property": "data", "value": action},
        ],
        "changedPropIds": ["alerts-action.data"] if action else [],
        "state": [comments, []],
    }


def ack_request(fingerprint: str, comment: str) -> dict:
    """Acknowledge clicked on one alert, on a page showing only that alert's form (the page
    as the browser posts it: tests/test_alertmanager.py builds it from a real listing)."""
    ack_id = {"type": "op-ack", "fp": fingerprint}
    comment_id = {"type": "op-ack-comment", "fp": fingerprint}
    return {
        "output": "alerts-action.data",
        "outputs": {"id": "alerts-action", "property": "data"},
        "inputs": [[{"id": ack_id, "property": "n_clicks", "value": 1}], [], [], []],
        "state": [[{"id": comment_id, "property": "value", "value": comment}], [], []],
        "changedPropIds": [json.dumps(ack_id, separators=(",", ":"), sort_keys=True) + ".n_clicks"],
    }


def firing(app) -> list[Alert]:
    with app.server.app_context():
        return [a for a in current_alerts(services().data) if a.state == "firing"]


def test_alr001_alerts_page_lists_what_prometheus_has_firing(app, prometheus):
    client = client_for(app, "vic")
    page = client.post("/_dash-update-component", json=route_request("/alerts"))
    assert '"id":"alerts-list"' in page.get_data(as_text=True).replace(" ", "")
    listing = client.post("/_dash-update-component", json=alerts_request()).get_data(as_text=True)
    expected = {r["metric"]["alertname"] for r in prometheus.query('ALERTS{alertstate="firing"}')}
    assert expected, "the demo rules keep some alerts firing"
    for name in expected:
        assert f'"data-alert":"{name}"' in listing.replace(" ", "")
    warning_only = client.post(
        "/_dash-update-component", json=alerts_request(severities=["warning"])
    ).get_data(as_text=True)
    assert '"Critical (' not in warning_only and "Warning (" in warning_only
    assert "Acknowledge" not in listing  # a viewer sees no acknowledge button


def test_alr006_each_alert_links_to_its_runbook_and_its_services_dashboards(app):
    """The rule's runbook_url, and the dashboards the viewer may open at the alert's service."""
    listing = client_for(app, "vic").post("/_dash-update-component", json=alerts_request())
    text = listing.get_data(as_text=True).replace("\\u002f", "/")
    alerts = firing(app)
    assert alerts
    for alert in alerts:
        slug = re.sub(r"(?<!^)(?=[A-Z][a-z])", "-", alert.name).lower()
        assert f"https://runbooks.example.internal/{slug}" in text, alert.name
    http = [a for a in alerts if a.labels.get("service") in ("api", "web", "audio-enhancer")]
    for alert in http:
        service = alert.labels["service"]
        assert f"/d/system-health?var-service={service}" in text, alert.name


def test_alr002_operator_acknowledges_everyone_sees_it_viewer_cannot(app):
    alert = firing(app)[0]
    viewer = client_for(app, "vic")
    refused = viewer.post("/_dash-update-component", json=ack_request(alert.fingerprint, "mine"))
    assert refused.status_code == 403
    operator = client_for(app, "olga")
    empty = operator.post("/_dash-update-component", json=ack_request(alert.fingerprint, " "))
    assert "Say in a few words" in empty.get_data(as_text=True)
    done = operator.post(
        "/_dash-update-component", json=ack_request(alert.fingerprint, "rolling back the deploy")
    )
    assert done.status_code == 200 and '"tone":"success"' in done.get_data(as_text=True)
    listing = viewer.post("/_dash-update-component", json=alerts_request()).get_data(as_text=True)
    assert "rolling back the deploy" in listing and "by olga" in listing
    with app.server.app_context():
        events = services().audit.events(action="alert_ack")
    assert events[0].actor == "olga" and events[0].target == alert.name
    # The alerts panel on the Alerts & Incidents dashboard shows it too.
    panel = viewer.post(
        "/_dash-update-component",
        json=panel_request("alerts-incidents", ["alert-list"], {"from": "now-1h", "to": "now",
                                                                  "refresh": "off", "vars": {}}),
    )  # fmt: skip
    state, body = panel_results(panel)["alert-list"]
    assert state == "ok" and "✓ olga" in json.dumps(json.loads(body), ensure_ascii=False)


def test_alr003_a_new_firing_episode_is_not_acknowledged(app):
    alert = firing(app)[0]
    with app.server.app_context():
        store = services().acks
        store.acknowledge(alert, "looking", "olga")
        assert alert.fingerprint in store.for_alerts([alert])
        refired = Alert(**{**alert.__dict__, "active_at": alert.active_at + 600})
        assert store.for_alerts([refired]) == {}


def test_alr004_navbar_badge_counts_every_firing_alert_and_says_how_many_are_critical(
    app, prometheus
):
    """The badge is the alerts page's count of firing alerts (it counted critical ones only: 1
    while 7 fired), red when one is critical, and its title says so."""
    client = client_for(app, "vic")
    request = {
        "output": "..alert-badge.children...alert-badge.className...alert-badge.title..",
        "outputs": [
            {"id": "alert-badge", "property": "children"},
            {"id": "alert-badge", "property": "className"},
            {"id": "alert-badge", "property": "title"},
        ],
        "inputs": [{"id": "alert-badge-tick", "property": "n_intervals", "value": None}],
        "changedPropIds": [],
        "state": [],
    }
    answer = client.post("/_dash-update-component", json=request).get_json()["response"]
    badge = answer["alert-badge"]

    def count(selector: str) -> int:
        found = prometheus.query(f"count({selector})")
        return int(float(found[0]["value"][1])) if found else 0

    firing = count('ALERTS{alertstate="firing"}')
    critical = count('ALERTS{alertstate="firing",severity="critical"}')
    assert firing > 1 and int(badge["children"][0]) == firing
    assert badge["title"].startswith(f"{firing} firing alerts you can see")
    if critical:
        assert "bg-danger" in badge["className"] and f"{critical} critical" in badge["title"]
    else:
        assert "bg-warning" in badge["className"]


def annotate_request(
    slug: str, text: str, when: str = "now-5m", editing: int | None = None, store=None
) -> dict:
    """The annotation form's Save, as the dashboard page sends it."""
    store = store or {"slug": slug, "from": "now-1h", "to": "now", "refresh": "off", "vars": {}}
    states = [
        ("dash-state", "data", store),
        ("op-annotate-editing", "data", editing),
        ("op-annotate-text", "value", text),
        ("op-annotate-time", "value", when),
        ("op-annotate-end", "value", None),
        ("op-annotate-tags", "value", "deploy, test"),
    ]
    return {
        "output": "..op-annotate-result.children...dash-notes.data...op-annotate-editing.data..",
        "outputs": [
            {"id": "op-annotate-result", "property": "children"},
            {"id": "dash-notes", "property": "data"},
            {"id": "op-annotate-editing", "property": "data"},
        ],
        "inputs": [{"id": "op-annotate-save", "property": "n_clicks", "value": 1}],
        "state": [{"id": i, "property": p, "value": v} for i, p, v in states],
        "changedPropIds": ["op-annotate-save.n_clicks"],
    }


def _note_trace(client) -> dict | None:
    state = {"from": "now-1h", "to": "now", "refresh": "off", "vars": {}}
    response = client.post(
        "/_dash-update-component", json=panel_request("system-health", ["request-rate"], state)
    )
    panel_state, body = panel_results(response)["request-rate"]
    assert panel_state == "ok"
    figure = figure_in(json.loads(body))
    return next((t for t in figure["data"] if t.get("name") == "Notes"), None)


def test_ann001_annotations_from_the_ui_are_drawn_audited_and_survive_a_restart(
    app, prometheus, warehouse_sqlite, state_dir
):
    viewer = client_for(app, "vic")
    refused = viewer.post("/_dash-update-component", json=annotate_request("system-health", "x"))
    assert refused.status_code == 403
    operator = client_for(app, "olga")
    bad = operator.post(
        "/_dash-update-component", json=annotate_request("system-health", "x", "yesterday")
    )
    assert "Use now, now-15m" in bad.get_data(as_text=True)
    done = operator.post(
        "/_dash-update-component", json=annotate_request("system-health", "Deployed api v2.3")
    )
    assert "Added at" in done.get_data(as_text=True)
    trace = _note_trace(viewer)
    assert trace is not None and "Deployed api v2.3 [deploy,test] — olga" in trace["text"]
    # Exports draw what the panel draws, the notes included (their legend entry).
    svg = viewer.get("/export/system-health/request-rate.svg?from=now-1h&to=now")
    assert svg.status_code == 200 and ">Notes<" in svg.get_data(as_text=True)
    with app.server.app_context():
        assert services().audit.events(action="annotation_add")[0].actor == "olga"
    restarted = make_app(prometheus, warehouse_sqlite, state_dir)
    again = restarted.server.test_client()
    assert login(again, "vic").status_code == 302
    trace = _note_trace(again)
    assert trace is not None and any("Deployed api v2.3" in t for t in trace["text"])
    with restarted.server.app_context():
        acks = services().acks.for_alerts(current_alerts(services().data))
    assert any(a.author == "olga" for a in acks.values())


def _note_action(app, kind: str, note_id: int, slug: str = "system-health") -> dict:
    """A click on a note's Edit or Delete button in the annotations list."""
    button = {"type": f"op-note-{kind}", "note": note_id}
    outputs = {
        "delete": [("op-annotate-result", "children"), ("dash-notes", "data")],
        "edit": [(f, "value") for f in ("op-annotate-text", "op-annotate-time",
                 "op-annotate-end", "op-annotate-tags")]
        + [("op-annotate-editing", "data"), ("op-annotate-result", "children")],
    }[kind]  # fmt: skip
    prefix = f"..{outputs[0][0]}.{outputs[0][1]}"
    output = next(
        k for k in sorted(app.callback_map) if k.startswith(prefix) and (kind == "edit" or "@" in k)
    )
    store = {"slug": slug, "from": "now-1h", "to": "now", "refresh": "off", "vars": {}}
    return {
        "output": output,
        "outputs": [{"id": i, "property": p} for i, p in outputs],
        "inputs": [[{"id": button, "property": "n_clicks", "value": 1}]],
        "state": [{"id": "dash-state", "property": "data", "value": store}],
        "changedPropIds": [json.dumps(button, separators=(",", ":")) + ".n_clicks"],
    }


def _notes(app) -> dict[int, Note]:
    with app.server.app_context():
        return {n.id: n for n in services().notes.latest("system-health")}


def test_ann002_the_author_or_an_admin_edits_and_deletes_an_annotation(app):
    add_user(app, "otto", "operator", ("sre",))
    add_user(app, "ada", "admin", ())
    olga, otto, ada = (client_for(app, n) for n in ("olga", "otto", "ada"))
    olga.post("/_dash-update-component", json=annotate_request("system-health", "Cache flushed"))
    note = next(n for n in _notes(app).values() if n.text == "Cache flushed")
    # Another operator may not change it, even naming it on their own dashboard.
    for kind in ("edit", "delete"):
        answer = otto.post("/_dash-update-component", json=_note_action(app, kind, note.id))
        assert "Only olga or an admin" in answer.get_data(as_text=True)
    edited = otto.post(
        "/_dash-update-component", json=annotate_request("system-health", "mine", editing=note.id)
    )
    assert "Only olga or an admin" in edited.get_data(as_text=True)
    # A note of one dashboard cannot be changed through another's page.
    add_user(app, "dora", "operator", ("dba",))
    elsewhere = client_for(app, "dora").post(
        "/_dash-update-component",
        json=annotate_request("database-performance", "x", editing=note.id),
    )
    assert "not on this dashboard" in elsewhere.get_data(as_text=True)
    # Its author edits it: the form is filled, the saved text replaces the old one.
    filled = olga.post("/_dash-update-component", json=_note_action(app, "edit", note.id))
    assert "Cache flushed" in filled.get_data(as_text=True)
    saved = olga.post(
        "/_dash-update-component",
        json=annotate_request("system-health", "Cache flushed twice", editing=note.id),
    )
    assert "Saved the annotation" in saved.get_data(as_text=True)
    assert _notes(app)[note.id].text == "Cache flushed twice"
    assert _notes(app)[note.id].author == "olga"
    assert "Cache flushed twice" in json.dumps(_note_trace(client_for(app, "vic")))
    # An admin deletes it; it is gone from the panels.
    gone = ada.post("/_dash-update-component", json=_note_action(app, "delete", note.id))
    assert "Deleted the annotation" in gone.get_data(as_text=True)
    assert note.id not in _notes(app)
    assert "Cache flushed twice" not in json.dumps(_note_trace(client_for(app, "vic")) or {})
    with app.server.app_context():
        actions = [(e.action, e.actor) for e in services().audit.events(limit=50)
                   if e.action.startswith("annotation_")]  # fmt: skip
    assert ("annotation_edit", "olga") in actions and ("annotation_delete", "ada") in actions

"""`/reports` as its users meet it, through the callbacks the page sends: a user subscribes to a
dashboard they may open, sees it listed with its next slot, changes and deletes it; what is
wrong with a subscription is said in words; without a queue the page says schedules do not
fire. And as an attacker: another user's subscription id, a viewer acting on an admin's, an
embed link and an anonymous script get nothing done, and the refusals are audited."""

from __future__ import annotations

import json

import pytest

from callbacks.access import registry
from services import services
from tests.fixtures.app import (
    add_user,
    client_for,
    demo_app,
    embed_token,
    open_page,
    start_logged_in,
)
from tests.test_authorisation import call, key_of

FORM = {
    "report-name": "Weekly SRE",
    "report-dashboard": "container-infrastructure",
    "report-format": "pdf",
    "report-panel": None,
    "report-range": "now-7d to now",
    "report-frequency": "weekly",
    "report-at": "07:30",
    "report-weekday": "mon",
    "report-monthday": 1,
    "report-cron": "",
    "report-timezone": "Europe/Paris",
    "report-vars": "",
    "report-recipients": "oncall@example.com, lead@example.com",
    "report-webhook": None,
    "report-notify": "sre@example.com",
}
SAVE = "..report-result.children...reports-subscriptions.children"
ACT = "..report-result.children@"
EDIT = "..report-name.value@"


@pytest.fixture(scope="module")
def app(prometheus, warehouse_sqlite, tmp_path_factory):
    app = demo_app(prometheus, warehouse_sqlite, tmp_path_factory.mktemp("reports-page"),
                   report_webhooks=("https://chat.example.com/hooks/sre",))  # fmt: skip
    add_user(app, "vic", "viewer", ("sre",))
    return app


def save_request(app, editing=None, **changes) -> dict:
    values = {(name, "value"): value for name, value in {**FORM, **changes}.items()}
    values[("report-save", "n_clicks")] = 1
    values[("report-editing", "data")] = editing
    return call(app, key_of(app, SAVE), values)


def save(client, app, editing=None, **changes) -> str:
    """The form saved (`editing`: the subscription being changed); what the page says."""
    answer = client.post("/_dash-update-component", json=save_request(app, editing, **changes))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return json.dumps(answer.get_json()["response"]["report-result"]["children"])


def pressed(body: dict, position: int, kind: str, sub_id) -> dict:
    """`body` with a row's button (a pattern-matching id) pressed, as the browser says it."""
    button = {"type": kind, "sub": sub_id}
    body["inputs"][position] = [{"id": button, "property": "n_clicks", "value": 1}]
    key = json.dumps(button, separators=(",", ":"), sort_keys=True)
    body["changedPropIds"] = [f"{key}.n_clicks"]
    return body


def row_action(client, app, kind: str, sub_id) -> object:
    """Send now or Delete pressed on a subscription's row."""
    position = 0 if kind == "report-send" else 1
    body = pressed(call(app, key_of(app, ACT)), position, kind, sub_id)
    return client.post("/_dash-update-component", json=body)


def subscriptions(app, owner: str | None = None):
    with app.server.app_context():
        return services().reports.subscriptions(owner)


def audited(app, action: str):
    with app.server.app_context():
        return services().audit.events(action=action)


def test_rpt001_a_user_subscribes_to_their_dashboard_and_sees_it_listed(app):
    sre = client_for(app, "sre")
    assert "Subscribed: Weekly SRE, weekly on mon at 07:30 (Europe/Paris)" in save(sre, app)
    [sub] = subscriptions(app, "sre")
    assert sub.recipients == ("oncall@example.com", "lead@example.com")
    assert (sub.dashboard, sub.format, sub.time_from, sub.time_to) == (
        "container-infrastructure", "pdf", "now-7d", "now")  # fmt: skip
    page = open_page(sre, "/reports")
    assert "Weekly SRE" in page and "PDF report of Container Infrastructure" in page
    assert "The report queue is not configured (CELERY_BROKER_URL is not set)" in page
    assert audited(app, "report_subscribe")[0].actor == "sre"
    # Without a queue, Send now says why nothing can be sent.
    answer = row_action(sre, app, "report-send", sub.id).get_data(as_text=True)
    assert "the report queue is not configured" in answer


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        (
            {"report-dashboard": "sales-performance"},
            "You may not open dashboard 'sales-performance'",
        ),
        ({"report-frequency": "cron", "report-cron": "61 * * * *"}, "schedule: cron '61 * * * *'"),
        ({"report-frequency": "cron", "report-cron": "* * *"}, "has 3 fields; write five"),
        ({"report-at": "25:00"}, "time '25:00': write it as HH:MM"),
        ({"report-timezone": "Mars/Olympus"}, "time zone 'Mars/Olympus' is not known"),
        ({"report-recipients": "oncall@example.com, not-an-address"}, "'not-an-address' is not an"),
        ({"report-recipients": "", "report-webhook": None}, "give at least one recipient"),
        ({"report-webhook": "http://169.254.169.254/latest"}, "not one of the admins'"),
        (
            {"report-format": "png", "report-panel": None},
            "pick a panel of Container Infrastructure",
        ),
        ({"report-range": "now-7d to now-8d"}, "is empty"),
        ({"report-vars": "service"}, "'service' is not name=value"),
    ],
)
def test_rpt002_what_is_wrong_with_a_subscription_is_said_and_nothing_is_stored(app, changes, said):
    before = len(subscriptions(app))
    answer = save(client_for(app, "sre"), app, **changes)
    assert "Not saved" in answer and said in answer, answer
    assert len(subscriptions(app)) == before


def test_rpt003_another_users_subscription_cannot_be_edited_sent_or_deleted(app):
    sales = client_for(app, "sales")
    save(sales, app, **{"report-name": "Sales weekly", "report-dashboard": "sales-performance"})
    theirs = subscriptions(app, "sales")[0]
    vic = client_for(app, "vic")
    for kind in ("report-send", "report-delete"):
        refused = row_action(vic, app, kind, theirs.id)
        assert refused.status_code == 500  # PermissionError: nothing done, nothing told
    edit = pressed(call(app, key_of(app, EDIT)), 0, "report-edit", theirs.id)
    assert vic.post("/_dash-update-component", json=edit).status_code == 500
    hijack = save_request(app, theirs.id, **{"report-recipients": "vic@example.com"})
    assert vic.post("/_dash-update-component", json=hijack).status_code == 500
    assert subscriptions(app, "sales")[0] == theirs
    denied = [e for e in audited(app, "forbidden") if e.actor == "vic"]
    assert {e.target for e in denied} == {f"subscription {theirs.id}"} and len(denied) >= 4
    # Not a number, or an id that does not exist: the same refusal.
    for sub_id in ("1 OR 1=1", 99999):
        assert row_action(vic, app, "report-delete", sub_id).status_code == 500
    assert "Sales weekly" not in open_page(vic, "/reports")


def test_rpt004_an_admin_sees_every_subscription_and_changes_it_under_its_owners_rights(app):
    save(client_for(app, "sales"), app, **{"report-name": "EU numbers",
                                           "report-dashboard": "sales-performance"})  # fmt: skip
    sub = next(s for s in subscriptions(app, "sales") if s.name == "EU numbers")
    admin = client_for(app, "admin")
    page = open_page(admin, "/reports")
    assert "EU numbers" in page and "Weekly SRE" in page
    # The owner (sales) may not open the SRE dashboards: neither may the subscription.
    refused = save(admin, app, editing=sub.id, **{"report-dashboard": "container-infrastructure"})
    assert "You may not open dashboard 'container-infrastructure'" in refused
    saved = save(admin, app, editing=sub.id, **{"report-dashboard": "sales-performance",
                                                "report-name": "EU numbers (daily)",
                                                "report-frequency": "daily"})  # fmt: skip
    assert "Saved EU numbers (daily): daily at 07:30 (Europe/Paris)" in saved
    changed = next(s for s in subscriptions(app, "sales") if s.id == sub.id)
    assert changed.owner == "sales" and changed.schedule.frequency == "daily"
    assert audited(app, "report_edit")[0].actor == "admin"
    assert row_action(admin, app, "report-delete", sub.id).status_code == 200
    assert sub.id not in {s.id for s in subscriptions(app)}
    assert audited(app, "report_delete")[0].detail["owner"] == "sales"


def test_rpt005_embed_links_and_anonymous_scripts_reach_no_reports_callback(app):
    token = embed_token(app, "container-infrastructure")
    anonymous = client_for(app, None)
    before = len(subscriptions(app))
    linked = {("dash-state", "data"): {"slug": "container-infrastructure", "embed": token},
              ("url", "href"): f"/embed/container-infrastructure?token={token}"}  # fmt: skip
    for output in [k for k in registry(app) if "report" in k]:
        values = {**linked, **{(n, "value"): v for n, v in FORM.items()},
                  ("report-save", "n_clicks"): 1}  # fmt: skip
        answer = anonymous.post("/_dash-update-component", json=call(app, output, values))
        assert answer.status_code == 401, output
    assert row_action(anonymous, app, "report-delete", 1).status_code == 401
    assert len(subscriptions(app)) == before
    assert anonymous.get("/reports").status_code == 302


@pytest.mark.browser
def test_rpt006_in_the_browser_a_user_fills_the_form_and_sees_the_subscription(
    dash_duo, prometheus, warehouse_sqlite, tmp_path
):
    app = demo_app(prometheus, warehouse_sqlite, tmp_path)
    start_logged_in(dash_duo, app, "sre")
    dash_duo.driver.get(dash_duo.server_url + "/reports")
    dash_duo.wait_for_text_to_equal("#report-form-title", "New subscription")
    # A weekly schedule asks for a time and a weekday; a cron schedule for its expression.
    assert dash_duo.find_element("#report-weekday-field").is_displayed()
    assert not dash_duo.find_element("#report-cron").is_displayed()
    dash_duo.select_dcc_dropdown("#report-frequency", "cron")
    dash_duo.wait_for_style_to_equal("#report-weekday-field-col", "display", "none")
    assert dash_duo.find_element("#report-cron").is_displayed()
    dash_duo.select_dcc_dropdown("#report-frequency", "weekly")
    dash_duo.find_element("#report-name").send_keys("Containers for the on-call")
    dash_duo.select_dcc_dropdown("#report-dashboard", "Container Infrastructure")
    dash_duo.find_element("#report-recipients").send_keys("oncall@example.com")
    dash_duo.find_element("#report-save").click()
    dash_duo.wait_for_contains_text(
        "#report-result", "Subscribed: Containers for the on-call, weekly on mon at 08:00 (UTC)"
    )
    dash_duo.wait_for_contains_text("#reports-subscriptions", "PDF report of Container")
    assert "The report queue is not configured" in dash_duo.find_element("#reports-queue").text
    assert dash_duo.get_logs() == []

"""The webhooks report subscriptions may post to, as the admins keep them on /admin/webhooks: an
admin adds one with a label and removes it, both audited (without the URL's secret part); the
environment's REPORT_WEBHOOKS are listed beside them and stay; what is wrong is said in words.
And as an attacker: a viewer, an operator, renamed ids, an embed link and an anonymous script
change nothing. Through the real app (Flask test client)."""

from __future__ import annotations

import json

import pytest

from callbacks.access import registry
from services import services
from tests.fixtures.app import (
    MANY_LOGINS,
    add_user,
    client_for,
    demo_app,
    embed_token,
    open_page,
    route_request,
)
from tests.test_authorisation import call, key_of, row_counts
from tests.test_saved_views import props_of

HOOKS = "..admin-webhook-result.children...admin-webhooks.children"
FROM_ENV = "https://chat.example.com/hooks/T0/B0/env-secret"
OPS = "https://hooks.slack.com/services/T1/B1/ops-secret"


@pytest.fixture(scope="module")
def app(prometheus, warehouse_sqlite, tmp_path_factory):
    app = demo_app(prometheus, warehouse_sqlite, tmp_path_factory.mktemp("webhooks"),
                   report_webhooks=(FROM_ENV,), **MANY_LOGINS)  # fmt: skip
    add_user(app, "vic", "viewer", ("sre",))
    return app


def add(client, app, url, label, rename: str = ""):
    values = {("admin-webhook-url", "value"): url, ("admin-webhook-label", "value"): label,
              ("admin-webhook-add", "n_clicks"): 1}  # fmt: skip
    request = call(app, key_of(app, HOOKS), values, rename=rename)
    request["changedPropIds"] = [f"{rename}admin-webhook-add.n_clicks"]
    return client.post("/_dash-update-component", json=request)


def remove(client, app, hook_id):
    """The Remove button of a webhook's row, confirmed."""
    button = {"id": {"hook": hook_id, "type": "admin-webhook-remove"}, "property":
              "submit_n_clicks", "value": 1}  # fmt: skip
    pattern = json.dumps({"hook": ["ALL"], "type": "admin-webhook-remove"}, separators=(",", ":"))
    request = call(app, key_of(app, HOOKS), {(pattern, "submit_n_clicks"): [button]})
    pressed = json.dumps(button["id"], separators=(",", ":"))
    request["changedPropIds"] = [f"{pressed}.submit_n_clicks"]
    return client.post("/_dash-update-component", json=request)


def said(answer) -> str:
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    return answer.get_json()["response"]["admin-webhook-result"]["children"]["props"]["children"]


def hooks(app):
    with app.server.app_context():
        return services().webhooks.all()


def audited(app, action: str):
    with app.server.app_context():
        return services().audit.events(action=action)


def test_rwh001_an_admin_adds_a_webhook_users_pick_by_its_label_then_removes_it(app):
    admin = client_for(app, "admin")
    page = open_page(admin, "/admin/webhooks")
    assert "chat.example.com (REPORT_WEBHOOKS)" in page and "set in the environment" in page
    assert said(add(admin, app, f"  {OPS} ", "#ops-reports")) == (
        "Added #ops-reports: report subscriptions may post to it now."
    )
    [hook] = [h for h in hooks(app) if h.url == OPS]
    assert (hook.label, hook.added_by) == ("#ops-reports", "admin")
    [event] = audited(app, "webhook_add")
    assert event.actor == "admin" and event.target == "#ops-reports"
    assert event.detail == {"id": hook.id, "host": "hooks.slack.com"}  # not the secret path
    # Users pick it by its label; the address is not on their page.
    reports = open_page(client_for(app, "sre"), "/reports")
    labels = [o["label"] for o in props_of(reports, "report-webhook")["options"]]
    assert labels == ["chat.example.com (REPORT_WEBHOOKS)", "#ops-reports"]
    assert "ops-secret" not in reports and "env-secret" not in reports

    answer = said(remove(admin, app, hook.id))
    assert answer == "Removed #ops-reports."
    assert OPS not in {h.url for h in hooks(app)}
    assert audited(app, "webhook_remove")[0].detail == {"id": hook.id, "host": "hooks.slack.com"}
    assert "#ops-reports" not in json.dumps(props_of(open_page(client_for(app, "sre"), "/reports"),
                                                     "report-webhook"))  # fmt: skip


@pytest.mark.parametrize(
    ("url", "label", "told"),
    [
        ("chat.example.com/hook", "#x", "give the webhook's full http(s) URL"),
        ("javascript:alert(1)", "#x", "give the webhook's full http(s) URL"),
        ("https://x.example.com/" + "a" * 600, "#x", "at most 512 characters"),
        (None, "#x", "give the webhook's full http(s) URL"),
        ("https://x.example.com/h", "   ", "give the webhook a label"),
        ("https://x.example.com/h", "x" * 81, "up to 80 characters"),
        ("https://x.example.com/h", "bell\x07", "control characters"),
        (FROM_ENV, "again", "on the list already (from REPORT_WEBHOOKS)"),
    ],
)
def test_rwh002_what_is_wrong_with_a_webhook_is_said_and_nothing_is_stored(app, url, label, told):
    before = hooks(app)
    answer = said(add(client_for(app, "admin"), app, url, label))
    assert answer.startswith("Not done: ") and told in answer, answer
    assert hooks(app) == before


def test_rwh003_a_webhook_is_listed_once_and_the_environments_stay(app):
    admin = client_for(app, "admin")
    said(add(admin, app, "https://x.example.com/once", "once"))
    assert "on the list already" in said(add(admin, app, "https://x.example.com/once", "twice"))
    # The environment's have no row to remove; ids that name nothing remove nothing.
    for hook_id in (None, 0, 99999, True, "1", [1]):
        assert said(remove(admin, app, hook_id)).startswith("Not done: that webhook is not on")
    assert FROM_ENV in {h.url for h in hooks(app)}


def test_rwh004_only_admins_change_the_list_whatever_they_send(app):
    output = key_of(app, HOOKS)
    assert registry(app)[output].level == "admin"
    said(add(client_for(app, "admin"), app, "https://x.example.com/kept", "kept"))
    kept = next(h for h in hooks(app) if h.label == "kept")
    token = embed_token(app, "system-health")
    before = row_counts(app)
    for user in ("vic", "sre", "developer"):
        client = client_for(app, user)
        for rename in ("", "x-", "public-"):
            assert add(client, app, "https://evil.example.com/", "evil", rename).status_code == 403
        assert remove(client, app, kept.id).status_code == 403
        page = client.post("/_dash-update-component", json=route_request("/admin/webhooks"))
        assert page.status_code == 403
    anonymous = client_for(app, None)
    linked = call(app, output, {("url", "href"): f"/embed/system-health?token={token}"})
    assert anonymous.post("/_dash-update-component", json=linked).status_code == 401
    assert add(anonymous, app, "https://evil.example.com/", "evil").status_code == 401
    assert anonymous.get("/admin/webhooks").status_code == 302
    after = row_counts(app)
    assert {k: v for k, v in after.items() if k not in ("audit", "sessions")} == {
        k: v for k, v in before.items() if k not in ("audit", "sessions")
    }
    assert kept in hooks(app)

"""Alert notifications through the real Alertmanager: the demo rules' alerts, fired by the test
Prometheus, routed by the demo's routing tree to a real SMTP server and a webhook receiver;
silences made and expired from the alerts page through its callbacks as the browser posts them
(and once in the browser), who may make them, and what the page says when Alertmanager is not
configured or does not answer."""

from __future__ import annotations

import json
import smtplib
import subprocess
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
import requests
import yaml

from alerting.board import matchers_of
from app import create_app
from callbacks.alerts import (
    ACK,
    ACK_SILENCE,
    COMMENT,
    DURATION,
    EXPIRE,
    MATCHERS,
    SILENCE,
    _snapshot_key,
)
from data.alerts import current_alerts
from demo.inbox import Inbox
from services import services
from settings import Settings
from tests.fixtures._servers import free_port, require, wait_until
from tests.fixtures.alertmanager import ONCALL_EMAIL
from tests.fixtures.app import (
    add_user,
    client_for,
    embed_token,
    nodes,
    settings_for,
    start_logged_in,
)
from tests.test_alerts import alerts_request

BUTTONS = (ACK, ACK_SILENCE, SILENCE, EXPIRE)
FORM = ((COMMENT, "value"), (DURATION, "value"), (MATCHERS, "data"))
# Replication lag of a database another Prometheus watches: Alertmanager holds it, no rule here.
FOREIGN = {"alertname": "ReplicaLagHigh", "severity": "warning", "service": "replication",
           "cluster": "db-eu"}  # fmt: skip


@pytest.fixture(scope="module")
def app(prometheus, warehouse_sqlite, alertmanager, tmp_path_factory):
    app = create_app(
        settings_for(
            prometheus,
            warehouse_sqlite,
            tmp_path_factory.mktemp("alertmanager-app"),
            alertmanager_url=alertmanager.url,
            login_rate_limit="1000 per minute",
            login_ip_rate_limit="1000 per minute",
        )  # fmt: skip
    )
    add_user(app, "olga", "operator", ("sre",))
    add_user(app, "vic", "viewer", ("sre",))
    add_user(app, "eve", "operator", ("sales",), region="EU")
    ends = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    foreign = {"labels": FOREIGN, "endsAt": ends,
               "annotations": {"summary": "db-eu replica is 40 s behind"}}  # fmt: skip
    posted = requests.post(f"{alertmanager.url}/api/v2/alerts", json=[foreign], timeout=10)
    posted.raise_for_status()
    return app


@pytest.fixture
def no_silences(app, alertmanager):
    """Each test starts and ends without silences (the Alertmanager is the session's), and the
    app's shared copy of Alertmanager's state (5 s old at most) is read anew."""
    alertmanager.expire_every_silence()
    with app.server.app_context():
        services().data.cache.forget(_snapshot_key())
    yield
    alertmanager.expire_every_silence()


def listing(client, action=None, typed=None) -> dict:
    """The alerts list as the page receives it (its JSON layout)."""
    answer = client.post("/_dash-update-component", json=alerts_request(action=action, typed=typed))
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    return answer.get_json()["response"]["alerts-list"]["children"]


def text_of(layout) -> str:
    return json.dumps(layout, ensure_ascii=False).replace("\\u002f", "/")


def controls(layout) -> dict[str, list[dict]]:
    """Every operator control the page shows, by type: their props (id, value, data)."""
    found: dict[str, list[dict]] = {}
    for node in nodes(layout):
        ident = node.get("props", {}).get("id") if isinstance(node.get("props"), dict) else None
        if isinstance(ident, dict) and "type" in ident:
            found.setdefault(ident["type"], []).append(node["props"])
    return found


def _key(ident: dict) -> str:
    return json.dumps(ident, separators=(",", ":"), sort_keys=True)


def click(layout, trigger: dict, **typed: str) -> dict:
    """The action callback's request when `trigger` is clicked on the page `layout`, as the
    browser posts it: every button and form field of the page, what was typed (comment,
    duration) in the trigger's alert's form."""
    shown = controls(layout)
    inputs = [
        [{"id": p["id"], "property": "n_clicks", "value": 1 if p["id"] == trigger else None}
         for p in shown.get(kind, [])]
        for kind in BUTTONS
    ]  # fmt: skip
    state = []
    for kind, prop in FORM:
        items = []
        for props in shown.get(kind, []):
            value = props.get(prop)
            if props["id"].get("fp") == trigger.get("fp") and prop == "value":
                value = typed.get("comment" if kind == COMMENT else "duration", value)
            items.append({"id": props["id"], "property": prop, "value": value})
        state.append(items)
    return {
        "output": "alerts-action.data",
        "outputs": {"id": "alerts-action", "property": "data"},
        "inputs": inputs,
        "state": state,
        "changedPropIds": [_key(trigger) + ".n_clicks"],
    }


def act(client, request: dict):
    return client.post("/_dash-update-component", json=request)


def outcome(answer) -> dict:
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    return answer.get_json()["response"]["alerts-action"]["data"]


def silences(alertmanager) -> list[dict]:
    return [s for s in alertmanager.api("silences") if s["status"]["state"] != "expired"]


def alert_in_am(alertmanager, fingerprint_labels: dict) -> dict:
    return next(a for a in alertmanager.firing() if a["labels"] == fingerprint_labels)


def lone_group(alertmanager, receiver: str) -> dict:
    """A notification group of `receiver` holding one alert that Prometheus fires."""
    for group in alertmanager.api("alerts/groups"):
        alerts = group["alerts"]
        ours = len(alerts) == 1 and alerts[0]["labels"].get("alertname") != FOREIGN["alertname"]
        if group["receiver"]["name"] == receiver and ours:
            return group
    raise AssertionError(f"no group of {receiver} with one alert: {alertmanager.firing()}")


def about(group: dict):
    """Whether a notification (mail subject, chat title) is about `group`."""
    words = "] " + " ".join(v for _, v in sorted(group["labels"].items()))
    return lambda title: words in title


def chat_titles(alertmanager, channel: str) -> list[str]:
    return [
        p.body["attachments"][0]["title"]
        for p in alertmanager.inbox.posts()
        if isinstance(p.body, dict) and p.body.get("channel") == channel
    ]


def test_alm001_critical_alerts_reach_the_oncall_email_and_chat_warnings_only_the_chat(
    alertmanager, prometheus
):
    critical = {r["metric"]["alertname"] for r in
                prometheus.query('ALERTS{alertstate="firing",severity="critical"}')}  # fmt: skip
    warning = {r["metric"]["alertname"] for r in
               prometheus.query('ALERTS{alertstate="firing",severity="warning"}')}  # fmt: skip
    assert critical and warning, "the demo rules keep a critical alert and warnings firing"
    inbox = alertmanager.inbox

    def mailed(name: str) -> bool:
        return any(name in m.subject and m.recipients == [ONCALL_EMAIL] for m in inbox.mails())

    def posted(name: str, channel: str) -> bool:
        return any(
            name in json.dumps(p.body) and p.body.get("channel") == channel
            for p in inbox.posts()
            if isinstance(p.body, dict)
        )

    for name in critical:
        wait_until(lambda n=name: mailed(n), f"an email to on-call about {name}", timeout=60)
        wait_until(lambda n=name: posted(n, "#oncall"), f"a chat message about {name}", timeout=60)
    inhibited = {a["labels"]["alertname"] for a in alertmanager.firing()
                 if a["status"]["inhibitedBy"]}  # fmt: skip
    for name in warning - inhibited:
        wait_until(lambda n=name: posted(n, "#alerts"), f"a chat message about {name}", timeout=60)
    # Warnings never page anyone by email.
    assert not any(name in m.subject for m in inbox.mails() for name in warning - critical)
    mail = next(m for m in inbox.mails() if any(name in m.subject for name in critical))
    assert mail.subject.startswith("[FIRING:") and "runbooks.example.internal" in mail.text
    # The chat message is Slack's format: a title linking to the alerts page, one line per alert.
    message = next(p.body for p in inbox.posts() if p.body.get("channel") == "#oncall")
    attachment = message["attachments"][0]
    assert attachment["title_link"] == "http://teamdash.test/alerts"
    assert attachment["color"] == "danger" and "|runbook>" in attachment["text"]
    assert message["username"] == "Teamdash alerts"


def test_alm002_the_page_shows_what_alertmanager_does_with_each_alert(app, alertmanager):
    page = listing(client_for(app, "vic"))
    text = text_of(page)
    assert f"Notifications by Alertmanager ({alertmanager.url})" in text
    assert "Receivers: oncall, team-chat" in text and "Notification groups (" in text
    assert client_for(app, "vic").get("/healthz").get_json()["datasources"]["alertmanager"]["ok"]
    critical = lone_group(alertmanager, "oncall")["alerts"][0]["labels"]["alertname"]
    items = {n["props"]["data-alert"]: n for n in nodes(page) if "data-alert" in n.get("props", {})}
    assert "Notifies oncall" in text_of(items[critical])
    # A critical TLS alert inhibits the warning about the same certificate.
    inhibited = [a for a in alertmanager.firing() if a["status"]["inhibitedBy"]]
    assert inhibited, "the demo's TLS certificate under 7 days inhibits its 14-day warning"
    assert f"Inhibited by {critical}: no notification while it fires" in text
    # An alert Alertmanager holds that no rule here made is listed for unscoped viewers.
    assert "db-eu replica is 40 s behind" in text
    # A viewer has no buttons; the runbook links are still there.
    assert not controls(page) and "https://runbooks.example.internal/" in text
    operator = controls(listing(client_for(app, "olga")))
    assert {SILENCE, ACK, ACK_SILENCE, COMMENT, DURATION, MATCHERS} <= set(operator)


def test_alm003_an_operator_silences_an_alert_everyone_sees_it_and_its_notifications_stop(
    app, alertmanager, no_silences
):
    group = lone_group(alertmanager, "oncall")
    target = group["alerts"][0]["labels"]
    is_target = about(group)
    inbox = alertmanager.inbox

    def target_notices() -> int:
        mails = sum(1 for m in inbox.mails() if is_target(m.subject))
        return mails + sum(1 for t in chat_titles(alertmanager, "#oncall") if is_target(t))

    wait_until(lambda: target_notices() > 0, "a notification of the alert", timeout=60)
    olga = client_for(app, "olga")
    page = listing(olga)
    item = next(
        n for n in nodes(page) if n.get("props", {}).get("data-alert") == target["alertname"]
    )
    fp = item["props"]["data-fingerprint"]
    shows = next(n["props"]["children"] for n in nodes(item)
                 if "alert-matchers" in n.get("props", {}).get("className", ""))  # fmt: skip
    assert shows == "A silence matches " + ", ".join(
        f'{k}="{v}"' for k, v in sorted(target.items())
    )
    done = outcome(act(olga, click(page, {"type": SILENCE, "fp": fp},
                                   comment="renewing the certificate", duration="1h")))  # fmt: skip
    assert done["tone"] == "success" and "silenced until" in done["words"]
    made = silences(alertmanager)
    assert len(made) == 1 and made[0]["createdBy"] == "olga"
    assert made[0]["comment"] == "renewing the certificate"
    assert {(m["name"], m["value"]) for m in made[0]["matchers"]} == set(target.items())
    assert all(m["isEqual"] and not m["isRegex"] for m in made[0]["matchers"])
    assert alert_in_am(alertmanager, target)["status"]["silencedBy"] == [made[0]["id"]]
    # Everyone sees it: the alert says so, the silences list names it; only operators expire.
    for name in ("vic", "olga"):
        text = text_of(listing(client_for(app, name)))
        assert "Silenced until" in text and "by olga: " in text and "Silences (1)" in text
        assert ("Expire now" in text) == (name == "olga")
    with app.server.app_context():
        event = services().audit.events(action="alert_silence")[0]
    assert event.actor == "olga" and event.target == target["alertname"]
    assert event.detail["silence"] == made[0]["id"] and event.detail["comment"]
    # Its notifications stop while the others' go on: a warning group of the chat is notified
    # three times (its repeat interval is twice the critical one's) and this alert not once.
    witness = about(lone_group(alertmanager, "team-chat"))

    def witnessed() -> int:
        return sum(1 for t in chat_titles(alertmanager, "#alerts") if witness(t))

    start = witnessed()
    wait_until(lambda: witnessed() > start, "the next warning notification", timeout=60)
    quiet = target_notices()
    wait_until(lambda: witnessed() > start + 2, "two more warning notifications", timeout=90)
    assert target_notices() == quiet
    # Expired early from the page: notifications come again.
    page = listing(olga)
    expire = next(p["id"] for p in controls(page)[EXPIRE])
    ended = outcome(act(olga, click(page, expire)))
    assert ended["tone"] == "success" and "notify again" in ended["words"]
    assert not silences(alertmanager)
    assert alert_in_am(alertmanager, target)["status"]["state"] == "active"
    wait_until(lambda: target_notices() > quiet, "a notification after the silence", timeout=60)
    with app.server.app_context():
        expired = services().audit.events(action="alert_silence_expire")[0]
    assert expired.actor == "olga" and expired.detail["silence"] == made[0]["id"]
    assert "Silences (" not in text_of(listing(client_for(app, "vic")))


def test_alm004_the_badge_counts_silenced_alerts_and_says_so(app, alertmanager, no_silences):
    request = {
        "output": "..alert-badge.children...alert-badge.className...alert-badge.title..",
        "outputs": [{"id": "alert-badge", "property": p} for p in ("children", "className",
                                                                   "title")],
        "inputs": [{"id": "alert-badge-tick", "property": "n_intervals", "value": None}],
        "changedPropIds": [],
        "state": [],
    }  # fmt: skip
    vic = client_for(app, "vic")
    before = vic.post("/_dash-update-component", json=request).get_json()["response"]
    assert "silenced" not in before["alert-badge"]["title"]
    olga = client_for(app, "olga")
    page = listing(olga)
    for props in controls(page)[SILENCE]:
        answer = outcome(act(olga, click(page, props["id"], comment="maintenance", duration="2h")))
        assert answer["tone"] == "success", answer
        page = listing(olga)
    badge = vic.post("/_dash-update-component", json=request).get_json()["response"]
    count = int(badge["alert-badge"]["children"][0])
    assert count == int(before["alert-badge"]["children"][0])
    assert f", {count} silenced" in badge["alert-badge"]["title"]
    assert "bg-danger" not in badge["alert-badge"]["className"]  # nothing critical is loud


def test_alm005_acknowledge_and_silence_does_both(app, alertmanager, no_silences):
    olga = client_for(app, "olga")
    page = listing(olga)
    fp = controls(page)[ACK_SILENCE][0]["id"]["fp"]
    done = outcome(act(olga, click(page, {"type": ACK_SILENCE, "fp": fp},
                                   comment="on it, rebooting", duration="30m")))  # fmt: skip
    assert "acknowledged and silenced until" in done["words"]
    text = text_of(listing(client_for(app, "vic")))
    assert "✓ acknowledged" in text and "on it, rebooting" in text and "Silences (1)" in text
    assert silences(alertmanager)[0]["comment"] == "on it, rebooting"


@pytest.mark.parametrize(
    ("comment", "duration", "says"),
    [
        ("", "1h", "Say in a few words what is being done."),
        ("disk cleanup", "-1h", "A silence cannot last a negative time (-1h)"),
        ("disk cleanup", "forever", "'forever' is not a duration"),
        ("disk cleanup", "30s", "A silence lasts a minute at least"),
        ("disk cleanup", "90d", "A silence lasts 30 days at most"),
        ("disk cleanup", "", "Say how long to silence it"),
    ],
)
def test_alm006_bad_input_says_what_is_wrong_and_keeps_what_was_typed(
    app, alertmanager, no_silences, comment, duration, says
):
    olga = client_for(app, "olga")
    page = listing(olga)
    fp = controls(page)[SILENCE][0]["id"]["fp"]
    answer = outcome(act(olga, click(page, {"type": SILENCE, "fp": fp},
                                     comment=comment, duration=duration)))  # fmt: skip
    assert answer["tone"] == "danger" and says in answer["words"]
    assert not silences(alertmanager)
    # The list drawn again shows the message under the alert, the form as it was typed.
    again = listing(olga, action=answer, typed={fp: comment})
    form = {p["id"]["type"]: p for p in controls(again)[COMMENT] + controls(again)[DURATION]
            if p["id"]["fp"] == fp}  # fmt: skip
    assert says in text_of(again)
    assert (form[COMMENT].get("value") or "") == comment


def test_alm007_alertmanager_down_the_page_says_so_and_nothing_is_lost(
    prometheus, warehouse_sqlite, tmp_path
):
    down = f"http://127.0.0.1:{free_port()}"
    app = create_app(settings_for(prometheus, warehouse_sqlite, tmp_path, alertmanager_url=down))
    add_user(app, "olga", "operator", ("sre",))
    olga = client_for(app, "olga")
    page = listing(olga)
    text = text_of(page)
    assert f"Alertmanager unreachable at {down}: connection refused" in text
    assert "Showing the alerts from Prometheus alone" in text
    assert '"data-alert"' in text and SILENCE not in controls(page)  # alerts, no silencing
    health = olga.get("/healthz")
    assert health.status_code == 503 and not health.get_json()["datasources"]["alertmanager"]["ok"]
    fp = controls(page)[ACK][0]["id"]["fp"]
    request = click(page, {"type": ACK, "fp": fp}, comment="looking")
    request["inputs"][2] = [{"id": {"type": SILENCE, "fp": fp}, "property": "n_clicks",
                             "value": 1}]  # fmt: skip
    request["state"][1] = [{"id": {"type": DURATION, "fp": fp}, "property": "value", "value": "1h"}]
    request["changedPropIds"] = [_key({"type": SILENCE, "fp": fp}) + ".n_clicks"]
    with app.server.app_context():
        alert = next(a for a in current_alerts(services().data) if a.fingerprint == fp)
    request["state"][2] = [{"id": {"type": MATCHERS, "fp": fp}, "property": "data",
                            "value": [{"name": m.name, "value": m.value}
                                      for m in matchers_of(alert)]}]  # fmt: skip
    answer = outcome(act(olga, request))
    assert answer["words"].startswith(f"Alertmanager unreachable at {down}: connection refused")
    assert answer["words"].endswith("Nothing was done; try again when it answers")
    again = listing(olga, action=answer, typed={fp: "looking"})
    comment = next(p for p in controls(again)[COMMENT] if p["id"]["fp"] == fp)
    assert comment["value"] == "looking"


def test_alm008_without_alertmanager_the_page_works_from_prometheus_and_says_so(
    prometheus, warehouse_sqlite, tmp_path
):
    app = create_app(settings_for(prometheus, warehouse_sqlite, tmp_path))
    add_user(app, "olga", "operator", ("sre",))
    page = listing(client_for(app, "olga"))
    text = text_of(page)
    assert "Alertmanager is not configured (ALERTMANAGER_URL is unset)" in text
    assert "alerts cannot be silenced" in text and '"data-alert"' in text
    shown = controls(page)
    assert ACK in shown and SILENCE not in shown and EXPIRE not in shown


def test_alm009_only_operators_silence_and_only_as_the_page_would(app, alertmanager, no_silences):
    olga = client_for(app, "olga")
    page = listing(olga)
    fp = controls(page)[SILENCE][0]["id"]["fp"]
    good = click(page, {"type": SILENCE, "fp": fp}, comment="mine", duration="1h")
    # A viewer, whatever the ids; anonymous scripts and embed links are not even logged in.
    vic = client_for(app, "vic")
    assert act(vic, good).status_code == 403
    renamed = json.loads(json.dumps(good).replace('"op-silence"', '"op-silence-x"'))
    assert act(vic, renamed).status_code == 403
    assert act(client_for(app, None), good).status_code == 401
    token = embed_token(app, "system-health")
    embedded = {**good, "state": [*good["state"], {"id": "dash-state", "property": "data",
                                                     "value": {"slug": "system-health",
                                                               "embed": token}}]}  # fmt: skip
    assert act(client_for(app, None), embedded).status_code == 401
    # An operator with matchers wider than the alert's (fewer labels, a regex, other values).
    for forge in (
        lambda ms: ms[:1],
        lambda ms: [{**ms[0], "value": ".*", "isRegex": True}, *ms[1:]],
        lambda ms: [{**m, "value": "x"} if m["name"] != "alertname" else m for m in ms],
        lambda ms: "alertname=~.*",
    ):
        forged = json.loads(json.dumps(good))
        for item in forged["state"][2]:
            if item["id"]["fp"] == fp:
                item["value"] = forge(item["value"])
        refused = act(olga, forged)
        assert (
            refused.status_code == 403 and "matchers not its labels" in refused.get_json()["error"]
        )
    # A button the page does not show; a silence that is not on the page.
    ghost = json.loads(json.dumps(good))
    ghost["changedPropIds"] = [_key({"type": SILENCE, "fp": "0" * 32}) + ".n_clicks"]
    assert act(olga, ghost).status_code == 403
    for silence_id in ("7b7f3f63-0000-4000-8000-000000000000", "../../-/quit"):
        trigger = {"type": EXPIRE, "silence": silence_id}
        forged = json.loads(json.dumps(good))
        forged["inputs"][3] = [{"id": trigger, "property": "n_clicks", "value": 1}]
        forged["changedPropIds"] = [_key(trigger) + ".n_clicks"]
        assert act(olga, forged).status_code == 403
    # A scoped operator cannot silence what their scope does not see (Alertmanager's own alert).
    eve = client_for(app, "eve")
    eve_page = listing(eve)
    assert "db-eu replica" not in text_of(eve_page)
    admin_page = listing(olga)
    foreign = next(n["props"]["data-fingerprint"] for n in nodes(admin_page)
                   if n.get("props", {}).get("data-alert") == FOREIGN["alertname"])  # fmt: skip
    stolen = click(admin_page, {"type": SILENCE, "fp": foreign}, comment="x", duration="1h")
    refused = act(eve, stolen)
    assert refused.status_code == 403 and "your scope does not see" in refused.get_json()["error"]
    assert not silences(alertmanager)
    with app.server.app_context():
        denied = services().audit.events(action="forbidden", outcome="denied", limit=20)
    assert {e.actor for e in denied} >= {"vic", "olga", "eve"}
    # The page's own request still works.
    assert outcome(act(olga, good))["tone"] == "success"


@pytest.mark.browser
def test_alm010_an_operator_silences_and_expires_in_the_browser(dash_duo, app, alertmanager,
                                                              no_silences):  # fmt: skip
    start_logged_in(dash_duo, app, "olga")
    dash_duo.driver.get(dash_duo.server.url + "/alerts")
    group = lone_group(alertmanager, "oncall")
    name = group["alerts"][0]["labels"]["alertname"]
    item = f'.alert-item[data-alert="{name}"]'
    dash_duo.wait_for_element(f"{item} .alert-comment", timeout=20).send_keys("swapping the cert")
    duration = dash_duo.find_element(f"{item} .alert-duration")
    duration.clear()
    duration.send_keys("45m")
    silence = next(b for b in dash_duo.find_elements(f"{item} button") if b.text == "Silence")
    silence.click()
    dash_duo.wait_for_contains_text(f"{item} .alert-outcome", "silenced until", timeout=20)
    dash_duo.wait_for_contains_text(f"{item} .alert-notice", "Silenced until", timeout=20)
    dash_duo.wait_for_contains_text(".alert-silences", "swapping the cert", timeout=20)
    made = silences(alertmanager)
    assert len(made) == 1 and made[0]["comment"] == "swapping the cert"
    ends = datetime.fromisoformat(made[0]["endsAt"].replace("Z", "+00:00"))
    starts = datetime.fromisoformat(made[0]["startsAt"].replace("Z", "+00:00"))
    assert abs((ends - starts).total_seconds() - 45 * 60) < 60
    expire = next(b for b in dash_duo.find_elements(".alert-silences button")
                  if b.text == "Expire now")  # fmt: skip
    expire.click()
    dash_duo.wait_for_contains_text(".alert-outcome", "notify again", timeout=20)
    assert not silences(alertmanager)
    assert dash_duo.get_logs() == []


def test_alm011_the_routing_tree_for_a_deployment_passes_alertmanagers_own_checks(
    prometheus, warehouse_sqlite, tmp_path
):
    """`flask alerts routing` prints alertmanager.yml from the settings; amtool (Alertmanager's
    own tool) accepts it and routes criticals to on-call, warnings to the chat."""
    amtool = require("amtool", "prometheus-alertmanager")
    deployed = dict(smtp_host="smtp.example.com", smtp_port=587, smtp_starttls=True,
                    smtp_user="alerts", smtp_password="s3cret", smtp_from="teamdash@example.com",
                    alert_email_to="oncall@example.com",
                    alert_webhook_url="https://hooks.slack.com/services/T0/B0/x",
                    public_url="https://teamdash.example.com")  # fmt: skip

    def routing(**changes):
        settings = settings_for(prometheus, warehouse_sqlite, tmp_path, **changes)
        return create_app(settings).server.test_cli_runner().invoke(args=["alerts", "routing"])

    printed = routing(**deployed)
    assert printed.exit_code == 0, printed.output
    path = tmp_path / "alertmanager.yml"
    path.write_text(printed.output)
    check = subprocess.run([amtool, "check-config", str(path)], capture_output=True, text=True)
    assert check.returncode == 0 and "SUCCESS" in check.stdout, check.stdout + check.stderr

    def receiver(*labels: str) -> str:
        args = [amtool, "config", "routes", "test", f"--config.file={path}", *labels]
        return subprocess.run(args, capture_output=True, text=True, check=True).stdout.strip()

    assert receiver("severity=critical", "alertname=JobDown") == "oncall"
    assert receiver("severity=warning", "service=auth") == "team-chat"
    config = yaml.safe_load(printed.output)
    assert config["global"]["smtp_require_tls"] is True
    assert config["receivers"][0]["email_configs"][0]["to"] == "oncall@example.com"
    # What is missing is said, not written into a tree Alertmanager would refuse.
    no_smtp = routing(**{**deployed, "smtp_host": None})
    assert no_smtp.exit_code == 1 and "set the mail server" in no_smtp.output
    nobody = routing()
    assert nobody.exit_code == 1 and "Nobody would be notified" in nobody.output


def test_alm012_alertmanager_url_is_checked_at_start_up():
    assert Settings.from_env({}).alertmanager_url is None
    given = Settings.from_env({"ALERTMANAGER_URL": "http://am.example:9093/"})
    assert given.alertmanager_url == "http://am.example:9093"
    with pytest.raises(SystemExit, match="is not a URL; give one like http://127.0.0.1:9093"):
        Settings.from_env({"ALERTMANAGER_URL": "am.example:9093"})


def test_alm013_the_demo_inbox_keeps_its_messages_across_a_restart(tmp_path):
    """`make run`'s inbox: what Alertmanager sent is still listed after the stack restarts."""
    first = Inbox(free_port(), free_port(), tmp_path)
    first.start()
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "am@demo", "oncall@demo", "[FIRING:1] X"
    message.set_content("disk full")
    with smtplib.SMTP("127.0.0.1", first.smtp_port, timeout=10) as smtp:
        smtp.send_message(message)
    requests.post(first.webhook_url, json={"channel": "#alerts", "text": "hi"}, timeout=10)
    first.stop()
    again = Inbox(free_port(), free_port(), tmp_path)
    again.start()
    try:
        listed = requests.get(f"http://127.0.0.1:{again.http_port}/", timeout=10).json()
    finally:
        again.stop()
    assert listed["mail"][0]["subject"] == "[FIRING:1] X"
    assert listed["mail"][0]["recipients"] == ["oncall@demo"]
    assert "disk full" in listed["mail"][0]["text"]
    assert listed["webhook"][0]["body"] == {"channel": "#alerts", "text": "hi"}

"""Who may do what, tried as an attacker would after the doors held: renamed ids in callback
payloads, an embed link against every callback, anonymous scripts, oversized and deep bodies,
times out of range, a password guesser, links that should expire or be revoked, a forged Host
header. Real app, real Prometheus and warehouse behind it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from dash._utils import split_callback_id
from sqlalchemy import func, select

from app import create_app
from appdb.schema import metadata
from callbacks.access import registry
from callbacks.panels import update_request
from routes.guard import ROUTER_OUTPUT
from services import services
from tests.fixtures.app import (
    MANY_LOGINS,
    add_user,
    client_for,
    demo_app,
    embed_token,
    login,
    open_page,
    route_request,
    settings_for,
)

ROOT = Path(__file__).resolve().parent.parent
STATE = {"from": "now-6h", "to": "now", "refresh": "off", "vars": {}}


@pytest.fixture(scope="module")
def app(prometheus, warehouse_sqlite, tmp_path_factory):
    app = demo_app(prometheus, warehouse_sqlite, tmp_path_factory.mktemp("authz"), **MANY_LOGINS)
    add_user(app, "vic", "viewer", ("sre",))
    return app


def _id(raw: str):
    return json.loads(raw) if raw.startswith("{") else raw


def call(app, output: str, values: dict | None = None, rename: str = "") -> dict:
    """The request for the callback registered under `output`, as a page sends it: every input
    and state it declares, in order, with `values` by (id, property) (None otherwise; a pattern
    dependency gets the list given, or none). `rename` is put in front of every string id, as an
    attacker renaming ids would."""
    values = values or {}
    spec = app.callback_map[output]

    def item(dependency: dict):
        ident, prop = _id(dependency["id"]), dependency["property"]
        if isinstance(ident, dict):
            return values.get((dependency["id"], prop), [])
        return {"id": rename + ident, "property": prop, "value": values.get((ident, prop))}

    outputs = split_callback_id(output)
    outputs = outputs if isinstance(outputs, list) else [outputs]
    return {
        "output": output,
        "outputs": [{"id": _id(o["id"]), "property": o["property"].split("@")[0]} for o in outputs],
        "inputs": [item(d) for d in spec["inputs"]],
        "state": [item(d) for d in spec["state"]],
        "changedPropIds": [],
    }


def key_of(app, prefix: str) -> str:
    """The callback key that starts with `prefix` (keys of duplicate outputs carry a hash)."""
    return next(k for k in sorted(app.callback_map) if k.startswith(prefix))


def row_counts(app) -> dict[str, int]:
    with app.server.app_context(), services().database.connect() as db:
        return {t.name: db.execute(select(func.count()).select_from(t)).scalar() for t in
                metadata.sorted_tables}  # fmt: skip


def store(slug: str) -> dict:
    return {"slug": slug, **STATE}


SAVE_NOTE = "..op-annotate-result.children...dash-notes.data...op-annotate-editing.data.."


def note_values(slug_store: dict, text: str = "deployed") -> dict:
    return {("dash-state", "data"): slug_store, ("op-annotate-text", "value"): text,
            ("op-annotate-time", "value"): "now", ("op-annotate-save", "n_clicks"): 1}  # fmt: skip


def test_aut020_a_renamed_state_id_cannot_point_an_annotation_at_another_dashboard(app):
    """The operator `sre` may annotate System Health, not Sales Performance: the store Dash
    hands the callback names Sales Performance, under another id, with a decoy store at the
    end of the payload naming System Health."""
    before = row_counts(app)
    attack = call(app, SAVE_NOTE, note_values(store("sales-performance"), "mine now"))
    attack["state"][0]["id"] = "not-dash-state"
    attack["state"].append(
        {"id": "dash-state", "property": "data", "value": store("system-health")}
    )
    operator = client_for(app, "sre")
    refused = operator.post("/_dash-update-component", json=attack)
    assert refused.status_code == 403
    assert "sales-performance" in refused.get_json()["error"]
    assert row_counts(app)["annotations"] == before["annotations"]
    # The same request for the operator's own dashboard is fine.
    own = call(app, SAVE_NOTE, note_values(store("system-health")))
    assert "Added at" in operator.post("/_dash-update-component", json=own).get_data(as_text=True)


# Every callback that needs more than the viewer level: the ones that write, and the ones that
# show what only operators or admins may see (a user's attributes, the annotations to edit).
WRITERS = [
    (SAVE_NOTE, "operator"),
    ("op-annotate-collapse.is_open", "operator"),
    ("op-notes-list.children", "operator"),
    ("..admin-user-name.value", "admin"),
    ("..op-annotate-text.value", "operator"),
    ("..op-annotate-result.children@", "operator"),
    ("alerts-action.data", "operator"),
    ("..admin-user-result.children...admin-users.children..", "admin"),
    ("..admin-embed-result.children...admin-embed-links.children..", "admin"),
    ("..admin-embed-result.children@", "admin"),
    ("..admin-webhook-result.children...admin-webhooks.children", "admin"),
    ("admin-audit.children", "admin"),
]


@pytest.mark.parametrize(("prefix", "level"), WRITERS)
def test_aut021_every_callback_that_writes_checks_the_level_whatever_the_ids(app, prefix, level):
    output = key_of(app, prefix)
    assert registry(app)[output].level == level
    before = row_counts(app)
    values = {
        ("admin-user-name", "value"): "mallory",
        ("admin-user-password", "value"): "x" * 12,
        ("admin-user-level", "value"): "admin",
        ("admin-embed-slug", "value"): "system-health",
        ("admin-embed-ttl", "value"): "1h",
        **note_values(store("system-health")),
    }
    for rename in ("", "x-", "public-"):
        request = call(app, output, values, rename=rename)
        answer = client_for(app, "vic").post("/_dash-update-component", json=request)
        assert answer.status_code == 403, (prefix, rename, answer.get_data(as_text=True)[:200])
        assert f"it needs the {level} level" in answer.get_json()["error"]
    assert {k: v for k, v in row_counts(app).items() if k not in ("audit", "sessions")} == {
        k: v for k, v in before.items() if k not in ("audit", "sessions")
    }
    # Asking for a callback that does not exist is a 400, not another callback.
    unknown = call(app, output)
    unknown["output"] = "public-" + output
    assert client_for(app, "vic").post("/_dash-update-component", json=unknown).status_code == 400


def test_aut022_an_embed_link_opens_its_panels_and_nothing_else(app):
    token = embed_token(app, "system-health")
    anonymous = client_for(app, None)
    allowed = {k for k, a in registry(app).items() if a.embed}
    linked = {("dash-state", "data"): {**store("system-health"), "embed": token},
              ("url", "href"): f"http://localhost/embed/system-health?token={token}"}  # fmt: skip
    for output in registry(app):
        answer = anonymous.post("/_dash-update-component", json=call(app, output, linked))
        if output in allowed:
            assert answer.status_code != 401, output
        else:
            assert answer.status_code == 401, (output, answer.status_code)
    panels = update_request("system-health", ["request-rate"], {**STATE, "embed": token})
    assert anonymous.post("/_dash-update-component", json=panels).status_code == 200
    other = update_request("sales-performance", ["funnel"], {**STATE, "embed": token})
    assert anonymous.post("/_dash-update-component", json=other).status_code == 403
    # The pages router: the embed page only; not a detail page with the token in another input.
    assert (
        anonymous.post(
            "/_dash-update-component",
            json=route_request(f"/embed/system-health?token={token}"),
        ).status_code
        == 200
    )
    for path in ("/d/system-health", "/d/sales-performance/detail/countries?category=USA",
                 "/alerts", "/admin/users", "/"):  # fmt: skip
        hidden = route_request(path)
        hidden["inputs"][1] = {"id": "url", "property": "href",
                               "value": f"/embed/system-health?token={token}"}  # fmt: skip
        assert anonymous.post("/_dash-update-component", json=hidden).status_code == 401, path
        search = route_request(path.split("?")[0] + f"?token={token}")
        assert anonymous.post("/_dash-update-component", json=search).status_code == 401, path
    router = anonymous.post(
        "/_dash-update-component",
        json=route_request(f"/embed/sales-performance?token={token}"),
    )
    assert router.status_code == 403 and ROUTER_OUTPUT in app.callback_map


def test_aut022b_under_a_prefix_the_router_checks_the_page_dash_will_show(
    prometheus, warehouse_sqlite, tmp_path
):
    """Dash would strip `/td` from `/tdadmin/users` too, and show the admin page: the guard reads
    a page's path as urls.py does (slashes around it stripped as Dash strips them), and refuses
    one outside the prefix."""
    prefixed = create_app(settings_for(prometheus, warehouse_sqlite, tmp_path, url_prefix="/td/"))
    add_user(prefixed, "sally", "viewer", ("sales",))
    client = client_for(prefixed, None)
    login(client, "sally", prefix="/td/")
    for path, status in (
        ("/td/admin/users", 403),
        ("/td//admin/users/", 403),
        ("/td/d/system-health", 403),
        ("/td//d/system-health/", 403),
        ("/tdadmin/users", 400),
        ("/tdd/system-health", 400),
    ):
        request = route_request(path)
        answer = client.post("/td/_dash-update-component", json=request)
        assert answer.status_code == status, (path, answer.status_code)
    outside = client.post("/td/_dash-update-component", json=route_request("/elsewhere"))
    assert outside.status_code == 400


def test_aut023_anonymous_requests_change_nothing_but_the_audit_log(app):
    before = row_counts(app)
    metrics = app.server.test_client().get("/metrics").get_data(as_text=True)
    anonymous = client_for(app, None)
    made_up = "x" + "9" * 30 + ".children"
    for output in (made_up, *registry(app)):
        body = call(app, output) if output in app.callback_map else {"output": output}
        assert anonymous.post("/_dash-update-component", json=body).status_code in (400, 401)
    for path in ("/d/system-health", "/export/system-health.pdf", "/admin/audit", "/alerts"):
        assert anonymous.get(path).status_code in (302, 401)
    login(anonymous, "sre", "wrong password!")
    after = row_counts(app)
    assert {k: v for k, v in after.items() if k != "audit"} == {
        k: v for k, v in before.items() if k != "audit"
    }
    with app.server.app_context():
        new = services().audit.events(limit=after["audit"] - before["audit"])
    assert {e.action for e in new} == {"login"}
    now = app.server.test_client().get("/metrics").get_data(as_text=True)
    assert "9" * 30 not in now
    labels = set(re.findall(r'callback="([^"]*)"', now))
    assert labels == set(re.findall(r'callback="([^"]*)"', metrics))


def test_aut024_a_panel_request_naming_too_many_or_repeated_panels_is_refused_at_once(app):
    client = client_for(app, "sre")
    flood = update_request("system-health", [f"p{n}" for n in range(20_000)], STATE)
    assert client.post("/_dash-update-component", json=flood).status_code == 413
    unknown = update_request("system-health", [f"p{n}" for n in range(2_000)], STATE)
    answer = client.post("/_dash-update-component", json=unknown)
    assert answer.status_code == 400 and "has no panel 'p0'" in answer.get_json()["error"]
    twice = update_request("system-health", ["request-rate", "request-rate"], STATE)
    answer = client.post("/_dash-update-component", json=twice)
    assert answer.status_code == 400 and "asked for twice" in answer.get_json()["error"]
    mismatched = update_request("system-health", ["request-rate"], STATE)
    mismatched["outputs"] = mismatched["outputs"] * 2
    assert client.post("/_dash-update-component", json=mismatched).status_code == 400
    stranger = update_request("system-health", ["request-rate"], STATE)
    stranger["state"][1][0]["id"]["slug"] = "sales-performance"
    stranger["outputs"][0]["id"]["slug"] = "sales-performance"
    assert client.post("/_dash-update-component", json=stranger).status_code == 400


def test_aut024b_a_panel_request_cannot_give_the_callback_other_ids_than_it_names(app):
    """Dash hands the callback each id item's value: it must be the id the guard checked."""
    client = client_for(app, "sre")
    swapped = update_request("system-health", ["request-rate", "memory"], STATE)
    for item in swapped["state"][1]:
        item["value"] = {**item["value"], "panel": "request-rate"}
    answer = client.post("/_dash-update-component", json=swapped)
    assert answer.status_code == 400 and "do not match" in answer.get_json()["error"]


def test_aut025_oversized_and_deep_bodies_and_far_times_are_a_400_not_a_500(app):
    anonymous = client_for(app, None)
    huge = b'{"output": "' + b"x" * (2 << 20) + b'"}'
    too_big = anonymous.post(
        "/_dash-update-component", data=huge, headers={"Content-Type": "application/json"}
    )
    assert (
        too_big.status_code == 413 and "larger than 1,048,576 bytes" in too_big.get_json()["error"]
    )
    client = client_for(app, "sre")
    for depth, says in ((100_000, "not valid JSON"), (40, "nests deeper than 32")):
        deep = ("[" * depth + "]" * depth).encode()
        body = b'{"output": "x", "inputs": ' + deep + b"}"
        answer = client.post(
            "/_dash-update-component", data=body, headers={"Content-Type": "application/json"}
        )
        assert answer.status_code == 400 and says in answer.get_json()["error"]
    far = {"from": "now-1h", "to": "99999999999999999999"}
    export = client.get("/export/system-health/request-rate.csv", query_string=far)
    assert export.status_code == 400 and "is out of range" in export.get_json()["error"]
    panels = client.post(
        "/_dash-update-component",
        json=update_request("system-health", ["request-rate"], {**STATE, **far}),
    )
    assert panels.status_code == 200 and "is out of range" in panels.get_data(as_text=True)
    page = open_page(client, "/d/system-health?to=99999999999999999999")
    assert "is out of range" in page and "default range instead" in page
    malformed = update_request("system-health", ["request-rate"], {**STATE, "refresh": ["x"]})
    answer = client.post("/_dash-update-component", json=malformed)
    assert answer.status_code == 200 and "reload the page" in answer.get_data(as_text=True)


def test_aut026_a_password_guesser_is_stopped_without_locking_out_the_owner(
    prometheus, warehouse_sqlite, tmp_path
):
    """Two apps on one state database stand for two workers: what one counts, both see."""
    settings = settings_for(prometheus, warehouse_sqlite, tmp_path, login_rate_limit="5 per minute",
                            login_ip_rate_limit="8 per minute")  # fmt: skip
    first, second = create_app(settings), create_app(settings)
    add_user(first, "sre", "operator", ("sre",))
    attacker = {"REMOTE_ADDR": "203.0.113.9"}
    workers = [first.server.test_client(), second.server.test_client()]
    codes = [login(workers[n % 2], "sre", f"guess-{n}-xx", environ_base=attacker).status_code
             for n in range(7)]  # fmt: skip
    assert codes == [401] * 5 + [429] * 2
    owner = login(second.server.test_client(), "sre", environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert owner.status_code == 302
    # The attacker's address is stopped for other names too, past its own limit.
    names = [login(workers[0], f"user{n}", "guess-xxxxxxx", environ_base=attacker).status_code
             for n in range(4)]  # fmt: skip
    assert names == [401, 401, 401, 429]
    with first.server.app_context():
        limited = services().audit.events(action="login", outcome="limited")
        checking = services().audit.events(action="login", outcome="checking")
    assert limited and all(e.ip == "203.0.113.9" for e in limited) and not checking
    # An IPv6 address counts by its /64: new addresses in it are the same guesser.
    guesser = [
        login(workers[n % 2], "sre", f"guess-{n}-xx",
              environ_base={"REMOTE_ADDR": f"2001:db8:1:2::{n + 1:x}"}).status_code
        for n in range(7)
    ]  # fmt: skip
    assert guesser == [401] * 5 + [429] * 2


def test_aut027_embed_links_have_a_lifetime_a_list_and_a_kill_switch(
    prometheus, warehouse_sqlite, tmp_path
):
    settings = settings_for(prometheus, warehouse_sqlite, tmp_path)
    first, second = create_app(settings), create_app(settings)
    cli = first.server.test_cli_runner()
    forever = cli.invoke(args=["embed", "create", "system-health", "--ttl", "100y"])
    assert forever.exit_code == 1 and "EMBED_MAX_TTL=30d" in forever.output
    made = cli.invoke(args=["embed", "create", "system-health", "--ttl", "30d", "--by", "ana"])
    assert made.exit_code == 0, made.output
    token = made.stdout.strip()
    anonymous = second.server.test_client()
    assert anonymous.get(f"/embed/system-health?token={token}").status_code == 200
    listed = cli.invoke(args=["embed", "list"]).output
    link_id = listed.split()[0]
    assert "system-health  active" in listed and "by ana" in listed and "used 20" in listed
    assert cli.invoke(args=["embed", "revoke", link_id]).exit_code == 0
    # Revoked in one worker, refused at once by the other.
    page = anonymous.get(f"/embed/system-health?token={token}")
    assert page.status_code == 401 and "revoked" in page.get_data(as_text=True)
    panels = update_request("system-health", ["request-rate"], {**STATE, "embed": token})
    assert anonymous.post("/_dash-update-component", json=panels).status_code == 401
    assert anonymous.get(f"/export/system-health.pdf?token={token}").status_code == 401
    assert "revoked" in cli.invoke(args=["embed", "list"]).output
    again = cli.invoke(args=["embed", "revoke", link_id])
    assert again.exit_code == 1 and "revoked already" in again.output
    with first.server.app_context():
        assert [e.detail["id"] for e in services().audit.events(action="embed_revoke")] == [link_id]


def test_aut028_admins_revoke_links_on_the_admin_page(app):
    token = embed_token(app, "system-health")
    with app.server.app_context():
        link_id = services().embed_links.id_of(token)
    admin = client_for(app, "admin")
    page = open_page(admin, "/admin/embed")
    assert link_id in page and '"type":"admin-embed-revoke"' in page.replace(" ", "")
    output = key_of(app, "..admin-embed-result.children@")
    button = {"id": {"type": "admin-embed-revoke", "link": link_id}, "property": "n_clicks",
              "value": 1}  # fmt: skip
    pattern = json.dumps({"link": ["ALL"], "type": "admin-embed-revoke"}, separators=(",", ":"))
    request = call(app, output, {(pattern, "n_clicks"): [button]})
    # As the browser names it: the id's keys sorted.
    pressed = json.dumps(button["id"], separators=(",", ":"), sort_keys=True)
    request["changedPropIds"] = [f"{pressed}.n_clicks"]
    answer = admin.post("/_dash-update-component", json=request)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    assert f"Revoked link {link_id}" in answer.get_data(as_text=True)
    assert client_for(app, None).get(f"/embed/system-health?token={token}").status_code == 401


def test_aut029_a_csv_cut_at_the_row_limit_says_so(prometheus, warehouse_sqlite, tmp_path):
    small = create_app(settings_for(prometheus, warehouse_sqlite, tmp_path, sql_row_limit=5))
    add_user(small, "boss", "admin", ())
    boss = client_for(small, "boss")
    csv = boss.get("/export/operations/inventory.csv")
    assert csv.status_code == 200
    note = "Showing the first rows only: the result was longer than the row limit."
    assert csv.headers["X-Teamdash-Truncated"] == note
    lines = csv.get_data(as_text=True).splitlines()
    assert lines[-1] == f"# {note}" and len(lines) == 1 + 5 + 1
    panel = boss.post(
        "/_dash-update-component", json=update_request("operations", ["inventory"], STATE)
    )
    assert note in panel.get_data(as_text=True)
    full = boss.get("/export/operations/partners.csv")
    assert "X-Teamdash-Truncated" not in full.headers


def _embed_link_shown(client, app) -> str:
    """The link the admin page shows when the request says `Host: evil.example`."""
    session = client.get_cookie("teamdash_session")
    client.set_cookie("teamdash_session", session.value, domain="evil.example")
    output = "..admin-embed-result.children...admin-embed-links.children.."
    request = call(app, output, {("admin-embed-slug", "value"): "system-health",
                                 ("admin-embed-ttl", "value"): "1h",
                                 ("admin-embed-make", "n_clicks"): 1})  # fmt: skip
    answer = client.post("/_dash-update-component", json=request, headers={"Host": "evil.example"})
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    text = answer.get_data(as_text=True).replace("\\u002f", "/")
    return re.search(r'"children":"([^"]*embed/system-health\?token=[^"]*)"', text).group(1)


def test_aut030_links_are_built_from_public_url_never_from_a_forged_host(
    app, prometheus, warehouse_sqlite, tmp_path
):
    shown = _embed_link_shown(client_for(app, "admin"), app)
    assert shown.startswith("/embed/system-health?token=") and "evil" not in shown
    public = create_app(settings_for(prometheus, warehouse_sqlite, tmp_path,
                                     public_url="https://teamdash.example.com"))  # fmt: skip
    add_user(public, "boss", "admin", ())
    assert _embed_link_shown(client_for(public, "boss"), public).startswith(
        "https://teamdash.example.com/embed/system-health?token="
    )
    listed = create_app(settings_for(prometheus, warehouse_sqlite, tmp_path / "hosts",
                                     allowed_hosts=("evil.example",)))  # fmt: skip
    add_user(listed, "boss", "admin", ())
    assert _embed_link_shown(client_for(listed, "boss"), listed).startswith(
        "http://evil.example/embed/"
    )


def test_aut031_prometheus_runs_without_its_lifecycle_api(prometheus):
    """A cross-site form posting to 127.0.0.1:9090/-/quit must not stop the demo's Prometheus."""
    quit_ = requests.post(f"{prometheus.url}/-/quit", timeout=5)
    assert quit_.status_code == 403 and "Lifecycle API is not enabled" in quit_.text
    assert requests.get(f"{prometheus.url}/-/ready", timeout=5).status_code == 200


def test_aut032_after_make_run_the_cli_says_how_to_use_the_demos_key(
    prometheus, warehouse_sqlite, tmp_path
):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env |= {"VAR_DIR": str(tmp_path), "PROMETHEUS_URL": prometheus.url,
            "DATABASE_URL": warehouse_sqlite.url}  # fmt: skip
    (tmp_path / "secret_key").write_text("d" * 64)  # what `make run` leaves under var/

    def flask(*args: str, **extra: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "flask", "--app", "app", *args]
        return subprocess.run(
            command, cwd=ROOT, env=env | extra, capture_output=True, text=True, timeout=120
        )

    refused = flask("users", "list")
    assert refused.returncode == 1 and "put DEMO_MODE=1 in front of the command" in refused.stderr
    assert flask("users", "list", DEMO_MODE="1").returncode == 0
    readme = (ROOT / "README.md").read_text()
    assert "DEMO_MODE=1 .venv/bin/flask --app app users add" in readme


def test_aut033_every_callback_above_viewer_level_is_tried_by_aut021(app):
    """A new operator or admin callback joins WRITERS, so its level is tried with renamed ids."""
    tried = {key_of(app, prefix) for prefix, _level in WRITERS}
    above = {k for k, access in registry(app).items() if access.level != "viewer"}
    assert above - tried == set()

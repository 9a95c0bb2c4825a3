"""Who may see what, tried the way users and attackers would: through the login form, hand-built
callback requests and URLs, embed tokens, against the real app (real Prometheus and SQLite
warehouse behind it)."""

from __future__ import annotations

import json
import re
import time
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from itsdangerous import URLSafeSerializer

from app import create_app
from auth.embeds import SALT
from callbacks.panels import update_request
from data.dashboards import load_all
from demo.users import demo_accounts
from services import services
from settings import Settings, secret_key
from tests.fixtures.app import (
    MANY_LOGINS,
    PASSWORD,
    TEST_SECRET,
    add_user,
    client_for,
    demo_app,
    embed_token,
    expire_link,
    figure_in,
    login,
    route_request,
    settings_for,
)

DASHBOARDS = load_all()
ATTACKS = ['api"}) or vector(1)', "' OR 1=1 --", "Ω≈ç√∫ 🙂 \u202e", "x" * 100_000]


@pytest.fixture(scope="module")
def app(prometheus, warehouse_sqlite, tmp_path_factory):
    return demo_app(prometheus, warehouse_sqlite, tmp_path_factory.mktemp("auth"),
                    embed_allowed_origins=("https://intranet.example.com",),
                    **MANY_LOGINS)  # fmt: skip


def panel_request(slug: str, panels: list[str], state: dict) -> dict:
    """The panel callback as the browser sends it."""
    return update_request(slug, panels, state)


def panel_results(response) -> dict[str, tuple[str, str]]:
    out = {}
    for key, value in response.get_json()["response"].items():
        props = value["children"]["props"]
        out[json.loads(key)["panel"]] = (props["data-panel-state"], json.dumps(props))
    return out


STATE = {"from": "now-6h", "to": "now", "refresh": "off", "vars": {}}


def _text(response) -> str:
    """A Dash JSON answer as text, with the slashes Dash escapes (\u002f) restored."""
    return response.get_data(as_text=True).replace("\\u002f", "/")


def test_aut001_each_team_lands_on_its_dashboard_and_sees_only_its_dashboards(app):
    for name, _level, teams, _attrs in demo_accounts():
        client = app.server.test_client()
        response = login(client, name)
        assert response.status_code == 302
        allowed = {s for s, d in DASHBOARDS.items() if name == "admin" or set(teams) & set(d.teams)}
        landing = next(s for s, d in DASHBOARDS.items() if teams[0] in d.landing_for)
        assert response.location == f"/d/{landing}"
        shell = _text(client.get("/_dash-layout"))
        home = _text(client.post("/_dash-update-component", json=route_request("/")))
        for slug in DASHBOARDS:
            assert (f"/d/{slug}" in shell) == (slug in allowed), (name, slug)
            assert (f"/d/{slug}" in home) == (slug in allowed), (name, slug)


def test_aut002_sales_viewer_gets_403_for_an_sre_dashboard_its_callbacks_and_exports(app):
    client = client_for(app, "sales")
    assert client.get("/d/system-health").status_code == 403
    response = client.post(
        "/_dash-update-component", json=panel_request("system-health", ["request-rate"], STATE)
    )
    assert response.status_code == 403
    assert "may not open" in response.get_json()["error"]
    assert client.get("/export/system-health/request-rate.png").status_code == 403
    assert client.get("/export/system-health.pdf").status_code == 403
    # The router callback never hands out the forbidden layout either.
    page = _text(client.post("/_dash-update-component", json=route_request("/d/system-health")))
    assert "request-rate" not in page
    assert "You may not open" in page
    with app.server.app_context():
        denied = services().audit.events(action="forbidden", actor="sales")
    assert len(denied) >= 4
    assert all("system-health" in e.target for e in denied)


def test_aut003_anonymous_pages_go_to_login_and_dash_requests_get_401(app):
    client = client_for(app, None)
    response = client.get("/d/system-health?from=now-1h")
    assert response.status_code == 302
    assert response.location == "/login?next=/d/system-health%3Ffrom%3Dnow-1h"
    for request in (
        lambda: client.post(
            "/_dash-update-component", json=panel_request("system-health", ["request-rate"], STATE)
        ),
        lambda: client.get("/_dash-layout"),
        lambda: client.get("/_dash-dependencies"),
        lambda: client.get("/export/system-health/request-rate.csv"),
    ):
        answer = request()
        assert answer.status_code == 401
        assert "error" in answer.get_json()
    assert client.get("/healthz").status_code in (200, 503)
    assert client.get("/assets/app.css").status_code == 200


@pytest.mark.parametrize(
    "target",
    ["//evil.example", "https://evil.example/x", "/\\evil.example", "/\t/evil.example",
     "javascript:alert(1)", "\\\\evil.example", "http:/evil.example"],
)  # fmt: skip
def test_aut004_next_never_leaves_the_site(app, target):
    response = login(app.server.test_client(), "sre", next_=target)
    assert response.status_code == 302
    assert response.location == "/d/system-health"


def test_aut004b_next_to_a_local_page_is_followed(app):
    response = login(app.server.test_client(), "sre", next_="/d/alerts-incidents?from=now-1h")
    assert response.location == "/d/alerts-incidents?from=now-1h"


def test_aut005_the_same_message_for_an_unknown_user_and_a_wrong_password(app):
    unknown = login(app.server.test_client(), "nobody", "whatever-password")
    wrong = login(app.server.test_client(), "finance", "not-the-password")
    assert unknown.status_code == wrong.status_code == 401
    message = "Unknown user or wrong password."
    assert message in unknown.get_data(as_text=True)
    assert message in wrong.get_data(as_text=True)
    body = json.dumps([e.__dict__ for e in _events(app, "login")], default=str)
    assert "not-the-password" not in body and "whatever-password" not in body


def _events(app, action):
    with app.server.app_context():
        return services().audit.events(action=action)


def test_aut006_login_without_csrf_token_is_refused(app):
    client = app.server.test_client()
    response = client.post("/login", data={"username": "sre", "password": PASSWORD})
    assert response.status_code == 400
    assert "reload the page" in response.get_data(as_text=True)
    assert client.get("/_dash-layout").status_code == 401


def _session_cookie(response) -> SimpleCookie:
    cookie = SimpleCookie()
    for header in response.headers.getlist("Set-Cookie"):
        cookie.load(header)
    return cookie


def test_aut007_session_cookie_flags(app, prometheus, warehouse_sqlite, tmp_path):
    header = next(
        h for h in login(app.server.test_client(), "sre").headers.getlist("Set-Cookie")
        if h.startswith("teamdash_session=")
    )  # fmt: skip
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Secure" not in header
    https = create_app(settings_for(prometheus, warehouse_sqlite, tmp_path, cookie_secure=True))
    add_user(https, "sre", "viewer", ("sre",))
    secure = login(https.server.test_client(), "sre").headers.getlist("Set-Cookie")
    assert any("Secure" in h for h in secure if h.startswith("teamdash_session="))


def test_aut008_login_makes_a_new_session_and_logout_ends_it_on_the_server(app):
    client = app.server.test_client()
    before = client.get("/login")
    anonymous = _session_cookie(before)["teamdash_session"].value
    response = login(client, "sre")
    logged_in = _session_cookie(response)["teamdash_session"].value
    assert logged_in != anonymous
    # A copy of the logged-in cookie, as a thief would keep it.
    thief = app.server.test_client()
    thief.set_cookie("teamdash_session", logged_in)
    assert thief.get("/_dash-layout").status_code == 200
    planted = app.server.test_client()
    planted.set_cookie("teamdash_session", anonymous)
    assert planted.get("/_dash-layout").status_code == 401
    # The log-out button's form, in the menu bar, carries the session's CSRF token.
    shell = client.get("/_dash-layout").get_data(as_text=True)
    token = re.search(r'"value":"([^"]+)","type":"hidden","name":"csrf_token"', shell).group(1)
    assert client.post("/logout").status_code == 400
    out = client.post("/logout", data={"csrf_token": token})
    assert out.status_code == 302 and out.location == "/login"
    assert client.get("/_dash-layout").status_code == 401
    assert thief.get("/_dash-layout").status_code == 401
    assert thief.get("/d/system-health").status_code == 302
    assert [e.actor for e in _events(app, "logout")][:1] == ["sre"]


def test_aut009_login_rate_limit_trips_and_recovers(prometheus, warehouse_sqlite, tmp_path):
    limited = create_app(
        settings_for(prometheus, warehouse_sqlite, tmp_path, login_rate_limit="3 per 2 seconds")
    )
    add_user(limited, "sre", "viewer", ("sre",))
    client = limited.server.test_client()
    assert [login(client, "sre", "wrong-password-1").status_code for _ in range(3)] == [401] * 3
    blocked = login(client, "sre")  # the right password, but too many failures from here
    assert blocked.status_code == 429
    assert "Too many failed logins" in blocked.get_data(as_text=True)
    assert int(blocked.headers["Retry-After"]) >= 1
    # The owner of the account, from another address, is not locked out by the attacker.
    owner = limited.server.test_client()
    assert login(owner, "sre", environ_base={"REMOTE_ADDR": "10.0.0.7"}).status_code == 302
    time.sleep(2.2)
    assert login(client, "sre").status_code == 302
    with limited.server.app_context():
        assert services().audit.events(action="login", outcome="limited")


def test_aut010_secret_key_is_required_and_checked(tmp_path):
    with pytest.raises(SystemExit, match="SECRET_KEY is not set"):
        secret_key(Settings(var_dir=tmp_path))
    with pytest.raises(SystemExit, match="well-known default"):
        secret_key(Settings(var_dir=tmp_path, secret_key="changeme"))
    with pytest.raises(SystemExit, match="shorter than 32"):
        secret_key(Settings(var_dir=tmp_path, secret_key="abc123"))
    demo = Settings(var_dir=tmp_path, demo_mode=True)
    first = secret_key(demo)
    assert len(first) == 64 and secret_key(demo) == first
    assert (Path(tmp_path) / "secret_key").stat().st_mode & 0o077 == 0
    assert secret_key(Settings(var_dir=tmp_path, secret_key=TEST_SECRET)) == TEST_SECRET


def _token(app, slug: str, ttl: str = "1h", **variables: str) -> str:
    return embed_token(app, slug, ttl, **variables)


def test_aut011_embed_token_opens_its_dashboard_only(app):
    token = _token(app, "system-health")
    client = app.server.test_client()  # no login: the token is the credential
    assert client.get(f"/embed/system-health?token={token}").status_code == 200
    assert client.get(f"/embed/sales-performance?token={token}").status_code == 403
    embed_state = {**STATE, "embed": token}
    ok = client.post(
        "/_dash-update-component",
        json=panel_request("system-health", ["request-rate"], embed_state),
    )
    assert ok.status_code == 200
    assert panel_results(ok)["request-rate"][0] == "ok"
    other = client.post(
        "/_dash-update-component",
        json=panel_request("sales-performance", ["countries"], embed_state),
    )
    assert other.status_code == 403
    # The Dash boot requests are allowed from the embed page only.
    referred = {"Referer": f"http://localhost/embed/system-health?token={token}"}
    assert client.get("/_dash-layout", headers=referred).status_code == 200
    assert "navbar" not in client.get("/_dash-layout", headers=referred).get_data(as_text=True)
    assert client.get("/_dash-layout").status_code == 401
    assert client.get(f"/export/sales-performance.pdf?token={token}").status_code == 403
    assert [e.target for e in _events(app, "embed_use")][:1] == ["system-health"]


def test_aut012_expired_and_tampered_embed_tokens_get_a_clear_401(app):
    client = app.server.test_client()
    expired = _token(app, "system-health")
    expire_link(app, expired)
    page = client.get(f"/embed/system-health?token={expired}")
    assert page.status_code == 401 and "expired" in page.get_data(as_text=True)
    token = _token(app, "system-health")
    payload, signature = token.rsplit(".", 1)
    forged = _token(app, "sales-performance").rsplit(".", 1)[0] + "." + signature
    for bad in (forged, token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "garbage"):
        page = client.get(f"/embed/system-health?token={bad}")
        assert page.status_code == 401
        assert "not valid" in page.get_data(as_text=True)
        response = client.post(
            "/_dash-update-component",
            json=panel_request("system-health", ["request-rate"], {**STATE, "embed": bad}),
        )
        assert response.status_code == 401
    signed_elsewhere = URLSafeSerializer("another-secret-" + "9" * 40, salt=SALT)
    link_id = app.server.extensions["teamdash"].embed_links.id_of(token)
    other_key = signed_elsewhere.dumps({"i": link_id})
    assert client.get(f"/embed/system-health?token={other_key}").status_code == 401
    assert payload  # the payload alone proves nothing without the signature


def _countries(results: dict, panel: str = "countries") -> set[str]:
    state, props = results[panel]
    assert state == "ok", props[:300]
    figure = figure_in(json.loads(props))
    return set(figure["data"][0]["locations"])


def _eu_countries(app) -> set[str]:
    with app.server.app_context():
        frame = (
            services()
            .data.sql("warehouse", "SELECT iso3 FROM countries WHERE region = 'EU'")
            .value.frame
        )
    return set(frame["iso3"])


def test_aut013_locked_embed_variable_cannot_be_changed_from_url_or_callback(app):
    token = _token(app, "sales-performance", region="EU")
    client = app.server.test_client()
    page = client.post(
        "/_dash-update-component",
        json=route_request(f"/embed/sales-performance?token={token}&var-region=NA"),
    ).get_data(as_text=True)
    assert '"vars":{"region":["EU"]' in page.replace(" ", "")
    state = {**STATE, "from": "now-7d", "vars": {"region": ["NA"]}, "embed": token}
    response = client.post(
        "/_dash-update-component", json=panel_request("sales-performance", ["countries"], state)
    )
    shown = _countries(panel_results(response))
    assert shown and shown <= _eu_countries(app)


def test_aut014_a_user_bound_to_a_region_sees_only_that_slice(app):
    state = {**STATE, "from": "now-7d", "vars": {"region": ["NA"]}}
    request = panel_request("sales-performance", ["countries"], state)
    manager = client_for(app, "sales-eu").post("/_dash-update-component", json=request)
    eu = _countries(panel_results(manager))
    assert eu <= _eu_countries(app)
    # Another user asking for NA gets NA: the bound value is part of what is cached.
    everyone = client_for(app, "sales").post("/_dash-update-component", json=request)
    na = _countries(panel_results(everyone))
    assert na and not (na & eu)


def test_aut015_security_headers_and_framing(app):
    client = client_for(app, "sre")
    page = client.get("/d/system-health")
    csp = page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self' 'sha256-" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "*" not in csp
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert page.headers["Cache-Control"] == "no-store"
    embed = app.server.test_client().get(
        f"/embed/system-health?token={_token(app, 'system-health')}"
    )
    embed_csp = embed.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://intranet.example.com" in embed_csp
    assert "X-Frame-Options" not in embed.headers
    assert app.server.test_client().get("/login").headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("attack", ATTACKS, ids=["promql", "sql", "unicode", "100kb"])
def test_aut016_injection_through_variables_and_url_is_refused(app, attack):
    client = client_for(app, "admin")
    with app.server.app_context():
        users_before = len(services().users.all())
        orders = "SELECT count(*) AS n FROM orders"
        rows_before = services().data.sql("warehouse", orders).value.frame["n"][0]
    state = {**STATE, "vars": {"service": [attack]}}
    response = client.post(
        "/_dash-update-component", json=panel_request("system-health", ["request-rate"], state)
    )
    assert response.status_code == 200
    panel_state, text = panel_results(response)["request-rate"]
    assert panel_state == "error" and "is not a value of $service" in text
    sales_state = {**STATE, "vars": {"category": [attack], "campaign": [attack]}}
    sales = client.post(
        "/_dash-update-component",
        json=panel_request("sales-performance", ["top-products"], sales_state),
    )
    assert panel_results(sales)["top-products"][0] == "error"
    for query in (f"var-service={attack}", f"from={attack}", f"refresh={attack}"):
        page = client.post(
            "/_dash-update-component", json=route_request(f"/d/system-health?{query}")
        )
        assert page.status_code == 200
        assert '"id":"dash-state"' in page.get_data(as_text=True).replace(" ", "")
    for body in (b'{"output": ', b"[1, 2]", b"\xff\xfe", json.dumps({"output": attack}).encode()):
        bad = client.post(
            "/_dash-update-component", data=body, headers={"Content-Type": "application/json"}
        )
        assert bad.status_code in (400, 500) and bad.status_code != 200
    login(app.server.test_client(), attack[:200], attack[:200])
    with app.server.app_context():
        assert len(services().users.all()) == users_before
        assert services().data.sql("warehouse", orders).value.frame["n"][0] == rows_before
        assert services().audit.events(action="login", outcome="denied")


def test_aut017_admin_pages_and_their_callbacks_are_for_admins_only(app):
    viewer = client_for(app, "sre")
    assert viewer.get("/admin/users").status_code == 403
    add = {
        "output": "..admin-user-result.children...admin-users.children..",
        "outputs": [
            {"id": "admin-user-result", "property": "children"},
            {"id": "admin-users", "property": "children"},
        ],
        "inputs": [{"id": "admin-user-add", "property": "n_clicks", "value": 1}]
        + [
            {"id": f"admin-user-{b}", "property": "n_clicks", "value": None}
            for b in ("save", "reset", "remove")
        ],  # fmt: skip
        "state": [
            {"id": "admin-user-name", "property": "value", "value": "mallory"},
            {"id": "admin-user-level", "property": "value", "value": "admin"},
            {"id": "admin-user-teams", "property": "value", "value": []},
            {"id": "admin-user-attrs", "property": "value", "value": ""},
            {"id": "admin-user-password", "property": "value", "value": "mallory-password"},
        ],
        "changedPropIds": ["admin-user-add.n_clicks"],
    }
    assert viewer.post("/_dash-update-component", json=add).status_code == 403
    admin = client_for(app, "admin")
    assert admin.get("/admin/users").status_code == 200
    done = admin.post("/_dash-update-component", json=add)
    assert done.status_code == 200 and "Added mallory" in done.get_data(as_text=True)
    with app.server.app_context():
        assert services().users.get("mallory").level == "admin"
        services().users.remove("mallory")
    assert [e.target for e in _events(app, "user_add")][:1] == ["mallory"]


def test_aut018_url_prefix(prometheus, warehouse_sqlite, tmp_path):
    prefixed = create_app(settings_for(prometheus, warehouse_sqlite, tmp_path, url_prefix="/td/"))
    add_user(prefixed, "sre", "viewer", ("sre",))
    client = prefixed.server.test_client()
    page = client.get("/td/d/system-health")
    assert page.status_code == 302 and page.location.startswith("/td/login?next=")
    request = panel_request("system-health", ["request-rate"], STATE)
    assert client.post("/td/_dash-update-component", json=request).status_code == 401
    assert client.get("/td/_dash-layout").status_code == 401
    response = login(client, "sre", prefix="/td/")
    assert response.status_code == 302 and response.location == "/td/d/system-health"
    assert client.post("/td/_dash-update-component", json=request).status_code == 200
    assert client.get("/td/d/system-health").status_code == 200


def test_aut019_users_cli(app):
    cli = app.server.test_cli_runner()
    added = cli.invoke(
        args=["users", "add", "carol", "--level", "operator", "--teams", "sre,dba",
              "--attr", "region=EU"],
        input="carol-password-1\n",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert login(app.server.test_client(), "carol", "carol-password-1").status_code == 302
    listed = cli.invoke(args=["users", "list"]).output
    assert any(line.split()[:3] == ["carol", "operator", "sre,dba"] for line in listed.splitlines())
    assert "region=EU" in listed
    changed = cli.invoke(args=["users", "set", "carol", "--level", "viewer", "--teams", "sales"])
    assert changed.exit_code == 0 and "viewer" in changed.output
    bad = cli.invoke(args=["users", "set", "carol", "--teams", "marketing"])
    assert bad.exit_code == 1 and "team 'marketing' is not one of" in bad.output
    short = cli.invoke(args=["users", "add", "dave"], input="short\n")
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    client = app.server.test_client()
    login(client, "carol", "carol-password-1")
    reset = cli.invoke(args=["users", "reset-password", "carol"], input="carol-password-2\n")
    assert reset.exit_code == 0
    assert client.get("/_dash-layout").status_code == 401  # the old session ended
    assert login(app.server.test_client(), "carol", "carol-password-2").status_code == 302
    assert cli.invoke(args=["users", "remove", "carol"]).exit_code == 0
    assert cli.invoke(args=["users", "remove", "carol"]).output.startswith("error: there is no")
    actions = [e.action for e in _events(app, None) if e.target == "carol"]
    assert {"user_add", "user_set", "user_password", "user_remove"} <= set(actions)
    token = cli.invoke(
        args=["embed", "create", "system-health", "--ttl", "2h", "--var", "service=api"]
    )
    assert token.exit_code == 0, token.output
    assert (
        app.server.test_client()
        .get(f"/embed/system-health?token={token.stdout.strip()}")
        .status_code
        == 200
    )
    wrong = cli.invoke(args=["embed", "create", "system-health", "--var", "nope=1"])
    assert wrong.exit_code == 1 and "has no variable 'nope' (service)" in wrong.output

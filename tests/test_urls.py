"""The app's URLs: built and read by urls.py alone, so what one page writes another reads back,
and under URL_PREFIX every link, script, style and form of every page stays under the prefix."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest

import urls
from app import create_app
from callbacks.panels import update_request
from data.drilldown import Clicked
from data.urlstate import ViewState
from services import services
from tests.fixtures.app import (
    add_user,
    client_for,
    embed_token,
    login,
    nodes,
    route_request,
    settings_for,
)
from tests.test_alerts import alerts_request

PREFIX = "/td/"
STATES = [
    ViewState("now-7d", "now", "30s", {"service": ["api", "web"], "q": ["a&b=c d/é"]}),
    ViewState("1700000000000", "1700003600000", "off", {}),
    ViewState(variables={"service": ["api"]}),  # a link that sets one variable
    ViewState(),
]


@pytest.mark.parametrize("state", STATES)
def test_url001_a_dashboards_state_written_into_a_url_reads_back_the_same(state):
    query = urls.view_query(state)
    assert urls.view_state(query) == state
    assert urls.view_state(parse_qs(query.lstrip("?"))) == state  # as Dash hands a page its query
    for built in (urls.dashboard(PREFIX, "sales", state), urls.export_query(state)):
        assert urls.view_state(urlsplit(built).query).variables == state.variables


def test_url002_what_a_url_cannot_be_is_the_dashboards_default():
    asked = urls.view_state("?from=&refresh=7s&var-service=api")
    assert asked == ViewState(variables={"service": ["api"]})


def test_url003_a_clicked_point_travels_to_its_detail_page_and_back():
    state = STATES[0]
    point = Clicked("Toys & Games", "EU", 1_700_000_000.0, 1_700_000_060.0)
    for built in (
        urls.detail(PREFIX, "sales", "channels", state, point),
        urls.detail_rows(PREFIX, "sales", "channels", state, point),
    ):
        query = parse_qs(urlsplit(built).query)
        assert urls.clicked(query) == point
        assert urls.view_state(query).variables == state.variables
    # A bucket past any time the data can have (past 2200, or past what the clock can hold:
    # a 500 before) is no bucket.
    huge = {"bucket": ["9" * 20], "bucket_end": ["7258118400000"], "category": ["Toys"]}
    assert urls.clicked(huge) == Clicked("Toys", None, None, None)


@pytest.mark.parametrize(
    ("built", "kind", "slug", "panel", "fmt", "rest"),
    [
        (urls.dashboard(PREFIX, "sales", STATES[0], back="/td/d/x"), "dashboard", "sales", "", "",
         ""),
        (urls.detail(PREFIX, "sales", "channels", STATES[0], Clicked("a")), "detail", "sales",
         "channels", "", ""),
        (urls.embed(PREFIX, "sales", "tok"), "embed", "sales", "", "", ""),
        (urls.export(PREFIX, "sales", "png", "channels", "?from=now-1h"), "export", "sales",
         "channels", "png", ""),
        (urls.export(PREFIX, "sales", "pdf"), "export", "sales", "", "pdf", ""),
        (urls.detail_rows(PREFIX, "sales", "channels", STATES[0], Clicked("a")), "export",
         "sales", "channels", "csv", "rows"),
        (urls.login(PREFIX, "/td/d/sales?from=now-1h"), "open", "", "", "", "login"),
        (urls.asset(PREFIX, "app.css"), "static", "", "", "", "assets/app.css"),
        (urls.page(PREFIX, "alerts"), "page", "", "", "", "alerts"),
        (urls.page(PREFIX, "admin/users"), "admin", "", "", "", "users"),
        (urls.page(PREFIX), "page", "", "", "", ""),
    ],
)  # fmt: skip
def test_url004_every_url_built_is_read_back_as_what_it_names(built, kind, slug, panel, fmt, rest):
    assert built.startswith(PREFIX)
    found = urls.where(PREFIX, built)
    assert found is not None, built
    assert found[0] == urls.Place(kind, slug, panel, fmt, rest)


def test_url005_paths_are_read_as_dashs_pages_router_reads_them():
    assert urls.relative(PREFIX, "/td/d/sales/") == "d/sales"
    assert urls.relative(PREFIX, "/td//d/sales") == "d/sales"
    assert urls.relative(PREFIX, "/td") == ""
    assert urls.relative(PREFIX, "/tdd/sales") is None  # not below the prefix
    assert urls.relative(PREFIX, "/elsewhere") is None
    assert urls.relative("/", "/d/sales") == "d/sales"
    assert urls.local("/td/d/sales?x=1", PREFIX) == "/td/d/sales?x=1"
    for foreign in ("//evil.example", "https://evil.example/td/", "/td/\\evil", "/other", "/td/ x"):
        assert urls.local(foreign, PREFIX) is None, foreign


# Links that leave the app on purpose: a rule's runbook.
EXTERNAL = re.compile(r"^(https?:)?//|^data:|^#|^mailto:")
LINK_PROPS = ("href", "src", "action", "topojsonURL")


def _links(tree) -> list[str]:
    """Every link of a layout or callback answer (JSON): hrefs, sources, form actions, the map
    outlines' URL."""
    return [n[p] for n in nodes(tree) for p in LINK_PROPS if isinstance(n.get(p), str)]


def _html_links(text: str) -> list[str]:
    found = re.findall(r'(?:href|src|action)="([^"]*)"', text)
    found += re.findall(r'<meta name="teamdash-plotly-js" content="([^"]*)"', text)
    return found


@pytest.fixture(scope="module")
def prefixed(prometheus, warehouse_sqlite, tmp_path_factory):
    folder = tmp_path_factory.mktemp("prefixed")
    app = create_app(settings_for(prometheus, warehouse_sqlite, folder, url_prefix=PREFIX))
    add_user(app, "boss", "admin", ())
    prometheus.wait_for_history("ALERTS")
    return app


def test_url006_under_a_prefix_every_link_of_every_page_stays_under_it(prefixed):
    """Home, a dashboard, a detail page, an embedded page, the alerts page and the login form:
    every href, src and form action a browser follows, and the map outlines, start with the
    prefix."""
    anonymous = client_for(prefixed, None)
    seen: dict[str, list[str]] = {}
    login_page = anonymous.get(f"{PREFIX}login").get_data(as_text=True)
    seen["login"] = _html_links(login_page)
    denied = anonymous.get(f"{PREFIX}embed/system-health?token=forged")
    assert denied.status_code == 401
    seen["refused embed"] = _html_links(denied.get_data(as_text=True))
    boss = client_for(prefixed, None)
    assert login(boss, "boss", prefix=PREFIX).status_code == 302
    token = embed_token(prefixed, "system-health")
    paths = {
        "home": PREFIX,
        "dashboard": f"{PREFIX}d/sales-performance?from=now-7d&to=now",
        "detail": f"{PREFIX}d/sales-performance/detail/channels?from=now-7d&to=now&category=Email",
        "embed": f"{PREFIX}embed/system-health?token={token}",
        "alerts": f"{PREFIX}alerts",
    }
    for name, path in paths.items():
        client = anonymous if name == "embed" else boss
        index = client.get(path)
        assert index.status_code == 200, (name, index.status_code)
        seen[f"{name} (HTML)"] = _html_links(index.get_data(as_text=True))
        page = client.post(f"{PREFIX}_dash-update-component", json=route_request(path),
                           headers={"Referer": f"http://localhost{path}"})  # fmt: skip
        assert page.status_code == 200, (name, page.get_data(as_text=True)[:200])
        seen[name] = _links(page.get_json())
    shell = boss.get(f"{PREFIX}_dash-layout").get_json()
    seen["navbar"] = _links(shell)
    with prefixed.server.app_context():
        dashboards = [services().dashboards[s] for s in ("sales-performance", "alerts-incidents")]
    for dashboard in dashboards:
        ids = [p.id for p in dashboard.panels]
        state = {"from": "now-7d", "to": "now", "refresh": "off", "vars": {}}
        answer = boss.post(f"{PREFIX}_dash-update-component",
                           json=update_request(dashboard.slug, ids, state))  # fmt: skip
        seen[f"{dashboard.slug} panels"] = _links(answer.get_json())
    listing = boss.post(f"{PREFIX}_dash-update-component", json=alerts_request())
    seen["alerts list"] = _links(listing.get_json())
    outside = {
        name: [link for link in links if not EXTERNAL.match(link) and not link.startswith(PREFIX)]
        for name, links in seen.items()
    }
    assert {n: links for n, links in outside.items() if links} == {}
    # Each page had links to check: the export menus and report, the map outlines, the alerts'
    # dashboards, the breadcrumb and the detail page's CSV, the login form and its styles.
    everything = json.dumps(seen)
    for expected in (
        f"{PREFIX}export/sales-performance/channels.png",
        f"{PREFIX}export/sales-performance.pdf",
        f"{PREFIX}assets/topojson/",
        f"{PREFIX}d/system-health?var-service=",
        f"{PREFIX}export/sales-performance/channels/rows.csv",
        f"{PREFIX}login",
        f"{PREFIX}assets/app.css",
        f"{PREFIX}assets/vendor/plotly-",
        f"{PREFIX}alerts",
    ):
        assert expected in everything, expected

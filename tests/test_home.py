"""A home page that knows its user: a search over the dashboards they may open (titles,
descriptions, panel titles, tags), their starred and recently viewed dashboards and saved views,
and browser tabs titled by page. Through the real app (Flask test client)."""

from __future__ import annotations

import json

import pytest

from data.dashboards import SpecError, load_all, parse
from data.search import search
from tests.fixtures.app import MANY_LOGINS, client_for, demo_app, nodes, open_page, route_request
from tests.test_authorisation import call, key_of
from tests.test_saved_views import props_of, save, star, text_of

DASHBOARDS = load_all()
SEARCH = "home-results.children"


@pytest.fixture(scope="module")
def app(prometheus, warehouse_sqlite, tmp_path_factory):
    return demo_app(prometheus, warehouse_sqlite, tmp_path_factory.mktemp("home"), **MANY_LOGINS)


def search_request(app, text) -> dict:
    request = call(app, key_of(app, SEARCH), {("home-search", "value"): text})
    request["outputs"] = request["outputs"][0]  # one output: the browser sends it alone
    return request


def found(client, app, text) -> list[str]:
    """The dashboards the home page's search lists for `text`, in order."""
    request = search_request(app, text)
    answer = json.loads(text_of(client.post("/_dash-update-component", json=request)))
    results = answer["response"]["home-results"]["children"]
    return [
        n["props"]["data-dashboard"]
        for n in nodes(results)
        if isinstance(n.get("props"), dict) and "data-dashboard" in n["props"]
    ]


def test_hom001_search_finds_titles_panels_descriptions_and_tags_of_your_dashboards(app):
    sales = client_for(app, "sales")
    assert found(sales, app, "funnel") == ["sales-performance"]  # a panel's title
    assert found(sales, app, "REVENUE")[0] in ("sales-performance", "business-overview")
    assert found(sales, app, "ecommerce") == ["product-insights", "sales-performance"]  # tags
    assert found(sales, app, "chargebacks") == []  # Finance's: not a sales dashboard
    assert found(sales, app, "latency") == []  # SRE's and the developers'
    admin = client_for(app, "admin")
    assert "system-health" in found(admin, app, "latency")
    assert found(admin, app, "chargebacks") == ["finance"]  # a description's word
    # Every word must be found; a word matches from the start of a word.
    assert found(admin, app, "latency disk") == ["system-health"]
    assert found(admin, app, "atency") == []
    assert found(admin, app, "") == found(admin, app, "   ") == []
    nothing = search_request(app, "zzz" * 1000)
    answer = text_of(admin.post("/_dash-update-component", json=nothing))
    assert "No dashboard you may open matches" in answer and "z" * 101 not in answer


def test_hom002_search_ranks_a_title_over_a_panel_or_a_description():
    hits = search(DASHBOARDS.values(), "performance")
    titles = [h.dashboard.slug for h in hits]
    assert set(titles[:3]) == {
        "application-performance",
        "database-performance",
        "sales-performance",
    }


def test_hom003_home_shows_what_you_starred_opened_and_saved(app):
    product = client_for(app, "product")
    empty = open_page(product, "/")
    assert "Star a dashboard" in empty and "Dashboards you open appear here" in empty
    star(product, app, "user-engagement")
    for slug in ("product-insights", "user-engagement", "audio-enhancement"):
        open_page(product, f"/d/{slug}")
    text_of(save(product, app, "Product week", slug="product-insights", state={
        "from": "now-7d", "to": "now", "refresh": "off", "vars": {}}))  # fmt: skip
    home = open_page(product, "/")
    starred = json.dumps(props_of(home, "home-starred"))
    assert "user-engagement" in starred and "product-insights" not in starred
    recent = [n["props"]["data-dashboard"] for n in nodes(props_of(home, "home-recent"))
              if isinstance(n.get("props"), dict) and "data-dashboard" in n["props"]]  # fmt: skip
    assert recent == ["audio-enhancement", "user-engagement", "product-insights"]
    views = json.dumps(props_of(home, "home-views"))
    assert "Product week" in views and "Product Insights" in views
    # Another user sees none of it.
    other = open_page(client_for(app, "sales"), "/")
    assert "Product week" not in other and "Dashboards you open appear here" in other


def test_hom004_every_tab_is_titled_by_its_page(app):
    admin = client_for(app, "admin")

    def title(path: str) -> str:
        answer = admin.post("/_dash-update-component", json=route_request(path))
        return answer.get_json()["response"]["_pages_store"]["data"]["title"]

    assert title("/d/sales-performance") == "Sales Performance - Teamdash"
    assert title("/d/sales-performance/detail/countries") == (
        "Sales by country - Sales Performance - Teamdash"
    )
    assert title("/alerts") == "Alerts - Teamdash"
    assert title("/") == "Home - Teamdash"
    assert title("/admin/audit") == "Audit log - Admin - Teamdash"
    assert title("/d/no-such-dashboard") == "Teamdash"
    # The page as first served says it to link previews; the router sets the tab's title.
    page = admin.get("/d/system-health").get_data(as_text=True)
    assert 'property="og:title" content="System Health - Teamdash"' in page
    assert "<title>Log in - Teamdash</title>" in client_for(app, None).get("/login").get_data(
        as_text=True
    )


def test_hom005_tags_in_a_dashboard_file_are_checked(tmp_path):
    base = (
        "slug: x\ntitle: X\nteams: [sre]\ntags: [{tags}]\nrows:\n  - panels:\n"
        "      - {{id: t, type: text, title: T, content: hi}}\n"
    )
    assert parse(tmp_path / "x.yaml", base.format(tags="slo, on-call")).tags == ["slo", "on-call"]
    with pytest.raises(SpecError, match="tag 'On Call': use 1-32 lower-case letters"):
        parse(tmp_path / "x.yaml", base.format(tags="'On Call'"))

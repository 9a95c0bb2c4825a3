"""Login, navigation and embedding in a real browser (headless Debian chromium): a team's user
lands on its dashboard and sees only its own; an intranet portal on another origin frames an
embed link, and cannot frame anything else."""

from __future__ import annotations

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from app import create_app
from services import services
from tests.fixtures._servers import free_port
from tests.fixtures.app import add_user, embed_token, settings_for, start_logged_in
from tests.test_dashboards_browser import panel_states, wait_all_ok

pytestmark = pytest.mark.browser


def test_aub001_sales_user_lands_on_sales_dashboard_sees_only_sales_and_logs_out(
    dash_duo, settings
):
    app = create_app(settings)
    add_user(app, "sally", "viewer", ("sales",))
    start_logged_in(dash_duo, app, "sally")
    assert dash_duo.driver.current_url.split("?")[0].endswith("/d/sales-performance")
    wait_all_ok(dash_duo)
    menus = [e.text for e in dash_duo.find_elements(".navbar .dropdown-toggle")]
    assert menus == ["Sales", "sally"]
    dash_duo.find_element(".navbar .dropdown-toggle").click()
    items = {e.get_attribute("href").rsplit("/", 1)[-1] for e in dash_duo.find_elements(
        ".navbar .dropdown-menu.show a.dropdown-item")}  # fmt: skip
    with app.server.app_context():
        allowed = {s for s, d in services().dashboards.items() if "sales" in d.teams}
    assert items == allowed
    dash_duo.find_element("form[action='/logout'] button").click()
    WebDriverWait(dash_duo.driver, 10).until(lambda d: d.current_url.endswith("/login"))
    dash_duo.driver.get(dash_duo.server_url + "/d/sales-performance")
    WebDriverWait(dash_duo.driver, 10).until(lambda d: "/login?next=" in d.current_url)
    assert dash_duo.get_logs() == []


@pytest.fixture
def portal(tmp_path):
    """An intranet portal: a static page on another origin (127.0.0.1 vs the app's localhost)."""
    port = free_port()
    handler = partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield tmp_path, f"http://127.0.0.1:{port}"
    server.shutdown()


def test_aub002_portal_frames_an_embed_link_and_nothing_else(
    dash_duo, prometheus, warehouse_sqlite, tmp_path, portal
):
    folder, origin = portal
    app = create_app(
        settings_for(prometheus, warehouse_sqlite, tmp_path, embed_allowed_origins=(origin,))
    )
    add_user(app, "boss", "admin", ())
    start_logged_in(dash_duo, app, "boss")
    token = embed_token(app, "system-health", "10m")
    base = dash_duo.server_url
    (folder / "portal.html").write_text(
        f'<iframe id="embed" src="{base}/embed/system-health?token={token}&panel=request-rate"'
        ' width="900" height="500"></iframe>'
        f'<iframe id="page" src="{base}/d/system-health" width="900" height="300"></iframe>'
    )
    dash_duo.driver.get(f"{origin}/portal.html")
    dash_duo.driver.switch_to.frame(dash_duo.driver.find_element(By.ID, "embed"))
    dash_duo.wait_for_element("[data-panel-id='request-rate']")
    assert wait_all_ok(dash_duo) == {"request-rate": "ok"}
    assert dash_duo.driver.find_elements(By.CSS_SELECTOR, ".navbar") == []
    # No sideways scrolling inside the portal's frame.
    assert dash_duo.driver.execute_script(
        "const e = document.documentElement; return e.scrollWidth <= e.clientWidth;"
    )
    dash_duo.driver.switch_to.default_content()
    dash_duo.driver.switch_to.frame(dash_duo.driver.find_element(By.ID, "page"))
    assert dash_duo.driver.find_elements(By.CSS_SELECTOR, "#react-entry-point") == []
    dash_duo.driver.switch_to.default_content()
    refused = [e["message"] for e in dash_duo.get_logs() or []]
    assert any("frame-ancestors 'none'" in m for m in refused), refused
    assert not any("embed/system-health" in m for m in refused), refused


def test_aub003_admin_makes_an_embed_link_in_the_browser_and_it_works(dash_duo, settings):
    app = create_app(settings)
    add_user(app, "boss", "admin", ())
    start_logged_in(dash_duo, app, "boss")
    dash_duo.driver.get(dash_duo.server_url + "/admin/embed")
    dash_duo.select_dcc_dropdown("#admin-embed-slug", value="System Health")
    dash_duo.find_element("#admin-embed-make").click()
    path = dash_duo.wait_for_element("#admin-embed-url").text
    # Without PUBLIC_URL the page gives the path, and says what to set for a full link.
    assert path.startswith("/embed/system-health?token=")
    assert "Set PUBLIC_URL" in dash_duo.find_element("#admin-embed-result").text
    dash_duo.wait_for_text_to_equal("#admin-embed-links tbody tr td:nth-child(2)", "system-health")
    dash_duo.driver.delete_all_cookies()  # the link works without a login
    dash_duo.driver.get(dash_duo.server_url + path)
    states = wait_all_ok(dash_duo)
    assert len(states) == len(panel_states(dash_duo)) > 3
    assert dash_duo.get_logs() == []

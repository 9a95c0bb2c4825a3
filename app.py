"""The Dash app: `create_app(settings)` assembles the data layer, pages, callbacks and routes.

`gunicorn app:server` serves the module-level app, configured from the environment.
"""

from __future__ import annotations

from pathlib import Path

from dash import Dash
from werkzeug.middleware.proxy_fix import ProxyFix

import callbacks
import urls
from appdb.schema import AppDatabaseError, connect
from commands.alerts import alerts_cli
from commands.dashboards import dashboards_cli
from commands.embed import embed_cli
from commands.report import report_cli
from commands.users import users_cli
from components.shell import shell
from data.cache import make_cache
from data.dashboards import SpecError, load_all
from data.datasources import DataLayer, build_sources, source_dialects
from data.scopes import load_rules
from exports.kaleido_engine import ENGINE, PLOTLY_JS
from routes import auth, bounds, document, exports, guard, headers, health, saved_views, timing
from services import Services
from settings import Settings, secret_key

HERE = Path(__file__).resolve().parent


def create_app(settings: Settings | None = None) -> Dash:
    settings = settings or Settings.from_env()
    secret = secret_key(settings)
    app = Dash(
        __name__,
        url_base_pathname=settings.url_prefix,
        use_pages=True,
        pages_folder=str(HERE / "pages"),
        assets_folder=str(HERE / "assets"),
        title="Teamdash",
        update_title=None,
        suppress_callback_exceptions=True,
        serve_locally=True,
        compress=True,
        # The plotly.js build is loaded on demand by assets/plotly-bundle.js, not on every page.
        # theme.js is loaded in the head, before the page is drawn (routes/document.py).
        assets_ignore=r"(-teamdash\.min\.js|^theme\.js)$",
        meta_tags=[
            {
                "name": "teamdash-plotly-js",
                "content": urls.asset(settings.url_prefix, f"vendor/{PLOTLY_JS.name}"),
            },
            document.dark_colors_meta(),
        ],
    )
    try:
        dashboards = load_all(settings.dashboards_dir)
    except SpecError as exc:
        raise SystemExit(f"Dashboards could not be loaded:\n{exc}") from None
    # Compress what the app computes (callback JSON, pages); the static bundles are fingerprinted
    # and cached by browsers, and compressing plotly.js (3.5 MB) per request costs ~0.3 s.
    app.server.config["COMPRESS_MIMETYPES"] = ["application/json", "text/html"]
    # Browsers may keep assets: Dash links them with their modification time (?m=...), and the
    # files it does not link (the plotly.js build, map outlines) carry a version in their path.
    app.server.config["SEND_FILE_MAX_AGE_DEFAULT"] = 365 * 86400
    app.server.secret_key = secret
    if settings.trusted_proxy_hops:
        app.server.wsgi_app = ProxyFix(
            app.server.wsgi_app,
            x_for=settings.trusted_proxy_hops,
            x_proto=settings.trusted_proxy_hops,
            x_host=settings.trusted_proxy_hops,
        )
    try:
        database = connect(settings.app_database_url)
    except AppDatabaseError as exc:
        raise SystemExit(str(exc)) from None
    sources = build_sources(settings)
    rules = load_rules(settings.scopes_file, source_dialects(sources))
    layer = DataLayer(sources, make_cache(settings), rules)
    Services.build(settings, secret, layer, dashboards, database).install(app.server)
    app.server.register_blueprint(health.blueprint, url_prefix=urls.mount(settings.url_prefix))
    app.server.register_blueprint(exports.blueprint, url_prefix=urls.mount(settings.url_prefix))
    app.server.register_blueprint(saved_views.blueprint, url_prefix=urls.mount(settings.url_prefix))
    bounds.install(app.server, settings.max_request_bytes)
    timing.install(app.server)
    callbacks.register_all(app)
    for group in (dashboards_cli, users_cli, embed_cli, report_cli, alerts_cli):
        app.server.cli.add_command(group)
    app.layout = shell
    if settings.export_warmup:
        # Off by default: tests and CLI commands that never export do not start a browser.
        ENGINE.warm_up_in_background()
    # Dash finishes its set-up (scripts, the pages router) in before-request hooks on a worker's
    # first request, and marks each done before it is: the other threads of a fresh gunicorn
    # worker then serve pages with no router or "dash is not a registered library". Run those
    # hooks now, before any request; the guard and the headers (which need the final list of
    # inline scripts for their hashes) come after.
    with app.server.test_request_context(settings.url_prefix):
        auth.install(app.server)
        app.server.preprocess_request()
        guard.install(app)
        headers.install(app)
    document.install(app)
    return app


app = create_app()
server = app.server

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=8050, debug=False)

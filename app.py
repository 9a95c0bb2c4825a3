"""The Dash app: `create_app(settings)` assembles the data layer, pages, callbacks and routes.

`gunicorn app:server` serves the module-level app, configured from the environment.
"""

from __future__ import annotations

from pathlib import Path

from dash import Dash

import callbacks
from commands.dashboards import dashboards_cli
from components.shell import shell
from data import runtime
from data.cache import make_cache
from data.config import Settings
from data.dashboards import SpecError, load_all
from data.datasources import DataLayer, build_sources
from routes import health, timing

HERE = Path(__file__).resolve().parent


def create_app(settings: Settings | None = None) -> Dash:
    settings = settings or Settings.from_env()
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder=str(HERE / "pages"),
        assets_folder=str(HERE / "assets"),
        title="Teamdash",
        update_title=None,
        suppress_callback_exceptions=True,
        serve_locally=True,
        compress=True,
        # The plotly.js build is loaded on demand by assets/plotly-bundle.js, not on every page.
        assets_ignore=r"-teamdash\.min\.js$",
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
    layer = DataLayer(build_sources(settings), make_cache(settings))
    runtime.install(app.server, settings, layer, dashboards)
    app.server.register_blueprint(health.blueprint)
    timing.install(app.server, app.config.routes_pathname_prefix + "_dash-update-component")
    callbacks.register_all(app)
    app.server.cli.add_command(dashboards_cli)
    app.layout = lambda: shell(list(runtime.dashboards().values()))
    # Dash finishes its set-up on a worker's first request, but marks it done before it is: the
    # other threads of a fresh gunicorn worker then get "dash is not a registered library" for
    # the scripts they serve. Finish it now, before any request.
    with app.server.test_request_context("/"):
        app._setup_server()
    return app


app = create_app()
server = app.server

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=8050, debug=False)

"""Shared fixtures: every module under tests/fixtures/ is a pytest plugin (real servers started
once per session: Prometheus, PostgreSQL, Redis, the demo warehouse)."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

# `import app` builds the module-level app (what gunicorn serves) from the environment: give it a
# secret and its own var/ so that importing it in tests needs nothing and touches nothing.
_VAR = tempfile.mkdtemp(prefix="teamdash-tests-")
atexit.register(shutil.rmtree, _VAR, ignore_errors=True)
os.environ["VAR_DIR"] = _VAR
os.environ.setdefault("SECRET_KEY", "tests-only-import-secret-" + "5" * 40)

pytest_plugins = sorted(
    f"tests.fixtures.{path.stem}" for path in (Path(__file__).parent / "fixtures").glob("[a-z]*.py")
)


def pytest_setup_options():
    """dash_duo's chromium: a desktop-sized window (dashboards are laid out for one), and none of
    the background traffic that this machine's closed network refuses."""
    from selenium.webdriver.chrome.options import Options

    options = Options()
    for flag in (
        "--window-size=1400,1000",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ):
        options.add_argument(flag)
    return options

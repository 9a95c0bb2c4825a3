"""Shared fixtures: every module under tests/fixtures/ is a pytest plugin (real servers started
once per session: Prometheus, PostgreSQL, Redis, the demo warehouse)."""

import ast
import atexit
import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path

# `import app` builds the module-level app (what gunicorn serves) from the environment: give it a
# secret and its own var/ so that importing it in tests needs nothing and touches nothing.
_VAR = tempfile.mkdtemp(prefix="teamdash-tests-")
atexit.register(shutil.rmtree, _VAR, ignore_errors=True)
os.environ["VAR_DIR"] = _VAR
os.environ.setdefault("SECRET_KEY", "tests-only-import-secret-" + "5" * 40)


def _one_parse_at_a_time(parse):
    lock = threading.Lock()

    def locked(*args, **kwargs):
        with lock:
            return parse(*args, **kwargs)

    return locked


# CPython 3.11/3.12 keep the AST constructor's recursion depth in one per-interpreter counter, so
# two threads in ast.parse at once fail with "SystemError: AST constructor recursion depth
# mismatch" (python/cpython#106905). Tests run that way: the next test's create_app compiles
# werkzeug's URL rules (ast.parse) while the last test's server threads format a traceback
# (whose carets call ast.parse). One parse at a time removes the race; it cost CI a red run.
if sys.version_info < (3, 13):
    ast.parse = _one_parse_at_a_time(ast.parse)

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

"""Shared fixtures: every module under tests/fixtures/ is a pytest plugin (real servers started
once per session: Prometheus, PostgreSQL, Redis, the demo warehouse)."""

from pathlib import Path

pytest_plugins = sorted(
    f"tests.fixtures.{path.stem}" for path in (Path(__file__).parent / "fixtures").glob("[a-z]*.py")
)

"""Settings from environment variables, read once into a frozen dataclass.

Every variable the app reads is here, with its default; the README's configuration table is
written from this file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _float(env: dict[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return float(raw)
    except ValueError:
        raise SystemExit(
            f"{name}={raw!r} is not a number; set it to seconds, e.g. {name}={default:g}"
        ) from None


@dataclass(frozen=True)
class Settings:
    var_dir: Path = ROOT / "var"
    prometheus_url: str = "http://127.0.0.1:9090"
    prometheus_scrape_interval: float = 15.0
    database_url: str = ""
    app_database_url: str = ""
    cache_dir: Path = field(default_factory=lambda: ROOT / "var" / "cache")
    redis_url: str | None = None
    secret_key: str | None = None
    datasources_file: Path | None = None
    dashboards_dir: Path = ROOT / "dashboards"
    query_timeout: float = 10.0
    sql_row_limit: int = 100_000
    demo_mode: bool = False

    def __post_init__(self) -> None:
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{self.var_dir / 'warehouse.db'}")
        if not self.app_database_url:
            object.__setattr__(self, "app_database_url", f"sqlite:///{self.var_dir / 'app.db'}")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        var_dir = Path(env.get("VAR_DIR") or ROOT / "var")
        datasources = env.get("DATASOURCES_FILE")
        return cls(
            var_dir=var_dir,
            prometheus_url=env.get("PROMETHEUS_URL") or "http://127.0.0.1:9090",
            prometheus_scrape_interval=_float(env, "PROMETHEUS_SCRAPE_INTERVAL", 15.0),
            database_url=env.get("DATABASE_URL", ""),
            app_database_url=env.get("APP_DATABASE_URL", ""),
            cache_dir=Path(env.get("CACHE_DIR") or var_dir / "cache"),
            redis_url=env.get("REDIS_URL") or None,
            secret_key=env.get("SECRET_KEY") or None,
            datasources_file=Path(datasources) if datasources else None,
            dashboards_dir=Path(env.get("DASHBOARDS_DIR") or ROOT / "dashboards"),
            query_timeout=_float(env, "QUERY_TIMEOUT", 10.0),
            sql_row_limit=int(_float(env, "SQL_ROW_LIMIT", 100_000)),
            demo_mode=env.get("DEMO_MODE", "").lower() in ("1", "true", "yes"),
        )

    def with_(self, **changes) -> Settings:
        return replace(self, **changes)

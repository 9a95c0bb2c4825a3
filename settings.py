"""Settings from environment variables, read once into a frozen dataclass.

Every variable the app reads is here, with its default; the README's configuration table is
written from this file.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from data.timerange import TimeRangeError, parse_duration

ROOT = Path(__file__).resolve().parent
_ORIGIN = re.compile(r"https?://(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?")
# Secret keys seen in tutorials and templates: refused, as good as no key at all.
KNOWN_SECRET_KEYS = {
    "dev", "development", "secret", "secret-key", "secret_key", "changeme", "change-me",
    "please-change-me", "your-secret-key", "default", "teamdash", "supersecret", "test",
}  # fmt: skip
MIN_SECRET_KEY = 32


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


def _month(env: dict[str, str], name: str) -> int:
    raw = env.get(name) or "1"
    if not raw.isdigit() or not 1 <= int(raw) <= 12:
        raise SystemExit(f"{name}={raw!r} is not a month; set 1 (January) to 12, e.g. {name}=4")
    return int(raw)


def _flag(env: dict[str, str], name: str) -> bool:
    return env.get(name, "").lower() in ("1", "true", "yes", "on")


def _prefix(raw: str) -> str:
    if not re.fullmatch(r"/([A-Za-z0-9._~-]+/)*", raw if raw.endswith("/") else raw + "/"):
        raise SystemExit(f"URL_PREFIX={raw!r} is not a path; give one like /teamdash/")
    return raw if raw.endswith("/") else raw + "/"


def _origins(raw: str) -> tuple[str, ...]:
    """EMBED_ALLOWED_ORIGINS: origins separated by spaces or commas, each scheme://host[:port]."""
    origins = tuple(o for o in re.split(r"[\s,]+", raw.strip()) if o)
    for origin in origins:
        if not _ORIGIN.fullmatch(origin):
            raise SystemExit(
                f"EMBED_ALLOWED_ORIGINS: {origin!r} is not an origin; give scheme://host[:port] "
                "such as https://intranet.example.com (no path, no lone *)"
            )
    return origins


def _duration(env: dict[str, str], name: str, default: str) -> float:
    raw = env.get(name) or default
    try:
        return float(parse_duration(raw))
    except TimeRangeError:
        raise SystemExit(f"{name}={raw!r} is not a duration; write it like {default}") from None


def _public_url(raw: str) -> str | None:
    """PUBLIC_URL: the origin users reach the app at (URL_PREFIX follows it), for the links
    the app hands out: embed links, and links in reports."""
    if not raw:
        return None
    origin = raw.rstrip("/")
    if not _ORIGIN.fullmatch(origin) or "*" in origin:
        raise SystemExit(
            f"PUBLIC_URL={raw!r} is not an origin; give scheme://host[:port] such as "
            "https://teamdash.example.com (URL_PREFIX adds the path)"
        )
    return origin


def _samesite(raw: str) -> str:
    value = raw.capitalize()
    if value not in ("Lax", "Strict", "None"):
        raise SystemExit(f"SESSION_COOKIE_SAMESITE={raw!r}: use Lax, Strict or None")
    return value


# A webhook report subscriptions may post to: a full http(s) URL (REPORT_WEBHOOKS, and those the
# admins add on /admin/webhooks: appdb/webhooks.py).
WEBHOOK_URL = re.compile(r"https?://[^\s/]+(/\S*)?")
WEBHOOK_MAX = 512  # characters


def _webhooks(raw: str) -> tuple[str, ...]:
    """REPORT_WEBHOOKS: webhooks report subscriptions may post to (space or comma separated),
    beside those the admins add on /admin/webhooks, so a user cannot make the server call an
    address of their choosing."""
    hooks = tuple(h for h in re.split(r"[\s,]+", raw.strip()) if h)
    for hook in hooks:
        if not WEBHOOK_URL.fullmatch(hook) or len(hook) > WEBHOOK_MAX:
            raise SystemExit(
                f"REPORT_WEBHOOKS: {hook!r} is not a URL; give full http(s) URLs such as "
                "https://chat.example.com/hooks/T0/B0/x"
            )
    return hooks


def _queue_settings(env: dict[str, str]) -> dict:
    """Scheduled reports and export workers: the Celery broker, the webhooks, retries."""
    attempts = int(_float(env, "REPORT_ATTEMPTS", 4))
    if attempts < 1:
        raise SystemExit(f"REPORT_ATTEMPTS={attempts}: give 1 or more (1 = no retry)")
    seconds = {name: _float(env, name, default) for name, default in (
        ("REPORTS_TICK_SECONDS", 30.0), ("REPORT_RETRY_SECONDS", 60.0),
        ("REPORT_LEASE_SECONDS", 60.0), ("CELERY_VISIBILITY_TIMEOUT", 3600.0))}  # fmt: skip
    for name, value in seconds.items():
        if value <= 0:
            raise SystemExit(f"{name}={value:g}: give a number of seconds above 0")
    return {
        "celery_broker_url": env.get("CELERY_BROKER_URL") or None,
        "report_webhooks": _webhooks(env.get("REPORT_WEBHOOKS", "")),
        "reports_tick_seconds": seconds["REPORTS_TICK_SECONDS"],
        "report_attempts": attempts,
        "report_retry_seconds": seconds["REPORT_RETRY_SECONDS"],
        "report_lease_seconds": seconds["REPORT_LEASE_SECONDS"],
        "celery_visibility_timeout": seconds["CELERY_VISIBILITY_TIMEOUT"],
        "report_second_schedules": _flag(env, "REPORT_SECOND_SCHEDULES"),
    }


def _alertmanager_url(raw: str) -> str | None:
    """ALERTMANAGER_URL: where Alertmanager's API is (its base URL, without /api/v2)."""
    if not raw:
        return None
    url = raw.rstrip("/")
    if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", url):
        raise SystemExit(
            f"ALERTMANAGER_URL={raw!r} is not a URL; give one like http://127.0.0.1:9093"
        )
    return url


def _alerting_settings(env: dict[str, str]) -> dict:
    """Alert notifications: Alertmanager's address, and what its routing tree sends where."""
    return {
        "alertmanager_url": _alertmanager_url(env.get("ALERTMANAGER_URL", "")),
        "alert_email_to": env.get("ALERT_EMAIL_TO") or None,
        "alert_webhook_url": env.get("ALERT_WEBHOOK_URL") or None,
    }


def _smtp_settings(env: dict[str, str]) -> dict:
    """The mail server: Alertmanager's notifications and the scheduled reports both use it."""
    return {
        "smtp_host": env.get("SMTP_HOST") or None,
        "smtp_port": int(_float(env, "SMTP_PORT", 25)),
        "smtp_starttls": _flag(env, "SMTP_STARTTLS"),
        "smtp_user": env.get("SMTP_USER") or None,
        "smtp_password": env.get("SMTP_PASSWORD") or None,
        "smtp_from": env.get("SMTP_FROM") or "teamdash@localhost",
    }


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
    scopes_file: Path | None = ROOT / "scopes.yaml"
    dashboards_dir: Path = ROOT / "dashboards"
    query_timeout: float = 10.0
    sql_row_limit: int = 100_000
    demo_mode: bool = False
    url_prefix: str = "/"
    embed_allowed_origins: tuple[str, ...] = ()
    cookie_secure: bool = False
    cookie_samesite: str = "Lax"
    session_hours: float = 12.0
    login_rate_limit: str = "5 per minute"
    login_ip_rate_limit: str = "20 per minute"
    embed_max_ttl: float = 30 * 86_400
    max_request_bytes: int = 1 << 20
    public_url: str | None = None
    allowed_hosts: tuple[str, ...] = ()
    trusted_proxy_hops: int = 0
    export_timeout: float = 30.0
    export_warmup: bool = False
    fiscal_year_start: int = 1  # the month fiscal years start in (now/fQ, now/fy)
    # Alert notifications (see _alerting_settings): unset, alerts come from Prometheus alone.
    alertmanager_url: str | None = None
    alert_email_to: str | None = None
    alert_webhook_url: str | None = None
    # SMTP (see _smtp_settings).
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "teamdash@localhost"
    # Scheduled reports and export workers (Celery; see _queue_settings).
    celery_broker_url: str | None = None
    report_webhooks: tuple[str, ...] = ()
    reports_tick_seconds: float = 30.0
    report_attempts: int = 4
    report_retry_seconds: float = 60.0
    report_lease_seconds: float = 60.0
    celery_visibility_timeout: float = 3600.0
    report_second_schedules: bool = False

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
        scopes = env.get("SCOPES_FILE")
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
            scopes_file=Path(scopes) if scopes else ROOT / "scopes.yaml",
            dashboards_dir=Path(env.get("DASHBOARDS_DIR") or ROOT / "dashboards"),
            query_timeout=_float(env, "QUERY_TIMEOUT", 10.0),
            sql_row_limit=int(_float(env, "SQL_ROW_LIMIT", 100_000)),
            demo_mode=_flag(env, "DEMO_MODE"),
            url_prefix=_prefix(env.get("URL_PREFIX") or "/"),
            embed_allowed_origins=_origins(env.get("EMBED_ALLOWED_ORIGINS", "")),
            cookie_secure=_flag(env, "SESSION_COOKIE_SECURE"),
            cookie_samesite=_samesite(env.get("SESSION_COOKIE_SAMESITE") or "Lax"),
            session_hours=_float(env, "SESSION_HOURS", 12.0),
            login_rate_limit=env.get("LOGIN_RATE_LIMIT") or "5 per minute",
            login_ip_rate_limit=env.get("LOGIN_IP_RATE_LIMIT") or "20 per minute",
            embed_max_ttl=_duration(env, "EMBED_MAX_TTL", "30d"),
            max_request_bytes=int(_float(env, "MAX_REQUEST_BYTES", 1 << 20)),
            public_url=_public_url(env.get("PUBLIC_URL", "")),
            allowed_hosts=tuple(h for h in re.split(r"[\s,]+", env.get("ALLOWED_HOSTS", "")) if h),
            trusted_proxy_hops=int(_float(env, "TRUSTED_PROXY_HOPS", 0)),
            export_timeout=_float(env, "EXPORT_TIMEOUT", 30.0),
            export_warmup=_flag(env, "EXPORT_WARMUP"),
            fiscal_year_start=_month(env, "FISCAL_YEAR_START"),
            **_alerting_settings(env),
            **_smtp_settings(env),
            **_queue_settings(env),
        )

    def with_(self, **changes) -> Settings:
        return replace(self, **changes)


def secret_key(settings: Settings) -> str:
    """SECRET_KEY, checked. Demo mode makes a random one and keeps it under var/ (so sessions
    survive a restart); otherwise the app does not start without a strong one."""
    key = settings.secret_key
    how = (
        "set SECRET_KEY to a random value, "
        "e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`"
    )
    if key:
        if key.strip().lower() in KNOWN_SECRET_KEYS:
            raise SystemExit(f"SECRET_KEY is a well-known default that anyone could use: {how}")
        if len(key) < MIN_SECRET_KEY:
            raise SystemExit(f"SECRET_KEY is shorter than {MIN_SECRET_KEY} characters: {how}")
        return key
    path = settings.var_dir / "secret_key"
    if not settings.demo_mode:
        demo = "; for the demo `make run` started, put DEMO_MODE=1 in front of the command"
        hint = demo if path.exists() else ""
        raise SystemExit(f"SECRET_KEY is not set (it signs sessions and embed tokens): {how}{hint}")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # Exclusive create: workers starting together agree on the first one written.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    for _ in range(50):
        key = path.read_text().strip()
        if key:
            return key
        time.sleep(0.02)
    raise SystemExit(f"{path} is empty: delete it and start again")

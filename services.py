"""What the running app is made of, for the callbacks, routes and commands that serve it: one
typed object, built once by `create_app` and kept on the Flask app (so that several apps, as in
the tests, live in one process, and page modules never import `app`). `services()` is the
current app's; every field's type is here, for a reader to follow."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import Engine

from alerting.client import AlertmanagerClient
from appdb.acks import AckStore
from appdb.notes import AnnotationStore
from appdb.personal import PersonalStore
from appdb.reports import ReportStore
from appdb.saved_views import SavedViewStore
from appdb.webhooks import WebhookStore
from auth.audit import AuditLog
from auth.embeds import EmbedLinks
from auth.login_limit import LoginLimiter, Rate
from auth.users import SessionStore, UserStore
from data.datasources import DataLayer
from data.spec import Dashboard
from jobs.queue import TaskQueue
from settings import Settings

EXTENSION = "teamdash"


@dataclass(frozen=True)
class Services:
    settings: Settings
    secret: str  # SECRET_KEY as checked at start-up (demo mode makes one)
    # The unscoped data layer: health checks, the CLI, and `view.resolve`, which scopes it per
    # viewer. A request reads through its view's layer, never this one.
    data: DataLayer
    dashboards: dict[str, Dashboard]  # by slug
    database: Engine  # the app's own database (appdb/schema.py)
    users: UserStore
    sessions: SessionStore
    audit: AuditLog
    login_limiter: LoginLimiter
    embed_links: EmbedLinks
    notes: AnnotationStore
    acks: AckStore
    alertmanager: AlertmanagerClient | None  # None without ALERTMANAGER_URL
    views: SavedViewStore  # saved views of dashboards
    personal: PersonalStore  # stars, recently viewed, views: read per page
    # Panels of all requests share these threads; a panel's queries are mostly waiting.
    panel_pool: ThreadPoolExecutor
    # Scheduled reports and the export workers (Celery): the subscriptions and their runs, and
    # the queue (not configured without CELERY_BROKER_URL), the webhooks they may post to.
    reports: ReportStore
    queue: TaskQueue
    webhooks: WebhookStore

    @classmethod
    def build(
        cls,
        settings: Settings,
        secret: str,
        data: DataLayer,
        dashboards: dict[str, Dashboard],
        database: Engine,
    ) -> Services:
        audit = AuditLog(database)
        views = SavedViewStore(database)
        return cls(
            settings=settings,
            secret=secret,
            data=data,
            dashboards=dashboards,
            database=database,
            users=UserStore(database),
            sessions=SessionStore(database, settings.session_hours),
            audit=audit,
            login_limiter=LoginLimiter(
                audit,
                Rate.parse(settings.login_rate_limit, "LOGIN_RATE_LIMIT"),
                Rate.parse(settings.login_ip_rate_limit, "LOGIN_IP_RATE_LIMIT"),
            ),
            embed_links=EmbedLinks(database, secret, settings.embed_max_ttl),
            notes=AnnotationStore(database),
            acks=AckStore(database),
            alertmanager=(
                AlertmanagerClient(settings.alertmanager_url, settings.query_timeout)
                if settings.alertmanager_url
                else None
            ),
            views=views,
            personal=PersonalStore(database, views),
            panel_pool=ThreadPoolExecutor(max_workers=16, thread_name_prefix="panel"),
            reports=ReportStore(database),
            queue=TaskQueue(settings),
            webhooks=WebhookStore(database, settings.report_webhooks),
        )

    def install(self, server: Flask) -> None:
        server.extensions[EXTENSION] = self


def services() -> Services:
    """The current app's (inside a request, a CLI command or an app context)."""
    return current_app.extensions[EXTENSION]

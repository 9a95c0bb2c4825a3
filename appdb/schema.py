"""The app's own database (SQLAlchemy Core), apart from the data it reads: users, login sessions,
the audit log, annotations, alert acknowledgements, embed links, saved views, report
subscriptions and their runs, and the admins' list of report webhooks. SQLite file by default,
PostgreSQL by URL (APP_DATABASE_URL). Tables are created at start-up when missing."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    inspect,
    make_url,
    text,
)
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

metadata = MetaData()

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("level", String(16), nullable=False),
    Column("teams", String(255), nullable=False, default=""),  # comma-separated
    Column("attributes", Text, nullable=False, default="{}"),  # JSON: {"region": "EU"}
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("theme", String(8)),  # light, dark; NULL: the OS's (system)
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(64), primary_key=True),  # sha256 of the id in the session cookie
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("ip", String(64)),
)

audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("action", String(64), nullable=False),
    Column("actor", String(128), nullable=False),
    Column("target", String(255), nullable=False, default=""),
    Column("outcome", String(16), nullable=False),
    Column("ip", String(64), nullable=False, default=""),
    Column("detail", Text, nullable=False, default="{}"),
    Index("ix_audit_at", "at"),
    Index("ix_audit_action", "action"),
    Index("ix_audit_ip_at", "ip", "at"),  # login limits count an address's recent attempts
)

annotations = Table(
    "annotations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dashboard", String(64), nullable=False),
    Column("time", DateTime(timezone=True), nullable=False),
    Column("end", DateTime(timezone=True)),
    Column("text", Text, nullable=False),
    Column("tags", String(255), nullable=False, default=""),
    Column("author", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("changed_at", DateTime(timezone=True)),  # last edit
    Index("ix_annotations_dashboard_time", "dashboard", "time"),
)

alert_acks = Table(
    "alert_acks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("fingerprint", String(64), nullable=False),  # alert name + labels
    Column("active_at", Float, nullable=False),  # the firing episode acknowledged (unix s)
    Column("comment", Text, nullable=False),
    Column("author", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_alert_acks_fingerprint", "fingerprint"),
)


embed_links = Table(
    "embed_links",
    metadata,
    Column("id", String(32), primary_key=True),  # in the signed token
    Column("dashboard", String(64), nullable=False),
    Column("variables", Text, nullable=False, default="{}"),  # JSON: locked values
    Column("scopes", Text, nullable=False, default="{}"),  # JSON: {"region": "EU"}
    Column("creator", String(128), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Column("revoked_by", String(128)),
    Column("last_used_at", DateTime(timezone=True)),
)


# Yours: what each user keeps for themselves (saved views, their defaults, stars, recently
# viewed dashboards). A user's rows go with the user.
saved_views = Table(
    "saved_views",
    metadata,
    Column("id", String(16), primary_key=True),  # random: the permalink /v/<id>
    Column("dashboard", String(64), nullable=False),
    Column("name", String(80), nullable=False),
    Column("owner_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("team", String(32)),  # shared with this team; NULL: the owner's alone
    Column("query", Text, nullable=False),  # the dashboard's URL state: ?from=...&var-x=...
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    # A user's names on one dashboard are unique (and their views found by this index).
    Index("ux_saved_views_dashboard_owner_name", "dashboard", "owner_id", "name", unique=True),
    Index("ix_saved_views_dashboard_team", "dashboard", "team"),
)

default_views = Table(
    "default_views",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("dashboard", String(64), primary_key=True),
    Column("view_id", String(16), ForeignKey("saved_views.id", ondelete="CASCADE"), nullable=False),
)

stars = Table(
    "stars",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("dashboard", String(64), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
)

dashboard_visits = Table(
    "dashboard_visits",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("dashboard", String(64), primary_key=True),  # one row per dashboard: bounded
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_dashboard_visits_user_at", "user_id", "at"),
)


# Scheduled reports (appdb/reports.py). A subscription reads under its owner's rights; its runs
# are unique per (subscription, slot): a slot is sent once, however often beat ticks or restarts.
report_subscriptions = Table(
    "report_subscriptions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("owner", String(64), nullable=False),  # a user name: reads under their rights
    Column("name", String(128), nullable=False),
    Column("dashboard", String(64), nullable=False),
    Column("saved_view", String(64)),  # a saved view's id: its state, the range still ours
    Column("panel", String(64)),  # PNG and CSV: the panel
    Column("format", String(8), nullable=False),  # pdf, png, csv
    Column("schedule", Text, nullable=False),  # JSON: reports.schedule.Schedule
    Column("time_from", String(64), nullable=False),
    Column("time_to", String(64), nullable=False),
    Column("variables", Text, nullable=False, default="{}"),  # JSON: {"region": ["EU"]}
    Column("recipients", Text, nullable=False, default=""),  # e-mail addresses, comma-separated
    Column("webhook", String(512)),  # a URL of the admins' list (report_webhooks)
    Column("notify", String(255)),  # the owner's address, told when a run cannot be sent
    Column("enabled", Integer, nullable=False, default=1),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("schedule_since", DateTime(timezone=True), nullable=False),  # slots after this fire
    Index("ix_report_subscriptions_owner", "owner"),
)

report_runs = Table(
    "report_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "subscription_id",
        Integer,
        ForeignKey("report_subscriptions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("slot", DateTime(timezone=True)),  # the scheduled moment; NULL for "Send now"
    Column("trigger", String(160), nullable=False),  # "schedule" or "send now by <user>"
    Column("state", String(16), nullable=False),  # queued, rendering, retrying, sent, failed
    Column("attempt", Integer, nullable=False, default=0),
    Column("attempts", Integer, nullable=False),
    Column("next_at", DateTime(timezone=True)),  # retrying: when the next attempt starts
    Column("lease_until", DateTime(timezone=True)),  # rendering: the worker's claim, renewed
    Column("worker", String(160)),
    Column("message_id", String(255)),
    Column("reason", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("subscription_id", "slot", name="uq_report_runs_slot"),
    Index("ix_report_runs_state", "state"),
)

# The webhooks report subscriptions may post to, kept by the admins (appdb/webhooks.py; those of
# REPORT_WEBHOOKS are added to them, from the environment).
report_webhooks = Table(
    "report_webhooks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", String(512), nullable=False, unique=True),
    Column("label", String(80), nullable=False),  # what users pick: the URL may hold a secret
    Column("added_by", String(64), nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
)

# Columns added after their table first shipped: databases made before get them at start-up.
ADDED_COLUMNS = (("annotations", "changed_at"), ("users", "theme"))


class AppDatabaseError(Exception):
    """The app database cannot be used; the message says which and why."""


def _upgrade(engine: Engine) -> None:
    """What create_all leaves out for a database made by an older version: added columns, and
    the indexes of tables that existed already."""
    existing = inspect(engine)
    for table_name, column_name in ADDED_COLUMNS:
        if column_name in {c["name"] for c in existing.get_columns(table_name)}:
            continue
        column = metadata.tables[table_name].c[column_name]
        kind = column.type.compile(engine.dialect)
        with engine.begin() as db:
            db.execute(text(f"ALTER TABLE {table_name} ADD COLUMN {column_name} {kind}"))
    for table in metadata.sorted_tables:
        for index in table.indexes:
            index.create(engine, checkfirst=True)


class Store:
    """Rows of the app's database (users, sessions, audit, notes, ...), through its engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine


def connect(url: str) -> Engine:
    """The state database's engine, with every table created."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise AppDatabaseError(f"APP_DATABASE_URL={url!r} is not a database URL: {exc}") from None
    connect_args = {}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        connect_args = {"check_same_thread": False, "timeout": 15}
    engine = create_engine(parsed, connect_args=connect_args, pool_pre_ping=True)
    if parsed.get_backend_name() == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:
            # WAL: gunicorn workers read while one writes; foreign keys for ON DELETE CASCADE.
            dbapi_connection.execute("PRAGMA journal_mode = WAL")
            dbapi_connection.execute("PRAGMA foreign_keys = ON")

    for attempt in range(3):
        try:
            metadata.create_all(engine)
            _upgrade(engine)
            return engine
        except SQLAlchemyError as exc:
            # Workers starting together may race to create a table: look again.
            if attempt == 2:
                shown = parsed.render_as_string(hide_password=True)
                reason = exc.__cause__ or exc
                raise AppDatabaseError(
                    f"the app database {shown} cannot be used: {reason}"
                ) from None
            time.sleep(0.2)
    return engine

"""The audit log: who did what, when, from where, and whether it was allowed.

Logins (every attempt, with its outcome), logouts, forbidden attempts, exports, embed links made,
used and revoked, user changes, alert acknowledgements, silences made and expired, annotations
added, edited and deleted, saved views saved, changed, deleted and made a default, report
subscriptions and their runs, report webhooks added and removed.
Callers pass only what is safe to keep: never a password or a token (an embed link is recorded
by its id). It is the only thing an unauthenticated request writes: login attempts, which the
login limits count (auth/login_limit.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, insert, select, update

from appdb.schema import Store, audit

ACTIONS = (
    "login",
    "logout",
    "forbidden",
    "export",
    "embed_token",
    "embed_use",
    "user_add",
    "user_set",
    "user_remove",
    "user_password",
    "alert_ack",
    "alert_silence",
    "alert_silence_expire",
    "annotation_add",
    "annotation_edit",
    "annotation_delete",
    "embed_revoke",
    "view_save",
    "view_change",
    "view_delete",
    "view_default",
    # Scheduled reports: subscriptions made, changed, deleted, sent now; each run's outcome.
    "report_subscribe",
    "report_edit",
    "report_delete",
    "report_send_now",
    "report_run",
    # The admins' list of report webhooks.
    "webhook_add",
    "webhook_remove",
)


@dataclass(frozen=True)
class Event:
    at: datetime
    action: str
    actor: str
    target: str
    outcome: str
    ip: str
    detail: dict


class AuditLog(Store):
    def record(
        self,
        action: str,
        actor: str,
        *,
        target: str = "",
        outcome: str = "ok",
        ip: str = "",
        detail: dict | None = None,
    ) -> int:
        """Adds the event; its id (to settle its outcome later)."""
        with self.engine.begin() as db:
            result = db.execute(
                insert(audit).values(
                    at=datetime.now(UTC),
                    action=action,
                    actor=actor[:128],
                    target=target[:255],
                    outcome=outcome,
                    ip=ip[:64],
                    detail=json.dumps(detail or {}, default=str)[:4000],
                )
            )
        return result.inserted_primary_key[0]

    def settle(self, event_id: int, outcome: str, detail: dict | None = None) -> None:
        """The outcome of an event recorded before it was known (a login attempt)."""
        changes: dict = {"outcome": outcome}
        if detail is not None:
            changes["detail"] = json.dumps(detail, default=str)[:4000]
        with self.engine.begin() as db:
            db.execute(update(audit).where(audit.c.id == event_id).values(**changes))

    def count(
        self,
        action: str,
        outcomes: tuple[str, ...],
        since: datetime,
        *,
        up_to: int,
        ip: str,
        actor: str | None = None,
    ) -> tuple[int, datetime | None]:
        """(how many events of `action` with one of `outcomes` from `ip` (an address, or the
        start of one: an IPv6 /64 written out) and `actor` since `since`, up to event `up_to`;
        the oldest one's time)."""
        address = audit.c.ip.startswith(ip, autoescape=True) if ":" in ip else audit.c.ip == ip[:64]
        query = (
            select(func.count(), func.min(audit.c.at))
            .where(address, audit.c.at >= since, audit.c.id <= up_to)
            .where(audit.c.action == action, audit.c.outcome.in_(outcomes))
        )
        if actor is not None:
            query = query.where(audit.c.actor == actor[:128])
        with self.engine.connect() as db:
            counted, oldest = db.execute(query).one()
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        return counted, oldest

    def events(
        self,
        *,
        action: str | None = None,
        actor: str | None = None,
        outcome: str | None = None,
        since: datetime | None = None,
        limit: int = 200,
    ) -> list[Event]:
        """Newest first, filtered."""
        query = select(audit).order_by(audit.c.id.desc()).limit(limit)
        if action:
            query = query.where(audit.c.action == action)
        if actor:
            query = query.where(audit.c.actor == actor)
        if outcome:
            query = query.where(audit.c.outcome == outcome)
        if since:
            query = query.where(audit.c.at >= since)
        with self.engine.connect() as db:
            rows = db.execute(query).all()
        return [
            Event(
                at=r.at if r.at.tzinfo else r.at.replace(tzinfo=UTC),
                action=r.action,
                actor=r.actor,
                target=r.target,
                outcome=r.outcome,
                ip=r.ip,
                detail=json.loads(r.detail or "{}"),
            )
            for r in rows
        ]

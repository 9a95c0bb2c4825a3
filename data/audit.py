"""The audit log: who did what, when, from where, and whether it was allowed.

Logins (both outcomes), logouts, forbidden attempts, exports, embed tokens made and used, user
changes and alert acknowledgements. Callers pass only what is safe to keep: never a password or a
token (an embed token is recorded by its id).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select

from data.state import audit

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
    "annotation_add",
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


class AuditLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(
        self,
        action: str,
        actor: str,
        *,
        target: str = "",
        outcome: str = "ok",
        ip: str = "",
        detail: dict | None = None,
    ) -> None:
        with self.engine.begin() as db:
            db.execute(
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

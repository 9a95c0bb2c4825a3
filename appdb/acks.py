"""Acknowledgements of alerts, in the app's database.

An acknowledgement belongs to one firing episode of one alert (its name and labels, and the time
it became active): when the alert resolves and fires again it is a new episode, unacknowledged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select

from appdb.schema import Store, alert_acks
from data.alerts import Alert


@dataclass(frozen=True)
class Ack:
    comment: str
    author: str
    at: datetime


class AckStore(Store):
    def acknowledge(self, alert: Alert, comment: str, author: str) -> Ack:
        ack = Ack(comment=comment, author=author, at=datetime.now(UTC))
        with self.engine.begin() as db:
            db.execute(
                insert(alert_acks).values(
                    fingerprint=alert.fingerprint,
                    active_at=alert.active_at,
                    comment=comment,
                    author=author,
                    at=ack.at,
                )
            )
        return ack

    def for_alerts(self, alerts: list[Alert]) -> dict[str, Ack]:
        """{fingerprint: the latest acknowledgement of the alert's current episode}."""
        if not alerts:
            return {}
        episodes = {(a.fingerprint, a.active_at) for a in alerts}
        query = (
            select(alert_acks)
            .where(alert_acks.c.fingerprint.in_([a.fingerprint for a in alerts]))
            .order_by(alert_acks.c.id)
        )
        with self.engine.connect() as db:
            rows = db.execute(query).all()
        acks = {}
        for row in rows:
            if (row.fingerprint, row.active_at) in episodes:
                at = row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)
                acks[row.fingerprint] = Ack(comment=row.comment, author=row.author, at=at)
        return acks

"""The webhooks report subscriptions may post to: a list the admins keep on /admin/webhooks (in the
app's database), each with a label, plus those of REPORT_WEBHOOKS for a deployment configured by
its environment (they come and go with the environment, not on the page). Users pick a webhook
by its label and never type an address for the server to call; the form names it by a key, not
its URL, which may hold a chat's secret. Whether a URL is on the list is asked again at every
run, so a removed webhook gets nothing more."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.exc import IntegrityError

from appdb.schema import report_webhooks
from settings import WEBHOOK_MAX, WEBHOOK_URL

LABEL_MAX = 80
FROM_ENVIRONMENT = "REPORT_WEBHOOKS"  # who "added" the environment's webhooks


def webhook_key(url: str) -> str:
    """What the reports form sends for a webhook: not its URL."""
    return hashlib.sha256(url.encode()).hexdigest()[:16]


class WebhookError(ValueError):
    """A webhook that cannot be added or removed so; the message says what to change."""


@dataclass(frozen=True)
class Webhook:
    url: str
    label: str
    added_by: str  # an admin's name, or FROM_ENVIRONMENT
    added_at: datetime | None = None
    id: int | None = None  # None: from REPORT_WEBHOOKS

    @property
    def key(self) -> str:
        return webhook_key(self.url)

    @property
    def from_environment(self) -> bool:
        return self.id is None


def check_url(raw: object) -> str:
    url = raw.strip() if isinstance(raw, str) else ""
    if not WEBHOOK_URL.fullmatch(url) or len(url) > WEBHOOK_MAX:
        raise WebhookError(
            f"give the webhook's full http(s) URL (at most {WEBHOOK_MAX} characters), such as "
            "https://chat.example.com/hooks/T0/B0/x"
        )
    return url


def check_label(raw: object) -> str:
    label = " ".join(raw.split()) if isinstance(raw, str) else ""
    if not label or len(label) > LABEL_MAX:
        raise WebhookError(
            f"give the webhook a label users will pick it by (up to {LABEL_MAX} characters), "
            "such as #sre-reports"
        )
    if any(unicodedata.category(c).startswith("C") for c in label):
        raise WebhookError("a label cannot contain control characters")
    return label


class WebhookStore:
    def __init__(self, engine: Engine, configured: tuple[str, ...] = ()) -> None:
        self.engine = engine
        self.configured = configured  # REPORT_WEBHOOKS

    def all(self) -> list[Webhook]:
        """The environment's webhooks, then the admins' by label."""
        with self.engine.connect() as db:
            rows = db.execute(select(report_webhooks).order_by(report_webhooks.c.label)).all()
        kept = [Webhook(r.url, r.label, r.added_by, r.added_at, r.id) for r in rows]
        stored = {hook.url for hook in kept}
        configured = [
            Webhook(url, f"{urlsplit(url).hostname} ({FROM_ENVIRONMENT})", FROM_ENVIRONMENT)
            for url in self.configured
            if url not in stored
        ]
        return configured + kept

    def allowed(self, url: str | None) -> bool:
        return url is not None and any(hook.url == url for hook in self.all())

    def by_key(self, key: object) -> Webhook | None:
        return next((hook for hook in self.all() if hook.key == key), None)

    def add(self, url: object, label: object, admin: str) -> Webhook:
        url, label = check_url(url), check_label(label)
        if url in self.configured:
            raise WebhookError("that webhook is on the list already (from REPORT_WEBHOOKS)")
        now = datetime.now(UTC)
        try:
            with self.engine.begin() as db:
                result = db.execute(
                    insert(report_webhooks).values(
                        url=url, label=label, added_by=admin[:64], added_at=now
                    )
                )
        except IntegrityError:
            raise WebhookError("that webhook is on the list already") from None
        return Webhook(url, label, admin, now, result.inserted_primary_key[0])

    def remove(self, hook_id: object) -> Webhook:
        """The admins' webhook `hook_id`, removed; WebhookError when there is none."""
        known = type(hook_id) is int  # not a bool, a string or a list from a payload
        hook = next((h for h in self.all() if known and h.id == hook_id), None)
        if hook is None:
            raise WebhookError("that webhook is not on the list (removed meanwhile?)")
        with self.engine.begin() as db:
            db.execute(delete(report_webhooks).where(report_webhooks.c.id == hook.id))
        return hook

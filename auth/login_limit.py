"""Login limits that stop an attacker, not the account's owner: failed attempts are counted per
(user name, IP address) and per IP address, in a moving window, so guessing a user's password
from one address blocks that address, never the user logging in from theirs. An IPv6 address
counts by its /64, which one host or household holds whole.

The counts are read from the audit log, where every attempt is recorded first (outcome
`checking`) and settled afterwards (`ok`, `denied`): the state database is shared by every
worker and every machine, so the limits hold across them with or without Redis, and a login
attempt writes nothing but its audit entry. Attempts still being checked count as failures, and
each attempt counts only those recorded before it, so a burst of parallel guesses cannot slip
through together.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from auth.audit import AuditLog

UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86_400}
_RATE = re.compile(r"^\s*(\d+)\s*(?:per|/)\s*(\d+)?\s*(second|minute|hour|day)s?\s*$")
COUNTED = ("checking", "denied")


@dataclass(frozen=True)
class Rate:
    attempts: int
    seconds: int

    @classmethod
    def parse(cls, text: str, setting: str) -> Rate:
        """`5 per minute`, `20/hour`, `10 per 5 minutes`."""
        match = _RATE.match(text)
        if not match or int(match.group(1)) < 1:
            raise SystemExit(
                f"{setting}={text!r} is not a rate; write it like '5 per minute' or '20 per hour'"
            )
        count, every, unit = match.groups()
        return cls(int(count), int(every or 1) * UNITS[unit])


def counted_address(ip: str) -> tuple[str, str]:
    """(the address as recorded, the prefix limits count by): IPv4 as it is, IPv6 written out
    in full and counted by its first four groups (its /64)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip, ip
    if address.version == 6 and address.ipv4_mapped is None:
        full = address.exploded
        return full, full[:20]
    plain = str(getattr(address, "ipv4_mapped", None) or address)
    return plain, plain


@dataclass(frozen=True)
class Attempt:
    event_id: int
    wait: float  # seconds until this address may try again; 0 when this attempt may go on


class LoginLimiter:
    def __init__(self, audit: AuditLog, per_user_ip: Rate, per_ip: Rate) -> None:
        self.audit = audit
        self.limits = ((per_user_ip, True), (per_ip, False))

    def begin(self, ip: str, username: str) -> Attempt:
        """Record the attempt (as `checking`) and say whether it may go on."""
        actor = username[:64] or "-"
        recorded, counted = counted_address(ip)
        event_id = self.audit.record("login", actor, outcome="checking", ip=recorded)
        now = datetime.now(UTC)
        waits = []
        for rate, per_user in self.limits:
            since = now - timedelta(seconds=rate.seconds)
            failures, oldest = self.audit.count(
                "login",
                COUNTED,
                since,
                up_to=event_id,
                ip=counted,
                actor=actor if per_user else None,
            )
            if failures > rate.attempts and oldest is not None:
                waits.append(max(1.0, (oldest - since).total_seconds()))
        return Attempt(event_id, max(waits, default=0.0))

    def settle(self, attempt: Attempt, outcome: str, **detail) -> None:
        """The attempt's outcome: ok, denied or limited (limited ones count no more)."""
        self.audit.settle(attempt.event_id, outcome, detail or None)

"""Login attempts per IP address and per user name, in a moving window (the `limits` library,
which Flask-Limiter is built on): in memory, or in Redis shared by every worker when REDIS_URL is
set."""

from __future__ import annotations

import time

import limits
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


class LoginLimiter:
    """Login attempts per IP and per user name in a moving window."""

    def __init__(self, rate: str, storage_uri: str) -> None:
        try:
            self.rate = limits.parse(rate)
        except ValueError:
            raise SystemExit(
                f"LOGIN_RATE_LIMIT={rate!r} is not a rate; write it like '5 per minute'"
            ) from None
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))

    def hit(self, ip: str, username: str) -> float:
        """Counts one attempt; 0 when allowed, else the seconds until the next is."""
        waits = []
        for scope, key in (("login-ip", ip), ("login-user", username.lower()[:64])):
            if not self.limiter.hit(self.rate, scope, key):
                reset = self.limiter.get_window_stats(self.rate, scope, key).reset_time
                waits.append(max(1.0, reset - time.time()))
        return max(waits, default=0.0)

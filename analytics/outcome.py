"""What every analytic result shares: instead of its numbers, it may say why it could not be
computed (too few points, no season), in words a panel shows."""

from __future__ import annotations


class Outcome:
    """A result whose `reason` (a dataclass field of the result, default None) says why it was
    not computed."""

    reason: str | None

    @property
    def ok(self) -> bool:
        return self.reason is None

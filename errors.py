"""Errors a user is told about as they are: what was wrong and what to do, with the HTTP status
that says why (a view refused, an export that cannot be made, an export engine that failed)."""

from __future__ import annotations


class StatusError(Exception):
    default_status = 500  # what a kind of error usually is: a subclass says

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status or self.default_status

"""The data layer's one error type: every failure becomes a sentence a user can act on."""

from __future__ import annotations

from enum import StrEnum


class ErrorKind(StrEnum):
    UNREACHABLE = "unreachable"
    TIMEOUT = "timeout"
    BAD_QUERY = "bad_query"
    SQL = "sql"
    CONFIG = "config"
    NO_DATA = "no_data"
    SCOPE = "scope"  # refused for the viewer's scope: not a failure of the datasource


class DataSourceError(Exception):
    """Raised by every datasource and by the cache; `str(err)` is safe to show in the UI.

    The message names what failed and where (URL, database, timeout) and never carries a stack
    trace; the original exception stays on `__cause__` for the logs.
    """

    def __init__(self, message: str, *, datasource: str, kind: ErrorKind) -> None:
        super().__init__(message)
        self.message = message
        self.datasource = datasource
        self.kind = kind

    def __reduce__(self):
        # Errors travel through the cache to callers waiting on the same query.
        return _rebuild, (self.message, self.datasource, str(self.kind))

    def to_dict(self) -> dict[str, str]:
        return {"datasource": self.datasource, "kind": str(self.kind), "message": self.message}


def _rebuild(message: str, datasource: str, kind: str) -> DataSourceError:
    return DataSourceError(message, datasource=datasource, kind=ErrorKind(kind))

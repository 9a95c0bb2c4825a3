"""What every datasource client is (data/prometheus.py, data/sql.py): a name, where it is (a URL
without its password), how long a query may take, and the errors it raises in its name."""

from __future__ import annotations

from data.errors import DataSourceError, ErrorKind


class Upstream:
    kind: str  # prometheus | sql

    def __init__(self, name: str, url: str, timeout: float) -> None:
        self.name = name
        self.url = url
        self.timeout = timeout

    def _error(self, message: str, kind: ErrorKind) -> DataSourceError:
        return DataSourceError(message, datasource=self.name, kind=kind)

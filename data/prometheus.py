"""A Prometheus datasource: range and instant queries and label values, as tidy DataFrames.

prometheus-api-client does the HTTP; this module gives it a session with our timeout and no
retries (a dashboard must fail fast and fall back to its cached value, not wait through backoffs),
and turns every failure into a DataSourceError whose message a user can act on.
"""

from __future__ import annotations

import ast
import json
import re
import time
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import requests
from prometheus_api_client import PrometheusApiClientException, PrometheusConnect
from requests.adapters import HTTPAdapter

from data.errors import ErrorKind
from data.health import probe
from data.metrics import UPSTREAM_LATENCY, UPSTREAM_QUERIES
from data.timerange import QueryWindow
from data.upstream import Upstream

_LEGEND = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def series_name(labels: dict[str, str], legend: str | None) -> str:
    """Grafana's legend: `{{route}} {{status_code}}` filled from the labels; without a legend the
    series selector (`name{a="b"}`), and `value` for a label-less result."""
    if legend:
        return _LEGEND.sub(lambda m: labels.get(m.group(1), ""), legend)
    name = labels.get("__name__", "")
    rest = ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()) if k != "__name__")
    if rest:
        return f"{name}{{{rest}}}"
    return name or "value"


def to_frame(result: list[dict], legend: str | None = None) -> pd.DataFrame:
    """Prometheus `matrix`/`vector` results -> one row per sample: timestamp (UTC), one column per
    label, value, series."""
    labels_seen = sorted({k for item in result for k in item["metric"]})
    columns: dict[str, list] = {k: [] for k in labels_seen}
    stamps, values, names = [], [], []
    for item in result:
        samples = item.get("values") or [item["value"]]
        pairs = np.asarray(samples, dtype=object)
        count = len(pairs)
        stamps.append(pairs[:, 0].astype(float))
        values.append(pairs[:, 1].astype(float))
        metric = item["metric"]
        for key in labels_seen:
            columns[key].extend([metric.get(key, "")] * count)
        names.extend([series_name(metric, legend)] * count)
    if not result:
        return pd.DataFrame(
            {"timestamp": pd.Series([], dtype="datetime64[ns, UTC]"), "value": [], "series": []}
        )
    # Prometheus times are seconds with millisecond precision; go through integer ms to keep them.
    millis = np.rint(np.concatenate(stamps) * 1000).astype("int64")
    frame = pd.DataFrame({"timestamp": pd.to_datetime(millis, unit="ms", utc=True)})
    for key, col in columns.items():
        frame[key] = col
    frame["value"] = np.concatenate(values)
    frame["series"] = names
    return frame


class PrometheusSource(Upstream):
    """One Prometheus server by URL. Thread-safe: requests sessions may be shared for GETs."""

    kind = "prometheus"

    def __init__(
        self,
        name: str,
        url: str,
        *,
        scrape_interval: float = 15.0,
        headers: dict[str, str] | None = None,
        timeout: float = 10.0,
    ) -> None:
        super().__init__(name, url.rstrip("/"), timeout)
        self.scrape_interval = scrape_interval
        session = requests.Session()
        adapter = HTTPAdapter(max_retries=0, pool_maxsize=32)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        self._session = session
        self._client = PrometheusConnect(
            url=self.url, headers=headers, session=session, timeout=timeout, retry=None
        )
        # The client mounts its own retrying adapter on our URL; take it out again.
        session.mount(self.url, adapter)

    def _call(self, what, *args, **kwargs):
        started = time.perf_counter()
        outcome = "error"
        try:
            result = what(*args, **kwargs)
            outcome = "ok"
            return result
        except requests.exceptions.Timeout as exc:
            outcome = "timeout"
            raise self._error(
                f"Prometheus at {self.url} did not answer within {self.timeout:g} s; "
                "narrow the time range or raise QUERY_TIMEOUT",
                ErrorKind.TIMEOUT,
            ) from exc
        except requests.exceptions.ConnectionError as exc:
            outcome = "unreachable"
            reason = root_reason(exc)
            raise self._error(
                f"Prometheus unreachable at {self.url}: {reason}; "
                "check that it is running and PROMETHEUS_URL points to it",
                ErrorKind.UNREACHABLE,
            ) from exc
        except PrometheusApiClientException as exc:
            raise self._error(_prometheus_error_text(str(exc)), _kind_of(str(exc))) from exc
        except (requests.exceptions.RequestException, ValueError, KeyError) as exc:
            raise self._error(
                f"Prometheus at {self.url} gave an answer that could not be read: {exc}",
                ErrorKind.BAD_QUERY,
            ) from exc
        finally:
            UPSTREAM_QUERIES.labels(self.name, outcome).inc()
            UPSTREAM_LATENCY.labels(self.name).observe(time.perf_counter() - started)

    def query_range(self, promql: str, window: QueryWindow, legend: str | None = None):
        result = self._call(
            self._client.custom_query_range,
            promql,
            start_time=datetime.fromtimestamp(window.start, UTC),
            end_time=datetime.fromtimestamp(window.end, UTC),
            step=str(window.step),
            params={"timeout": f"{self.timeout:g}s"},
        )
        return to_frame(result, legend)

    def query(self, promql: str, at: float | None = None, legend: str | None = None):
        params = {"timeout": f"{self.timeout:g}s"}
        if at is not None:
            params["time"] = f"{at:.3f}"
        result = self._call(self._client.custom_query, promql, params=params)
        return to_frame(result, legend)

    def label_values(
        self,
        label: str,
        match: str | None = None,
        start: float | None = None,
        end: float | None = None,
    ) -> list[str]:
        params: dict[str, str] = {}
        if match:
            params["match[]"] = match
        if start is not None:
            params["start"] = f"{start:.0f}"
        if end is not None:
            params["end"] = f"{end:.0f}"
        return sorted(self._call(self._client.get_label_values, label, params=params))

    def alerts(self) -> list[dict]:
        """The alerts Prometheus's rules have pending or firing, as /api/v1/alerts lists them,
        each with its rule's expression as `query` (from /api/v1/rules: scopes need to know
        what an alert reads)."""

        def fetch() -> list[dict]:
            response = self._session.get(
                f"{self.url}/api/v1/rules", params={"type": "alert"}, timeout=self.timeout
            )
            response.raise_for_status()
            return [
                {**alert, "query": rule.get("query", "")}
                for group in response.json()["data"]["groups"]
                for rule in group.get("rules", [])
                for alert in rule.get("alerts", [])
            ]

        return self._call(fetch)

    def health(self) -> dict:
        return probe(self.kind, self.url, lambda: self.query("vector(1)"))


def root_reason(exc: BaseException) -> str:
    """`connection refused` rather than urllib3's nested repr."""
    text = str(exc)
    for needle in ("Connection refused", "Name or service not known", "No route to host"):
        if needle in text:
            return needle.lower()
    return text.split(": ")[-1].rstrip(")'\"") or type(exc).__name__


_STATUS = re.compile(r"HTTP Status Code (\d+) \((b['\"].*)\)$", re.S)


def _prometheus_error_text(raw: str) -> str:
    """The client wraps Prometheus's JSON answer in a bytes repr; dig out Prometheus's own words."""
    match = _STATUS.search(raw)
    if not match:
        return f"Prometheus answered with an error: {raw[:300]}"
    code, body = match.groups()
    try:
        text = json.loads(ast.literal_eval(body))["error"]
    except (ValueError, SyntaxError, KeyError, TypeError):
        text = body[:300]
    return f"Prometheus rejected the query (HTTP {code}): {text}"


def _kind_of(raw: str) -> ErrorKind:
    if '"errorType":"timeout"' in raw.replace(" ", "") or "HTTP Status Code 503" in raw:
        return ErrorKind.TIMEOUT
    return ErrorKind.BAD_QUERY

"""The ALERTS series Prometheus would have written over backfilled history.

Prometheus writes `ALERTS{alertname, alertstate, ...}` only while it evaluates its rules, and
promtool backfills recording rules only: without this the alert panels of the demo would start
where the stack last started. Each alerting rule's expression is evaluated over the backfilled
span (a range query against a Prometheus on the backfilled TSDB, recording rules written out in
place); a run of steps where it holds is `pending` until the rule's `for` has passed, then
`firing`, as the rule manager decides it. The series go to blocks through promtool like the rest
of the history, a file a day.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import requests
import yaml

from data.timerange import parse_duration
from demo.backfill import build_blocks
from demo.series import DAY

STEP = 60
MAX_POINTS = 10_000  # Prometheus refuses range queries of more than 11,000 points a series


@dataclass(frozen=True)
class AlertRule:
    name: str
    expr: str
    hold: int  # the rule's `for`, seconds
    labels: dict[str, str]


def alert_rules(rules_file: Path) -> list[AlertRule]:
    """The file's alerting rules, their expressions with recording rules written out (the
    recorded series do not exist over backfilled time)."""
    groups = yaml.safe_load(Path(rules_file).read_text())["groups"]
    rules = [rule for group in groups for rule in group["rules"]]
    recorded = {r["record"]: " ".join(r["expr"].split()) for r in rules if "record" in r}
    alerts = []
    for rule in (r for r in rules if "alert" in r):
        expr = " ".join(rule["expr"].split())
        for name, definition in recorded.items():
            expr = re.sub(rf"(?<![\w:]){re.escape(name)}(?![\w:])", f"({definition})", expr)
        hold = int(parse_duration(rule["for"])) if rule.get("for") else 0
        alerts.append(AlertRule(rule["alert"], expr, hold, dict(rule.get("labels", {}))))
    return alerts


def _active(url: str, rule: AlertRule, start: int, end: int) -> dict[tuple, list[int]]:
    """{labels of a result series: the times at which the expression held}."""
    found: dict[tuple, list[int]] = {}
    chunk = STEP * MAX_POINTS
    for begin in range(start, end, chunk):
        params = {"query": rule.expr, "start": begin, "end": min(begin + chunk - STEP, end),
                  "step": STEP}  # fmt: skip
        answer = requests.get(f"{url}/api/v1/query_range", params=params, timeout=300)
        answer.raise_for_status()
        for series in answer.json()["data"]["result"]:
            labels = {k: v for k, v in series["metric"].items() if k != "__name__"}
            labels |= rule.labels | {"alertname": rule.name}
            key = tuple(sorted(labels.items()))
            found.setdefault(key, []).extend(int(float(t)) for t, _v in series["values"])
    return found


def alert_states(times: list[int], hold: int) -> dict[str, list[int]]:
    """Each run of consecutive steps is pending for its first `hold` seconds, then firing."""
    states: dict[str, list[int]] = {"pending": [], "firing": []}
    since = None
    previous = None
    for t in sorted(set(times)):
        if previous is None or t - previous > STEP:
            since = t
        states["firing" if t - since >= hold else "pending"].append(t)
        previous = t
    return states


def _escape(value: str) -> str:
    return value.replace("\\", r"\\").replace('"', r"\"").replace("\n", r"\n")


def alerts_openmetrics(url: str, rules_file: Path, start: int, end: int) -> tuple[str, int]:
    """OpenMetrics text of the ALERTS series over [start, end]; also how many series."""
    lines = ["# TYPE ALERTS gauge"]
    count = 0
    for rule in alert_rules(rules_file):
        for key, times in _active(url, rule, start, end).items():
            for state, stamps in alert_states(times, rule.hold).items():
                if not stamps:
                    continue
                labels = dict(key) | {"alertstate": state}
                text = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
                lines += [f"ALERTS{{{text}}} 1 {t}" for t in stamps]
                count += 1
    return "\n".join([*lines, "# EOF", ""]), count


def write_alert_history(tsdb: Path, url: str, rules_file: Path, start: int, end: int) -> int:
    """ALERTS over [start, end] as blocks in `tsdb`, from the Prometheus at `url` serving it;
    returns the number of series."""
    text, count = alerts_openmetrics(url, rules_file, start, end)
    if not count:
        return 0
    by_day: dict[int, list[str]] = {}
    for line in text.splitlines():
        if line.startswith("ALERTS{"):
            by_day.setdefault(int(line.rsplit(" ", 1)[1]) // DAY, []).append(line)
    with tempfile.TemporaryDirectory(dir=Path(tsdb).parent) as tmp:
        files = []
        for day, lines in sorted(by_day.items()):
            files.append(Path(tmp) / f"alerts-{day}.om")
            files[-1].write_text("\n".join(["# TYPE ALERTS gauge", *lines, "# EOF", ""]))
        build_blocks(files, Path(tsdb))
    return count

"""Start and stop a real Prometheus (the Debian binary) on 127.0.0.1, for `make run` and tests."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
import yaml


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_config(
    path: Path,
    *,
    scrape_interval: float,
    targets: dict[str, list[str]],
    rules_files: list[Path],
    evaluation_interval: float | None = None,
    alertmanagers: list[str] = (),
) -> Path:
    """prometheus.yml: one job per entry of `targets`. The demo exporter's job keeps the series'
    own `job`/`instance` labels (honor_labels) and is scraped every 5 s for live panels, with as
    long to answer (a shorter global interval would cut it shorter: a scrape that times out marks
    every demo series stale). Firing alerts go to the `alertmanagers` (host:port) given."""
    jobs = []
    for job, hosts in targets.items():
        entry: dict = {"job_name": job, "static_configs": [{"targets": hosts}]}
        if job == "demo":
            entry.update(scrape_interval="5s", scrape_timeout="5s", honor_labels=True)
        jobs.append(entry)
    config = {
        "global": {
            "scrape_interval": f"{scrape_interval:g}s",
            "evaluation_interval": f"{evaluation_interval or scrape_interval:g}s",
        },
        "rule_files": [str(Path(p).resolve()) for p in rules_files],
        "scrape_configs": jobs,
    }
    if alertmanagers:
        config["alerting"] = {
            "alertmanagers": [{"static_configs": [{"targets": list(alertmanagers)}]}]
        }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


class _Server:
    """A Debian server binary on 127.0.0.1:port, ready when `ready_path` answers 200; its output
    in `log_path`."""

    binary = ""
    package = ""
    ready_path = "/-/ready"

    def __init__(self, port: int, log_path: Path) -> None:
        self.port = port
        self.log_path = Path(log_path)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def args(self) -> list[str]:
        raise NotImplementedError

    def start(self, timeout: float = 15.0) -> None:
        binary = shutil.which(self.binary)
        if binary is None:
            raise SystemExit(
                f"{self.binary} is not installed: run `make run` (it installs what is missing) "
                f"or `apt-get install {self.package}`"
            )
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [binary, *self.args()], stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if requests.get(f"{self.url}{self.ready_path}", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        tail = self.log_path.read_text(errors="replace").splitlines()[-8:]
        name = type(self).__name__.removesuffix("Server")
        raise RuntimeError(f"{name} did not become ready on {self.url}:\n" + "\n".join(tail))

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()


class PrometheusServer(_Server):
    """`prometheus` on 127.0.0.1:port, TSDB in data_dir, log in data_dir/../prometheus.log.
    `resend_delay`: how often firing alerts are sent to Alertmanager again (Prometheus: 1m)."""

    binary = package = "prometheus"

    def __init__(
        self,
        data_dir: Path,
        config_path: Path,
        port: int,
        retention: str = "35d",  # the demo's 31 days of history, and room to run on
        admin_api: bool = False,
        resend_delay: str | None = None,
    ):
        self.data_dir = Path(data_dir)
        super().__init__(port, self.data_dir.parent / "prometheus.log")
        self.config_path = Path(config_path)
        self.retention = retention
        self.admin_api = admin_api
        self.resend_delay = resend_delay

    def args(self) -> list[str]:
        args = [f"--config.file={self.config_path}", f"--storage.tsdb.path={self.data_dir}",
                f"--storage.tsdb.retention.time={self.retention}",
                f"--web.listen-address=127.0.0.1:{self.port}"]  # fmt: skip
        if self.admin_api:
            args.append("--web.enable-admin-api")
        if self.resend_delay:
            args.append(f"--rules.alert.resend-delay={self.resend_delay}")
        return args


class AlertmanagerServer(_Server):
    """Debian's `prometheus-alertmanager` on 127.0.0.1:port: its silences and notification log
    in data_dir, its log in data_dir/../alertmanager.log. No cluster port (one instance)."""

    binary = package = "prometheus-alertmanager"

    def __init__(self, data_dir: Path, config_path: Path, port: int) -> None:
        self.data_dir = Path(data_dir)
        super().__init__(port, self.data_dir.parent / "alertmanager.log")
        self.config_path = Path(config_path)

    def args(self) -> list[str]:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return [f"--config.file={self.config_path}", f"--storage.path={self.data_dir}",
                f"--web.listen-address=127.0.0.1:{self.port}", "--cluster.listen-address=",
                f"--web.external-url={self.url}"]  # fmt: skip


def write_alertmanager_config(path: Path, config: dict) -> Path:
    """alertmanager.yml (alerting/routing.py makes `config`), readable by its owner only: it may
    hold the SMTP password."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    return path


def stored_until(data_dir: Path) -> int | None:
    """Unix seconds where the TSDB's blocks end (None without blocks); the write-ahead log is
    not counted: `persist_head` turns it into a block first."""
    ends = [json.loads(meta.read_text())["maxTime"] for meta in Path(data_dir).glob("*/meta.json")]
    return max(ends) // 1000 if ends else None


@contextmanager
def offline(data_dir: Path, port: int) -> Iterator[PrometheusServer]:
    """A Prometheus on `data_dir` that scrapes and evaluates nothing: to read or snapshot the
    TSDB between runs (the admin API is on). Prometheus must not be running on `data_dir`."""
    data_dir = Path(data_dir)
    config = write_config(
        data_dir.parent / "offline.yml", scrape_interval=60, targets={}, rules_files=[]
    )
    try:
        with PrometheusServer(data_dir, config, port, admin_api=True) as server:
            yield server
    finally:
        config.unlink(missing_ok=True)


def persist_head(data_dir: Path, port: int) -> bool:
    """Write what the last run scraped (Prometheus's write-ahead log) into a block of its own.

    Prometheus replays its WAL only after its newest block: a backfill written after the last run
    would otherwise make it drop everything that run scraped, leaving a gap. An offline Prometheus
    snapshots its head (admin API); the snapshot's new block moves into `data_dir` and the WAL,
    now in that block, is removed. Returns whether there was anything to keep."""
    data_dir = Path(data_dir)
    wal = data_dir / "wal"
    if not any(f.is_file() and f.stat().st_size for f in wal.glob("*")):
        return False
    with offline(data_dir, port) as server:
        answer = requests.post(
            f"{server.url}/api/v1/admin/tsdb/snapshot", params={"skip_head": "false"}, timeout=120
        )
        answer.raise_for_status()
    snapshots = data_dir / "snapshots"
    for block in (snapshots / answer.json()["data"]["name"]).iterdir():
        if block.is_dir() and not (data_dir / block.name).exists():
            shutil.move(block, data_dir / block.name)
    for scratch in (snapshots, wal, data_dir / "chunks_head"):
        shutil.rmtree(scratch, ignore_errors=True)
    return True

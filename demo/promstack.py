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
) -> Path:
    """prometheus.yml: one job per entry of `targets`. The demo exporter's job keeps the series'
    own `job`/`instance` labels (honor_labels) and is scraped every 5 s for live panels, with as
    long to answer (a shorter global interval would cut it shorter: a scrape that times out marks
    every demo series stale)."""
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
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


class PrometheusServer:
    """`prometheus` on 127.0.0.1:port, TSDB in data_dir, log in data_dir/../prometheus.log."""

    def __init__(
        self,
        data_dir: Path,
        config_path: Path,
        port: int,
        retention: str = "35d",  # the demo's 31 days of history, and room to run on
        admin_api: bool = False,
    ):
        self.data_dir = Path(data_dir)
        self.config_path = Path(config_path)
        self.port = port
        self.retention = retention
        self.admin_api = admin_api
        self.log_path = self.data_dir.parent / "prometheus.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 15.0) -> None:
        binary = shutil.which("prometheus")
        if binary is None:
            raise SystemExit(
                "prometheus is not installed: run `make run` (it installs what is missing) "
                "or `apt-get install prometheus`"
            )
        args = [binary, f"--config.file={self.config_path}",
                f"--storage.tsdb.path={self.data_dir}",
                f"--storage.tsdb.retention.time={self.retention}",
                f"--web.listen-address=127.0.0.1:{self.port}"]  # fmt: skip
        if self.admin_api:
            args.append("--web.enable-admin-api")
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if requests.get(f"{self.url}/-/ready", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        tail = self.log_path.read_text(errors="replace").splitlines()[-8:]
        raise RuntimeError(f"Prometheus did not become ready on {self.url}:\n" + "\n".join(tail))

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> PrometheusServer:
        self.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()


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

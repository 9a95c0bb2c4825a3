"""`make run` again keeps what Prometheus scraped last time, however the last run ended.

Prometheus replays its write-ahead log only after its newest block, so the backfill of the time the
stack was down used to drop everything the last run had scraped: a hole the length of that run in
every panel."""

from __future__ import annotations

import json
import time

import pytest
import requests

from demo import run
from demo.backfill import backfill
from demo.promstack import PrometheusServer, free_port, stored_until, write_config
from demo.series import MODEL_VERSION


def self_scraped_samples(server: PrometheusServer, at: float) -> int:
    answer = requests.get(
        f"{server.url}/api/v1/query",
        params={"query": 'count_over_time(up{job="self"}[15m])', "time": at},
        timeout=10,
    ).json()
    return int(answer["data"]["result"][0]["value"][1]) if answer["data"]["result"] else 0


@pytest.mark.parametrize("ending", ["terminate", "kill"])
def test_rst001_restart_keeps_the_scraped_samples_of_the_last_run(tmp_path, monkeypatch, ending):
    tsdb = tmp_path / "prometheus" / "data"
    (tmp_path / "prometheus").mkdir()
    (tmp_path / "prometheus" / "backfill.json").write_text(json.dumps({"model": MODEL_VERSION}))
    now = int(time.time())
    backfill(tsdb, now - 1800, now - 300, up_to_end=True)

    # The last run: Prometheus scrapes itself each second, then stops or is killed.
    port = free_port()
    config = write_config(
        tmp_path / "scrape.yml",
        scrape_interval=1,
        targets={"self": [f"127.0.0.1:{port}"]},
        rules_files=[],
    )
    last_run = PrometheusServer(tsdb, config, port)
    last_run.start()
    deadline = time.monotonic() + 30  # its scrape manager applies new targets every 5 s
    while self_scraped_samples(last_run, time.time()) < 3 and time.monotonic() < deadline:
        time.sleep(0.5)
    getattr(last_run.process, ending)()
    last_run.process.wait()
    stopped = time.time()

    # The next run starts five minutes later: history is backfilled from where the TSDB ends.
    monkeypatch.setattr(run.time, "time", lambda: stopped + 300)
    run.fill_history(tsdb)
    assert stored_until(tsdb) >= int(stopped + 300) - 1
    # The last run's WAL is in a block now (the offline Prometheus that read the TSDB since
    # leaves an empty one).
    assert not any(f.stat().st_size for f in tsdb.glob("wal/0*"))
    assert not (tsdb / "snapshots").exists()

    quiet = write_config(tmp_path / "quiet.yml", scrape_interval=60, targets={}, rules_files=[])
    with PrometheusServer(tsdb, quiet, port) as next_run:
        assert self_scraped_samples(next_run, stopped) >= 3
        # The alerts of the backfilled five minutes, as the rule manager would have written them.
        during = requests.get(
            f"{next_run.url}/api/v1/query",
            params={"query": 'ALERTS{alertname="DiskSpaceLow",alertstate="firing"}',
                    "time": stopped + 240},
            timeout=10,
        ).json()["data"]["result"]  # fmt: skip
        assert during

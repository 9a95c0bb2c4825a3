"""Write the demo world's history as OpenMetrics and turn it into TSDB blocks with promtool.

Traps this avoids (ENVIRONMENT.md): timestamps in seconds, not milliseconds; the file ends with
`# EOF`; each series' samples are contiguous and ascending. History older than two days is written
every 5 minutes, the last two days every minute, the last six hours every 15 s: dashboards over
7 days use steps of 10 minutes, and the files stay about a GB for a month. The last six hours are
at the app's default scrape interval because ranges up to 6 h ask for `rate(...[1m])`
($__rate_interval), which needs two samples a minute. promtool reads its whole input again for
every block (day) it builds, so the history goes to it a file a day: a month in one file cost it
eight times the CPU.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from demo.series import DAY, Series, families, sample

RECENT_STEP, FINE_STEP, COARSE_STEP = 15, 60, 300
RECENT_WINDOW, FINE_WINDOW = 6 * 3600, 2 * 86_400


@dataclass(frozen=True)
class BackfillStats:
    series: int
    samples: int
    seconds: float
    file_bytes: int


def timestamps(start: int, end: int, *, up_to_end: bool = False) -> np.ndarray:
    """Sample times in [start, end): every 5 min, every minute for the last two days, every 15 s
    for the last six hours; with `up_to_end` one more sample a second before `end`, so live
    scrapes continue without a gap."""
    fine_from = max(start, end - FINE_WINDOW)
    recent_from = max(start, end - RECENT_WINDOW)
    coarse = np.arange(start - start % COARSE_STEP + COARSE_STEP, fine_from, COARSE_STEP)
    fine = np.arange(fine_from - fine_from % FINE_STEP, recent_from, FINE_STEP)
    recent = np.arange(recent_from - recent_from % RECENT_STEP, end, RECENT_STEP)
    tiers = (coarse, fine[fine >= fine_from], recent[recent >= recent_from])
    stamps = np.concatenate([tier[tier >= start] for tier in tiers])
    if up_to_end and (len(stamps) == 0 or stamps[-1] < end - 1):
        stamps = np.append(stamps, end - 1)
    return stamps.astype(np.float64)


def _lines(key: str, t: np.ndarray, values: list[float]) -> str:
    return "".join(f"{key} {v!r} {int(ts)}\n" for ts, v in zip(t, values, strict=True))


def write_openmetrics(
    folder: Path, start: int, end: int, *, up_to_end: bool = False,
    only: Callable[[Series], bool] | None = None,
) -> tuple[list[Path], int, int]:  # fmt: skip
    """Every series (or those `only` keeps) from start to end as OpenMetrics files in `folder`,
    one a UTC day (promtool reads its whole input once for every day it spans: one file of a
    month costs thirty readings); returns (files, series, samples)."""
    t = timestamps(start, end, up_to_end=up_to_end)
    days = np.floor(t / DAY).astype(np.int64)
    cuts = np.flatnonzero(np.diff(days)) + 1
    spans = list(zip(np.concatenate([[0], cuts]), np.concatenate([cuts, [len(t)]]), strict=True))
    files = [Path(folder) / f"history-{days[i]}.om" for i, _ in spans]
    outs = [path.open("w") for path in files]
    count = 0
    try:
        for fam in families():
            kind = "histogram" if fam.kind == "histogram" else fam.kind
            base = fam.name.removesuffix("_total") if kind == "counter" else fam.name
            for out in outs:
                out.write(f"# HELP {base} {fam.help}\n# TYPE {base} {kind}\n")
            for s in fam.series:
                if only is not None and not only(s):
                    continue
                values = sample(s, t).tolist()
                key = s.key if s.labels else s.name
                for out, (i, j) in zip(outs, spans, strict=True):
                    out.write(_lines(key, t[i:j], values[i:j]))
                count += 1
    finally:
        for out in outs:
            out.write("# EOF\n")
            out.close()
    return files, count, count * len(t)


def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        raise SystemExit(
            "promtool is not installed: run `make run` (it installs what is missing) "
            "or `apt-get install prometheus`"
        )
    return path


def build_blocks(files: list[Path], tsdb_dir: Path) -> None:
    """TSDB blocks in `tsdb_dir` from OpenMetrics files (one a day, see write_openmetrics),
    each removed once read."""
    for source in files:
        result = subprocess.run(
            [promtool(), "tsdb", "create-blocks-from", "openmetrics",
             "--max-block-duration=24h", str(source), str(tsdb_dir)],
            capture_output=True, text=True,
        )  # fmt: skip
        if result.returncode != 0:
            tail = (result.stderr or result.stdout).strip().splitlines()[-5:]
            raise RuntimeError("promtool could not build blocks:\n" + "\n".join(tail))
        source.unlink()


def backfill(
    tsdb_dir: Path, start: int, end: int, *, up_to_end: bool = False,
    only: Callable[[Series], bool] | None = None,
) -> BackfillStats:  # fmt: skip
    """History for [start, end) as blocks in `tsdb_dir` (Prometheus must not be running on it),
    of every series or those `only` keeps."""
    started = time.perf_counter()
    tsdb_dir = Path(tsdb_dir)
    tsdb_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=tsdb_dir.parent) as tmp:
        files, series, samples = write_openmetrics(
            Path(tmp), int(start), int(end), up_to_end=up_to_end, only=only
        )
        size = sum(path.stat().st_size for path in files)
        build_blocks(files, tsdb_dir)
    return BackfillStats(series, samples, time.perf_counter() - started, size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, required=True, help="Prometheus data directory")
    parser.add_argument("--days", type=float, default=31)
    args = parser.parse_args()
    end = int(time.time()) // FINE_STEP * FINE_STEP
    stats = backfill(args.dir, int(end - args.days * 86_400), end)
    print(
        f"{stats.series} series, {stats.samples:,} samples, {stats.file_bytes / 2**20:.0f} MiB "
        f"of OpenMetrics, {stats.seconds:.1f} s"
    )


if __name__ == "__main__":
    main()

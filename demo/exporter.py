"""The live half of the demo world: a prometheus_client exporter that serves every series of
demo.series at the current time, so Prometheus's scrapes continue the backfilled history."""

from __future__ import annotations

import argparse
import time

import numpy as np
from prometheus_client import start_http_server
from prometheus_client.core import REGISTRY, Metric
from prometheus_client.registry import Collector

from demo.series import families, sample


class DemoCollector(Collector):
    def __init__(self, clock=time.time) -> None:
        self.clock = clock
        self.families = families()

    def collect(self):
        now = np.array([self.clock()])
        for fam in self.families:
            # Samples keep their full names (`_bucket`, `_total`); the family is typed "untyped"
            # so prometheus_client does not rename them.
            metric = Metric(fam.name, fam.help, "untyped")
            for s in fam.series:
                metric.add_sample(s.name, s.label_dict, float(sample(s, now)[0]))
            yield metric


def serve(port: int, host: str = "127.0.0.1") -> None:
    REGISTRY.register(DemoCollector())
    start_http_server(port, addr=host)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=9101)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    serve(args.port, args.host)
    print(f"demo exporter on http://{args.host}:{args.port}/metrics", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()

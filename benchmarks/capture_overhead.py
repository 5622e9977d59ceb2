"""Throughput of one service with input capture off and on (every record), alternating.

Run:  python benchmarks/capture_overhead.py --workspace DIR --model NAME[:VERSION] \
          [--duration 10] [--rounds 2]

Needs `wrk`. Each round measures capture off, then on at sample rate 1.0 (switched at run
time, no restart), with the classic two-record payload at 8 connections.
"""

from __future__ import annotations

import argparse
import statistics

from _machine import print_machine
from endpoint_throughput import RECORDS, wrk

from bankmarketing_ops import DriftMonitor, InsightsManager, ModelDeployer, ModelRegistry, Workspace


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    print_machine()
    workspace = Workspace.local(args.workspace)
    name, _, version = args.model.partition(":")
    model = ModelRegistry(workspace).get(name, int(version) if version else "latest")
    deployer, monitor = ModelDeployer(workspace), DriftMonitor(workspace)
    deployer.delete("bench-capture")
    service = deployer.deploy(model, "bench-capture")
    key = deployer.get_keys("bench-capture").primary_key.get_secret_value()
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    rates: dict[bool, list[float]] = {False: [], True: []}
    try:
        print(f"{'round':>5} {'capture':>8} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7}")
        for round_number in range(1, args.rounds + 1):
            for enabled in (False, True):
                if enabled:
                    monitor.enable_capture("bench-capture", sample_rate=1.0)
                else:
                    monitor.disable_capture("bench-capture")
                r = wrk(
                    service.scoring_uri,
                    {"data": RECORDS},
                    headers,
                    connections=8,
                    duration=args.duration,
                )
                rates[enabled].append(r["rps"])
                print(
                    f"{round_number:>5} {'on' if enabled else 'off':>8} {r['rps']:>8.0f} "
                    f"{r['p50'] / 1000:>7.3f} {r['p99'] / 1000:>7.3f}",
                    flush=True,
                )
        off, on = statistics.mean(rates[False]), statistics.mean(rates[True])
        recorded = len(monitor.captured("bench-capture"))
        print(
            f"mean: off {off:.0f} req/s, on {on:.0f} req/s, change {(on - off) / off:+.1%}; "
            f"{recorded:,} records captured"
        )
    finally:
        deployer.delete("bench-capture")
        InsightsManager(workspace).purge(service="bench-capture")


if __name__ == "__main__":
    main()

"""Throughput of one service with input capture off and on (every record), alternating.

Run:  python benchmarks/capture_overhead.py --workspace DIR --model NAME[:VERSION] \
          [--duration 10] [--rounds 2]

Needs `wrk`. Each round measures capture off, then on at sample rate 1.0 (switched at run
time, no restart), with the classic two-record payload at 8 connections.
"""

from __future__ import annotations

from _switch_rounds import compare

from bankmarketing_ops import DriftMonitor, Workspace


def switch(workspace: Workspace, service: str, on: bool) -> None:
    monitor = DriftMonitor(workspace)
    if on:
        monitor.enable_capture(service, sample_rate=1.0)
    else:
        monitor.disable_capture(service)


def captured(workspace: Workspace, service: str) -> int:
    return len(DriftMonitor(workspace).captured(service))


if __name__ == "__main__":
    compare(
        label="capture",
        service_name="bench-capture",
        switch=switch,
        stored=captured,
        what="records captured",
    )

"""Throughput of one service with request telemetry off and on, alternating, in one run.

Run:  python benchmarks/insights_overhead.py --workspace DIR --model NAME[:VERSION] \
          [--duration 10] [--rounds 2]

Needs `wrk`. Each round measures insights off, then on (switched at run time, no
restart), with the classic two-record payload at 8 connections.
"""

from __future__ import annotations

from _switch_rounds import compare

from bankmarketing_ops import InsightsManager, Workspace


def switch(workspace: Workspace, service: str, on: bool) -> None:
    insights = InsightsManager(workspace)
    (insights.enable if on else insights.disable)(service)


def recorded(workspace: Workspace, service: str) -> int:
    return InsightsManager(workspace).summary(service, name="POST /score").requests


if __name__ == "__main__":
    compare(
        label="insights",
        service_name="bench-insights",
        switch=switch,
        stored=recorded,
        what="requests recorded",
    )

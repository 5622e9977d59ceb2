"""Throughput of one service with a run-time switch off and on, alternating, in one run
(shared by insights_overhead.py and capture_overhead.py)."""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable

from _machine import print_machine
from endpoint_throughput import RECORDS, wrk

from bankmarketing_ops import InsightsManager, ModelDeployer, ModelRegistry, Workspace

#: (workspace, service, on) → None: flip the switch on a running service.
Switch = Callable[[Workspace, str, bool], None]
#: (workspace, service) → how many items the switch made the service store.
Stored = Callable[[Workspace, str], int]


def compare(*, label: str, service_name: str, switch: Switch, stored: Stored, what: str) -> None:
    """Parse the common options, deploy `service_name`, run the rounds, print the figures."""
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
    deployer = ModelDeployer(workspace)
    deployer.delete(service_name)
    service = deployer.deploy(model, service_name)
    key = deployer.get_keys(service_name).primary_key.get_secret_value()
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    rates: dict[bool, list[float]] = {False: [], True: []}
    try:
        print(f"{'round':>5} {label:>8} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7}")
        for round_number in range(1, args.rounds + 1):
            for enabled in (False, True):
                switch(workspace, service_name, enabled)
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
        print(
            f"mean: off {off:.0f} req/s, on {on:.0f} req/s, change {(on - off) / off:+.1%}; "
            f"{stored(workspace, service_name):,} {what}"
        )
    finally:
        deployer.delete(service_name)
        InsightsManager(workspace).purge(service=service_name)

"""Resets seen by keep-alive clients while a service restarts (SIGTERM, drain, start).

Run:  python benchmarks/drain_resets.py [--workspace DIR --model NAME[:VERSION]]
          [--clients 8] [--rounds 3]

Without `--model`, a small model is trained on 3,000 synthetic rows (about 10 s). Keeps
`--clients` keep-alive clients (httpx, no retries) each scoring one record every 50 ms, so
their connections are mostly idle, and restarts the service `--rounds` times. Failures are
sorted by kind: a reset (the server closed a connection a request was sent on: ReadError,
RemoteProtocolError, WriteError) is what the drain prevents; a refused connection (nothing
listens between stop and start) is expected during a restart.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
from _machine import print_machine

from bankmarketing_ops import AutoMLTrainer, ModelDeployer, ModelRegistry, Workspace, data

ROW = data.SCHEMA.example_row()
RESETS = (httpx.ReadError, httpx.RemoteProtocolError, httpx.WriteError)


def _client_loop(url: str, key: str, stop: threading.Event, outcomes: Counter[str]) -> None:
    with httpx.Client(headers={"Authorization": f"Bearer {key}"}, timeout=10) as client:
        while not stop.is_set():
            try:
                outcomes[str(client.post(url, json={"data": [ROW]}).status_code)] += 1
            except httpx.ConnectError:
                outcomes["refused"] += 1
            except RESETS as error:
                outcomes[f"reset ({type(error).__name__})"] += 1
            time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path)
    parser.add_argument("--model", help="NAME[:VERSION] (default: train a small one)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    workspace = Workspace.local(args.workspace or Path(tempfile.mkdtemp(prefix="drain-")))
    model = args.model
    if model is None:
        run = AutoMLTrainer(workspace, experiment_timeout_minutes=0.1, random_seed=1).train(
            data.synthetic(3_000, seed=5)
        )
        version = ModelRegistry(workspace).register_run(run, name="drain")
        model = f"{version.name}:{version.version}"
    print_machine()
    deployer = ModelDeployer(workspace)
    deployer.delete("drain")
    service = deployer.deploy(model, "drain")
    key = deployer.get_keys("drain").primary_key.get_secret_value()
    outcomes: Counter[str] = Counter()
    stop = threading.Event()
    threads = [
        threading.Thread(target=_client_loop, args=(service.scoring_uri, key, stop, outcomes))
        for _ in range(args.clients)
    ]
    for thread in threads:
        thread.start()
    try:
        for _ in range(args.rounds):
            time.sleep(1)
            deployer.restart("drain")
        time.sleep(1)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        deployer.delete("drain")
    resets = sum(n for kind, n in outcomes.items() if kind.startswith("reset"))
    print(
        f"{args.clients} keep-alive clients, {args.rounds} restarts: "
        f"{sum(outcomes.values())} requests, {resets} reset; by kind {dict(outcomes)}"
    )


if __name__ == "__main__":
    main()

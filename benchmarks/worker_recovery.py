"""Failed requests and seconds to recovery after a scoring worker is killed with kill -9.

Run:  python benchmarks/worker_recovery.py [--workspace DIR --model NAME[:VERSION]]
          [--workers 1 2] [--clients 4] [--timeout 60]

Without `--model`, a small model is trained on 3,000 synthetic rows (about 10 s) in a
temporary workspace. For each worker count: deploy, keep `--clients` keep-alive clients
scoring one record in a loop (no retries, so every failure counts), kill worker 0 with
SIGKILL after 3 s, and watch until the service is Healthy again with every worker running
(bounded by `--timeout`). Prints the failed requests by kind, the seconds from the kill to
the last failed request, and to full recovery (the restarted worker serving).
"""

from __future__ import annotations

import argparse
import os
import signal
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
from _machine import print_machine
from _models import model_or_small

from bankmarketing_ops import ModelDeployer, Workspace, data

ROW = data.SCHEMA.example_row()


def _client_loop(
    url: str, key: str, stop: threading.Event, outcomes: list[tuple[float, str]]
) -> None:
    with httpx.Client(headers={"Authorization": f"Bearer {key}"}, timeout=10) as client:
        while not stop.is_set():
            try:
                kind = str(client.post(url, json={"data": [ROW]}).status_code)
            except httpx.ConnectError:
                kind = "refused"
            except httpx.HTTPError as error:
                kind = type(error).__name__
            outcomes.append((time.monotonic(), kind))
            if kind != "200":
                time.sleep(0.01)  # a refused connect returns at once: do not spin


def measure(
    deployer: ModelDeployer, model: str, *, workers: int, clients: int, timeout: float
) -> dict[str, object]:
    name = f"recovery-{workers}"
    deployer.delete(name)
    service = deployer.deploy(model, name, workers=workers)
    key = deployer.get_keys(name).primary_key.get_secret_value()
    outcomes: list[tuple[float, str]] = []
    stop = threading.Event()
    threads = [
        threading.Thread(target=_client_loop, args=(service.scoring_uri, key, stop, outcomes))
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    try:
        time.sleep(3)
        victim = service.pids[0]
        killed = time.monotonic()
        os.kill(victim, signal.SIGKILL)
        recovered = None
        while time.monotonic() - killed < timeout:
            now = deployer.get(name)
            if now.state == "Healthy" and now.restarts >= 1 and len(now.pids) == workers:
                recovered = time.monotonic()
                break
            time.sleep(0.05)
        time.sleep(1)  # a second more of traffic on the healed service
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        deployer.delete(name)
    after = [(t, kind) for t, kind in outcomes if t >= killed]
    failures = [(t, kind) for t, kind in after if kind != "200"]
    return {
        "workers": workers,
        "requests after the kill": len(after),
        "failed": len(failures),
        "by kind": dict(Counter(kind for _, kind in failures)) or "-",
        "s to last failure": round(failures[-1][0] - killed, 2) if failures else 0.0,
        "s to full recovery": round(recovered - killed, 2) if recovered else f">{timeout:g}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path)
    parser.add_argument("--model", help="NAME[:VERSION] (default: train a small one)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()
    workspace = Workspace.local(args.workspace or Path(tempfile.mkdtemp(prefix="recovery-")))
    model = model_or_small(workspace, args.model, name="recovery")
    print_machine()
    deployer = ModelDeployer(workspace)
    rows = [
        measure(deployer, model, workers=n, clients=args.clients, timeout=args.timeout)
        for n in args.workers
    ]
    for row in rows:
        print("  ".join(f"{k}: {v}" for k, v in row.items()))


if __name__ == "__main__":
    main()

"""What keep-alive clients see when they send during a restart's drain.

Run:  python benchmarks/drain_resets.py [--workspace DIR --model NAME[:VERSION]]
          [--clients 8] [--rounds 3]

Without `--model`, a small model is trained on 3,000 synthetic rows (about 10 s). Each
round: `--clients` keep-alive clients (httpx, no retries) score once, so each holds an idle
connection; `services restart` begins (SIGTERM to the service); as soon as the port
refuses new connections (the server has begun to stop), every client sends once more on
its connection. Outcomes by kind: 200 (answered during the drain), refused (the client
found its connection closed and could not open another), reset (ReadError,
RemoteProtocolError, WriteError: closed under the request).
"""

from __future__ import annotations

import argparse
import socket
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
RESETS = (httpx.ReadError, httpx.RemoteProtocolError, httpx.WriteError)


def _send(client: httpx.Client, url: str) -> str:
    try:
        return str(client.post(url, json={"data": [ROW]}).status_code)
    except httpx.ConnectError:
        return "refused"
    except RESETS as error:
        return f"reset ({type(error).__name__})"


def _refuses(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return False
    except (ConnectionRefusedError, ConnectionResetError):  # reset: caught closing
        return True


def one_round(
    deployer: ModelDeployer, clients: list[httpx.Client], url: str, port: int
) -> list[str]:
    assert {_send(client, url) for client in clients} == {"200"}  # each holds a connection
    restart = threading.Thread(target=deployer.restart, args=("drain",))
    restart.start()
    deadline = time.monotonic() + 30
    while not _refuses(port) and time.monotonic() < deadline:
        time.sleep(0.005)
    outcomes: list[str] = []
    senders = [
        threading.Thread(target=lambda c=client: outcomes.append(_send(c, url)))
        for client in clients
    ]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    restart.join()
    return outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path)
    parser.add_argument("--model", help="NAME[:VERSION] (default: train a small one)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    workspace = Workspace.local(args.workspace or Path(tempfile.mkdtemp(prefix="drain-")))
    model = model_or_small(workspace, args.model, name="drain")
    print_machine()
    deployer = ModelDeployer(workspace)
    deployer.delete("drain")
    service = deployer.deploy(model, "drain")
    key = deployer.get_keys("drain").primary_key.get_secret_value()
    clients = [
        httpx.Client(headers={"Authorization": f"Bearer {key}"}, timeout=10)
        for _ in range(args.clients)
    ]
    outcomes: Counter[str] = Counter()
    try:
        for _ in range(args.rounds):
            outcomes.update(one_round(deployer, clients, service.scoring_uri, service.port))
    finally:
        for client in clients:
            client.close()
        deployer.delete("drain")
    print(
        f"{args.clients} keep-alive clients x {args.rounds} restarts, sent during the drain: "
        f"{dict(outcomes)}"
    )


if __name__ == "__main__":
    main()

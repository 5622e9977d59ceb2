"""What the per-request access line costs the scoring path, measured in-process.

Run:  python benchmarks/access_log_overhead.py [--workspace DIR --model NAME[:VERSION]]
          [--requests 5000] [--rounds 3]

Without --model it trains a small model on synthetic data first (about 10 s). The scoring
application is called directly (no sockets, so the figure is not drowned in loopback
noise) with `POST /score` and the classic one-record payload, its log going to a file as
in a deployed service. Rounds alternate the access line off and on; the report gives the
median microseconds per request of each and the difference, and what writing one line
costs the access-log thread (off the request path, but the same process's CPU).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from _machine import print_machine

from bankmarketing_ops import AutoMLTrainer, ModelRegistry, Workspace, data
from bankmarketing_ops.serving.access_log import AccessLog, configure_access_logging
from bankmarketing_ops.serving.app import ScoringApp
from bankmarketing_ops.serving.config import ServiceConfig, new_keys, write_keys
from bankmarketing_ops.serving.server import configure_server_logging


def _app(workspace: Workspace, ref: str | None, folder: Path) -> ScoringApp:
    registry = ModelRegistry(workspace)
    if ref is None:
        run = AutoMLTrainer(workspace, experiment_timeout_minutes=0.1).train(
            data.synthetic(3_000, seed=5)
        )
        version = registry.register_run(run, name="bench")
    else:
        name, _, number = ref.partition(":")
        version = registry.get(name, int(number) if number else "latest")
    now = datetime.now(UTC).isoformat()
    folder.mkdir(parents=True)
    ServiceConfig(
        name="bench",
        model_ref=version.ref,
        model_dir=str(Path(version.path) / "model"),
        port=0,
        created_at=now,
        updated_at=now,
        deployment_id="bench",
    ).write(folder)
    keys = new_keys()
    write_keys(folder, keys)
    app = ScoringApp(folder)
    app.load_model()
    return app


async def _requests(app: ScoringApp, count: int, key: str) -> float:
    body = orjson.dumps({"data": [data.SCHEMA.example_row()]})
    headers = [
        (b"authorization", f"Bearer {key}".encode()),
        (b"content-type", b"application/json"),
        (b"host", b"127.0.0.1"),
    ]
    scope: dict[str, Any] = {"type": "http", "method": "POST", "path": "/score"}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        return None

    started = time.perf_counter()
    for _ in range(count):
        await app(dict(scope, headers=headers), receive, send)
    return (time.perf_counter() - started) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path)
    parser.add_argument("--model")
    parser.add_argument("--requests", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    temporary = Path(tempfile.mkdtemp())
    workspace = Workspace.local(args.workspace or temporary / "workspace")
    app = _app(workspace, args.model, temporary / "service")
    key = (temporary / "service" / "keys.json").read_text()
    key = orjson.loads(key)["primary"]
    configure_server_logging()
    log = temporary / "server.log"
    stream = log.open("a")  # a deployed service's stderr is its log file
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(logging.StreamHandler(stream))
    configure_access_logging(stream)
    access_log = AccessLog()
    asyncio.run(_requests(app, 500, key))  # warm up
    times: dict[str, list[float]] = {"off": [], "on": []}
    for _ in range(args.rounds):
        for state in ("off", "on"):
            app.access_log = access_log if state == "on" else None
            times[state].append(asyncio.run(_requests(app, args.requests, key)))
    access_log.close()
    entry = (time.time(), "POST", "/score", 200, 0.5, "0" * 32, "bench:1", "bench")
    batch = AccessLog(flush_interval_s=3600)  # only close() writes: time the thread's work
    for _ in range(args.requests):
        batch.record(entry)
    started = time.perf_counter()
    batch.close()
    emitted = (time.perf_counter() - started) / args.requests * 1e6
    print_machine()
    off, on = (statistics.median(times[s]) * 1e6 for s in ("off", "on"))
    print(f"{args.requests:,} requests x {args.rounds} rounds, in-process, POST /score, 1 record")
    print(f"access line off: {off:8.1f} µs per request (median of rounds)")
    print(f"access line on:  {on:8.1f} µs per request")
    print(f"difference:      {on - off:8.1f} µs per request ({(on - off) / off:+.1%})")
    print(f"writing a line:  {emitted:8.1f} µs in the access-log thread (off the request path)")
    print(f"log: {sum(1 for _ in log.open())} lines, {log.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()

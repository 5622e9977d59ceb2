"""The typed client against a local service: batch throughput and per-call overhead.

Run:  BANKOPS_DATA=path/to/bankmarketing_train.csv python benchmarks/client_throughput.py \
          --workspace DIR --model NAME[:VERSION]

1. `score_batch` over all rows of the real file (chunks of 2,000, 4 in flight), for the
   given model and for a default LightGBM trained here (a lighter model): rows/s end to end,
   measured once the service scores through compiled native code (it compiles in the
   background after it starts; with BANKOPS_NATIVE_SCORING=0 it never does, and the
   figures are the libraries' own predictors').
2. One-record calls, one after another: median time of `EndpointClient.score` against a
   bare `httpx.Client.post` of the same bytes — the client's own overhead.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from typing import Any

import httpx
import lightgbm
import orjson
from _machine import print_machine

from bankmarketing_ops import ModelDeployer, ModelRegistry, Workspace, data
from bankmarketing_ops.client import EndpointClient
from bankmarketing_ops.config import get_settings
from bankmarketing_ops.ml.features import records_of


def batch_rate(client: EndpointClient, rows: list[dict[str, Any]]) -> float:
    started = time.perf_counter()
    count = sum(1 for _ in client.score_batch(rows, chunk_size=2_000, concurrency=4))
    return count / (time.perf_counter() - started)


def wait_for_native(base: str, *, timeout_s: float = 300) -> int:
    """Members the service scores through native code, once it has compiled them (0 at
    once when native scoring is off)."""
    if not get_settings().native_scoring:  # what the service reads too
        return 0
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = re.search(
            r"^bankops_native_members\{[^}]*\} (\S+)$",
            httpx.get(base + "metrics").text,
            re.MULTILINE,
        )
        if found:
            return int(float(found.group(1)))
        time.sleep(0.2)
    raise SystemExit("the service did not compile its model in time; see its log")


def overhead(uri: str, key: str, row: dict[str, Any], calls: int = 2_000) -> tuple[float, float]:
    body = orjson.dumps({"data": [row], "method": "predict"})
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    bare_times, client_times = [], []
    with httpx.Client() as bare, EndpointClient(uri, key=key) as client:
        for _ in range(calls):
            begin = time.perf_counter()
            bare.post(uri, content=body, headers=headers).raise_for_status()
            bare_times.append(time.perf_counter() - begin)
            begin = time.perf_counter()
            client.score([row])
            client_times.append(time.perf_counter() - begin)
    return statistics.median(bare_times), statistics.median(client_times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    args = parser.parse_args()
    print_machine()
    workspace = Workspace.local(args.workspace)
    registry, deployer = ModelRegistry(workspace), ModelDeployer(workspace)
    frame = data.load(data.locate().path)
    rows = [dict(r) for r in records_of(frame.drop(columns=["y"]))]
    name, _, version = args.model.partition(":")
    heavy = registry.get(name, int(version) if version else "latest")
    x, y = data.split_features(frame)
    light = registry.register_model(
        lightgbm.LGBMClassifier(verbose=-1).fit(x, y),
        name="bench-default-lightgbm",
        test_data=frame,
    )
    try:
        for label, model in (("AutoML 2-min model", heavy), ("default LightGBM", light)):
            deployer.delete("bench-client")
            service = deployer.deploy(model, "bench-client", workers=args.workers)
            key = deployer.get_keys("bench-client").primary_key.get_secret_value()
            native = wait_for_native(service.scoring_uri.removesuffix("score"))
            with EndpointClient(service.scoring_uri, key=key) as client:
                batch_rate(client, rows[:4_000])  # warm: connections, caches
                rate = batch_rate(client, rows)
            print(
                f"score_batch, {label} ({model.ref}, {native} members native, "
                f"{args.workers} worker(s)): "
                f"{len(rows):,} rows, {rate:,.0f} rows/s"
            )
        bare, ours = overhead(service.scoring_uri, key, rows[0])
        print(
            f"one-record call, median: bare httpx {bare * 1e3:.3f} ms, EndpointClient "
            f"{ours * 1e3:.3f} ms, overhead {(ours - bare) * 1e3:+.3f} ms"
        )
    finally:
        deployer.delete("bench-client")
        registry.delete("bench-default-lightgbm")


if __name__ == "__main__":
    main()

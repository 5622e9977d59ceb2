"""Endpoint latency and throughput over loopback, beside MLflow's and Azure's scoring servers.

Run:  BANKOPS_DATA=path/to/bankmarketing_train.csv python benchmarks/endpoint_throughput.py \
          --workspace DIR --model NAME[:VERSION] [--mlflow-python PATH] [--azure] \
          [--duration 10]

Needs `wrk` (Debian package `wrk`). `--mlflow-python` is the interpreter of an environment
with MLflow installed (`pip install mlflow lightgbm pandas` in a separate venv); the same
LightGBM members are saved as an MLflow pyfunc model and served with `mlflow models
serve`. `--azure` serves them with Azure ML's own scoring server, `azmlinfsrv` (the dev
extra installs azureml-inference-server-http), behind a scoring script in the form of
AutoML's v1 template (`_azure_score_v1.py`), with its default single worker, bound to
loopback. Every server gets the classic two-record payload: latency percentiles at
concurrency 1, throughput at 1, 8 and 32 connections, each for --duration seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from _machine import print_machine

from bankmarketing_ops import ModelDeployer, ModelRegistry, Workspace, data

HERE = Path(__file__).resolve().parent
RECORDS = [
    data.SCHEMA.example_row(),
    dict(data.SCHEMA.example_row(), age=45, job="management", duration=400, month="may"),
]


# LightGBM's predict uses every core through OpenMP by default; on a busy 2-core machine a
# two-row predict then waits for threads (~90 ms instead of 0.1 ms). Our server predicts
# on one thread per process; the other servers get the same, so the stacks are compared.
ONE_THREAD = {"OMP_NUM_THREADS": "1"}


def wrk(
    url: str, body: dict[str, object], headers: dict[str, str], *, connections: int, duration: int
) -> dict[str, float]:
    script = Path(tempfile.mkdtemp()) / "post.lua"
    lines = ['wrk.method = "POST"', f"wrk.body = {json.dumps(json.dumps(body))}"]
    lines += [f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items()]
    lines += [
        "done = function(summary, latency, requests)",
        '  for _, p in pairs({50, 95, 99}) do io.write(string.format("p%d %d\\n", p, '
        "latency:percentile(p))) end",
        '  io.write(string.format("errors %d\\n", summary.errors.status + '
        "summary.errors.connect + summary.errors.read + summary.errors.write + "
        "summary.errors.timeout))",
        "end",
    ]
    script.write_text("\n".join(lines) + "\n")
    out = subprocess.run(
        [
            "wrk",
            f"-t{min(connections, 2)}",
            f"-c{connections}",
            f"-d{duration}s",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    for name in ("p50", "p95", "p99", "errors"):
        result[name] = float(re.search(rf"^{name} (\d+)$", out, re.M).group(1))
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def lightgbm_only(model_dir: Path, what: str) -> dict[str, Any]:
    """The model's manifest; exits when a member is not LightGBM (the comparison servers'
    scoring code reads LightGBM boosters only)."""
    manifest: dict[str, Any] = json.loads((model_dir / "model.json").read_text())
    if any(m["kind"] != "lightgbm" for m in manifest["members"]):
        kinds = ", ".join(sorted({m["kind"] for m in manifest["members"]}))
        raise SystemExit(f"{what}: every member must be LightGBM (this model has {kinds})")
    return manifest


def wait_until_up(health_url: str, what: str, *, seconds: float = 60) -> None:
    """Poll `health_url` until it answers 200; give up after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(health_url).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{what} did not start")


def start_mlflow(python: str, model_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    manifest = json.loads((model_dir / "model.json").read_text())
    target = Path(tempfile.mkdtemp()) / "mlflow-model"
    artifacts = {"manifest": str(model_dir / "model.json")}
    artifacts |= {m["file"]: str(model_dir / m["file"]) for m in manifest["members"]}
    save = (
        f"import sys; sys.path.insert(0, {str(HERE)!r}); import mlflow.pyfunc; "
        "from _mlflow_model import VotingLightGBM; "
        f"mlflow.pyfunc.save_model({str(target)!r}, python_model=VotingLightGBM(), "
        f"artifacts={json.dumps(artifacts)}, code_paths=[{str(HERE / '_mlflow_model.py')!r}])"
    )
    subprocess.run([python, "-c", save], check=True)
    port = free_port()
    # MLflow starts `uvicorn` through the shell: its environment's bin must be on PATH.
    env = {
        **os.environ,
        "PATH": f"{Path(python).parent}{os.pathsep}{os.environ['PATH']}",
        **ONE_THREAD,
    }
    process = subprocess.Popen(
        [
            python,
            "-m",
            "mlflow",
            "models",
            "serve",
            "-m",
            str(target),
            "-p",
            str(port),
            "-h",
            "127.0.0.1",
            "--env-manager",
            "local",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_up(f"{url}/ping", "MLflow's server")
    return process, f"{url}/invocations"


def start_azure(model_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    """azmlinfsrv on loopback: it binds 0.0.0.0 by a constant, set here before it starts."""
    port = free_port()
    launch = (
        "import azureml_inference_server_http.amlserver as server; "
        "server.DEFAULT_HOST = '127.0.0.1'; server.run()"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", launch, "--entry_script", "_azure_score_v1.py", "--port", str(port)],
        cwd=HERE,
        env={
            **os.environ,
            "AZUREML_MODEL_DIR": str(model_dir),
            "AML_APP_ROOT": str(HERE),
            **ONE_THREAD,
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_up(f"{url}/", "azmlinfsrv")
    return process, f"{url}/score"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--mlflow-python")
    parser.add_argument("--azure", action="store_true", help="also serve with azmlinfsrv")
    parser.add_argument("--duration", type=int, default=10)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("install wrk (apt-get install wrk)")
    print_machine()
    workspace = Workspace.local(args.workspace)
    name, _, version = args.model.partition(":")
    model = ModelRegistry(workspace).get(name, int(version) if version else "latest")
    if args.mlflow_python or args.azure:  # before anything starts: nothing to clean up
        lightgbm_only(Path(model.path) / "model", "the MLflow and azmlinfsrv comparisons")
    deployer = ModelDeployer(workspace)
    deployer.delete("bench-endpoint")
    service = deployer.deploy(model, "bench-endpoint")
    key = deployer.get_keys("bench-endpoint").primary_key.get_secret_value()
    targets = {
        "bankops": (
            service.scoring_uri,
            {"data": RECORDS},
            {"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )
    }
    mlflow = None
    if args.mlflow_python:
        mlflow, url = start_mlflow(args.mlflow_python, Path(model.path) / "model")
        targets["mlflow"] = (
            url,
            {"dataframe_records": RECORDS},
            {"Content-Type": "application/json"},
        )
    azure = None
    if args.azure:
        azure, url = start_azure(Path(model.path) / "model")
        targets["azmlinfsrv"] = (url, {"data": RECORDS}, {"Content-Type": "application/json"})
    try:
        for label, (url, body, headers) in targets.items():
            reply = httpx.post(url, json=body, headers=headers)
            print(f"{label}: {reply.status_code} {reply.text[:120]}")
        print(
            f"model {model.ref} ({', '.join(m.family for m in model.members)}); "
            f"payload: 2 records; {args.duration} s per cell"
        )
        print(
            f"{'server':<10} {'conc.':>5} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} "
            f"{'p99 ms':>8} {'errors':>7}"
        )
        for connections in (1, 8, 32):
            for label, (url, body, headers) in targets.items():
                r = wrk(url, body, headers, connections=connections, duration=args.duration)
                print(
                    f"{label:<10} {connections:>5} {r['rps']:>9.0f} {r['p50'] / 1000:>8.3f} "
                    f"{r['p95'] / 1000:>8.3f} {r['p99'] / 1000:>8.3f} {r['errors']:>7.0f}",
                    flush=True,
                )
    finally:
        deployer.delete("bench-endpoint")
        if mlflow is not None:
            mlflow.terminate()
        if azure is not None:  # gunicorn's master and its worker
            os.killpg(azure.pid, signal.SIGTERM)
            azure.wait()


if __name__ == "__main__":
    main()

"""Azure's own scoring server (`azmlinfsrv`, the PyPI package azureml-inference-server-http)
started on loopback for tests, with a scoring script of ours.

`azmlinfsrv` always binds 0.0.0.0 (its `DEFAULT_HOST` constant, handed to gunicorn as
`-b`; no option or variable changes it). The tests must not listen beyond this machine,
so the server is started through its own `run()` with that constant set to 127.0.0.1.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

SCRIPTS = Path(__file__).resolve().parent / "client" / "azure_scoring"
_LAUNCH = (
    "import azureml_inference_server_http.amlserver as server; "
    "server.DEFAULT_HOST = '127.0.0.1'; server.run()"
)


@dataclass(frozen=True)
class InferenceServer:
    base_url: str
    script: str

    @property
    def scoring_uri(self) -> str:
        return f"{self.base_url}/score"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(script: str, model_dir: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {**os.environ, "AZUREML_MODEL_DIR": str(model_dir), "AML_APP_ROOT": str(SCRIPTS)}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", _LAUNCH, "--entry_script", script, "--port", str(port)],
            cwd=SCRIPTS,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # gunicorn's master and worker: stopped as one group
        )
    return process, f"http://127.0.0.1:{port}"


def _wait_healthy(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"azmlinfsrv exited ({process.returncode}):\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"azmlinfsrv did not answer GET / in 90 s:\n{log.read_text()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def inference_servers(
    scripts: tuple[str, ...], model_dir: Path, logs: Path
) -> Iterator[dict[str, InferenceServer]]:
    """One running `azmlinfsrv` per scoring script (started together), stopped after."""
    started = {s: _start(s, model_dir, logs / f"{s}.log") for s in scripts}
    try:
        for script, (process, url) in started.items():
            _wait_healthy(process, url, logs / f"{script}.log")
        yield {s: InferenceServer(url, s) for s, (_, url) in started.items()}
    finally:
        for process, _ in started.values():
            _stop(process)

"""Keep one service's workers running: `python -m bankmarketing_ops.serving.supervisor DIR`.

The deployer starts one supervisor per service, detached; the supervisor starts the
service's worker processes (`serving.server`) and restarts a worker that dies by a signal
or an error exit (a container's "on-failure" restart policy), after a backoff that doubles
with each failure in a row (0.5 s up to 30 s; reset once a worker has run for a minute).
The other workers keep serving meanwhile, and a restarted worker loads its model before it
takes connections. A worker that exits 0 stopped on purpose (it could not load its model
at first start, or someone stopped it) and is not restarted; when none is left the
supervisor exits too.

It runs without the package's `__init__` (see `start_detached`), so it imports only
light modules. It records its pid, the restart count and the last exit reason in
`supervisor.json`, which `bankops services show` reports. On SIGTERM it stops its workers
gracefully and exits.

Why not uvicorn's or gunicorn's own manager: uvicorn's multiprocess supervisor restarts at
once, without backoff, and keeps neither count nor exit reason; gunicorn would replace our
process model (one SO_REUSEPORT socket per worker, each worker's pid in `runtime-<n>.json`,
models swapped in place) and needs a separate uvicorn worker package.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from bankmarketing_ops import _constants as C
from bankmarketing_ops._atomic import atomic_write_text
from bankmarketing_ops._logging import get_logger
from bankmarketing_ops._processes import start_detached
from bankmarketing_ops.serving.config import LOG_FILE, ServiceConfig, runtime_file
from bankmarketing_ops.serving.process import process_started

__all__ = ["SUPERVISOR_FILE", "SupervisorState", "exit_reason", "main", "supervise"]

_log = get_logger("bankmarketing_ops.serving.supervisor")
SUPERVISOR_FILE = "supervisor.json"
WORKER_MODULE = "bankmarketing_ops.serving.server"


class SupervisorState(BaseModel):
    """What `supervisor.json` holds."""

    pid: int
    started: str | None = None
    """The supervisor's start time (with the pid, its identity)."""
    restarts: int = 0
    """Workers restarted since the service (re)started."""
    last_exit_reason: str | None = None
    """How the last worker that died ended, e.g. `worker 0 (pid 123) killed by SIGKILL`."""
    last_exit_at: str | None = None

    def write(self, directory: Path) -> None:
        atomic_write_text(directory / SUPERVISOR_FILE, self.model_dump_json() + "\n")

    @classmethod
    def read(cls, directory: Path) -> SupervisorState | None:
        try:
            return cls.model_validate_json((directory / SUPERVISOR_FILE).read_text())
        except (OSError, ValueError):
            return None


def exit_reason(returncode: int) -> str:
    """`killed by SIGKILL`, `exited with code 1`, `exited normally`."""
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return "exited normally" if returncode == 0 else f"exited with code {returncode}"


@dataclass
class _Worker:
    number: int
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    failures: int = 0
    """Failures in a row: the backoff's exponent."""
    restart_at: float | None = None


def _start(folder: Path, worker: _Worker, *, restart: bool) -> None:
    arguments = [str(folder), "--worker", str(worker.number)]
    if restart:
        arguments.append("--load-first")
    process = start_detached(WORKER_MODULE, arguments, log=folder / LOG_FILE)
    # The worker rewrites this with its port once it listens; the pid is known now.
    identity = {"pid": process.pid, "started": process_started(process.pid)}
    atomic_write_text(
        folder / runtime_file(worker.number),
        json.dumps({**identity, "port": None, "worker": worker.number}),
    )
    worker.process, worker.started_at, worker.restart_at = process, time.monotonic(), None
    _log.info("service %s: started worker %d (pid %d)", folder.name, worker.number, process.pid)


def supervise(folder: Path) -> None:
    """Run the service's workers until SIGTERM/SIGINT, or until every worker stopped on
    purpose."""
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop_signal, stop)
    state = SupervisorState(pid=os.getpid(), started=process_started(os.getpid()))
    state.write(folder)
    for stale in folder.glob("runtime-*.json"):
        stale.unlink(missing_ok=True)
    workers = [_Worker(n) for n in range(ServiceConfig.read(folder).workers)]
    for worker in workers:
        _start(folder, worker, restart=False)
    while not stopping:
        now = time.monotonic()
        for worker in workers:
            if worker.process is not None:
                code = worker.process.poll()
                if code is None:
                    if worker.failures and now - worker.started_at > C.RESTART_BACKOFF_RESET_S:
                        worker.failures = 0
                    continue
                state = _worker_exited(folder, state, worker, code, now)
            elif worker.restart_at is not None and now >= worker.restart_at:
                _start(folder, worker, restart=True)
                state = state.model_copy(update={"restarts": state.restarts + 1})
                state.write(folder)
        if all(w.process is None and w.restart_at is None for w in workers):
            _log.info("service %s: every worker stopped; supervisor exits", folder.name)
            return
        time.sleep(C.SUPERVISOR_POLL_S)
    _stop_workers(folder, [w.process for w in workers if w.process is not None])


def _worker_exited(
    folder: Path, state: SupervisorState, worker: _Worker, code: int, now: float
) -> SupervisorState:
    assert worker.process is not None
    pid, worker.process = worker.process.pid, None
    reason = f"worker {worker.number} (pid {pid}) {exit_reason(code)}"
    if code == 0:  # stopped on purpose: a restart would fail (or defy) the same way
        _log.info("service %s: %s; not restarted", folder.name, reason)
        return state
    delay = min(C.RESTART_BACKOFF_INITIAL_S * 2**worker.failures, C.RESTART_BACKOFF_MAX_S)
    worker.failures += 1
    worker.restart_at = now + delay
    _log.warning("service %s: %s; restarting it in %.1f s", folder.name, reason, delay)
    state = state.model_copy(
        update={
            "last_exit_reason": reason,
            "last_exit_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    )
    state.write(folder)
    return state


def _stop_workers(folder: Path, processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + C.STOP_TIMEOUT_S
    for process in processes:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _log.warning("service %s: pid %d did not stop; killing it", folder.name, process.pid)
            process.kill()
            process.wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("service_dir", type=Path)
    args = parser.parse_args(argv)
    # The service log's format (as serving.server writes it); no heavier import for it.
    logging.basicConfig(
        level=logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger(C.PACKAGE_NAME).setLevel(logging.INFO)
    supervise(args.service_dir)


if __name__ == "__main__":
    main()

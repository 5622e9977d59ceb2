"""Starting runner processes, and noticing runs whose runner died.

Runs queue in the store. A dispatcher (in the pipeline server) starts at most
`max_concurrent_runs` runners at once, oldest run first. A runner is a detached process:
it keeps going if the server stops, and a restarted server adopts it (it still counts
towards the limit). A run whose runner is gone while the run is not finished — killed,
or the machine restarted — is marked Failed with that reason, never left "Running".
"""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path
from typing import Final

from bankmarketing_ops._logging import get_logger
from bankmarketing_ops._processes import alive, is_same_process, process_started, start_detached
from bankmarketing_ops.backends.local.pipelines.store import PipelineStore

__all__ = ["Dispatcher", "launch", "reconcile"]

RUNNER_MODULE: Final = "bankmarketing_ops.backends.local.pipelines.runner"
RUNNER_LOG: Final = "runner.log"
#: A claimed run whose runner has not recorded itself after this long never started.
START_GRACE_S: Final = 60.0
_log = get_logger(__name__)


def launch(store: PipelineStore, workspace_root: Path, run_id: str) -> subprocess.Popen[bytes]:
    """Start the runner of `run_id` (which must be claimed, i.e. Running)."""
    process = start_detached(
        RUNNER_MODULE,
        [str(workspace_root), run_id],
        log=store.runs_dir / run_id / RUNNER_LOG,
        sigterm_ignored_at_start=True,  # a cancel meanwhile is seen through the store
    )
    store.update_run(run_id, runner_pid=process.pid, runner_started=process_started(process.pid))
    _log.info("pipeline run %s: runner started (pid %d)", run_id, process.pid)
    return process


def reconcile(store: PipelineStore) -> list[str]:
    """Mark Failed every Running run whose runner is gone (Canceled if a cancel was asked);
    queue again a claimed run whose runner never started. Returns the ids marked Failed."""
    failed = []
    for run_id, pid, started, claimed_at in store.running():
        if pid is None:
            if claimed_at is not None and time.time() - claimed_at < START_GRACE_S:
                continue  # being started right now
            if store.requeue(run_id):  # it never ran a step: safe to run it after all
                _log.warning("pipeline run %s: its runner never started; queued again", run_id)
            continue
        if alive(pid) and is_same_process(pid, started):
            continue
        log = store.runs_dir / run_id / RUNNER_LOG
        if store.cancel_requested(run_id):
            store.finish_run(run_id, "Canceled", "canceled")
            continue
        reason = (
            "its runner process ended before the run finished (killed, or the machine restarted)"
        )
        if store.finish_run(run_id, "Failed", f"{reason}; see {log}"):
            _log.warning("pipeline run %s failed: %s", run_id, reason)
            failed.append(run_id)
    return failed


class Dispatcher:
    """A thread that keeps up to `max_concurrent_runs` runners going."""

    def __init__(
        self, store: PipelineStore, workspace_root: Path, *, max_concurrent_runs: int
    ) -> None:
        self._store = store
        self._root = workspace_root
        self._limit = max_concurrent_runs
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._children: dict[str, subprocess.Popen[bytes]] = {}
        self._thread = threading.Thread(target=self._loop, name="pipeline-dispatcher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        """Look at the queue now (a run was just queued)."""
        self._wake.set()

    def stop(self) -> None:
        """Stop dispatching. Runners keep running; a restarted server adopts them."""
        self._stopping.set()
        self._wake.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self.dispatch_once()
            except Exception:  # a bad moment (disk full, locked db) must not end dispatching
                _log.exception("pipeline dispatcher: will retry")
            self._wake.wait(timeout=0.5)
            self._wake.clear()

    def dispatch_once(self) -> None:
        for run_id, child in list(self._children.items()):
            if child.poll() is not None:  # reap our finished runners
                del self._children[run_id]
        reconcile(self._store)
        active = len(self._store.running())
        while active < self._limit and not self._stopping.is_set():
            run = self._store.claim_next_queued()
            if run is None:
                return
            try:
                self._children[run.id] = launch(self._store, self._root, run.id)
            except OSError as exc:
                self._store.finish_run(run.id, "Failed", f"cannot start its runner: {exc}")
            active += 1

"""The pipeline server's files under `<workspace>/pipelines/`: the bearer token
(`keys.json`, mode 0600), the running server's `server.json` (pid, port), and each run's
`runs/<id>/` (step logs, outputs, the runner's own log)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
from pathlib import Path
from typing import Final

from bankmarketing_ops._processes import alive, is_same_process
from bankmarketing_ops.backends.local.pipelines.store import PipelineStore
from bankmarketing_ops.serving.config import KEYS_FILE, new_keys, write_keys
from bankmarketing_ops.types.pipelines import PipelineRun

__all__ = ["RUNTIME_FILE", "SERVER_CONFIG_FILE", "PipelineFiles", "read_step_logs"]

RUNTIME_FILE: Final = "server.json"
SERVER_LOG: Final = "server.log"
#: The server's settings: port, concurrent runs, and optionally the transport limits
#: (`max_header_bytes`, `request_read_timeout_s`, `max_connections`, `drain_timeout_s`).
SERVER_CONFIG_FILE: Final = "server-config.json"


class PipelineFiles:
    """Paths and small files of one workspace's pipelines."""

    def __init__(self, workspace_root: Path) -> None:
        self.workspace_root = workspace_root
        self.root = workspace_root / "pipelines"
        self.keys = self.root / KEYS_FILE
        self.runtime = self.root / RUNTIME_FILE
        self.server_log = self.root / SERVER_LOG

    def ensure_token(self) -> str:
        """The bearer token, made on first use."""
        if not self.keys.exists():
            self.root.mkdir(parents=True, exist_ok=True)
            write_keys(self.root, {"primary": new_keys()["primary"]})
        return str(json.loads(self.keys.read_text())["primary"])

    def regenerate_token(self) -> str:
        """A new token; the old one stops working at once (the server rereads the file)."""
        self.root.mkdir(parents=True, exist_ok=True)
        write_keys(self.root, {"primary": new_keys()["primary"]})
        return self.ensure_token()

    def server(self) -> dict[str, object] | None:
        """The running server's pid and port, or None when none runs."""
        try:
            runtime = json.loads(self.runtime.read_text())
        except (OSError, ValueError):
            return None
        pid, started = runtime.get("pid"), runtime.get("started")
        if not isinstance(pid, int) or not alive(pid) or not is_same_process(pid, started):
            return None
        return dict(runtime)

    def cancel(self, store: PipelineStore, run: PipelineRun) -> None:
        """Cancel a run: a queued one at once, a running one by SIGTERM to its runner."""
        if run.done:
            return
        if run.status in ("Queued", "NotStarted"):
            store.finish_run(run.id, "Canceled", "canceled before it started")
            return
        # The flag first: a runner still starting (or not started) sees it at its next
        # check; then the signal, to the runner's whole process group (it leads its own
        # session), so a step's child processes stop too.
        store.request_cancel(run.id)
        for run_id, pid, started, _ in store.running():
            if run_id == run.id and pid is not None and is_same_process(pid, started):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, signal.SIGTERM)


def read_step_logs(run: PipelineRun, step: str | None = None) -> dict[str, list[str]]:
    """Each step's log lines (one step if `step` is given); steps not started have none."""
    logs: dict[str, list[str]] = {}
    for item in run.steps:
        if step is not None and item.name != step:
            continue
        path = Path(item.log_file) if item.log_file else None
        logs[item.name] = path.read_text().splitlines() if path and path.exists() else []
    return logs

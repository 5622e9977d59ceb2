"""Local pipelines: a store (SQLite), a pipeline server process, and runner processes.

`publish` stores the pipeline and makes sure the workspace's pipeline server runs; its
endpoint URL is stable across server restarts (the port is kept in `server-config.json`).
`submit` starts a runner straight away, without the server.
"""

from __future__ import annotations

import builtins
import contextlib
import json
import os
import signal
import time
from collections import deque
from pathlib import Path
from typing import Any, Final

import httpx

from bankmarketing_ops import _constants as C
from bankmarketing_ops._atomic import atomic_write_text
from bankmarketing_ops._exceptions import PipelineError
from bankmarketing_ops._locks import exclusive
from bankmarketing_ops._logging import get_logger
from bankmarketing_ops._processes import alive, free_port, start_detached
from bankmarketing_ops.backends.local.pipelines.dispatch import launch, reconcile
from bankmarketing_ops.backends.local.pipelines.files import (
    SERVER_CONFIG_FILE,
    PipelineFiles,
    read_step_logs,
)
from bankmarketing_ops.backends.local.pipelines.store import PipelineRecord, PipelineStore
from bankmarketing_ops.types.pipelines import (
    Pipeline,
    PipelineEndpoint,
    PipelineRun,
    PublishedPipeline,
)

__all__ = ["LocalPipelines"]

_log = get_logger(__name__)
SERVER_MODULE: Final = "bankmarketing_ops.backends.local.pipelines.server"
SERVER_CONFIG: Final = SERVER_CONFIG_FILE


class LocalPipelines:
    """Publishes, serves and runs pipelines of one local workspace."""

    def __init__(self, workspace_root: Path) -> None:
        self._root = workspace_root
        self._files = PipelineFiles(workspace_root)
        self._store = PipelineStore(self._files.root)

    # --- the server ---------------------------------------------------------------------
    def _server_config(self, port: int | None, max_concurrent_runs: int | None) -> dict[str, int]:
        """The server's port and concurrency: kept from the first start unless changed, so
        published endpoint URLs stay valid."""
        path = self._files.root / SERVER_CONFIG
        try:
            config: dict[str, int] = json.loads(path.read_text())
        except (OSError, ValueError):
            config = {}
        changed = {
            **config,  # the transport limits a user may have added
            "port": port or config.get("port") or free_port(),
            "max_concurrent_runs": max_concurrent_runs
            or config.get("max_concurrent_runs")
            or C.PIPELINE_MAX_CONCURRENT_RUNS,
        }
        if changed != config:
            atomic_write_text(path, json.dumps(changed))
        return changed

    def server_url(self) -> str:
        """The base URL endpoints are published under (the server need not run)."""
        port = self._server_config(None, None)["port"]
        return f"http://{C.SERVER_HOST}:{port}"

    def server_status(self) -> dict[str, object] | None:
        """The running server's pid, port and limits, or None."""
        return self._files.server()

    def start_server(
        self, *, port: int | None = None, max_concurrent_runs: int | None = None
    ) -> str:
        """Start the server in the background unless it runs; its base URL."""
        with exclusive(self._files.root):
            running = self._files.server()
            if running is not None:  # nothing changes while it runs (nor in its config)
                if (port is not None and running.get("port") != port) or (
                    max_concurrent_runs is not None
                    and running.get("max_concurrent_runs") != max_concurrent_runs
                ):
                    raise PipelineError(
                        f"the pipeline server runs on port {running.get('port')} with "
                        f"{running.get('max_concurrent_runs')} concurrent runs; stop it first "
                        "(bankops pipelines stop) to change that"
                    )
                return f"http://{C.SERVER_HOST}:{running['port']}"
            config = self._server_config(port, max_concurrent_runs)
            self._files.ensure_token()
            self._files.runtime.unlink(missing_ok=True)
            process = start_detached(
                SERVER_MODULE,
                [
                    str(self._root),
                    "--port",
                    str(config["port"]),
                    "--max-concurrent-runs",
                    str(config["max_concurrent_runs"]),
                ],
                log=self._files.server_log,
            )
            url = f"http://{C.SERVER_HOST}:{config['port']}"
            self._wait_healthy(process.pid, url)
            _log.info("pipeline server started at %s (pid %d)", url, process.pid)
            return url

    def _wait_healthy(self, pid: int, url: str) -> None:
        deadline = time.monotonic() + C.PIPELINE_SERVER_START_TIMEOUT_S
        while True:
            if not alive(pid):
                raise PipelineError(
                    "the pipeline server stopped while starting; its log ends with:\n"
                    + "\n".join(self._server_log_tail(15))
                )
            running = self._files.server()
            if running is not None and running.get("pid") == pid:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(url + "/", timeout=C.HEALTH_TIMEOUT_S).status_code == 200:
                        return
            if time.monotonic() > deadline:
                raise PipelineError(
                    f"the pipeline server did not answer within "
                    f"{C.PIPELINE_SERVER_START_TIMEOUT_S:.0f} s; see {self._files.server_log}"
                )
            time.sleep(0.1)

    def _server_log_tail(self, lines: int) -> list[str]:
        try:
            with self._files.server_log.open(errors="replace") as handle:
                return list(deque(handle, maxlen=lines))
        except OSError:
            return []

    def stop_server(self) -> bool:
        """Stop the background server (runs keep going); whether one was running."""
        running = self._files.server()
        if running is None:
            return False
        pid = int(str(running["pid"]))
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + C.STOP_TIMEOUT_S
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return True

    def serve(self, *, port: int | None, max_concurrent_runs: int | None) -> None:
        """Run the server in this process until Ctrl-C (`bankops pipelines serve`)."""
        from bankmarketing_ops.backends.local.pipelines.server import serve

        running = self._files.server()
        if running is not None:
            raise PipelineError(
                f"a pipeline server already runs for this workspace on port "
                f"{running.get('port')} (pid {running.get('pid')}); stop it first with: "
                "bankops pipelines stop"
            )
        config = self._server_config(port, max_concurrent_runs)
        serve(self._root, port=config["port"], max_concurrent_runs=config["max_concurrent_runs"])

    def token(self) -> str:
        return self._files.ensure_token()

    def regenerate_token(self) -> str:
        return self._files.regenerate_token()

    def auth_header(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token()}"}

    # --- published pipelines ------------------------------------------------------------
    def _published(self, record: PipelineRecord, base: str | None = None) -> PublishedPipeline:
        base = base or self.server_url()
        return PublishedPipeline(
            id=record.id,
            name=record.name,
            version=record.version,
            description=record.description,
            enabled=record.enabled,
            endpoint=f"{base}/PipelineRuns/PipelineSubmit/{record.id}",
            parameters=list(record.definition.parameters),
            steps=record.definition.step_names(),
            created_at=record.created_at,
        )

    def publish(
        self,
        pipeline: Pipeline,
        *,
        name: str,
        description: str,
        version: str | None,
        set_default: bool,
    ) -> PublishedPipeline:
        record = self._store.add_pipeline(
            pipeline, name=name, version=version, description=description
        )
        if set_default:
            self._store.set_endpoint(name, record.id)
        self.start_server()
        return self._published(record)

    def get(self, pipeline_id: str) -> PublishedPipeline:
        return self._published(self._store.get_pipeline(pipeline_id))

    def list(self, name: str | None = None) -> builtins.list[PublishedPipeline]:
        records = self._store.list_pipelines(name)
        if not records:  # nothing published: no server port to choose (and keep) yet
            return []
        base = self.server_url()  # one read of the server config, not one per pipeline
        return [self._published(record, base) for record in records]

    def set_enabled(self, pipeline_id: str, enabled: bool) -> PublishedPipeline:
        self._store.get_pipeline(pipeline_id)  # raises for an unknown id
        return self._published(self._store.set_enabled(pipeline_id, enabled))

    # --- endpoints ----------------------------------------------------------------------
    def get_endpoint(self, name: str) -> PipelineEndpoint:
        default_id, updated_at = self._store.get_endpoint(name)
        default = self._store.get_pipeline(default_id)
        return PipelineEndpoint(
            name=name,
            default_pipeline_id=default_id,
            default_version=default.version,
            endpoint=f"{self.server_url()}/PipelineRuns/PipelineEndpointSubmit/Name/{name}",
            pipelines=[record.id for record in self._store.list_pipelines(name)],
            updated_at=updated_at,
        )

    def list_endpoints(self) -> builtins.list[PipelineEndpoint]:
        return [self.get_endpoint(name) for name in self._store.endpoint_names()]

    def set_default(self, endpoint_name: str, pipeline_id: str) -> PipelineEndpoint:
        record = self._store.get_pipeline(pipeline_id)
        if record.name != endpoint_name:
            raise PipelineError(
                f"pipeline {pipeline_id} is a version of {record.name!r}, "
                f"not of endpoint {endpoint_name!r}"
            )
        self._store.set_endpoint(endpoint_name, pipeline_id)
        return self.get_endpoint(endpoint_name)

    # --- runs ---------------------------------------------------------------------------
    def submit(
        self, pipeline: Pipeline, parameters: dict[str, Any], *, experiment_name: str
    ) -> PipelineRun:
        # The runs run here: paths are checked against this machine's allowed places.
        parameters = pipeline.resolve(parameters, workspace_root=self._root)
        run, _ = self._store.create_run(
            pipeline, parameters, experiment_name=experiment_name, status="Running"
        )
        launch(self._store, self._root, run.id)
        return self._store.get_run(run.id)

    def get_run(self, run_id: str) -> PipelineRun:
        reconcile(self._store)
        return self._store.get_run(run_id)

    def list_runs(
        self,
        *,
        pipeline_id: str | None = None,
        endpoint_name: str | None = None,
        status: str | None = None,
        limit: int = 50,
    ) -> builtins.list[PipelineRun]:
        reconcile(self._store)
        return self._store.list_runs(
            pipeline_id=pipeline_id, endpoint_name=endpoint_name, status=status, limit=limit
        )

    def cancel_run(self, run_id: str) -> PipelineRun:
        self._files.cancel(self._store, self._store.get_run(run_id))
        return self._store.get_run(run_id)

    def run_logs(self, run_id: str, step: str | None = None) -> dict[str, builtins.list[str]]:
        run = self._store.get_run(run_id)
        if step is not None and step not in {s.name for s in run.steps}:
            raise PipelineError(
                f"run {run_id} has no step {step!r} ({', '.join(s.name for s in run.steps)})"
            )
        return read_step_logs(run, step)

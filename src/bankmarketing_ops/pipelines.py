"""`PipelinePublisher`: run pipelines now, or publish them behind an authenticated REST
endpoint that anything can trigger (Azure's `PublishedPipeline` and `PipelineEndpoint`)."""

from __future__ import annotations

import builtins
import re
import time
from collections.abc import Mapping
from typing import Any, TypeAlias

from bankmarketing_ops import _constants as C
from bankmarketing_ops._exceptions import (
    ConfigurationError,
    OperationTimeoutError,
    PipelineRunError,
)
from bankmarketing_ops.backends.base import PipelineBackend
from bankmarketing_ops.backends.capabilities import (
    PIPELINE_SERVER,
    SupportsPipelineServer,
    find,
    require,
)
from bankmarketing_ops.client.pipelines import PipelineClient
from bankmarketing_ops.poller import Poller
from bankmarketing_ops.steps.training import training_pipeline
from bankmarketing_ops.types.pipelines import (
    EXPERIMENT_NAME,
    PUBLISHED_NAME,
    Pipeline,
    PipelineEndpoint,
    PipelineRun,
    PublishedPipeline,
    RunStatus,
)
from bankmarketing_ops.workspace import Workspace

__all__ = ["PipelinePublisher", "PipelineRunPoller", "training_pipeline"]


PipelineRunPoller: TypeAlias = Poller[PipelineRun, RunStatus]
"""A pipeline run in progress (`begin_submit`, `poll_run`), a `Poller`: `status()` is the
run's status; `result(timeout)` raises `PipelineRunError` when it failed or was canceled
(the run, with its error, attached) and `OperationTimeoutError` when it is still going;
`cancel()` cancels it."""


class _RunOperation:
    """A pipeline run, read through the workspace's pipeline service."""

    description = "pipeline run"

    def __init__(
        self, backend: PipelineBackend, run_id: str, *, poll_interval: float = C.PIPELINE_POLL_S
    ) -> None:
        self._backend, self.operation_id, self._poll = backend, run_id, poll_interval

    def status(self) -> RunStatus:
        return self._backend.get_run(self.operation_id).status

    def done(self) -> bool:
        return self._backend.get_run(self.operation_id).done

    def result(self, timeout: float | None = None) -> PipelineRun:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            run = self._backend.get_run(self.operation_id)
            if run.done:
                if run.status != "Completed":
                    raise PipelineRunError(run)
                return run
            if deadline is not None and time.monotonic() > deadline:
                raise OperationTimeoutError(
                    f"pipeline run {self.operation_id} is still {run.status} after {timeout:g} s",
                    operation_id=self.operation_id,
                )
            time.sleep(self._poll)

    def cancel(self) -> PipelineRun:
        return self._backend.cancel_run(self.operation_id)


class PipelinePublisher:
    """Submit, publish and manage pipelines of a workspace.

    Example:
        >>> publisher = PipelinePublisher(Workspace.local())  # doctest: +SKIP
        >>> published = publisher.publish(name="bankmarketing-training")  # doctest: +SKIP
        >>> published.endpoint  # doctest: +SKIP
        'http://127.0.0.1:41234/PipelineRuns/PipelineSubmit/6f1c…'
    """

    def __init__(self, workspace: Workspace) -> None:
        self._workspace = workspace
        self._backend = workspace.backend.pipelines

    # --- running now --------------------------------------------------------------------
    def begin_submit(
        self,
        pipeline: Pipeline | None = None,
        parameters: Mapping[str, Any] | None = None,
        *,
        experiment_name: str = C.DEFAULT_EXPERIMENT_NAME,
    ) -> PipelineRunPoller:
        """Start a run of `pipeline` (default: the built-in training pipeline) now, in a
        process of its own, without publishing it.

        Raises:
            PipelineParameterError: unknown, ill-typed or missing parameters (all named).
        """
        pipeline = pipeline or training_pipeline()
        _check_name("experiment_name", experiment_name, EXPERIMENT_NAME)
        resolved = pipeline.resolve(dict(parameters or {}))
        run = self._backend.submit(pipeline, resolved, experiment_name=experiment_name)
        return self.poll_run(run.id)

    def poll_run(self, run_id: str) -> PipelineRunPoller:
        """A poller for a run however it was started (`begin_submit`, a REST trigger, the
        CLI): `status()`, `done()`, `result(timeout)`, `cancel()`."""
        return Poller(_RunOperation(self._backend, run_id), backend=self._workspace.kind)

    def submit(
        self,
        pipeline: Pipeline | None = None,
        parameters: Mapping[str, Any] | None = None,
        *,
        experiment_name: str = C.DEFAULT_EXPERIMENT_NAME,
        timeout: float | None = None,
    ) -> PipelineRun:
        """`begin_submit(...).result(timeout)`: run it now and wait for the outcome."""
        return self.begin_submit(pipeline, parameters, experiment_name=experiment_name).result(
            timeout
        )

    # --- publishing ---------------------------------------------------------------------
    def publish(
        self,
        pipeline: Pipeline | None = None,
        *,
        name: str | None = None,
        description: str = "",
        version: str | None = None,
        set_default: bool = True,
    ) -> PublishedPipeline:
        """Publish `pipeline` (default: the built-in training pipeline) as `name`
        (default: the pipeline's name) and `version` (default: the next number).

        The pipeline gets an id and an endpoint URL of its own; the named endpoint `name`
        moves to it unless `set_default=False`. On the local backend this starts the
        workspace's pipeline server when it is not running.
        """
        pipeline = pipeline or training_pipeline()
        name = name or pipeline.name
        _check_name("name", name, PUBLISHED_NAME)
        if version is not None:
            _check_name("version", version, PUBLISHED_NAME)
        return self._backend.publish(
            pipeline,
            name=name,
            description=description,
            version=version,
            set_default=set_default,
        )

    def get(self, pipeline_id: str) -> PublishedPipeline:
        """A published pipeline. Raises `PipelineNotFoundError`."""
        return self._backend.get(pipeline_id)

    def list(self, name: str | None = None) -> builtins.list[PublishedPipeline]:
        """Published pipelines (versions of `name` only, when given), oldest first."""
        return self._backend.list(name)

    def disable(self, pipeline_id: str) -> PublishedPipeline:
        """Refuse new runs (403); runs and history stay."""
        return self._backend.set_enabled(pipeline_id, False)

    def enable(self, pipeline_id: str) -> PublishedPipeline:
        return self._backend.set_enabled(pipeline_id, True)

    def get_endpoint(self, name: str) -> PipelineEndpoint:
        """The stable endpoint `name`, which runs its default version."""
        return self._backend.get_endpoint(name)

    def list_endpoints(self) -> builtins.list[PipelineEndpoint]:
        return self._backend.list_endpoints()

    def set_default(self, endpoint_name: str, pipeline_id: str) -> PipelineEndpoint:
        """Point the endpoint at another published version of the same name."""
        return self._backend.set_default(endpoint_name, pipeline_id)

    # --- runs ---------------------------------------------------------------------------
    def get_run(self, run_id: str) -> PipelineRun:
        """A run's state, steps and outputs. A run whose process died is reported Failed."""
        return self._backend.get_run(run_id)

    def list_runs(
        self,
        *,
        pipeline_id: str | None = None,
        endpoint_name: str | None = None,
        status: RunStatus | None = None,
        limit: int = 50,
    ) -> builtins.list[PipelineRun]:
        """Runs, newest first."""
        return self._backend.list_runs(
            pipeline_id=pipeline_id, endpoint_name=endpoint_name, status=status, limit=limit
        )

    def cancel_run(self, run_id: str) -> PipelineRun:
        """Cancel a queued or running run (a running one stops within its current step)."""
        return self._backend.cancel_run(run_id)

    def get_logs(self, run_id: str, *, step: str | None = None) -> dict[str, builtins.list[str]]:
        """Each step's log lines (only `step`'s when given)."""
        return self._backend.run_logs(run_id, step)

    # --- credentials and clients --------------------------------------------------------
    def auth_header(self) -> dict[str, str]:
        """The header that authenticates triggers of this workspace's endpoints."""
        return self._backend.auth_header()

    def client(self, **options: Any) -> PipelineClient:
        """A `PipelineClient` with this workspace's credentials (and, where the workspace
        runs its own pipeline server, that server's URL)."""
        server = find(self._workspace.backend, PIPELINE_SERVER)
        base_url = server.server_url() if server is not None else None
        return PipelineClient(base_url, auth_header=self.auth_header(), **options)

    # --- the local pipeline server (backends that run their own; see the capability
    # table in the docs): elsewhere these raise UnsupportedFeatureError -----------------
    def token(self) -> str:
        """The local pipeline server's bearer token (made on first use)."""
        return self._server().token()

    def regenerate_token(self) -> str:
        """A new bearer token; the old one is refused from now on, without a restart."""
        return self._server().regenerate_token()

    def start_server(
        self, *, port: int | None = None, max_concurrent_runs: int | None = None
    ) -> str:
        """Start the workspace's pipeline server in the background (if not running); its
        URL. The port is kept for later starts, so endpoint URLs stay valid."""
        return self._server().start_server(port=port, max_concurrent_runs=max_concurrent_runs)

    def stop_server(self) -> bool:
        """Stop the background pipeline server; runs in progress keep going, and a
        restarted server adopts them. Whether a server was running."""
        return self._server().stop_server()

    def server_url(self) -> str:
        """The base URL the local endpoints are published under."""
        return self._server().server_url()

    def server_status(self) -> dict[str, object] | None:
        """The running pipeline server's pid and port, or None."""
        return self._server().server_status()

    def serve(self, *, port: int | None = None, max_concurrent_runs: int | None = None) -> None:
        """Run the pipeline server in this process until Ctrl-C."""
        self._server().serve(port=port, max_concurrent_runs=max_concurrent_runs)

    def _server(self) -> SupportsPipelineServer:
        return require(self._workspace.backend, PIPELINE_SERVER)


def _check_name(what: str, value: str, pattern: re.Pattern[str]) -> None:
    if not pattern.match(value):
        raise ConfigurationError(
            f"{what} {value!r} may hold only letters, digits, '_', '-' (and '.' in pipeline "
            "names and versions), starting with a letter or digit"
        )

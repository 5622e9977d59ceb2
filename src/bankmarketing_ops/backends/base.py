"""Protocols the facades call. Backends return pydantic models, never dicts."""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel, ConfigDict

from bankmarketing_ops import _constants as C

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    import pandas as pd

    from bankmarketing_ops.serving.config import KeyName
    from bankmarketing_ops.types.automl import (
        AutoMLConfig,
        Iteration,
        TrainingRun,
        TrainingStatus,
    )
    from bankmarketing_ops.types.deploy import ServiceKeys, ServiceState, WebService
    from bankmarketing_ops.types.insights import RequestRecord
    from bankmarketing_ops.types.pipelines import (
        Pipeline,
        PipelineEndpoint,
        PipelineRun,
        PublishedPipeline,
    )
    from bankmarketing_ops.types.registry import ModelVersion

__all__ = [
    "AutoMLBackend",
    "Backend",
    "BackendKind",
    "BackendTimings",
    "DeployerBackend",
    "InsightsBackend",
    "Operation",
    "PipelineBackend",
    "RegistryBackend",
    "SupportsCancel",
    "TrainingJob",
    "WorkspaceInfo",
]

BackendKind = Literal["local", "azureml"]


class WorkspaceInfo(BaseModel):
    """What a workspace is and where it lives."""

    model_config = ConfigDict(frozen=True)

    backend: BackendKind
    """Which backend serves this workspace."""
    location: str
    """A directory for `local`; the workspace's resource id for `azureml`."""
    format_version: int
    """Version of the on-disk (or remote) layout this library wrote."""
    created_at: str
    """ISO-8601 UTC time the workspace was first created."""


T_co = TypeVar("T_co", covariant=True)
S_co = TypeVar("S_co", covariant=True)


class Operation(Protocol[T_co, S_co]):
    """A long operation as a backend runs it; `Poller` wraps it for users.

    `result(timeout)` raises `OperationTimeoutError` when the operation is still going
    after `timeout` seconds.
    """

    @property
    def operation_id(self) -> str:
        """The run id, or the service's name for a deployment."""
        ...

    @property
    def description(self) -> str:
        """What the operation is, for messages (`AutoML run`, `deployment` …)."""
        ...

    def status(self) -> S_co: ...
    def done(self) -> bool: ...
    def result(self, timeout: float | None = None) -> T_co: ...


@runtime_checkable
class SupportsCancel(Protocol):
    """An operation its backend can stop."""

    def cancel(self) -> object: ...


class BackendTimings(BaseModel):
    """How long a backend's work takes, for callers that choose budgets and waits."""

    model_config = ConfigDict(frozen=True)

    quickstart_budget_minutes: float
    """A search budget that gives a useful model in a demo."""
    pipeline_run_margin_s: float
    """Time a pipeline run needs beyond its search budget (start, evaluate, deploy)."""
    telemetry_delay_s: float
    """How long a request's record can take to become readable."""
    telemetry_poll_s: float
    """How often to look for records while waiting for them."""

    @classmethod
    def of(cls, kind: BackendKind) -> BackendTimings:
        """The timings of a backend (the numbers are in `_constants.BACKEND_TIMINGS`)."""
        return cls(**dict(zip(cls.model_fields, C.BACKEND_TIMINGS[kind], strict=True)))


class TrainingJob(Protocol):
    """A training run in progress, as a backend runs it."""

    run_id: str

    def status(self) -> TrainingStatus: ...
    def done(self) -> bool: ...
    def result(self, timeout: float | None = None) -> TrainingRun: ...
    def cancel(self) -> None: ...
    def partial_leaderboard(self) -> list[Iteration]: ...


class AutoMLBackend(Protocol):
    """Starts AutoML runs."""

    def begin_train(self, config: AutoMLConfig, frame: pd.DataFrame) -> TrainingJob: ...


class RegistryBackend(Protocol):
    """Stores model versions. `register` stages files with `stage(dir)`, then publishes."""

    def register(self, name: str, stage: Callable[[Path], ModelVersion]) -> ModelVersion: ...
    def register_run(
        self,
        run: TrainingRun,
        *,
        name: str,
        description: str,
        tags: dict[str, str] | None,
        properties: dict[str, str] | None,
        stage: Callable[[Path], ModelVersion],
    ) -> ModelVersion:
        """Register an AutoML run's model. A backend whose runs keep their model where
        they ran (Azure) registers it there and ignores `stage`; others call `register`."""
        ...

    def get(self, name: str, version: int | str = "latest") -> ModelVersion: ...
    def list(self, name: str | None = None) -> list[ModelVersion]: ...
    def delete(self, name: str, version: int | str | None = None) -> None: ...
    def update(self, name: str, version: int | str, **changes: object) -> ModelVersion: ...
    def model_dir(self, name: str, version: int | str = "latest") -> Path: ...


class DeployerBackend(Protocol):
    """Runs scoring services."""

    def create(
        self,
        model: ModelVersion,
        name: str,
        *,
        auth_enabled: bool,
        port: int | None,
        cors_origins: builtins.list[str],
        insights_enabled: bool,
        workers: int = 1,
    ) -> Operation[WebService, ServiceState]:
        """Start the deployment; the operation settles when the service serves `model`."""
        ...

    def update(
        self,
        name: str,
        *,
        model: ModelVersion | None = None,
        cors_origins: builtins.list[str] | None = None,
        insights_enabled: bool | None = None,
        capture_sample_rate: float | None = None,
    ) -> Operation[WebService, ServiceState]:
        """Start the change; the operation settles when the service reports every change."""
        ...

    def get(self, name: str) -> WebService: ...
    def list(self) -> list[WebService]: ...
    def logs(self, name: str, num_lines: int = 50) -> builtins.list[str]: ...
    def keys(self, name: str) -> ServiceKeys: ...
    def regenerate_key(self, name: str, which: KeyName) -> None: ...
    def delete(self, name: str) -> None: ...


class InsightsBackend(Protocol):
    """Reads request telemetry back (switching it on and off is the deployer's `update`)."""

    def requests(
        self,
        service: str,
        *,
        since: float | None = None,
        until: float | None = None,
        result_code: int | None = None,
        success: bool | None = None,
        name: str | None = None,
        limit: int | None = None,
        deployment_id: str | None = None,
        newest_first: bool = False,
    ) -> list[RequestRecord]:
        """Records oldest first (`newest_first`: the other way, and `limit` keeps the
        newest); `deployment_id`: only that deployment's (None: every record of the name)."""
        ...


class PipelineBackend(Protocol):
    """Publishes pipelines behind REST endpoints and runs them."""

    def publish(
        self,
        pipeline: Pipeline,
        *,
        name: str,
        description: str,
        version: str | None,
        set_default: bool,
    ) -> PublishedPipeline: ...
    def get(self, pipeline_id: str) -> PublishedPipeline: ...
    def list(self, name: str | None = None) -> builtins.list[PublishedPipeline]: ...
    def set_enabled(self, pipeline_id: str, enabled: bool) -> PublishedPipeline: ...
    def get_endpoint(self, name: str) -> PipelineEndpoint: ...
    def list_endpoints(self) -> builtins.list[PipelineEndpoint]: ...
    def set_default(self, endpoint_name: str, pipeline_id: str) -> PipelineEndpoint: ...
    def submit(
        self, pipeline: Pipeline, parameters: dict[str, object], *, experiment_name: str
    ) -> PipelineRun: ...
    def get_run(self, run_id: str) -> PipelineRun: ...
    def list_runs(
        self,
        *,
        pipeline_id: str | None = None,
        endpoint_name: str | None = None,
        status: str | None = None,
        limit: int = 50,
    ) -> builtins.list[PipelineRun]: ...
    def cancel_run(self, run_id: str) -> PipelineRun: ...
    def run_logs(self, run_id: str, step: str | None = None) -> dict[str, builtins.list[str]]: ...
    def auth_header(self) -> dict[str, str]:
        """The header that authenticates a trigger of this workspace's endpoints."""
        ...


@runtime_checkable
class Backend(Protocol):
    """What every backend offers. What only some backends offer is an optional protocol
    one of these services implements (`bankmarketing_ops.backends.capabilities`)."""

    @property
    def kind(self) -> BackendKind:
        """The backend's name."""
        ...

    def info(self) -> WorkspaceInfo:
        """Describe the workspace, creating its bookkeeping on first use."""
        ...

    @property
    def timings(self) -> BackendTimings:
        """How long this backend's work takes."""
        ...

    @property
    def automl(self) -> AutoMLBackend:
        """The AutoML service of this backend."""
        ...

    @property
    def registry(self) -> RegistryBackend:
        """The model registry of this backend."""
        ...

    @property
    def deployer(self) -> DeployerBackend:
        """The scoring services of this backend."""
        ...

    @property
    def insights(self) -> InsightsBackend:
        """The request telemetry of this backend."""
        ...

    @property
    def pipelines(self) -> PipelineBackend:
        """The published pipelines and pipeline runs of this backend."""
        ...

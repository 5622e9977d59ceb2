"""Features only some backends have, as optional protocols.

Every backend offers the services of `Backend` (AutoML, registry, deployer, insights,
pipelines). A feature that only some backends have is a protocol below that one of those
services may implement; the facades ask for it with `require` (or `find`) and never look
at which backend they sit on. A missing feature raises `UnsupportedFeatureError`, which
names the backend and what to use instead. `capability_table` renders the feature ×
backend table of the docs from these definitions and the backends' classes.
"""

from __future__ import annotations

import builtins
import importlib
import typing
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, TypeVar, runtime_checkable

from bankmarketing_ops._exceptions import ConfigurationError, UnsupportedFeatureError
from bankmarketing_ops.backends.base import (
    AutoMLBackend,
    Backend,
    DeployerBackend,
    InsightsBackend,
    PipelineBackend,
    RegistryBackend,
)

if TYPE_CHECKING:
    from bankmarketing_ops.backends.base import Operation
    from bankmarketing_ops.types.deploy import ServiceState, WebService

__all__ = [
    "CAPABILITIES",
    "CAPTURE",
    "DEPLOYMENT_IDS",
    "LOG_FOLLOW",
    "PIPELINE_SERVER",
    "RESTART",
    "TELEMETRY_PURGE",
    "Capability",
    "Feature",
    "SupportsCapture",
    "SupportsDeploymentIds",
    "SupportsLogFollow",
    "SupportsPipelineServer",
    "SupportsRestart",
    "SupportsTelemetryPurge",
    "by_name",
    "capability_table",
    "find",
    "require",
]

#: The names of the optional features (`Workspace.supports`).
Feature = Literal[
    "pipeline_server", "capture", "restart", "telemetry_purge", "log_follow", "deployment_ids"
]

P = TypeVar("P")


@runtime_checkable
class SupportsPipelineServer(Protocol):
    """A pipeline server this library runs itself, with its own bearer token."""

    def server_url(self) -> str: ...
    def server_status(self) -> dict[str, object] | None: ...
    def start_server(
        self, *, port: int | None = None, max_concurrent_runs: int | None = None
    ) -> str: ...
    def stop_server(self) -> bool: ...
    def serve(self, *, port: int | None, max_concurrent_runs: int | None) -> None: ...
    def token(self) -> str: ...
    def regenerate_token(self) -> str: ...


@runtime_checkable
class SupportsCapture(Protocol):
    """Scoring inputs captured by the services, and the true labels logged for them."""

    def captured_rows(
        self,
        service: str,
        columns: Sequence[str],
        *,
        since: float | None = None,
        until: float | None = None,
    ) -> builtins.list[tuple[object, ...]]:
        """The captured records' `columns`, oldest first."""
        ...

    def store_labels(self, service: str, labels: Sequence[tuple[float, str, int, str]]) -> int:
        """Store `(timestamp, request_id, row_index, label)` rows (a label logged again
        replaces the earlier one); how many of them belong to a captured record."""
        ...

    def labels(self, service: str) -> dict[tuple[str, int], str]:
        """The labels logged for SERVICE, by `(request_id, row_index)`."""
        ...


@runtime_checkable
class SupportsRestart(Protocol):
    """Services are processes this library can stop and start again."""

    def restart(self, name: str) -> Operation[WebService, ServiceState]:
        """Stop (if running) and start the service; the operation settles when it is
        healthy again."""
        ...


@runtime_checkable
class SupportsTelemetryPurge(Protocol):
    """Request records (and captured inputs and labels) this library can delete."""

    def purge(self, *, service: str | None = None, older_than_s: float = 0.0) -> int: ...


@runtime_checkable
class SupportsLogFollow(Protocol):
    """A service's log followed as it grows (`tail -f`)."""

    def follow_logs(
        self, name: str, *, num_lines: int, poll_s: float, timeout: float | None
    ) -> Iterator[str]: ...


@runtime_checkable
class SupportsDeploymentIds(Protocol):
    """Services carry a deployment id (made anew at each creation) that their telemetry
    records keep."""

    def deployment_id(self, name: str) -> str | None:
        """The running deployment's id; None when there is no such service."""
        ...


@dataclass(frozen=True)
class Capability(Generic[P]):
    """One optional feature: which service of a backend implements it, as what protocol."""

    name: Feature
    """Its name for `Workspace.supports`."""
    feature: str
    """What the feature is, in a user's words."""
    service: str
    """The `Backend` attribute that implements it (`pipelines`, `insights` …)."""
    protocol: type[P]
    methods: tuple[str, ...]
    """The public facade methods that need it."""
    instead: str
    """What to use where the backend lacks it."""


PIPELINE_SERVER: Capability[SupportsPipelineServer] = Capability(
    name="pipeline_server",
    feature="pipeline server of its own",
    service="pipelines",
    protocol=SupportsPipelineServer,  # type: ignore[type-abstract]  # a protocol is the point
    methods=(
        "PipelinePublisher.start_server",
        "PipelinePublisher.stop_server",
        "PipelinePublisher.serve",
        "PipelinePublisher.server_url",
        "PipelinePublisher.server_status",
        "PipelinePublisher.token",
        "PipelinePublisher.regenerate_token",
    ),
    instead="the service hosts the published endpoints: trigger them with "
    "PipelinePublisher.client() or auth_header() (the workspace's Entra sign-in)",
)
CAPTURE: Capability[SupportsCapture] = Capability(
    name="capture",
    feature="input capture and labels",
    service="insights",
    protocol=SupportsCapture,  # type: ignore[type-abstract]  # a protocol is the point
    methods=(
        "DriftMonitor.enable_capture",
        "DriftMonitor.disable_capture",
        "DriftMonitor.captured",
        "DriftMonitor.log_labels",
        "DriftMonitor.report",
        "DriftMonitor.performance",
    ),
    instead="compare exported data with DriftMonitor.compare(), or use the cloud's own "
    "data drift monitor",
)
RESTART: Capability[SupportsRestart] = Capability(
    name="restart",
    feature="service restart",
    service="deployer",
    protocol=SupportsRestart,  # type: ignore[type-abstract]  # a protocol is the point
    methods=("ModelDeployer.restart",),
    instead="update the service (ModelDeployer.update) or delete and deploy it again",
)
TELEMETRY_PURGE: Capability[SupportsTelemetryPurge] = Capability(
    name="telemetry_purge",
    feature="telemetry purge",
    service="insights",
    protocol=SupportsTelemetryPurge,  # type: ignore[type-abstract]  # a protocol is the point
    methods=("InsightsManager.purge",),
    instead="set the retention period of the telemetry resource (Application Insights: "
    "Usage and estimated costs → Data retention), or use its purge API",
)
LOG_FOLLOW: Capability[SupportsLogFollow] = Capability(
    name="log_follow",
    feature="service log following",
    service="deployer",
    protocol=SupportsLogFollow,  # type: ignore[type-abstract]  # a protocol is the point
    methods=("ModelDeployer.follow_logs",),
    instead="call ModelDeployer.get_logs again",
)
DEPLOYMENT_IDS: Capability[SupportsDeploymentIds] = Capability(
    name="deployment_ids",
    feature="telemetry per deployment",
    service="deployer",
    protocol=SupportsDeploymentIds,  # type: ignore[type-abstract]  # a protocol is the point
    methods=("InsightsManager.current_deployment",),
    instead="read the service name's whole history (all_deployments=True) and filter it by time",
)
#: Every optional feature, in the order of the docs' table.
CAPABILITIES: tuple[Capability[Any], ...] = (
    PIPELINE_SERVER,
    CAPTURE,
    RESTART,
    TELEMETRY_PURGE,
    LOG_FOLLOW,
    DEPLOYMENT_IDS,
)


def by_name(name: Feature) -> Capability[Any]:
    """The capability called `name` (a `ConfigurationError` for an unknown name)."""
    for capability in CAPABILITIES:
        if capability.name == name:
            return capability
    known = ", ".join(c.name for c in CAPABILITIES)
    raise ConfigurationError(f"no optional feature is called {name!r}; known: {known}")


def find(backend: Backend, capability: Capability[P]) -> P | None:
    """The service of `backend` that has `capability`, or None."""
    service = getattr(backend, capability.service)
    return service if isinstance(service, capability.protocol) else None


def require(backend: Backend, capability: Capability[P]) -> P:
    """The service of `backend` that has `capability`.

    Raises:
        UnsupportedFeatureError: the backend does not have it.
    """
    service = find(backend, capability)
    if service is None:
        raise UnsupportedFeatureError(
            backend=backend.kind, feature=capability.feature, instead=capability.instead
        )
    return service


# --- the docs' table -------------------------------------------------------------------
#: The backends of the table: name → `module:class`.
BACKEND_CLASSES: Mapping[str, str] = {
    "local": "bankmarketing_ops.backends.local.workspace:LocalBackend",
    "azureml": "bankmarketing_ops.backends.azureml.workspace:AzureMLBackend",
}
#: The services every backend offers, with the protocol each must fit.
_CORE: tuple[tuple[str, str, type], ...] = (
    ("AutoML training", "automl", AutoMLBackend),
    ("model registry", "registry", RegistryBackend),
    ("scoring services", "deployer", DeployerBackend),
    ("request telemetry", "insights", InsightsBackend),
    ("published pipelines and runs", "pipelines", PipelineBackend),
)


def _service_class(backend_class: type, service: str) -> type:
    """The class a backend's service property returns (read from its annotation)."""
    member = backend_class.__dict__[service]
    function = member.fget if isinstance(member, property) else member.func
    returned = typing.get_type_hints(function)["return"]
    assert isinstance(returned, type), (backend_class, service)
    return returned


def _has(backend_class: type, service: str, protocol: type) -> bool:
    cls = _service_class(backend_class, service)
    return all(callable(getattr(cls, name, None)) for name in _members(protocol))


def _members(protocol: type) -> list[str]:
    return [
        name
        for base in protocol.__mro__
        if base not in (object, Protocol, Generic)
        for name in vars(base)
        if not name.startswith("_") and callable(vars(base)[name])
    ]


def capability_table() -> str:
    """The feature × backend table of the docs (Markdown), from the code: a backend has a
    feature when its service's class implements every method of the feature's protocol.
    Below the table, what each optional feature covers and what to use without it."""
    classes = {}
    for name, target in BACKEND_CLASSES.items():
        module, _, attribute = target.partition(":")
        classes[name] = getattr(importlib.import_module(module), attribute)
    rows: list[tuple[str, str, type]] = [*_CORE]
    rows += [(f"{c.feature} (`{c.name}`)", c.service, c.protocol) for c in CAPABILITIES]
    table = [["feature", *(f"`{name}`" for name in classes)]]
    table += [
        [feature, *("yes" if _has(cls, service, protocol) else "no" for cls in classes.values())]
        for feature, service, protocol in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines = [
        "| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) + " |"
        for row in table
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    lines.append("")
    for capability in CAPABILITIES:
        methods = ", ".join(f"`{m}`" for m in capability.methods)
        lines.append(
            f"- **{capability.feature}** (`{capability.name}`): {methods}. "
            f"Without it: {capability.instead}."
        )
    return "\n".join(lines) + "\n"

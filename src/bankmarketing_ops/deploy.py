"""`ModelDeployer`: registered models as authenticated HTTP scoring services."""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from typing import TypeAlias

from bankmarketing_ops import _constants as C
from bankmarketing_ops._exceptions import ConfigurationError
from bankmarketing_ops._logging import get_logger
from bankmarketing_ops.backends.capabilities import LOG_FOLLOW, RESTART, require
from bankmarketing_ops.poller import Poller
from bankmarketing_ops.serving.config import KeyName
from bankmarketing_ops.types.deploy import ServiceKeys, ServiceState, WebService
from bankmarketing_ops.types.registry import ModelVersion
from bankmarketing_ops.workspace import Workspace

__all__ = ["DeploymentPoller", "ModelDeployer"]

_log = get_logger(__name__)


DeploymentPoller: TypeAlias = Poller[WebService, ServiceState]
"""A deployment in progress (Azure's `wait_for_deployment`), a `Poller`: `status()` is
`Healthy`, `Transitioning` or `Unhealthy`; `result(timeout)` waits until the service
answers with the model (None: the backend's default, 90 s on this machine,
`AzureMLOptions.deploy_timeout_s` on Azure ML) and raises `DeploymentError` when it
failed, `OperationTimeoutError` when time is up. A deployment cannot be canceled."""


class ModelDeployer:
    """Deploy registered models as scoring services, and manage them.

    Each service is a real HTTP server on this machine (its own process, outliving the
    program that started it) with `POST /score` behind bearer-key auth, a Swagger spec at
    `/swagger.json`, Swagger UI at `/docs` and Prometheus metrics at `/metrics`.
    """

    def __init__(self, workspace: Workspace) -> None:
        self._workspace = workspace
        self._backend = workspace.backend.deployer
        self._registry = workspace.backend.registry

    def _model(self, model: ModelVersion | str) -> ModelVersion:
        if isinstance(model, ModelVersion):
            return model
        name, _, version = model.partition(":")
        return self._registry.get(name, int(version) if version.isdigit() else "latest")

    def begin_deploy(
        self,
        model: ModelVersion | str,
        service_name: str,
        *,
        auth_enabled: bool = True,
        port: int | None = None,
        workers: int = 1,
        insights_enabled: bool = False,
        cors_origins: builtins.list[str] | None = None,
    ) -> DeploymentPoller:
        """Start a service for `model` (a `ModelVersion` or `"name[:version]"`).

        Raises:
            ModelNotFoundError: no such model.
            DeploymentError: a service of that name exists already.
            ConfigurationError: an option this backend does not offer yet.
        """
        if not 1 <= workers <= 32:
            raise ConfigurationError(f"workers must be between 1 and 32, not {workers}")
        version = self._model(model)
        if not auth_enabled:
            _log.warning("service %s is deployed WITHOUT authentication", service_name)
        operation = self._backend.create(
            version,
            service_name,
            auth_enabled=auth_enabled,
            port=port,
            cors_origins=cors_origins or [],
            insights_enabled=insights_enabled,
            workers=workers,
        )
        return Poller(operation, backend=self._workspace.kind)

    def deploy(self, model: ModelVersion | str, service_name: str, **options: object) -> WebService:
        """`begin_deploy(...).result()`: deploy and wait until healthy."""
        return self.begin_deploy(model, service_name, **options).result()  # type: ignore[arg-type]

    def get(self, service_name: str) -> WebService:
        """The service's state, URIs and model. Raises `ServiceNotFoundError`."""
        return self._backend.get(service_name)

    def list(self) -> builtins.list[WebService]:
        return self._backend.list()

    def get_logs(self, service_name: str, num_lines: int = 50) -> builtins.list[str]:
        """The last lines of the service's log."""
        return self._backend.logs(service_name, num_lines)

    def follow_logs(
        self,
        service_name: str,
        *,
        num_lines: int = 10,
        timeout: float | None = None,
        poll_s: float = C.LOG_FOLLOW_POLL_S,
    ) -> Iterator[str]:
        """The last `num_lines` lines of the service's log, then each new line as it is
        written (`tail -f`), until `timeout` seconds pass (None: until you stop iterating)
        or the service is deleted.

        Raises:
            ServiceNotFoundError: no such service.
            UnsupportedFeatureError: this backend cannot follow a log (poll `get_logs`).
        """
        follower = require(self._workspace.backend, LOG_FOLLOW)
        return follower.follow_logs(
            service_name, num_lines=num_lines, poll_s=poll_s, timeout=timeout
        )

    def update(
        self,
        service_name: str,
        *,
        model: ModelVersion | str | None = None,
        cors_origins: builtins.list[str] | None = None,
        insights_enabled: bool | None = None,
        timeout: float | None = None,
    ) -> WebService:
        """Serve another model (or change CORS) without a restart and without a failed request.

        The running server loads the new model beside the old one and swaps it in; this
        returns once the service answers with the new model (`timeout` as in
        `DeploymentPoller.result`).
        """
        version = self._model(model) if model is not None else None
        return self._backend.update(
            service_name,
            model=version,
            cors_origins=cors_origins,
            insights_enabled=insights_enabled,
        ).result(timeout)

    def restart(self, service_name: str, *, timeout: float | None = None) -> WebService:
        """Stop (if running) and start the service again, on the same port.

        Raises:
            UnsupportedFeatureError: the backend's services are not processes it runs
                (Azure ML): update or redeploy the service instead.
        """
        restarter = require(self._workspace.backend, RESTART)
        operation: DeploymentPoller = Poller(
            restarter.restart(service_name), backend=self._workspace.kind
        )
        return operation.result(timeout)

    def delete(self, service_name: str) -> None:
        """Stop the service gracefully and remove it; deleting what is gone is fine.

        Its telemetry stays until the retention period (or `InsightsManager.purge`); a new
        service of the same name is a new deployment, whose summary starts from zero
        (`InsightsManager.summary(..., all_deployments=True)` reads the whole history).
        """
        self._backend.delete(service_name)

    def get_keys(self, service_name: str) -> ServiceKeys:
        return self._backend.keys(service_name)

    def regenerate_key(self, service_name: str, key: KeyName) -> ServiceKeys:
        """Replace one key; it takes effect at once, and the other key keeps working."""
        self._backend.regenerate_key(service_name, key)
        return self._backend.keys(service_name)

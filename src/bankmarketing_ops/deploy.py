"""`ModelDeployer`: registered models as authenticated HTTP scoring services."""

from __future__ import annotations

import builtins
from collections.abc import Iterator

from bankmarketing_ops import _constants as C
from bankmarketing_ops._exceptions import ConfigurationError
from bankmarketing_ops._logging import get_logger
from bankmarketing_ops.backends.base import SupportsLogFollow
from bankmarketing_ops.serving.config import KeyName
from bankmarketing_ops.types.deploy import ServiceKeys, WebService
from bankmarketing_ops.types.registry import ModelVersion
from bankmarketing_ops.workspace import Workspace

__all__ = ["DeploymentPoller", "ModelDeployer"]

_log = get_logger(__name__)


class DeploymentPoller:
    """A deployment in progress (Azure's `wait_for_deployment`)."""

    def __init__(self, deployer: ModelDeployer, name: str, model_ref: str | None) -> None:
        self._deployer, self._name, self._model_ref = deployer, name, model_ref

    def status(self) -> str:
        """`Healthy`, `Transitioning` or `Unhealthy`."""
        return self._deployer.get(self._name).state

    def done(self) -> bool:
        return self.status() != "Transitioning"

    def result(self, timeout: float | None = None) -> WebService:
        """Wait until the service answers with the model, or raise `DeploymentError`.

        `timeout` is in seconds; None waits as long as the backend's default (90 s on this
        machine, `AzureMLOptions.deploy_timeout_s` on Azure ML, where deployments take
        minutes). A timeout you give is kept as given.
        """
        return self._deployer._backend.wait(self._name, model_ref=self._model_ref, timeout=timeout)


class ModelDeployer:
    """Deploy registered models as scoring services, and manage them.

    Each service is a real HTTP server on this machine (its own process, outliving the
    program that started it) with `POST /score` behind bearer-key auth, a Swagger spec at
    `/swagger.json`, Swagger UI at `/docs` and Prometheus metrics at `/metrics`.
    """

    def __init__(self, workspace: Workspace) -> None:
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
        self._backend.create(
            version,
            service_name,
            auth_enabled=auth_enabled,
            port=port,
            cors_origins=cors_origins or [],
            insights_enabled=insights_enabled,
            workers=workers,
        )
        return DeploymentPoller(self, service_name, f"{version.name}:{version.version}")

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
            ConfigurationError: this backend cannot follow a log (poll `get_logs`).
        """
        if not isinstance(self._backend, SupportsLogFollow):
            raise ConfigurationError(
                "this backend cannot follow a service log; call get_logs() again instead"
            )
        return self._backend.follow_logs(
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
        self._backend.update(
            service_name,
            model=version,
            cors_origins=cors_origins,
            insights_enabled=insights_enabled,
        )
        ref = f"{version.name}:{version.version}" if version else None
        return self._backend.wait(
            service_name, model_ref=ref, insights=insights_enabled, timeout=timeout
        )

    def restart(self, service_name: str, *, timeout: float | None = None) -> WebService:
        """Stop (if running) and start the service again, on the same port."""
        self._backend.restart(service_name)
        return self._backend.wait(service_name, timeout=timeout)

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

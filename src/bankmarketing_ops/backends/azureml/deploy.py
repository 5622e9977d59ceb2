"""Azure ML web services (ACI, or AKS) behind `ModelDeployer`, always with key auth.

The scoring contract is Azure's own (docs/architecture.md, "Wire contracts"): `POST /score`
with a bearer key, the v1 request form, answers JSON-encoded inside a JSON string —
`EndpointClient` reads it.
"""

from __future__ import annotations

import builtins
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from bankmarketing_ops._exceptions import (
    ConfigurationError,
    DeploymentError,
    OperationTimeoutError,
    ServiceNotFoundError,
)
from bankmarketing_ops._logging import get_logger
from bankmarketing_ops.backends.azureml._sdk import require, sdk_error_text, translated
from bankmarketing_ops.backends.azureml.options import AzureMLOptions
from bankmarketing_ops.backends.azureml.registry import read_model
from bankmarketing_ops.backends.operations import ServiceOperation
from bankmarketing_ops.serving.config import KeyName
from bankmarketing_ops.types.deploy import ServiceKeys, ServiceState, WebService
from bankmarketing_ops.types.registry import ModelVersion

__all__ = ["AzureDeployer", "deployment_configuration", "map_service"]

_log = get_logger(__name__)

_STATES: dict[str, ServiceState] = {
    "Healthy": "Healthy",
    "Transitioning": "Transitioning",
    "Unhealthy": "Unhealthy",
    "Failed": "Unhealthy",
    "Unschedulable": "Unhealthy",
}
_KEY_NAMES: dict[str, str] = {"primary": "Primary", "secondary": "Secondary"}


def deployment_configuration(
    options: AzureMLOptions, *, auth_enabled: bool, insights_enabled: bool, workers: int
) -> Any:
    """The SDK deployment configuration (`AciWebservice` / `AksWebservice`) for a service."""
    webservice = require("azureml.core.webservice")
    common = {
        "cpu_cores": options.cpu_cores,
        "memory_gb": options.memory_gb,
        "auth_enabled": auth_enabled,
        "enable_app_insights": insights_enabled,
        "tags": {"created_by": "bankmarketing_ops"},
    }
    if options.deploy_target == "aks":
        return webservice.AksWebservice.deploy_configuration(
            **common, num_replicas=workers, autoscale_enabled=False
        )
    if workers != 1:
        raise ConfigurationError(
            "ACI runs one container per service: workers must be 1 (use deploy_target='aks' "
            "for replicas)"
        )
    return webservice.AciWebservice.deploy_configuration(**common)


def _iso(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value or "")


def map_service(service: Any) -> WebService:
    """An SDK `Webservice` as our `WebService`."""
    scoring_uri = str(service.scoring_uri or "")
    parsed = urlparse(scoring_uri)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    models = list(getattr(service, "models", None) or [])
    model = f"{models[0].name}:{models[0].version}" if models else ""
    swagger_uri = str(getattr(service, "swagger_uri", None) or "")
    state = _STATES.get(str(service.state), "Transitioning")
    return WebService(
        name=str(service.name),
        state=state,
        scoring_uri=scoring_uri,
        swagger_uri=swagger_uri,
        docs_uri=swagger_uri,  # Azure serves no Swagger UI; the spec is the documentation
        model=model,
        port=port,
        pid=None,
        pids=[],
        workers=int(getattr(service, "num_replicas", None) or 1),
        auth_enabled=bool(getattr(service, "auth_enabled", False)),
        cors_origins=[],
        insights_enabled=bool(getattr(service, "enable_app_insights", False)),
        created_at=_iso(getattr(service, "created_time", None)),
        updated_at=_iso(getattr(service, "updated_time", None)),
    )


class AzureDeployer:
    """Web services of an Azure ML workspace."""

    def __init__(self, workspace: Any, options: AzureMLOptions, cache: Path) -> None:
        self._ws, self._options, self._cache = workspace, options, cache

    def _operation(
        self, name: str, description: str, sdk_service: Any, **expected: Any
    ) -> ServiceOperation:
        """The operation of a change this deployer started. `sdk_service` is the SDK's
        object of it: only that one knows the operation's URL `wait_for_deployment` polls."""
        return ServiceOperation(
            name,
            description=description,
            look=lambda: self.get(name),
            settle=lambda timeout: self.wait(
                name, sdk_service=sdk_service, timeout=timeout, **expected
            ),
        )

    def _service(self, name: str) -> Any:
        webservice = require("azureml.core.webservice")
        with translated(
            DeploymentError,
            f"read web service {name!r}",
            not_found=ServiceNotFoundError,
            not_found_message=f"no web service {name!r} in Azure ML workspace {self._ws.name!r}",
        ):
            return webservice.Webservice(self._ws, name=name)

    def _sdk_model(self, model: ModelVersion) -> Any:
        return read_model(self._ws, model.name, model.version, error=DeploymentError)

    def _inference_config(self, sdk_model: Any, ref: str) -> Any:
        """Azure AutoML's own scoring script and environment, from the model's best run."""
        core = require("azureml.core")
        model_module = require("azureml.core.model")
        if not sdk_model.run_id:
            raise DeploymentError(
                f"{ref} was not registered from an Azure AutoML run; only those can be "
                "deployed on Azure ML by this version (user models need a scoring environment)"
            )
        with translated(DeploymentError, f"read the scoring script of run {sdk_model.run_id}"):
            run = core.Run.get(self._ws, sdk_model.run_id)
            folder = self._cache / "scoring" / str(sdk_model.run_id)
            folder.mkdir(parents=True, exist_ok=True)
            script = folder / "score.py"
            run.download_file("outputs/scoring_file_v_1_0_0.py", str(script))
            environment = run.get_environment()
        return model_module.InferenceConfig(entry_script=str(script), environment=environment)

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
    ) -> ServiceOperation:
        if port is not None:
            raise ConfigurationError("Azure ML chooses a web service's port; do not pass port")
        if cors_origins:
            raise ConfigurationError("Azure ML v1 web services do not set CORS origins")
        core = require("azureml.core")
        with translated(DeploymentError, f"configure the deployment of {name!r}"):
            configuration = deployment_configuration(
                self._options,
                auth_enabled=auth_enabled,
                insights_enabled=insights_enabled,
                workers=workers,
            )
        target = None
        if self._options.deploy_target == "aks":
            cluster = self._options.aks_cluster_name
            if not cluster:
                raise ConfigurationError("deploy_target='aks' needs aks_cluster_name")
            compute = require("azureml.core.compute")
            with translated(
                DeploymentError,
                f"read AKS compute target {cluster!r}",
                not_found=ConfigurationError,
                not_found_message=f"no AKS compute target {cluster!r} is attached to the "
                "workspace (AzureMLOptions.aks_cluster_name)",
            ):
                target = compute.AksCompute(self._ws, cluster)
        sdk_model = self._sdk_model(model)
        inference_config = self._inference_config(sdk_model, model.ref)
        with translated(DeploymentError, f"deploy {name!r}"):
            deployed = core.Model.deploy(
                self._ws,
                name,
                [sdk_model],
                inference_config=inference_config,
                deployment_config=configuration,
                deployment_target=target,
                overwrite=False,
            )
        _log.info("deploying %s as %s on %s", model.ref, name, self._options.deploy_target)
        return self._operation(name, "deployment", deployed, model_ref=model.ref)

    def update(
        self,
        name: str,
        *,
        model: ModelVersion | None = None,
        cors_origins: builtins.list[str] | None = None,
        insights_enabled: bool | None = None,
        capture_sample_rate: float | None = None,
    ) -> ServiceOperation:
        if cors_origins:
            raise ConfigurationError("Azure ML v1 web services do not set CORS origins")
        if capture_sample_rate:
            raise ConfigurationError(
                "capturing scoring inputs for drift is done by the local scoring server; "
                "Azure ML v1 web services do not offer it through this backend"
            )
        service = self._service(name)
        changes: dict[str, Any] = {}
        if insights_enabled is not None:
            changes["enable_app_insights"] = insights_enabled
        if model is not None:
            sdk_model = self._sdk_model(model)
            changes["models"] = [sdk_model]
            changes["inference_config"] = self._inference_config(sdk_model, model.ref)
        if changes:
            # every value passed is explicit (a bool, a list): the SDK's update skips only
            # None, so nothing asked for is silently dropped
            with translated(DeploymentError, f"update {name!r}"):
                service.update(**changes)
        return self._operation(
            name,
            "update",
            service if changes else None,
            model_ref=model.ref if model is not None else None,
            insights=insights_enabled,
        )

    def wait(
        self,
        name: str,
        *,
        model_ref: str | None = None,
        insights: bool | None = None,
        sdk_service: Any = None,
        timeout: float | None = None,
    ) -> WebService:
        """Wait for the service to settle, at most `timeout` seconds (None:
        `AzureMLOptions.deploy_timeout_s`, since Azure deployments take minutes);
        `sdk_service` is the SDK's object of the change being waited for, if any.

        Raises `DeploymentError` with Azure's error and the end of the service's log when
        the operation fails or the service is unhealthy, `OperationTimeoutError` when it
        is still transitioning at the end of the time.
        """
        budget = self._options.deploy_timeout_s if timeout is None else max(timeout, 0.0)
        deadline = time.monotonic() + budget
        pending = sdk_service
        problem: str | None = None
        if pending is not None:
            try:
                # the SDK treats 0 as "no timeout": ask for at least a millisecond
                pending.wait_for_deployment(show_output=False, timeout_sec=max(budget, 0.001))
            except Exception as exc:  # a failed operation, or the SDK's own timeout
                problem = sdk_error_text(exc)
                _log.warning("deployment of %s ended badly: %s", name, problem)
        while True:
            service = self._service(name)
            result = map_service(service)
            settled = result.state != "Transitioning" and (
                insights is None or result.insights_enabled == insights
            )
            if settled or problem is not None or time.monotonic() >= deadline:
                break
            time.sleep(
                max(min(self._options.poll_interval_s, 10.0, deadline - time.monotonic()), 0)
            )
        if result.state == "Transitioning" and time.monotonic() >= deadline:
            said = f" (Azure says: {problem})" if problem else ""
            raise OperationTimeoutError(
                f"web service {name!r} did not settle within {budget:g} s{said}; it keeps "
                f"going (look again with ModelDeployer.get({name!r})); its log ends:\n"
                + self._log_tail(name),
                operation_id=name,
            )
        if problem is not None or result.state != "Healthy":
            if result.state == "Transitioning":
                what = f"did not settle within {budget:g} s"
            else:
                what = f"is {result.state}"
            said = f"; Azure says: {problem}" if problem else ""
            raise DeploymentError(
                f"web service {name!r} {what}{said}; its log ends:\n" + self._log_tail(name)
            )
        if model_ref is not None and result.model != model_ref:
            raise DeploymentError(f"web service {name!r} serves {result.model}, not {model_ref}")
        return result

    def _log_tail(self, name: str, num_lines: int = 20) -> str:
        try:
            return "\n".join(self.logs(name, num_lines))
        except DeploymentError as exc:  # the log is a help, not the error to report
            return f"(the log cannot be read: {exc})"

    def get(self, name: str) -> WebService:
        return map_service(self._service(name))

    def list(self) -> builtins.list[WebService]:
        webservice = require("azureml.core.webservice")
        with translated(DeploymentError, "list web services"):
            services = webservice.Webservice.list(self._ws)
        return sorted((map_service(s) for s in services), key=lambda s: s.name)

    def logs(self, name: str, num_lines: int = 50) -> builtins.list[str]:
        service = self._service(name)
        with translated(DeploymentError, f"read the log of {name!r}"):
            text = str(service.get_logs(num_lines=num_lines) or "")
        return text.splitlines()[-num_lines:]

    def keys(self, name: str) -> ServiceKeys:
        service = self._service(name)
        with translated(DeploymentError, f"read the keys of {name!r}"):
            primary, secondary = service.get_keys()
        return ServiceKeys(primary_key=primary, secondary_key=secondary)

    def regenerate_key(self, name: str, which: KeyName) -> None:
        service = self._service(name)
        with translated(DeploymentError, f"regenerate the {which} key of {name!r}"):
            service.regen_key(_KEY_NAMES[which])

    def delete(self, name: str) -> None:
        try:
            service = self._service(name)
        except ServiceNotFoundError:
            return
        try:
            with translated(DeploymentError, f"delete {name!r}", not_found=ServiceNotFoundError):
                service.delete()
        except ServiceNotFoundError:  # deleted meanwhile: delete is idempotent
            return

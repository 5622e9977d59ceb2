"""Web services on Azure ML: a replayed deployment and lifecycle, and deployment configurations."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bankmarketing_ops import (
    ConfigurationError,
    CredentialError,
    DeploymentError,
    InsightsManager,
    ModelDeployer,
    ModelNotFoundError,
    ModelRegistry,
    ServiceNotFoundError,
    Workspace,
)
from bankmarketing_ops.backends.azureml import AzureMLOptions
from bankmarketing_ops.backends.azureml.deploy import AzureDeployer, deployment_configuration
from bankmarketing_ops.deploy import DeploymentPoller
from tests.backends.azureml import _cassette_builder as B
from tests.backends.azureml import _cassettes_deploy as D
from tests.backends.azureml.conftest import assert_all_played


@pytest.mark.vcr
def test_service_lifecycle(azure_workspace: Workspace) -> None:
    deployer = ModelDeployer(azure_workspace)
    service = deployer.get(B.SERVICE)
    assert service.state == "Healthy"
    assert service.scoring_uri == B.SCORING_URI
    assert service.swagger_uri == B.SCORING_URI.replace("/score", "/swagger.json")
    assert service.model == "bankmarketing-automl:1"
    assert service.auth_enabled
    assert not service.insights_enabled
    assert service.pid is None

    keys = deployer.get_keys(B.SERVICE)
    assert keys.primary_key.get_secret_value() == B.PRIMARY
    assert B.PRIMARY not in repr(keys)
    keys = deployer.regenerate_key(B.SERVICE, "primary")
    assert keys.primary_key.get_secret_value() == B.NEW_PRIMARY
    assert keys.secondary_key.get_secret_value() == B.SECONDARY

    lines = deployer.get_logs(B.SERVICE, 3)
    assert lines[-1].endswith("Scoring request received")

    enabled = InsightsManager(azure_workspace).enable(B.SERVICE)
    assert enabled.insights_enabled
    assert enabled.state == "Healthy"

    deployer.delete(B.SERVICE)


@pytest.mark.vcr
@pytest.mark.usefixtures("fixed_dependency_uploads")
def test_deploy_an_aci_service(azure_workspace: Workspace, vcr: Any) -> None:
    """`Model.deploy` through the SDK's HTTP: the model and its AutoML run read, the
    scoring script fetched, the service created, its operation polled, the service read."""
    service = (
        ModelDeployer(azure_workspace)
        .begin_deploy("bankmarketing-automl:1", B.SERVICE, insights_enabled=True)
        .result()
    )
    assert service.state == "Healthy"
    assert service.scoring_uri == B.SCORING_URI
    assert service.model == "bankmarketing-automl:1"
    assert service.auth_enabled
    assert service.insights_enabled
    assert_all_played(vcr)


def test_aci_configuration_has_auth_and_insights() -> None:
    options = AzureMLOptions(cpu_cores=0.5, memory_gb=1.5)
    config = deployment_configuration(options, auth_enabled=True, insights_enabled=True, workers=1)
    from azureml.core.webservice.aci import AciServiceDeploymentConfiguration

    assert isinstance(config, AciServiceDeploymentConfiguration)
    assert (config.cpu_cores, config.memory_gb) == (0.5, 1.5)
    assert config.auth_enabled is True
    assert config.enable_app_insights is True
    with pytest.raises(ConfigurationError, match="workers must be 1"):
        deployment_configuration(options, auth_enabled=True, insights_enabled=False, workers=2)


def test_aks_configuration_maps_workers_to_replicas() -> None:
    options = AzureMLOptions(deploy_target="aks", aks_cluster_name="aks-bankops")
    config = deployment_configuration(options, auth_enabled=True, insights_enabled=False, workers=3)
    from azureml.core.webservice.aks import AksServiceDeploymentConfiguration

    assert isinstance(config, AksServiceDeploymentConfiguration)
    assert config.num_replicas == 3
    assert config.autoscale_enabled is False
    assert config.auth_enabled is True
    assert config.enable_app_insights is False


@pytest.mark.vcr("test_service_lifecycle.yaml")
def test_local_only_options_are_refused(azure_workspace: Workspace) -> None:
    deployer = azure_workspace.backend.deployer
    with pytest.raises(ConfigurationError, match="CORS"):
        deployer.update(B.SERVICE, cors_origins=["https://example.com"])
    with pytest.raises(ConfigurationError, match="cannot be restarted"):
        deployer.restart(B.SERVICE)


def test_create_deploys_the_runs_scoring_script_with_key_auth(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import azureml.core
    from azureml.core import Environment
    from azureml.core.model import InferenceConfig

    deployed: dict[str, Any] = {}

    class FakeModel:
        def __init__(self, workspace: Any, name: str, version: int) -> None:
            self.name, self.version, self.run_id = name, version, "AutoML_1_best"

        @staticmethod
        def deploy(workspace: Any, name: str, models: list[Any], **kwargs: Any) -> str:
            deployed.update(name=name, models=models, **kwargs)
            return "service-object"

    class FakeRun:
        @staticmethod
        def get(workspace: Any, run_id: str) -> Any:
            def download_file(name: str, output_file_path: str) -> None:
                deployed["downloaded"] = name
                Path(output_file_path).write_text("def init(): pass\ndef run(data): pass\n")

            return SimpleNamespace(
                download_file=download_file, get_environment=lambda: Environment("automl-env")
            )

    monkeypatch.setattr(azureml.core, "Model", FakeModel)
    monkeypatch.setattr(azureml.core, "Run", FakeRun)
    deployer = AzureDeployer(object(), AzureMLOptions(), tmp_path)
    version = SimpleNamespace(name="bankmarketing", version=2, ref="bankmarketing:2")
    deployer.create(
        version,  # type: ignore[arg-type]
        "svc",
        auth_enabled=True,
        port=None,
        cors_origins=[],
        insights_enabled=True,
    )
    assert deployed["name"] == "svc"
    assert deployed["downloaded"] == "outputs/scoring_file_v_1_0_0.py"
    assert isinstance(deployed["inference_config"], InferenceConfig)
    assert deployed["inference_config"].environment.name == "automl-env"
    assert deployed["deployment_config"].auth_enabled is True
    assert deployed["deployment_config"].enable_app_insights is True
    assert deployed["deployment_target"] is None
    assert deployed["overwrite"] is False
    with pytest.raises(ConfigurationError, match="port"):
        deployer.create(
            version,  # type: ignore[arg-type]
            "svc",
            auth_enabled=True,
            port=8080,
            cors_origins=[],
            insights_enabled=False,
        )


def _sdk_service(state: str = "Healthy") -> SimpleNamespace:
    return SimpleNamespace(
        name="svc", state=state, scoring_uri=B.SCORING_URI, models=[], auth_enabled=True
    )


class _Pending:
    """An SDK service object whose operation `wait_for_deployment` polls."""

    def __init__(self, error: Exception | None = None) -> None:
        self.asked: list[float] = []
        self._error = error

    def wait_for_deployment(self, show_output: bool, timeout_sec: float) -> None:
        self.asked.append(timeout_sec)
        if self._error is not None:
            raise self._error


def test_the_callers_timeout_is_kept_not_stretched(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Review finding: a poller's timeout was raised to `deploy_timeout_s` (30 min)."""
    deployer = AzureDeployer(object(), AzureMLOptions(deploy_timeout_s=1800), tmp_path)
    monkeypatch.setattr(deployer, "_service", lambda name: _sdk_service("Transitioning"))
    monkeypatch.setattr(deployer, "logs", lambda name, num_lines=50: ["still building"])
    pending = deployer._pending["svc"] = _Pending()
    with pytest.raises(DeploymentError, match=r"did not settle within 0\.05 s(.|\n)*building"):
        deployer.wait("svc", timeout=0.05)
    assert pending.asked == [0.05]

    monkeypatch.setattr(deployer, "_service", lambda name: _sdk_service())
    pending = deployer._pending["svc"] = _Pending()
    assert deployer.wait("svc").state == "Healthy"  # None: the option's default
    assert pending.asked == [1800]


def test_the_poller_passes_its_timeout_as_given() -> None:
    seen: list[Any] = []
    backend = SimpleNamespace(wait=lambda name, **kwargs: seen.append(kwargs["timeout"]))
    poller = DeploymentPoller(SimpleNamespace(_backend=backend), "svc", "m:1")  # type: ignore[arg-type]
    poller.result()
    poller.result(5.0)
    assert seen == [None, 5.0]


def test_a_failed_operation_carries_azures_error_and_the_log(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from azureml.exceptions import WebserviceException

    deployer = AzureDeployer(object(), AzureMLOptions(), tmp_path)
    monkeypatch.setattr(deployer, "_service", lambda name: _sdk_service("Failed"))
    monkeypatch.setattr(deployer, "logs", lambda name, num_lines=50: ["ImportError: lightgbm"])
    deployer._pending["svc"] = _Pending(WebserviceException("Container crashed: exit 1"))
    with pytest.raises(DeploymentError) as caught:
        deployer.wait("svc", timeout=60)
    message = str(caught.value)
    assert "is Unhealthy" in message
    assert "Azure says: Container crashed: exit 1" in message
    assert message.endswith("ImportError: lightgbm")


@pytest.fixture
def aks_workspace(azure_workspace: Workspace) -> Workspace:
    """The cassettes' workspace, deploying to the attached AKS cluster."""
    backend = azure_workspace.backend
    backend.options = AzureMLOptions(  # type: ignore[union-attr]
        deploy_target="aks", aks_cluster_name=D.AKS_CLUSTER
    )
    return azure_workspace


@pytest.mark.vcr
@pytest.mark.usefixtures("fixed_dependency_uploads")
def test_deploy_an_aks_service(aks_workspace: Workspace, vcr: Any) -> None:
    """`Model.deploy` to AKS through the SDK's HTTP: the compute target read, the service
    created with computeType AKS (auth on, `workers` replicas, no autoscaler: the
    cassette's request body says so), its operation polled to Healthy, its keys read."""
    deployer = ModelDeployer(aks_workspace)
    service = deployer.begin_deploy(
        "bankmarketing-automl:1", D.AKS_SERVICE, workers=D.AKS_REPLICAS
    ).result()
    assert service.state == "Healthy"
    assert service.scoring_uri == D.AKS_SCORING_URI
    assert service.port == 80
    assert service.workers == D.AKS_REPLICAS
    assert service.model == "bankmarketing-automl:1"
    assert service.auth_enabled
    assert deployer.get_keys(D.AKS_SERVICE).primary_key.get_secret_value() == D.AKS_PRIMARY
    assert_all_played(vcr)


@pytest.mark.vcr
@pytest.mark.usefixtures("fixed_dependency_uploads")
def test_update_switches_the_service_to_another_model(azure_workspace: Workspace, vcr: Any) -> None:
    """`service.update(models=[...], inference_config=...)` through the SDK's HTTP: a
    json-patch of the image request naming version 2 (checked in the request body), the
    operation polled, the service read back serving version 2."""
    service = ModelDeployer(azure_workspace).update(B.SERVICE, model="bankmarketing-automl:2")
    assert service.model == "bankmarketing-automl:2"
    assert service.state == "Healthy"
    assert_all_played(vcr)


@pytest.mark.vcr
def test_errors_become_ours(azure_workspace: Workspace, vcr: Any) -> None:
    """Azure's 404s and 401 through the SDK: our error tree, never the SDK's exception."""
    deployer = ModelDeployer(azure_workspace)
    with pytest.raises(ServiceNotFoundError, match=D.UNKNOWN_SERVICE):
        deployer.get(D.UNKNOWN_SERVICE)
    deployer.delete(D.UNKNOWN_SERVICE)  # deleting what is not there is fine
    with pytest.raises(ModelNotFoundError, match="bankmarketing-automl:9"):
        ModelRegistry(azure_workspace).get("bankmarketing-automl", 9)
    with pytest.raises(CredentialError, match="az login"):
        deployer.get_keys(B.SERVICE)
    assert_all_played(vcr)


@pytest.mark.vcr
@pytest.mark.usefixtures("fixed_dependency_uploads")
def test_a_failed_deployment_carries_azures_error_and_the_log(
    azure_workspace: Workspace, vcr: Any
) -> None:
    poller = ModelDeployer(azure_workspace).begin_deploy("bankmarketing-automl:1", B.SERVICE)
    with pytest.raises(DeploymentError) as caught:
        poller.result()
    message = str(caught.value)
    assert f"web service {B.SERVICE!r} is Unhealthy" in message
    assert "ContainerCrashed" in message  # Azure's error on the operation
    assert "No module named 'lightgbm'" in message  # the container's log
    assert_all_played(vcr)

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
    OperationTimeoutError,
    Poller,
    ServiceNotFoundError,
    UnsupportedFeatureError,
    Workspace,
)
from bankmarketing_ops.backends.azureml import AzureMLBackend, AzureMLOptions
from bankmarketing_ops.backends.azureml.deploy import AzureDeployer, deployment_configuration
from bankmarketing_ops.deploy import DeploymentPoller
from tests.backends.azureml import _cassette_builder as B
from tests.backends.azureml import _cassettes_deploy as D
from tests.backends.azureml.conftest import assert_all_played


@pytest.mark.vcr
def test_service_lifecycle(azure_workspace: Workspace, vcr: Any) -> None:
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
    assert_all_played(vcr)


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
    with pytest.raises(UnsupportedFeatureError, match="azureml backend has no service restart"):
        ModelDeployer(azure_workspace).restart(B.SERVICE)


def test_azure_chooses_the_port(tmp_path: Path) -> None:
    deployer = AzureDeployer(object(), AzureMLOptions(), tmp_path)
    version = SimpleNamespace(name="bankmarketing", version=2, ref="bankmarketing:2")
    with pytest.raises(ConfigurationError, match="port"):  # refused before any request
        deployer.create(
            version,  # type: ignore[arg-type]
            "svc",
            auth_enabled=True,
            port=8080,
            cors_origins=[],
            insights_enabled=False,
        )


class _SdkService:
    """MOCK OF THE AZURE BOUNDARY: `azureml.core.webservice.Webservice` (what the SDK
    builds from Services - Get) in the state a test sets, with its container log. A
    service that stays Transitioning cannot be replayed from a cassette: how many reads a
    timeout allows depends on the clock."""

    state = "Transitioning"

    def __init__(self, workspace: Any, name: str) -> None:
        self.name, self.scoring_uri, self.models, self.auth_enabled = name, "", [], True

    def get_logs(self, num_lines: int = 5000) -> str:
        return "pulling image\nstill building\n"


class _SdkPending:
    """MOCK OF THE AZURE BOUNDARY: the SDK service object of a deployment just started,
    whose `wait_for_deployment` polls its operation; records the timeouts asked for."""

    def __init__(self) -> None:
        self.asked: list[float] = []

    def wait_for_deployment(self, show_output: bool, timeout_sec: float) -> None:
        self.asked.append(timeout_sec)


def test_the_callers_timeout_is_kept_not_stretched(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Review finding: a poller's timeout was raised to `deploy_timeout_s` (30 min)."""
    from azureml.core import webservice

    monkeypatch.setattr(webservice, "Webservice", _SdkService)
    backend = AzureMLBackend(
        SimpleNamespace(name="ws"),  # the SDK workspace: nothing is asked of it here
        options=AzureMLOptions(deploy_timeout_s=1800),
        cache_dir=tmp_path,
    )
    deployer = backend.deployer
    pending = _SdkPending()
    poller: DeploymentPoller = Poller(
        deployer._operation("svc", "deployment", pending, model_ref="m:1"), backend="azureml"
    )
    with pytest.raises(
        OperationTimeoutError, match=r"did not settle within 0\.05 s(.|\n)*building"
    ) as caught:
        poller.result(0.05)
    assert caught.value.operation_id == "svc"
    assert pending.asked == [0.05]
    with pytest.raises(UnsupportedFeatureError, match="cancel for deployment"):
        poller.cancel()

    monkeypatch.setattr(_SdkService, "state", "Healthy")
    pending = _SdkPending()
    assert deployer.wait("svc", sdk_service=pending).state == "Healthy"  # the default
    assert pending.asked == [1800]


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

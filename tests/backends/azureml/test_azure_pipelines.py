"""Published pipelines on Azure ML, replayed through the real SDK: the training pipeline
built as an `AutoMLStep` and published behind a `PipelineEndpoint`, its versions, runs and
errors, and `PipelineClient` triggering an Azure endpoint with the workspace's header."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bankmarketing_ops import (
    ConfigurationError,
    CredentialError,
    Pipeline,
    PipelineClient,
    PipelineNotFoundError,
    PipelinePublisher,
    PipelineStep,
    UnsupportedFeatureError,
    Workspace,
    training_pipeline,
)
from bankmarketing_ops.backends.azureml import AzureMLBackend
from bankmarketing_ops.backends.azureml.pipelines import (
    TRAIN_STEP,
    AzurePipelines,
    map_run_status,
    pipeline_automl_config,
)
from tests.backends.azureml import _cassette_builder as B
from tests.backends.azureml import _cassettes_pipelines as P
from tests.backends.azureml.conftest import assert_all_played


@pytest.fixture(scope="module")
def vcr_config(vcr_config: dict[str, Any]) -> dict[str, Any]:
    """The Azure tests' configuration; a re-recording also drops our `Idempotency-Key`."""
    return {**vcr_config, "filter_headers": [*vcr_config["filter_headers"], "idempotency-key"]}


@pytest.mark.vcr
@pytest.mark.usefixtures("fixed_module_hash")
def test_publish_the_training_pipeline(
    azure_workspace: Workspace,
    vcr: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`publish` through azureml-pipeline-core: the data set registered, the cluster and
    datastore read, the AutoMLStep's settings validated by AutoML's service, its module
    made (our AutoML settings are its parameters, checked on the wire), the pipeline
    published, its endpoint looked up (404) and made; a second version found the module,
    and became the endpoint's default. Then get_endpoint, list, get, disable, enable and
    set_default."""
    monkeypatch.chdir(tmp_path)  # the SDK writes automl.log in the current directory
    publisher = PipelinePublisher(azure_workspace)
    published = publisher.publish(name=P.PIPELINE_NAME, description="nightly training", version="1")
    assert published.id == P.PIPELINE_ID
    assert published.backend == "azureml"
    assert published.enabled
    assert published.endpoint == P.submit_url(P.PIPELINE_ID)
    assert published.steps == [TRAIN_STEP]

    # a second version joins the endpoint and becomes its default
    second = publisher.publish(name=P.PIPELINE_NAME, description="nightly training", version="2")
    assert second.id == P.PIPELINE_ID_2
    endpoint = publisher.get_endpoint(P.PIPELINE_NAME)
    assert endpoint.default_pipeline_id == P.PIPELINE_ID_2
    assert endpoint.default_version == "2"
    assert endpoint.pipelines == [P.PIPELINE_ID, P.PIPELINE_ID_2]
    assert endpoint.endpoint == P.ENDPOINT_SUBMIT

    assert [p.version for p in publisher.list(P.PIPELINE_NAME)] == ["1", "2"]
    assert publisher.get(P.PIPELINE_ID).version == "1"
    assert not publisher.disable(P.PIPELINE_ID).enabled
    assert publisher.enable(P.PIPELINE_ID).enabled
    back = publisher.set_default(P.PIPELINE_NAME, P.PIPELINE_ID)
    assert back.default_pipeline_id == P.PIPELINE_ID
    assert back.default_version == "1"  # the version name, not Azure's index 0
    assert_all_played(vcr)


@pytest.mark.vcr
def test_sdk_errors_become_ours(azure_workspace: Workspace, vcr: Any) -> None:
    publisher = PipelinePublisher(azure_workspace)
    with pytest.raises(PipelineNotFoundError, match=P.UNKNOWN_ID):
        publisher.get(P.UNKNOWN_ID)
    with pytest.raises(CredentialError, match="list the published pipelines"):
        publisher.list()
    assert_all_played(vcr)


@pytest.mark.vcr
def test_pipeline_client_triggers_with_the_workspace_header(vcr: Any) -> None:
    from azureml.core.authentication import ArmTokenAuthentication

    token = B.fake_jwt()
    pipelines = AzurePipelines(object(), None, ArmTokenAuthentication(token), "exp")  # type: ignore[arg-type]
    header = pipelines.auth_header()
    assert header == {"Authorization": f"Bearer {token}"}
    with PipelineClient(auth_header=header, max_retries=0) as client:
        run_id = client.trigger(B.PIPELINE_SUBMIT, experiment_name="nightly")
    assert run_id == "4d5e6f70-1111-2222-3333-444455556666"
    assert_all_played(vcr)


def test_parameters_reach_the_automl_config() -> None:
    config = pipeline_automl_config(
        training_pipeline(), {"timeout_minutes": 45.0, "primary_metric": "accuracy"}
    )
    assert config.experiment_timeout_minutes == 45.0
    assert config.primary_metric == "accuracy"


def test_other_pipelines_are_not_translated() -> None:
    other = Pipeline(name="hello", steps=[PipelineStep(name="greet", function="x.y:greet")])
    with pytest.raises(ConfigurationError, match="only the built-in training pipeline"):
        pipeline_automl_config(other, {})


def test_run_states_map() -> None:
    assert map_run_status("Finished") == "Completed"
    assert map_run_status("Preparing") == "Queued"
    assert map_run_status("CancelRequested") == "Running"  # until Azure has stopped it


def test_local_server_operations_are_refused_on_azure() -> None:
    from azureml.core.authentication import ArmTokenAuthentication

    backend = AzureMLBackend(SimpleNamespace(name="ws"), auth=ArmTokenAuthentication(B.fake_jwt()))
    publisher = PipelinePublisher(Workspace(backend))
    for method in (publisher.token, publisher.server_url, publisher.stop_server):
        with pytest.raises(UnsupportedFeatureError) as caught:
            method()
        assert caught.value.backend == "azureml"
        assert "PipelinePublisher.client()" in caught.value.instead
    assert publisher.auth_header()["Authorization"].startswith("Bearer ")
    assert not Workspace(backend).supports("pipeline_server")


def test_the_default_budget_is_raised_to_azures_minimum_an_explicit_one_is_checked() -> None:
    from bankmarketing_ops import BudgetTooSmallError, training_pipeline

    pipeline = training_pipeline()
    assert pipeline_automl_config(pipeline, {}).experiment_timeout_minutes == 15.0
    assert (
        pipeline_automl_config(pipeline, {"timeout_minutes": 30.0}).experiment_timeout_minutes
        == 30.0
    )
    with pytest.raises(BudgetTooSmallError):
        pipeline_automl_config(pipeline, {"timeout_minutes": 1.0})


def test_the_next_version_follows_the_highest_number() -> None:
    from bankmarketing_ops.types.pipelines import next_version

    assert next_version([]) == "1"
    assert next_version(["1", "5", "nightly"]) == "6"  # as the local backend numbers them

"""The Azure ML cassettes of AutoML run submission (tests/backends/azureml/test_azure_automl.py).

Written by `_cassette_builder.write_all()`; see its docstring for how these cassettes
were built (by hand, from the public Azure REST reference, the request list learned by
replaying the SDK until no request was left unmatched).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.backends.azureml import _cassette_builder as B
from tests.backends.azureml._cassette_builder import (
    API,
    ARM,
    ARTIFACTS,
    BEST_RUN,
    EXPERIMENT_ID,
    FAKE_READ_SAS,
    HISTORY,
    LOCATION,
    PARENT_RUN,
    RESOURCE_GROUP,
    STORAGE,
    SUBSCRIPTION,
    TEST_METRICS,
    WORKSPACE,
    WS_PATH,
    best_run_payload,
    discovery,
    interaction,
    session_interactions,
    write,
)

DATASETS = f"{API}/dataset/v1.0{WS_PATH}/datasets"
DATASET_NAME = "bankmarketing_train"
DATASET_ID = "d5a7c0e1-0000-4000-8000-00000000da7a"
SAVED_DATASET_ID = "d5a7c0e1-0000-4000-8000-00000000da7b"
#: The public file, as the SDK writes its https URL in the data set's definition.
DATA_WASBS = (
    "wasbs://automl-sample-notebook-data@automlsamplenotebookdata.blob.core.windows.net"
    "/bankmarketing_train.csv"
)
#: The schema's column types, in the order the backend gives them (see column_types).
COLUMN_TYPES = [
    *((name, "int") for name in ("age", "duration", "campaign", "pdays", "previous")),
    *(
        (name, "float")
        for name in ("emp.var.rate", "cons.price.idx", "cons.conf.idx", "euribor3m", "nr.employed")
    ),
    *(
        (name, "string")
        for name in (
            "job", "marital", "education", "default", "housing", "loan", "contact", "month",
            "day_of_week", "poutcome", "y",
        )
    ),
]  # fmt: skip


def mltable() -> str:
    """The data set's definition: an MLTable (the dataprep engine's YAML) reading the
    public file, neither validated nor type-inferred, with the schema's column types."""
    conversions = "".join(
        f"      - columns: {name}\n        column_type: {kind}\n" for name, kind in COLUMN_TYPES
    )
    return (
        "---\n"
        "type: mltable\n"
        "paths:\n"
        f'  - pattern: "{DATA_WASBS}"\n'
        "transformations:\n"
        "  - read_delimited:\n"
        "      path_column: Path\n"
        "      include_path_column: false\n"
        "      encoding: utf8\n"
        "      support_multi_line: false\n"
        '      delimiter: ","\n'
        "      empty_as_string: false\n"
        "      partition_size: 20971520\n"
        "      header: all_files_same_headers\n"
        "      infer_column_types: false\n"
        "  - convert_column_types:\n"
        f"{conversions}"
        "metadata:\n"
        '  infer_column_types: "False"\n'
    )


def dataflow() -> str:
    """The definition as the v1 dataset service carries it (the MLTable inside)."""
    return json.dumps({"blocks": [], "meta": {"RsDataflow": mltable()}})


def dataset_register() -> dict[str, Any]:
    """Datasets - Register (v1 dataset service): a new version of the tabular data set."""
    return interaction(
        "POST",
        f"{DATASETS}?registerAsPending=false&ifExistsOk=true&updateDefinitionIfExists=true"
        "&withDataHash=false",
        request_body={
            "name": DATASET_NAME,
            "datasetType": "tabular",
            "latest": {"dataflow": dataflow()},
        },
        body={
            "datasetId": DATASET_ID,
            "datasetState": {"state": "active", "deprecatedBy": None, "etag": None},
            "latest": {
                "datasetId": DATASET_ID,
                "versionId": "1",
                "datasetDefinitionState": {"state": "active"},
                "dataflow": dataflow(),
                "dataPath": None,
                "partitionFormatInPath": None,
                "profileActionResult": None,
                "notes": None,
                "etag": "1",
                "createdTime": "2026-11-02T09:00:00.000000+00:00",
                "modifiedTime": "2026-11-02T09:00:00.000000+00:00",
                "fileType": None,
                "properties": {},
                "savedDatasetId": SAVED_DATASET_ID,
            },
            "createdTime": "2026-11-02T09:00:00.000000+00:00",
            "modifiedTime": "2026-11-02T09:00:00.000000+00:00",
            "etag": "1",
            "name": DATASET_NAME,
            "description": "UCI Bank Marketing (public copy)",
            "tags": {},
            "isVisible": True,
            "defaultCompute": None,
            "datasetType": "tabular",
        },
    )


def saved_dataset_get() -> dict[str, Any]:
    """Data Versions - Get (data service): the saved data set's engine definition."""
    return interaction(
        "GET",
        f"{API}/data/v1.0{WS_PATH}/dataversion/unregistered-{SAVED_DATASET_ID}/versions/1"
        "?includeSavedDatasets=true",
        body={
            "dataVersion": {
                "dataContainerName": f"unregistered-{SAVED_DATASET_ID}",
                "dataType": "MLTable",
                "dataUri": DATA_WASBS,
                "versionId": "1",
                "mutableProps": {"description": None, "tags": {}, "isArchived": False},
                "createdTime": "2026-11-02T09:00:00.000000+00:00",
            },
            "legacyDataflowType": "RsDataflow",
            "legacyDataflow": mltable(),
        },
    )


COMPUTE = "cpu-cluster"
COMPUTE_API = "api-version=2020-02-02"
#: The cluster as Resource Manager names it (create; the SDK joins the endpoint, which
#: ends in "/", and the id, which starts with one) and as the regional API reads it.
COMPUTE_ARM = f"{ARM}/{WS_PATH}/computes/{COMPUTE}"
COMPUTE_RP = f"{API}/rp/workspaces{WS_PATH}/computes/{COMPUTE}"
COMPUTE_OPERATION = (
    f"{ARM}/subscriptions/{SUBSCRIPTION}/providers/Microsoft.MachineLearningServices"
    f"/locations/{LOCATION}/computeOperationsStatus/c0c0c0c0-0000-4000-8000-00000000c0c0"
)
#: The cluster settings of AzureMLOptions' defaults (vm_size, min/max nodes, idle time).
SCALE = {"minNodeCount": 0, "maxNodeCount": 4, "nodeIdleTimeBeforeScaleDown": "PT1800S"}
VM_SIZE = "STANDARD_DS3_V2"


def compute_payload(state: str) -> dict[str, Any]:
    """Compute - Get: an AmlCompute cluster (`state`: Creating or Succeeded), no nodes."""
    return {
        "id": f"{WS_PATH}/computes/{COMPUTE}",
        "name": COMPUTE,
        "type": "Microsoft.MachineLearningServices/workspaces/computes",
        "location": LOCATION,
        "tags": None,
        "properties": {
            "computeType": "AmlCompute",
            "computeLocation": LOCATION,
            "description": None,
            "resourceId": None,
            "createdOn": "2026-11-02T09:00:05.000000+00:00",
            "modifiedOn": "2026-11-02T09:00:35.000000+00:00",
            "provisioningState": state,
            "provisioningErrors": None,
            "isAttachedCompute": False,
            "properties": {
                "vmSize": VM_SIZE,
                "vmPriority": "Dedicated",
                "scaleSettings": SCALE,
                "remoteLoginPortPublicAccess": "Enabled",
                "subnet": None,
                "allocationState": "Steady",
                "allocationStateTransitionTime": "2026-11-02T09:00:35.000000+00:00",
                "errors": None,
                "currentNodeCount": 0,
                "targetNodeCount": 0,
                "nodeStateCounts": {
                    "idleNodeCount": 0,
                    "runningNodeCount": 0,
                    "preparingNodeCount": 0,
                    "unusableNodeCount": 0,
                    "leavingNodeCount": 0,
                    "preemptedNodeCount": 0,
                },
            },
        },
    }


def compute_list() -> dict[str, Any]:
    """Compute - List: the workspace's compute targets, our cluster among them (the last
    page: no nextLink)."""
    return interaction(
        "GET",
        f"{API}/rp/workspaces{WS_PATH}/computes?{COMPUTE_API}",
        body={"value": [compute_payload("Succeeded")]},
    )


def compute_get(state: str) -> dict[str, Any]:
    return interaction("GET", f"{COMPUTE_RP}?{COMPUTE_API}", body=compute_payload(state))


def compute_missing() -> dict[str, Any]:
    """Compute - Get of a cluster the workspace does not have (404)."""
    return interaction(
        "GET",
        f"{COMPUTE_RP}?{COMPUTE_API}",
        status=404,
        body={
            "error": {
                "code": "ResourceNotFound",
                "message": f"The Resource 'Microsoft.MachineLearningServices/workspaces/"
                f"{WORKSPACE}/computes/{COMPUTE}' under resource group "
                f"'{RESOURCE_GROUP}' was not found.",
            }
        },
    )


def compute_create(*, status: int = 201, body: Any = None) -> dict[str, Any]:
    """Compute - Create Or Update (Resource Manager): our cluster size on the wire; by
    default accepted (an asynchronous operation), else refused with `status` and `body`."""
    return interaction(
        "PUT",
        f"{COMPUTE_ARM}?{COMPUTE_API}",
        status=status,
        request_body={
            "location": LOCATION,
            "properties": {
                "computeType": "AmlCompute",
                "properties": {"vmSize": VM_SIZE, "scaleSettings": SCALE},
            },
        },
        body=compute_payload("Creating") if body is None else body,
        headers=(
            {"Azure-AsyncOperation": f"{COMPUTE_OPERATION}?{COMPUTE_API}"}
            if status < 300
            else ARM_ERROR_HEADERS
        ),
    )


#: The headers of a Resource Manager error response (the SDK's exception dumps them all
#: before the body: a translated message must still say Azure's error).
ARM_ERROR_HEADERS = {
    "Cache-Control": "no-cache",
    "Pragma": "no-cache",
    "Expires": "-1",
    "Vary": "Accept-Encoding",
    "x-ms-failure-cause": "service",
    "x-ms-request-id": "0f0e0d0c-0000-4000-8000-0000000e4400",
    "x-ms-correlation-request-id": "0f0e0d0c-0000-4000-8000-0000000e4401",
    "x-ms-routing-request-id": "EASTUS:20261102T090005Z:0f0e0d0c-0000-4000-8000-0000000e4402",
    "x-ms-ratelimit-remaining-subscription-writes": "1199",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "Date": "Mon, 02 Nov 2026 09:00:05 GMT",
}


def compute_interactions() -> list[dict[str, Any]]:
    """The cluster is missing (404), created with our size (PUT, an asynchronous
    operation), the operation polled until it succeeds, then the cluster read."""
    return [
        compute_missing(),
        compute_create(),
        compute_get("Creating"),  # ComputeTarget.create reads the new cluster
        # the asynchronous operation, polled until it ends
        interaction("GET", f"{COMPUTE_OPERATION}?{COMPUTE_API}", body={"status": "InProgress"}),
        interaction("GET", f"{COMPUTE_OPERATION}?{COMPUTE_API}", body={"status": "Succeeded"}),
        compute_get("Succeeded"),  # wait_for_completion refreshes the cluster
        compute_get("Succeeded"),  # and waits for its minimum node count (0)
    ]


def submit_interactions(**settings_changes: Any) -> list[dict[str, Any]]:
    """The cluster, the data set and the run's submission; `settings_changes` are AutoML
    settings that differ from the test's (quickstart's budget and concurrency)."""
    return [
        discovery(),
        *compute_interactions(),
        dataset_register(),
        saved_dataset_get(),
        *submission_interactions(**settings_changes),
    ]


EXPERIMENT = "bankmarketing-automl"


def experiment() -> dict[str, Any]:
    """Run History - Experiments - Get (by name)."""
    return {
        "experimentId": EXPERIMENT_ID,
        "name": EXPERIMENT,
        "description": None,
        "createdUtc": "2026-11-01T09:00:00.000000+00:00",
        "archivedTime": None,
        "tags": {},
    }


#: The environments the AutoML client (1.62) looks for when it takes itself for a
#: non-production build, which it does when installed from PyPI: its check compares
#: azureml-core's index URL with "/index.html" appended to the plain PyPI URL.
NON_PROD_ENVIRONMENTS = (
    "AutoML-Non-Prod", "AutoML-Non-Prod-GPU", "AutoML-Non-Prod-DNN", "AutoML-Non-Prod-DNN-GPU",
    "AutoML-Non-Prod-DNN-Forecasting-GPU", "AutoML-DNN-Vision-GPU-NonProd",
    "AutoML-DNN-Text-GPU-Candidate", "AutoML-DNN-Text-GPU-PTCA-Candidate",
)  # fmt: skip


def environment_missing(name: str) -> dict[str, Any]:
    """Environments - Get of an environment the workspace does not have (404)."""
    return interaction(
        "GET",
        f"{API}/environment/v1.0{WS_PATH}/environments/{name}",
        status=404,
        body={
            "error": {
                "code": "UserError",
                "message": f"Environment {name} not found in workspace {WORKSPACE}",
                "innerError": {"code": "NotFound"},
            }
        },
    )


def submission_interactions(**settings_changes: Any) -> list[dict[str, Any]]:
    return [
        # Experiment(workspace, name) reads it, and the AutoML client again
        interaction("GET", f"{HISTORY}/experiments/{EXPERIMENT}", body=experiment()),
        interaction("GET", f"{HISTORY}/experiments/{EXPERIMENT}", body=experiment()),
        # the AutoML client checks the compute target among the workspace's (Compute - List)
        compute_list(),
        *(environment_missing(name) for name in NON_PROD_ENVIRONMENTS),
        # Jasmine (the AutoML service) validates the settings and the data set: 204, no
        # problem
        interaction(
            "POST",
            f"{JASMINE}/validation?maximumSeverity=2&flight=Prod",
            status=204,
            request_body=parent_run_request(**settings_changes),
            body="",
        ),
        # Jasmine - Create Parent Run: the run's id
        interaction(
            "POST",
            f"{JASMINE}/run",
            request_body=parent_run_request(**settings_changes),
            body=json.dumps(PARENT_RUN),
        ),
        parent_run_get("NotStarted"),
        # Run History - Patch Run: the client adds its task type and package versions
        interaction(
            "PATCH",
            f"{RUNS}/{PARENT_RUN}",
            request_body={
                "runId": PARENT_RUN,
                "properties": {"display_task_type": "classification"},
            },
            body=parent_run_payload("NotStarted"),
        ),
        # Jasmine - Submit Remote Snapshot Run: no snapshot (no user script), the run's
        # configuration on our cluster (its environment, derived from this machine's
        # Python and packages, is left out of the match)
        interaction(
            "POST",
            f"{JASMINE}/runs/{PARENT_RUN}/submitSnapshotRun",
            request_body={"configuration": {"target": COMPUTE, "framework": "Python"}},
            body="",
        ),
        parent_run_get("NotStarted"),
    ]


JASMINE = f"{API}/jasmine/v1.0{WS_PATH}/experimentids/{EXPERIMENT_ID}"


def settings(**changes: Any) -> dict[str, Any]:
    """AutoML settings of the run (our AutoMLConfig as the test sets it, and the cluster)."""
    return {
        "task_type": "classification",
        "primary_metric": "AUC_weighted",
        "label_column_name": "y",
        "experiment_timeout_minutes": 20.0,
        "max_concurrent_iterations": 2,
        "featurization": "auto",
        "enable_early_stopping": True,
        "enable_ensembling": True,
        "validation_size": 0.15,
        "n_cross_validations": None,
        "whitelist_models": ["XGBoostClassifier", "LightGBM"],
        "compute_target": COMPUTE,
        "vm_type": VM_SIZE,
        **changes,
    }


def parent_run_request(**settings_changes: Any) -> dict[str, Any]:
    """What the parent run must say (our AutoMLConfig on the wire): the settings travel as
    a JSON document inside a string, the data set by its saved id."""
    data = json.dumps({"training_data": {"datasetId": SAVED_DATASET_ID}, "datasets": 0})
    return {
        "runType": "automl",
        "primaryMetric": "AUC_weighted",
        "target": COMPUTE,
        "trainSplit": 0.15,
        # the SDK escapes the quotes of this one JSON string once more
        "dataPrepJsonString": data.replace('"', '\\"'),
        "amlSettingsJsonString": json.dumps(settings(**settings_changes)),
    }


RUNS = f"{HISTORY}/experimentids/{EXPERIMENT_ID}/runs"


def parent_run_payload(status: str, **extra: Any) -> dict[str, Any]:
    """Run History - Get Run: the AutoML parent run."""
    return {
        "runNumber": 11,
        "rootRunId": PARENT_RUN,
        "experimentId": EXPERIMENT_ID,
        "createdUtc": "2026-11-02T09:01:00.000000+00:00",
        "runId": PARENT_RUN,
        "parentRunId": None,
        "status": status,
        "startTimeUtc": "2026-11-02T09:02:00.000000+00:00",
        "endTimeUtc": "2026-11-02T09:32:00.000000+00:00" if status != "Running" else None,
        "name": None,
        "displayName": PARENT_RUN,
        "dataContainerId": f"dcid.{PARENT_RUN}",
        "hidden": False,
        "runType": "automl",
        "properties": {
            "num_iterations": "1000",
            "training_type": "TrainFull",
            "acquisition_function": "EI",
            "primary_metric": "AUC_weighted",
            "train_split": "0.15",
            "acquisition_parameter": "0",
            "target": COMPUTE,
            "DataPrepJsonString": parent_run_request()["dataPrepJsonString"],
            "EnableSubsampling": None,
            "runTemplate": "AutoML",
            "azureml.runsource": "automl",
            "display_task_type": "classification",
            "AMLSettingsJsonString": json.dumps(settings()),
        },
        "target": COMPUTE,
        # Azure AutoML names the best child on the parent when the run ends
        "tags": {"automl_best_child_run_id": BEST_RUN} if status == "Completed" else {},
        "createdBy": {"userName": "tester@example.com"},
        **extra,
    }


def parent_run_get(status: str) -> dict[str, Any]:
    return interaction("GET", f"{RUNS}/{PARENT_RUN}", body=parent_run_payload(status))


def parent_run_throttled() -> dict[str, Any]:
    """Run History - Get Run refused for a moment (429, Retry-After): the follower waits
    and asks again instead of ending while the run goes on."""
    return interaction(
        "GET",
        f"{RUNS}/{PARENT_RUN}",
        status=429,
        body={
            "error": {
                "code": "TooManyRequests",
                "message": "The request was throttled; retry after 1 second.",
            }
        },
        headers={"Retry-After": "1"},
    )


AUTOML = "Machine Learning Services: Compute - Get, Create Or Update"


def child_payload(suffix: str, properties: dict[str, str], minutes: int) -> dict[str, Any]:
    """Run History: a child run of the AutoML parent (one trial), `minutes` long."""
    run_id = f"{PARENT_RUN}_{suffix}"
    return {
        **best_run_payload(),
        "runId": run_id,
        "displayName": run_id,
        "dataContainerId": f"dcid.{run_id}",
        "startTimeUtc": "2026-11-02T09:05:00.000000+00:00",
        "endTimeUtc": f"2026-11-02T09:{5 + minutes:02d}:00.000000+00:00",
        "properties": properties,
    }


def trial(iteration: int, algorithm: str, score: float) -> dict[str, str]:
    """The properties Azure AutoML puts on a trial's child run."""
    return {
        "iteration": str(iteration),
        "run_algorithm": algorithm,
        "run_preprocessor": "MaxAbsScaler",
        "score": str(score),
        "primary_metric": "AUC_weighted",
    }


def children() -> list[dict[str, Any]]:
    """The setup run (no score), two trials and the voting ensemble (the best run)."""
    return [
        child_payload("setup", {"azureml.runsource": "automl_setup"}, 2),
        child_payload("0", trial(0, "XGBoostClassifier", 0.944), 3),
        {**best_run_payload(), "properties": {**trial(1, "VotingEnsemble", 0.947)}},
        child_payload("2", trial(2, "LightGBM", 0.941), 1),
    ]


def children_list() -> dict[str, Any]:
    """Run History - Get Child Runs (newest first, one page)."""
    return interaction(
        "GET",
        f"{HISTORY}/experiments/{EXPERIMENT}/runs/{PARENT_RUN}/children"
        "?$orderby=StartTimeUtc%20desc&$top=500",
        body={"value": children(), "continuationToken": None, "nextLink": None},
    )


def run_details(run: dict[str, Any]) -> list[dict[str, Any]]:
    """Run.get_details: Run History - Get Run Details, then the run's user and system logs
    (Artifacts - List Content Information by prefix; none here)."""
    container = run["dataContainerId"]
    return [
        interaction(
            "GET",
            f"{HISTORY}/experiments/{EXPERIMENT}/runs/{run['runId']}/details",
            body={
                "runId": run["runId"],
                "target": COMPUTE,
                "status": run["status"],
                "startTimeUtc": run["startTimeUtc"],
                "endTimeUtc": run["endTimeUtc"],
                "properties": run["properties"],
                "inputDatasets": [],
                "outputDatasets": [],
                "runDefinition": {},
                "logFiles": {},
                "warnings": [],
            },
        ),
        *(
            interaction(
                "GET",
                f"{ARTIFACTS}/prefix/contentinfo/ExperimentRun/{container}/{logs}",
                body={"value": [], "continuationToken": None, "nextLink": None},
            )
            for logs in ("user_logs", "system_logs")
        ),
    ]


METRICS = f"{API}/metric/v2.0{WS_PATH}/runs/{BEST_RUN}"
#: The best child's scalar metrics (the registry cassettes' values).
SCALARS = {
    name: value for name, value in TEST_METRICS.items() if name not in ("confusion_matrix", "rows")
}
#: Azure AutoML's confusion matrix of the best child (`Run.log_confusion_matrix`): an
#: artifact-backed metric, its value a JSON file in the run's artifacts.
CONFUSION_MATRIX = {
    "schema_type": "confusion_matrix",
    "schema_version": "1.0.0",
    "data": {"class_labels": ["no", "yes"], "matrix": TEST_METRICS["confusion_matrix"]},
}
MATRIX_NAME = "confusion_matrix"
BEST_CONTAINER = f"dcid.{BEST_RUN}"
MATRIX_BLOB = f"{STORAGE}/azureml/ExperimentRun/{BEST_CONTAINER}/{MATRIX_NAME}"


def metric_full(index: int, name: str, kind: str, value: Any, ux_type: str) -> dict[str, Any]:
    """Metrics (v2) - Get Full: one metric's values (`kind` is its column type)."""
    return interaction(
        "POST",
        f"{METRICS}/full",
        request_body={"metricName": name},
        body={
            "dataContainerId": BEST_CONTAINER,
            "name": name,
            "columns": {name: kind},
            "value": [
                {
                    "metricId": f"00000000-0000-4000-8000-{index:012d}",
                    "createdUtc": "2026-11-02T09:29:00.000000+00:00",
                    "step": 0,
                    "data": {name: value},
                }
            ],
            "continuationToken": None,
            "properties": {"uxMetricType": ux_type},
        },
    )


def confusion_matrix_interactions() -> list[dict[str, Any]]:
    """The artifact-backed metric read with `populate=True`: its value names the artifact
    (`aml://artifactId/<origin>/<container>/<path>`), whose read SAS URI the SDK asks for
    (Artifacts - Get Content Information), then reads the blob (a ranged Get Blob)."""
    text = json.dumps(CONFUSION_MATRIX)
    return [
        metric_full(
            len(SCALARS),
            MATRIX_NAME,
            "Artifact",
            f"aml://artifactId/ExperimentRun/{BEST_CONTAINER}/{MATRIX_NAME}",
            "azureml.v2.confusion_matrix",
        ),
        interaction(
            "GET",
            f"{ARTIFACTS}/contentinfo/ExperimentRun/{BEST_CONTAINER}/{MATRIX_NAME}",
            body={
                "contentUri": f"{MATRIX_BLOB}?{FAKE_READ_SAS}",
                "origin": "ExperimentRun",
                "container": BEST_CONTAINER,
                "path": MATRIX_NAME,
            },
        ),
        B.ranged_blob_read(f"{MATRIX_BLOB}?{FAKE_READ_SAS}", text),
    ]


def metrics_interactions() -> list[dict[str, Any]]:
    """Run.get_metrics(populate=True) (metrics service v2): the metric names, then each
    metric's values, the confusion matrix read from its artifact."""
    return [
        interaction(
            "POST",
            f"{METRICS}/list",
            body={
                "value": [
                    *(
                        {
                            "metricKey": {"namespace": None, "name": name},
                            "columns": {name: "Double"},
                        }
                        for name in SCALARS
                    ),
                    {
                        "metricKey": {"namespace": None, "name": MATRIX_NAME},
                        "columns": {MATRIX_NAME: "Artifact"},
                    },
                ],
                "continuationToken": None,
            },
        ),
        *(
            metric_full(index, name, "Double", value, "azureml.v1.scalar")
            for index, (name, value) in enumerate(SCALARS.items())
        ),
        *confusion_matrix_interactions(),
    ]


def trial_details() -> list[dict[str, Any]]:
    """Each trial's timing (the setup run and the ensemble are not trials), read once: a
    scored child has finished and does not change."""
    return [*run_details(children()[1]), *run_details(children()[3])]


def polling_interactions(*, trials_read: bool = False) -> list[dict[str, Any]]:
    """TrainingPoller.result: the parent run's status until it ends, its child runs, the
    best child and its metrics (`trials_read`: a live view has read the trials already)."""
    return [
        parent_run_get("Running"),
        parent_run_get("Completed"),
        children_list(),
        *([] if trials_read else trial_details()),
        # AutoMLRun.get_best_child: the parent's tags name the best child, which is read
        parent_run_get("Completed"),
        interaction("GET", f"{RUNS}/{BEST_RUN}", body=children()[2]),
        interaction("GET", f"{RUNS}/{BEST_RUN}", body=children()[2]),  # its properties
        *metrics_interactions(),
        # the parent's timing, for the TrainingRun
        *run_details(parent_run_payload("Completed")),
    ]


FAILURE = "Compute ran out of core quota: the run's setup could not get a node"


def failed_run_interactions() -> list[dict[str, Any]]:
    """The run ends Failed: its details carry Azure's error (an ErrorResponse)."""
    failed = parent_run_payload("Failed")
    details = run_details(failed)
    details[0]["response"]["body"]["string"] = json.dumps(
        {
            **json.loads(details[0]["response"]["body"]["string"]),
            "error": {
                "error": {
                    "code": "UserError",
                    "message": FAILURE,
                    "target": COMPUTE,
                    "details": [],
                }
            },
        }
    )
    return [parent_run_get("Running"), parent_run_get("Failed"), *details]


def cancel_interactions() -> list[dict[str, Any]]:
    """AutoMLRun.cancel reads the run (still running: a cancel is asked only of a running
    run), then asks Jasmine to cancel it (Jasmine - Cancel Run: 200, no body); the run is
    read CancelRequested while Azure stops it, then Canceled."""
    return [
        parent_run_get("Running"),
        interaction("POST", f"{JASMINE}/cancelrun/{PARENT_RUN}", body=""),
        parent_run_get("CancelRequested"),  # done(): not yet
        parent_run_get("CancelRequested"),  # result() waits
        parent_run_get("Canceled"),  # and raises
    ]


def refused_token_interactions() -> list[dict[str, Any]]:
    """The compute service refuses the token (401) as the cluster is read: nothing else
    is asked."""
    return [
        discovery(),
        interaction(
            "GET",
            f"{COMPUTE_RP}?{COMPUTE_API}",
            status=401,
            body={
                "error": {
                    "code": "AuthenticationFailed",
                    "message": "The token is expired or not valid for this audience.",
                }
            },
        ),
    ]


QUOTA = (
    "Operation results in exceeding quota limits of Core. Maximum allowed: 10, Current in "
    "use: 8, Additional requested: 16."
)


def quota_refused_interactions() -> list[dict[str, Any]]:
    """The cluster is missing, and its creation is refused (400 QuotaExceeded, an ARM
    error response): no data set is registered and no run submitted."""
    return [
        discovery(),
        compute_missing(),
        compute_create(
            status=400,
            body={
                "error": {
                    "code": "QuotaExceeded",
                    "message": QUOTA,
                    "details": [],
                    "innerError": {"code": "CoreQuotaExceeded"},
                }
            },
        ),
    ]


def write_all() -> list[Path]:
    return [
        write(
            "test_azure_automl",
            "test_train_on_azure_submits_polls_and_maps_the_run",
            AUTOML,
            [*session_interactions(), *submit_interactions(), *polling_interactions()],
        ),
        write(
            "test_azure_automl",
            "test_a_failed_run_raises_azures_error",
            AUTOML,
            [*session_interactions(), *submit_interactions(), *failed_run_interactions()],
        ),
        write(
            "test_azure_automl",
            "test_cancel_an_azure_run",
            f"{AUTOML}; Jasmine - Cancel Run; Run History - Get Run",
            [*session_interactions(), *submit_interactions(), *cancel_interactions()],
        ),
        write(
            "test_azure_automl",
            "test_a_refused_token_is_a_credential_error",
            "Machine Learning Services: Compute - Get (401)",
            [*session_interactions(), *refused_token_interactions()],
        ),
        write(
            "test_azure_automl",
            "test_a_refused_cluster_is_a_training_error_before_any_data_set",
            "Machine Learning Services: Compute - Get, Create Or Update (400 QuotaExceeded)",
            [*session_interactions(), *quota_refused_interactions()],
        ),
    ]

"""Cassettes of the Azure pipeline tests (publishing, endpoints, runs), written by
`_cassette_builder.write_all()`.

BUILT BY HAND like the others: responses follow the public REST reference of the Azure ML
pipelines service (AE3P, `/pipelines/v1.0/...`: Modules, DataSources, Graphs,
PipelineRuns, PublishedPipelines, PipelineEndpoints), run history and the dataset service,
in the request order the SDK (azureml-pipeline-core 1.62) sends them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.backends.azureml import _cassette_builder as B
from tests.backends.azureml import _cassettes_automl as A
from tests.backends.azureml._cassette_builder import (
    API,
    WS_PATH,
    discovery,
    interaction,
    session_interactions,
    write,
)

AE3P = f"{API}/pipelines/v1.0{WS_PATH}"

PUBLISH = (
    "Azure ML pipelines service (AE3P v1.0): Modules, Graphs, PublishedPipelines, PipelineEndpoints"
)


DATASTORE = "workspaceblobstore"


def default_datastore() -> dict[str, Any]:
    """Datastores - Get Default: the workspace's blob store (no key in the answer)."""
    return interaction("GET", f"{API}/datastore/v1.0{WS_PATH}/default", body=datastore_payload())


def datastore_payload(
    *, account_key: str | None = None, credential: str | None = None
) -> dict[str, Any]:
    """A blob datastore as the datastore service describes it; with `account_key`, as
    it answers an identity allowed to read the storage account's key (what a
    re-recording must scrub)."""
    return {
        "name": DATASTORE,
        "dataStoreType": "AzureBlob",
        "hasBeenValidated": True,
        "tags": {},
        "azureStorageSection": {
            "accountName": "stbankops",
            "containerName": "azureml-blobstore-11111111-2222-3333-4444-555555555555",
            "endpoint": "core.windows.net",
            "protocol": "https",
            "credentialType": "AccountKey" if account_key else "None",
            "credential": credential,
            "isSas": False,
            "accountKey": account_key,
            "sasToken": None,
            "subscriptionId": None,
            "resourceGroup": None,
        },
    }


DATA_TYPES = [
    "AnyFile", "AzureBlobReference", "AzureDataLakeReference", "AzureFilesReference",
    "AzureSqlDatabaseReference", "AzurePostgresDatabaseReference", "AzureDataLakeGen2Reference",
    "AzureMLDataset", "AzureMySqlDatabaseReference", "DBFSReference", "AnyDirectory",
]  # fmt: skip


def data_types() -> dict[str, Any]:
    """DataTypes - List: the workspace's pipeline data types (it has the default ones, so
    the SDK creates none)."""
    return interaction(
        "GET",
        f"{AE3P}/DataTypes",
        body=[
            {
                "Id": name,
                "Name": name,
                "Description": name,
                "IsDirectory": name == "AnyDirectory",
                "ParentDataTypeIds": [],
                "Etag": None,
                "CreatedDate": "2026-11-01T09:00:00.0000000Z",
                "LastModifiedDate": "2026-11-01T09:00:00.0000000Z",
                "EntityStatus": "Active",
            }
            for name in DATA_TYPES
        ],
    )


#: The AutoMLStep's module hash (pinned by the test) and the hash of its empty source folder.
MODULE_HASH = "b4a2c0de" * 8
CONTENT_HASH = "0" * 32
MODULE_ID = "3e6c0a1b-7d2f-4a5e-9b8c-0d1e2f3a4b5c"


SNAPSHOT_ID = "5a95b0c1-0000-4000-8000-00000000a5a9"
#: The SHA-512 of nothing: the merkle hash of an empty folder.
EMPTY_FOLDER_HASH = (
    "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
    "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"
)


def latest_snapshot() -> dict[str, Any]:
    """Snapshots - Get latest metadata: the workspace's last snapshot is an empty folder,
    as the AutoMLStep's is, so the SDK uploads nothing and reuses its id."""
    return interaction(
        "GET",
        f"{API}/content/v1.0{WS_PATH}/snapshots/latest/metadata",
        body={
            "id": SNAPSHOT_ID,
            "root": {
                "name": "",
                "type": "Directory",
                "hash": EMPTY_FOLDER_HASH,
                "timestamp": "2026-11-01T09:00:00.000000",
                "children": {},
            },
        },
    )


def setting(name: str, value: str) -> dict[str, str]:
    """One AutoML setting among the module's parameters, as the module carries it."""
    return {"Name": name, "DefaultValue": value}


#: What our configuration must put into the AutoMLStep's module (checked on the wire).
AUTOML_SETTINGS = [
    setting("task_type", "classification"),
    setting("primary_metric", "AUC_weighted"),
    setting("label_column_name", "y"),
    # the local default budget (1 minute) raised to Azure's minimum
    setting("experiment_timeout_minutes", "15.0"),
    setting("featurization", "auto"),
    setting("enable_early_stopping", "True"),
    setting("validation_size", "0.15"),
    setting("target", A.COMPUTE),
]


def module_entity() -> dict[str, Any]:
    """Modules - Create: the module entity (an AutoMLCloud module on our snapshot)."""
    return {
        "Id": MODULE_ID,
        "Name": "train",
        "Description": "train",
        "ModuleExecutionType": "AutoMLCloud",
        "ModuleType": "None",
        "UploadState": "Completed",
        # allow_reuse=False: every run trains again (a cached AutoML step would be reused
        # otherwise: the data set URL and the settings do not change between triggers)
        "IsDeterministic": False,
        "IdentifierHash": f"{MODULE_HASH}_{CONTENT_HASH}",
        "DataLocation": {"StorageId": SNAPSHOT_ID, "StorageType": "Snapshot"},
        "StepType": "AutoMLStep",
        "EntityStatus": "Active",
        "CreatedDate": "2026-11-02T12:00:01.0000000Z",
        "LastModifiedDate": "2026-11-02T12:00:01.0000000Z",
    }


OUTPUTS = [("metrics_data", "Metrics"), ("model_data", "Model")]


def structured_interface() -> dict[str, Any]:
    """The AutoMLStep module's interface: the data set in, metrics and model out (and the
    SDK's `_run_after_output` sequencing port)."""
    return {
        "CommandLinePattern": "",
        "Inputs": [
            {
                "Name": "training_data",
                "Label": "training_data",
                "DataTypeIdsList": ["AzureMLDataset"],
                "IsOptional": False,
                "DataStoreMode": "Direct",
                "DataReferenceName": "training_data",
            }
        ],
        "Outputs": [
            *(
                {
                    "Name": name,
                    "Label": name,
                    "DataTypeId": "AnyFile",
                    "DataStoreName": DATASTORE,
                    "DataStoreMode": "Mount",
                    "DataReferenceName": name,
                    "TrainingOutput": {"TrainingOutputType": kind},
                }
                for name, kind in OUTPUTS
            ),
            {
                "Name": "_run_after_output",
                "DataTypeId": "AnyFile",
                "SkipProcessing": True,
                "DataReferenceName": "_run_after_output",
            },
        ],
        "Parameters": [
            {"Name": item["Name"], "ParameterType": "String", "IsOptional": True, **item}
            for item in AUTOML_SETTINGS
        ],
        "MetadataParameters": [],
        "Arguments": [],
    }


def module_get() -> dict[str, Any]:
    """Modules - Get: the module and its interface (ports and parameters)."""
    return interaction(
        "GET",
        f"{AE3P}/Modules/{MODULE_ID}",
        body={
            "Data": {**module_entity(), "StructuredInterface": structured_interface()},
            "Interface": {
                "Parameters": [
                    {"Name": item["Name"], "DefaultValue": item["DefaultValue"], "Type": "String"}
                    for item in AUTOML_SETTINGS
                ],
                "MetadataParameters": [],
                "Ports": {
                    "Inputs": [{"Name": "training_data", "DataTypesIds": ["AzureMLDataset"]}],
                    "Outputs": [
                        {"Name": name, "DataTypeId": "AnyFile"}
                        for name in [*(n for n, _ in OUTPUTS), "_run_after_output"]
                    ],
                },
            },
        },
    )


PIPELINE_ID = B.PIPELINE_ID
PIPELINE_ID_2 = "8d1a6c54-2e3f-4a71-8b9c-123456789abc"
GRAPH_ID = "11111111-aaaa-bbbb-cccc-000000000001"


def submit_url(pipeline_id: str) -> str:
    return f"{AE3P}/PipelineRuns/PipelineSubmit/{pipeline_id}"


def published_entity(
    pipeline_id: str = PIPELINE_ID,
    version: str = "1",
    status: str = "Active",
    description: str = "nightly training",
) -> dict[str, Any]:
    """A published pipeline (PipelineEntity) as the service returns it."""
    return {
        "Id": pipeline_id,
        "Name": PIPELINE_NAME,
        "Description": description,
        "Version": version,
        "GraphId": GRAPH_ID,
        "TotalRunSteps": 1,
        "ParameterAssignments": {},
        "DataSetDefinitionValueAssignments": {},
        "Url": submit_url(pipeline_id),
        "Etag": None,
        "CreatedDate": "2026-11-02T12:00:02.0000000Z",
        "LastModifiedDate": "2026-11-02T12:00:02.0000000Z",
        "EntityStatus": status,
        "ContinueRunOnStepFailure": False,
        "Properties": {},
        "EnableNotification": None,
    }


def create_published(
    version: str, pipeline_id: str, description: str = "nightly training"
) -> dict[str, Any]:
    """Pipelines - Create: the graph published under the name and version, with our
    data set as its input and our two outputs as the graph's outputs."""
    return interaction(
        "POST",
        f"{AE3P}/Pipelines/Create",
        request_body={
            "Name": PIPELINE_NAME,
            "Description": description,
            "Version": version,
            "Graph": graph_request(),
        },
        body=published_entity(pipeline_id, version, description=description),
    )


def graph_request() -> dict[str, Any]:
    """The graph as the SDK sends it (to publish or to run it): our module with our AutoML
    settings, our data set as its input, our two outputs as the graph's outputs."""
    return {
        "ModuleNodes": [
            {
                "ModuleId": MODULE_ID,
                "ModuleParameters": [
                    {"Name": item["Name"], "Value": item["DefaultValue"]}
                    for item in AUTOML_SETTINGS
                ],
            }
        ],
        "DatasetNodes": [
            {
                "DataSetDefinition": {
                    "DataTypeShortName": "AzureMLDataset",
                    "Value": {"DataSetReference": {"Id": A.DATASET_ID, "Version": "1"}},
                }
            }
        ],
        "Edges": [
            {"DestinationInputPort": {"GraphPortName": "metrics_output"}},
            {"DestinationInputPort": {"GraphPortName": "best_model_output"}},
            {"DestinationInputPort": {"PortName": "training_data"}},
        ],
    }


def not_found(uri: str, what: str) -> dict[str, Any]:
    """A 404 of the pipelines service (its ErrorResponse shape)."""
    return interaction(
        "GET",
        uri,
        status=404,
        body={
            "error": {
                "code": "UserError",
                "message": f"{what} not found",
                "details": [],
                "innerError": {"code": "NotFound"},
            },
            "correlation": {"operation": "00000000000000000000000000000404"},
        },
    )


def endpoint_by_name() -> str:
    return f"{AE3P}/PipelineEndpoints/Name?Name={PIPELINE_NAME}"


ENDPOINT_ID = "e7d0e7d0-0000-4000-8000-0000000e7d00"
ENDPOINT_SUBMIT = f"{AE3P}/PipelineRuns/PipelineEndpointSubmit/Id/{ENDPOINT_ID}"


def endpoint_entity(versions: list[str], default: str) -> dict[str, Any]:
    """A pipeline endpoint (PipelineEndpointEntity): its versions (0, 1 …, each a
    published pipeline) and the default one."""
    return {
        "Id": ENDPOINT_ID,
        "Name": PIPELINE_NAME,
        "Description": "nightly training",
        "DefaultVersion": default,
        "PipelineVersionList": [
            {"Version": str(index), "PipelineId": pipeline_id}
            for index, pipeline_id in enumerate(versions)
        ],
        "Url": ENDPOINT_SUBMIT,
        "SwaggerUrl": f"{AE3P}/PipelineEndpoints/{ENDPOINT_ID}/swagger",
        "Etag": None,
        "CreatedDate": "2026-11-02T12:00:03.0000000Z",
        "LastModifiedDate": "2026-11-02T12:00:03.0000000Z",
        "EntityStatus": "Active",
        "Properties": {},
        "tags": {},
    }


def build_graph(*, first: bool, module: bool = True) -> list[dict[str, Any]]:
    """The AutoMLStep pipeline built and its module found or made (the `first` time:
    made, on the workspace's latest snapshot; later: found by its hash). Without
    `module`, the graph only: a submission reads its experiment before the module
    (`make_module()` then)."""
    return [
        # AzureAutoML.ensure_compute: the cluster exists; public_dataset: the public file
        # registered as a tabular data set and its definition read back (as for training)
        A.compute_get("Succeeded"),
        A.dataset_register(),
        A.saved_dataset_get(),
        default_datastore(),
        # Pipeline(...): building the graph (azureml-pipeline-core)
        data_types(),
        default_datastore(),  # the graph's default datastore
        # the AutoMLStep's node: AutoMLConfig checks its compute target
        A.compute_list(),
        *(A.environment_missing(name) for name in A.NON_PROD_ENVIRONMENTS),
        # AutoML's validation service checks the settings and the data set (204: no
        # problem); the AutoMLStep has no experiment yet ("placeholder")
        interaction(
            "POST",
            f"{API}/jasmine/v1.0{WS_PATH}/experimentids/placeholder/validation"
            "?maximumSeverity=2&flight=Prod",
            status=204,
            request_body={
                "runType": "automl",
                "primaryMetric": "AUC_weighted",
                "trainSplit": 0.15,
            },
            body="",
        ),
        *((make_module() if first else [module_by_hash()]) if module else []),
    ]


def module_by_hash() -> dict[str, Any]:
    """Modules - Get by hash: the module made by the first publication."""
    return interaction(
        "GET",
        f"{AE3P}/Modules/Hash/{MODULE_HASH}_{CONTENT_HASH}",
        body=module_get()["response"]["body"]["string"],
    )


def make_module() -> list[dict[str, Any]]:
    return [
        # Pipeline.publish: the module is looked up by its hash (none yet: 404)
        interaction(
            "GET",
            f"{AE3P}/Modules/Hash/{MODULE_HASH}_{CONTENT_HASH}",
            status=404,
            body={"error": {"code": "NotFound", "message": "Module not found"}},
        ),
        latest_snapshot(),
        # Modules - Create: the AutoMLStep's module, with our AutoML settings as its
        # parameters and our two outputs (Azure's default outputs switched off)
        interaction(
            "POST",
            f"{AE3P}/Modules",
            request_body={
                "Name": "train",
                "ModuleExecutionType": "AutoMLCloud",
                "StepType": "AutoMLStep",
                # allow_reuse=False: a REST trigger runs the search again
                "IsDeterministic": False,
                "IdentifierHash": f"{MODULE_HASH}_{CONTENT_HASH}",
                "StorageId": SNAPSHOT_ID,
                "StructuredInterface": {
                    "Inputs": [{"Name": "training_data", "DataTypeIdsList": ["AzureMLDataset"]}],
                    "Outputs": [
                        {
                            "Name": "metrics_data",
                            "TrainingOutput": {"TrainingOutputType": "Metrics"},
                        },
                        {"Name": "model_data", "TrainingOutput": {"TrainingOutputType": "Model"}},
                        # the SDK's sequencing port, which every step has
                        {"Name": "_run_after_output", "SkipProcessing": True},
                    ],
                    "Parameters": AUTOML_SETTINGS,
                },
            },
            body=module_entity(),
        ),
        module_get(),
    ]


def first_publish_interactions(description: str = "nightly training") -> list[dict[str, Any]]:
    """The first version: the graph built and published, its endpoint made."""
    return [
        discovery(),
        *build_graph(first=True),
        create_published("1", PIPELINE_ID, description),
        # PipelineEndpoint.get: every SDK entry point lists the data types first
        data_types(),
        not_found(endpoint_by_name(), f"PipelineEndpoint {PIPELINE_NAME}"),
        # none yet: PipelineEndpoint.publish looks again, then makes it with this version
        data_types(),
        not_found(endpoint_by_name(), f"PipelineEndpoint {PIPELINE_NAME}"),
        data_types(),
        interaction(
            "POST",
            f"{AE3P}/PipelineEndpoints/Create",
            request_body={
                "Name": PIPELINE_NAME,
                "Description": description,
                "PipelineId": PIPELINE_ID,
            },
            body=endpoint_entity([PIPELINE_ID], "0"),
        ),
    ]


def publish_interactions() -> list[dict[str, Any]]:
    return [
        *first_publish_interactions(),
        # the second version: the same module, a new published pipeline, added to the
        # endpoint as its default
        *build_graph(first=False),
        create_published("2", PIPELINE_ID_2),
        data_types(),
        endpoint_get([PIPELINE_ID], "0"),
        # add_default: the endpoint read by id, then written back with the new version
        # appended and made the default
        endpoint_by_id([PIPELINE_ID], "0"),
        interaction(
            "PUT",
            f"{AE3P}/PipelineEndpoints/{ENDPOINT_ID}",
            request_body={
                "DefaultVersion": "1",
                "PipelineVersionList": [
                    {"Version": "0", "PipelineId": PIPELINE_ID},
                    {"Version": "1", "PipelineId": PIPELINE_ID_2},
                ],
            },
            body=endpoint_entity([PIPELINE_ID, PIPELINE_ID_2], "1"),
        ),
    ]


def published_get(pipeline_id: str, version: str, status: str = "Active") -> dict[str, Any]:
    """Pipelines - Get (a published pipeline by id)."""
    return interaction(
        "GET",
        f"{AE3P}/Pipelines/{pipeline_id}",
        body=published_entity(pipeline_id, version, status),
    )


def get_endpoint_interactions(versions: list[str], default: str) -> list[dict[str, Any]]:
    """get_endpoint: the endpoint, its default pipeline, all its versions (version N of
    the pipeline is the endpoint's N-1)."""
    return [
        data_types(),
        endpoint_get(versions, default),
        published_get(versions[int(default)], str(int(default) + 1)),
        interaction(
            "GET",
            f"{AE3P}/PipelineEndpoints/{ENDPOINT_ID}/pipelines?activeOnly=false",
            body=[
                published_entity(pipeline_id, str(index + 1))
                for index, pipeline_id in enumerate(versions)
            ],
        ),
    ]


def list_endpoints_interactions(versions: list[str], default: str) -> list[dict[str, Any]]:
    """list_endpoints: PipelineEndpoints - List (active ones), each mapped as
    `get_endpoint_interactions` maps it (its default pipeline, all its versions)."""
    return [
        data_types(),
        interaction(
            "GET",
            f"{AE3P}/PipelineEndpoints?activeOnly=true",
            body=[endpoint_entity(versions, default)],
        ),
        *get_endpoint_interactions(versions, default)[2:],
    ]


def manage_interactions() -> list[dict[str, Any]]:
    """get_endpoint, list, get, disable, enable, set_default."""
    both = [PIPELINE_ID, PIPELINE_ID_2]
    return [
        *get_endpoint_interactions(both, "1"),
        # list (every published pipeline of the workspace, disabled ones too)
        data_types(),
        interaction(
            "GET",
            f"{AE3P}/Pipelines?activeOnly=false",
            body=[published_entity(PIPELINE_ID, "1"), published_entity(PIPELINE_ID_2, "2")],
        ),
        # get
        data_types(),
        published_get(PIPELINE_ID, "1"),
        # disable, then enable: Pipelines - Update status, and the pipeline read back
        *set_status("Disabled"),
        *set_status("Active"),
        # set_default: the endpoint and the pipeline read, the endpoint written back with
        # the first version as its default, then mapped (its default and its versions)
        data_types(),
        endpoint_get(both, "1"),
        data_types(),
        published_get(PIPELINE_ID, "1"),
        endpoint_by_id(both, "1"),
        interaction(
            "PUT",
            f"{AE3P}/PipelineEndpoints/{ENDPOINT_ID}",
            request_body={"DefaultVersion": "0"},
            body=endpoint_entity(both, "0"),
        ),
        published_get(PIPELINE_ID, "1"),
        interaction(
            "GET",
            f"{AE3P}/PipelineEndpoints/{ENDPOINT_ID}/pipelines?activeOnly=false",
            body=[published_entity(PIPELINE_ID, "1"), published_entity(PIPELINE_ID_2, "2")],
        ),
    ]


def set_status(status: str) -> list[dict[str, Any]]:
    return [
        data_types(),
        published_get(PIPELINE_ID, "1", "Active" if status == "Disabled" else "Disabled"),
        interaction(
            "PUT",
            f"{AE3P}/Pipelines/{PIPELINE_ID}/status",
            request_body=json.dumps(status),
            body="",
        ),
        data_types(),
        published_get(PIPELINE_ID, "1", status),
    ]


def endpoint_by_id(versions: list[str], default: str) -> dict[str, Any]:
    """PipelineEndpoints - Get by id."""
    return interaction(
        "GET", f"{AE3P}/PipelineEndpoints/Id/{ENDPOINT_ID}", body=endpoint_entity(versions, default)
    )


def endpoint_get(versions: list[str], default: str) -> dict[str, Any]:
    """PipelineEndpoints - Get by name."""
    return interaction("GET", endpoint_by_name(), body=endpoint_entity(versions, default))


UNKNOWN_ID = "00000000-dead-4000-8000-000000000000"


def error_interactions() -> list[dict[str, Any]]:
    """An unknown published pipeline (404), then a refused token (401) on the list."""
    return [
        discovery(),
        data_types(),
        not_found(f"{AE3P}/Pipelines/{UNKNOWN_ID}", f"Pipeline {UNKNOWN_ID}"),
        data_types(),
        interaction(
            "GET",
            f"{AE3P}/Pipelines?activeOnly=false",
            status=401,
            body={"error": {"code": "InvalidToken", "message": "The token has expired"}},
        ),
    ]


def write_all() -> list[Path]:
    return [
        write(
            "test_azure_pipelines",
            "test_sdk_errors_become_ours",
            "Azure ML pipelines service (AE3P v1.0): Pipelines - Get (404), Pipelines - List (401)",
            [*session_interactions(), *error_interactions()],
        ),
        write(
            "test_azure_pipelines",
            "test_publish_the_training_pipeline",
            PUBLISH,
            [*session_interactions(), *publish_interactions(), *manage_interactions()],
        ),
    ]


PIPELINE_NAME = "bankmarketing-training"

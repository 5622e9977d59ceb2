"""Cassettes of web service deployment beyond ACI (issue #8): AKS, switching a service to
another model, the error paths, and the telemetry query's time filter.

Built by hand like the others (see `_cassette_builder`, whose `write_all` writes these
too); run `python -m tests.backends.azureml._cassette_builder`.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from tests.backends.azureml._cassette_builder import (
    API,
    APP_INSIGHTS,
    LOCATION,
    LOGS,
    MMS,
    SERVICE,
    SUBSCRIPTION,
    WS_PATH,
    automl_environment,
    discovery,
    interaction,
    kql,
    logs_query,
    model_get,
    model_payload,
    operation,
    request_rows,
    scoring_assets,
    service_get,
    service_payload,
    service_validations,
    session_interactions,
    subscriptions,
    workspace_get,
    write,
)

AKS_CLUSTER = "aks-bankops"
AKS_SERVICE = "bankmarketing-aks"
AKS_SCORING_URI = f"http://20.0.0.20:80/api/v1/service/{AKS_SERVICE}/score"
AKS_REPLICAS = 3
AKS_PRIMARY, AKS_SECONDARY = "fake-aks-primary-0004", "fake-aks-secondary-0005"
UNKNOWN_SERVICE = "no-such-svc"

AKS = (
    "Machine Learning Compute - Get (api-version 2020-02-02, AKS); Machine Learning "
    "Services (v1): Models - Get; Run History; Artifacts; Environments; Services - Create "
    "(computeType AKS); Operations - Get; Services - Get, List Keys"
)
UPDATE = (
    "Machine Learning Services (v1): Services - Get; Models - Get; Run History; Artifacts; "
    "Environments; Services - Patch (json-patch /environmentImageRequest); Operations - Get"
)
ERRORS = (
    "Machine Learning Services (v1) error responses (ErrorResponse: code, statusCode, "
    "message): Services - Get 404 and 401; Models - Get 404; Operations - Get (Failed, with "
    "its error); Services - Get Logs"
)
INSIGHTS_UNTIL = (
    "Azure Monitor Log Analytics - Query Resource (POST /v1/{resourceId}/query; the body's "
    "`query` is the KQL); Machine Learning Workspaces - Get"
)


def aks_compute() -> dict[str, Any]:
    """Machine Learning Compute - Get: an attached AKS cluster."""
    resource = f"{WS_PATH}/computes/{AKS_CLUSTER}"
    return interaction(
        "GET",
        f"{API}/rp/workspaces{resource}?api-version=2020-02-02",
        body={
            "id": resource,
            "name": AKS_CLUSTER,
            "type": "Microsoft.MachineLearningServices/workspaces/computes",
            "location": LOCATION,
            "tags": None,
            "properties": {
                "computeType": "AKS",
                "computeLocation": LOCATION,
                "description": None,
                "createdOn": "2026-11-01T09:30:00.000000+00:00",
                "modifiedOn": "2026-11-01T09:45:00.000000+00:00",
                "resourceId": f"/subscriptions/{SUBSCRIPTION}/resourcegroups/rg-bankops"
                "/providers/Microsoft.ContainerService/managedClusters/aks-bankops",
                "provisioningState": "Succeeded",
                "provisioningErrors": None,
                "isAttachedCompute": True,
                "properties": {
                    "agentVmSize": "Standard_D3_v2",
                    "agentCount": 3,
                    "clusterPurpose": "FastProd",
                    "clusterFqdn": "aks-bankops-dns-0a1b2c3d.hcp.eastus.azmk8s.io",
                    "loadBalancerType": "PublicIp",
                    "loadBalancerSubnet": None,
                    "systemServices": [
                        {
                            "systemServiceType": "ScoringFrontEnd",
                            "publicIpAddress": "20.0.0.20",
                            "version": "1.0",
                        }
                    ],
                    "sslConfiguration": {"status": "Disabled"},
                },
            },
        },
    )


def aks_service_payload(state: str = "Healthy") -> dict[str, Any]:
    """An AKS web service (`Services - Get`, computeType AKS)."""
    payload = service_payload(state=state)
    for key in ("location", "publicIp", "sslCertificate", "sslEnabled", "sslKey", "cname"):
        del payload[key]
    payload.update(
        id=AKS_SERVICE,
        name=AKS_SERVICE,
        computeType="AKS",
        computeName=AKS_CLUSTER,
        scoringUri=AKS_SCORING_URI,
        swaggerUri=AKS_SCORING_URI.replace("/score", "/swagger.json"),
        numReplicas=AKS_REPLICAS,
        autoScaler={
            "autoscaleEnabled": False,
            "minReplicas": 1,
            "maxReplicas": 10,
            "targetUtilization": 70,
            "refreshPeriodInSeconds": 1,
        },
        containerResourceRequirements={
            "cpu": 1.0,
            "memoryInGB": 2.0,
            "gpu": None,
            "cpuLimit": 1.0,
            "memoryInGBLimit": 2.0,
        },
        appInsightsEnabled=False,
        aadAuthEnabled=False,
        dataCollection={"eventHubEnabled": False, "storageEnabled": False},
        livenessProbeRequirements={
            "failureThreshold": 3,
            "successThreshold": 1,
            "timeoutSeconds": 2,
            "periodSeconds": 10,
            "initialDelaySeconds": 310,
        },
        scoringTimeoutMs=60000,
        maxConcurrentRequestsPerContainer=1,
        maxQueueWaitMs=500,
        namespace="azureml-ws-bankops",
    )
    return payload


def aks_service_get(state: str = "Healthy") -> dict[str, Any]:
    return interaction(
        "GET", f"{MMS}/services/{AKS_SERVICE}?expand=true", body=aks_service_payload(state)
    )


def aks_interactions() -> list[dict[str, Any]]:
    """Model.deploy to AKS: the compute target, the same reads and uploads as on ACI, the
    service created with computeType AKS, its operation polled, then its keys."""
    return [
        discovery(),
        aks_compute(),
        model_get(),  # ModelDeployer resolves "name:version"
        model_get(),  # the Model the service will serve
        *scoring_assets(),
        *service_validations(AKS_SERVICE),
        interaction(
            "POST",
            f"{MMS}/services",
            status=202,
            request_body={
                "name": AKS_SERVICE,
                "computeType": "AKS",
                "computeName": AKS_CLUSTER,
                "authEnabled": True,
                "numReplicas": AKS_REPLICAS,
                "autoScaler": {"autoscaleEnabled": False},
                "containerResourceRequirements": {"cpu": 1.0, "memoryInGB": 2.0},
                "appInsightsEnabled": False,
                "kvTags": {"created_by": "bankmarketing_ops"},
                "environmentImageRequest": {"modelIds": ["bankmarketing-automl:1"]},
            },
            body="",
            headers={"Operation-Location": f"{MMS}/operations/op-create-aks-0004"},
        ),
        aks_service_get("Transitioning"),
        operation("op-create-aks-0004", state="Running"),
        operation("op-create-aks-0004"),
        aks_service_get(),
        aks_service_get(),  # ModelDeployer's check of the settled service
        # get_keys
        aks_service_get(),
        interaction(
            "POST",
            f"{MMS}/services/{AKS_SERVICE}/listkeys",
            body={"primaryKey": AKS_PRIMARY, "secondaryKey": AKS_SECONDARY},
        ),
    ]


def serving(version: int, state: str = "Healthy") -> dict[str, Any]:
    """`Services - Get` of the ACI service serving `bankmarketing-automl:<version>`, with
    the environment it was built from (the SDK's update needs it)."""
    payload = service_payload(state=state)
    payload["models"] = [model_payload(version=version)]
    payload["environmentImageRequest"] = {
        "modelIds": [f"bankmarketing-automl:{version}"],
        "environment": automl_environment(),
    }
    return interaction("GET", f"{MMS}/services/{SERVICE}?expand=true", body=payload)


def update_interactions() -> list[dict[str, Any]]:
    """ModelDeployer.update(model=...): the new version read, the service read, Azure
    AutoML's scoring script and environment of the model's run (the same reads and uploads
    as a deployment), the json-patch of the service's image request, the operation polled,
    and the service read back serving version 2."""
    return [
        discovery(),
        model_get(2),  # ModelDeployer resolves "name:2"
        serving(1),  # the service, as it is
        model_get(2),  # the Model the service will serve (its run: the scoring script)
        *scoring_assets(),
        interaction("POST", f"{MMS}/services/validate", body=[]),
        interaction(
            "PATCH",
            f"{MMS}/services/{SERVICE}",
            status=202,
            request_body=[
                {
                    "op": "replace",
                    "path": "/environmentImageRequest",
                    "value": {
                        "modelIds": ["bankmarketing-automl:2"],
                        "environment": {"name": "AzureML-AutoML"},
                    },
                }
            ],
            body="",
            headers={"Operation-Location": f"{MMS}/operations/op-update-model-0005"},
        ),
        serving(1, state="Transitioning"),
        operation("op-update-model-0005", state="Running"),
        operation("op-update-model-0005"),
        serving(2),
        serving(2),  # ModelDeployer's check: the service serves version 2
    ]


def error(status: int, code: str, message: str) -> dict[str, Any]:
    """The v1 model management service's error body."""
    return {"code": code, "statusCode": status, "message": message, "details": []}


def error_interactions() -> list[dict[str, Any]]:
    """An unknown service (read, then deleted: nothing to do), an unknown model version,
    and a request Azure refuses with 401 (an expired token)."""
    unknown = interaction(
        "GET",
        f"{MMS}/services/{UNKNOWN_SERVICE}?expand=true",
        status=404,
        body=error(404, "NotFound", f"No service with name {UNKNOWN_SERVICE} found"),
    )
    return [
        discovery(),
        unknown,
        copy.deepcopy(unknown),  # (a copy: no YAML aliases in the cassette)
        interaction(
            "GET",
            f"{MMS}/models/bankmarketing-automl%3A9",
            status=404,
            body=error(404, "NotFound", "Model with id bankmarketing-automl:9 not found"),
        ),
        interaction(
            "GET",
            f"{MMS}/services/{SERVICE}?expand=true",
            status=401,
            body=error(401, "Unauthorized", "The access token expired"),
        ),
    ]


FAILURE = {
    "code": "ContainerCrashed",
    "statusCode": 400,
    "message": "Your container application crashed. This may be caused by errors in your "
    "scoring file's init() function.",
    "details": [{"code": "CrashLoopBackOff", "message": "Container exited with code 1"}],
}
CRASH_LOG = (
    "2026-11-02T10:20:01 Starting gunicorn\n"
    "2026-11-02T10:20:04 Exception in worker process: ModuleNotFoundError: No module named "
    "'lightgbm'\n"
    "2026-11-02T10:20:04 Worker exiting\n"
)


def failed_deploy_interactions() -> list[dict[str, Any]]:
    """Model.deploy whose operation ends Failed: Azure's error on the operation, the
    service Failed, and the container's log, which DeploymentError carries."""
    failed = service_payload(state="Failed", insights=True)
    failed["error"] = FAILURE
    service_failed = interaction("GET", f"{MMS}/services/{SERVICE}?expand=true", body=failed)
    return [
        discovery(),
        model_get(),  # ModelDeployer resolves "name:version"
        model_get(),  # the Model the service will serve
        *scoring_assets(),
        *service_validations(SERVICE),
        interaction(
            "POST",
            f"{MMS}/services",
            status=202,
            request_body={"name": SERVICE, "computeType": "ACI", "authEnabled": True},
            body="",
            headers={"Operation-Location": f"{MMS}/operations/op-create-0006"},
        ),
        service_get(state="Transitioning", insights=True),
        operation("op-create-0006", state="Running"),
        interaction(
            "GET",
            f"{MMS}/operations/op-create-0006",
            body={
                "id": "op-create-0006",
                "state": "Failed",
                "operationType": "Service",
                "error": FAILURE,
                "operationDetails": {"subOperationType": "DeployService"},
            },
        ),
        service_failed,  # the SDK's update_deployment_state
        copy.deepcopy(service_failed),  # ModelDeployer reads the settled service
        copy.deepcopy(service_failed),  # … and its log
        interaction(
            "GET",
            f"{MMS}/services/{SERVICE}/logs?tail=20&init=False",
            body={"content": CRASH_LOG},
        ),
    ]


#: The KQL of `requests(SERVICE, since=11:00:00, until=11:00:01.5, limit=5)`, as the
#: Logs query body must hold it: `until` is a `where` BEFORE `take` (a review finding:
#: rows were taken first and filtered by time afterwards, so a limit could come back
#: short). The time range's start is the body's `timespan`.
UNTIL_QUERY = kql("timestamp < datetime(2026-11-02T11:00:01.500000Z)", take=5)
REFUSED_QUERY = kql(service="other-svc")


def insights_until_interactions() -> list[dict[str, Any]]:
    """One query with `until` and a limit (the KQL checked in the body; Azure answers the
    one row before 11:00:01.5), then one Azure refuses with 401."""
    query = f"{LOGS}{APP_INSIGHTS}/query"
    return [
        subscriptions(),  # get_details(): subscriptions, then the workspace
        workspace_get(),
        interaction(
            "POST",
            query,
            request_body={
                "query": UNTIL_QUERY,
                "timespan": "2026-11-02T11:00:00.000Z/2026-11-02T11:00:01.500Z",
            },
            body=logs_query(request_rows()[:1]),
        ),
        interaction(
            "POST",
            query,
            status=401,
            request_body={"query": REFUSED_QUERY},
            body={
                "error": {
                    "code": "InvalidTokenError",
                    "message": "The provided authentication is not valid for this resource",
                }
            },
        ),
    ]


def write_all() -> list[Path]:
    return [
        write(
            "test_azure_deploy",
            "test_deploy_an_aks_service",
            AKS,
            [*session_interactions(), *aks_interactions()],
        ),
        write(
            "test_azure_deploy",
            "test_update_switches_the_service_to_another_model",
            UPDATE,
            [*session_interactions(), *update_interactions()],
        ),
        write(
            "test_azure_deploy",
            "test_errors_become_ours",
            ERRORS,
            [*session_interactions(), *error_interactions()],
        ),
        write(
            "test_azure_deploy",
            "test_a_failed_deployment_carries_azures_error_and_the_log",
            ERRORS,
            [*session_interactions(), *failed_deploy_interactions()],
        ),
        write(
            "test_azure_insights",
            "test_until_is_applied_before_the_limit",
            INSIGHTS_UNTIL,
            [*session_interactions(), *insights_until_interactions()],
        ),
    ]


# names the tests use, kept importable from here
__all__ = [
    "AKS_CLUSTER",
    "AKS_PRIMARY",
    "AKS_REPLICAS",
    "AKS_SCORING_URI",
    "AKS_SERVICE",
    "UNKNOWN_SERVICE",
    "write_all",
]

"""Cassettes of the `bankops` commands on Azure ML (built by hand, as the others).

Each conversation is the other tests' pieces, in the order the commands make their
calls. Every command opens the workspace afresh (`BANKOPS_BACKEND=azureml` and a
`config.json`): `opened()` is that sign-in's part of the conversation.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bankmarketing_ops.cli.endpoints import TWO_RECORDS
from bankmarketing_ops.pipelines import training_pipeline
from tests.backends.azureml import _cassette_builder as B
from tests.backends.azureml import _cassettes_automl as A
from tests.backends.azureml import _cassettes_deploy as D
from tests.backends.azureml import _cassettes_pipeline_runs as R
from tests.backends.azureml import _cassettes_pipelines as P
from tests.backends.azureml import _cassettes_quickstart as Q
from tests.backends.azureml import _cassettes_registry as G

MODULE = "test_azure_cli"
SERVICES = B.SERVICES + "; Services - List"
FLOW = Q.QUICKSTART + "; the scoring endpoint (" + B.ENDPOINT.split(" (")[0] + ")"


def opened() -> list[dict[str, Any]]:
    """A command opens the workspace of config.json (the cloud's metadata and the
    discovery document are read once per process: the first command's)."""
    return [*B.session_interactions(), B.discovery()]


def services_list() -> dict[str, Any]:
    """Services - List (expanded): the one ACI service."""
    return B.interaction(
        "GET", f"{B.MMS}/services?expand=true", body={"value": [B.service_payload()]}
    )


def services_interactions() -> list[dict[str, Any]]:
    """services list → show → keys → regenerate-key primary → logs -n 3 → delete."""
    return [
        *opened(),
        services_list(),
        *opened(),
        B.service_get(),
        *opened(),
        *B.keys_interactions(B.PRIMARY),
        *opened(),
        *B.regenerate_interactions(),
        *opened(),
        *B.logs_interactions(),
        *opened(),
        *B.delete_interactions(),
    ]


def endpoint_test_score() -> dict[str, Any]:
    """`endpoints test`: the classic two records, scored with the primary key."""
    return B.interaction(
        "POST",
        B.SCORING_URI,
        authorization=f"Bearer {B.PRIMARY}",
        request_body={"data": TWO_RECORDS},
        # Azure v1 AutoML answers the JSON document encoded inside a JSON string
        body=json.dumps(json.dumps({"result": ["no", "yes"]})),
    )


def flow_interactions() -> list[dict[str, Any]]:
    """train → deploy → services keys → endpoints test → insights enable → insights show
    → pipelines publish → pipelines trigger → pipelines runs, one command at a time."""
    return [
        # train --timeout-minutes 20: submitted, followed (through a throttled read), the
        # best child registered
        *opened(),
        *Q.training_interactions(throttled=True),
        # deploy bankmarketing-automl:1: the version read, no such service yet, an ACI one
        *opened(),
        B.model_get(),
        B.interaction("GET", f"{B.MMS}/services?expand=true", body={"value": []}),
        *B.deploy_interactions(insights=False, by_ref=False),
        # services keys
        *opened(),
        *B.keys_interactions(B.PRIMARY),
        # endpoints test --service: the service, its keys, the two records scored
        *opened(),
        B.service_get(),
        *B.keys_interactions(B.PRIMARY),
        B.swagger_get(),  # wire=auto: the form, read once (v1 here)
        endpoint_test_score(),
        # insights enable
        *opened(),
        *B.enable_insights_interactions(),
        # insights show: every request of the service App Insights holds
        *opened(),
        B.subscriptions(),  # the workspace's App Insights resource (get_details)
        B.workspace_get(),
        B.interaction(
            "POST",
            f"{B.LOGS}{B.APP_INSIGHTS}/query",
            request_body={"query": B.kql(), "timespan": None},
            body=B.logs_query(Q.traffic()),
        ),
        # pipelines publish: the first version, its named endpoint read back
        *opened(),
        # (published under the built-in pipeline's own description)
        *P.first_publish_interactions(description=training_pipeline().description),
        *P.get_endpoint_interactions([P.PIPELINE_ID], "0"),
        # pipelines trigger <id> --experiment quickstart: over REST with the workspace's
        # token, the run read back through the workspace
        *opened(),
        # the target is not an endpoint's name: the published pipeline of that id
        *P.list_endpoints_interactions([P.PIPELINE_ID], "0"),
        P.data_types(),
        P.published_get(P.PIPELINE_ID, "1"),
        *B.pipeline_interactions(experiment=R.EXPERIMENT),
        *R.read_run(R.pipeline_run_record("Running"), [R.step_run_record("Running")]),
        *R.published_name(),
        # pipelines runs <run id>: followed to Completed meanwhile
        *opened(),
        *R.read_run(
            R.pipeline_run_record("Completed", **R.FINISHED),
            [R.step_run_record("Completed", **R.STEP_FINISHED)],
            code=3,
        ),
        *R.published_name(),
    ]


MODELS = B.REGISTRY + "; Models - Delete"
INSIGHTS = B.INSIGHTS + "; " + B.SERVICES
PIPELINES = R.LIST + "; " + R.LOGS + "; " + P.PUBLISH


def models_interactions() -> list[dict[str, Any]]:
    """models list → show NAME:2 --json → show NAME (latest) → delete NAME:2."""
    models = f"{B.MMS}/models"
    return [
        *opened(),
        B.interaction(
            "GET",
            f"{models}?count=255&latestVersionOnly=false",
            body={"value": [B.registered(2), B.registered(1)], "nextLink": None},
        ),
        *opened(),
        G.model_get(),
        *opened(),
        *B.registry_interactions()[1:2],  # the latest version
        *opened(),
        G.model_get(),
        B.interaction("DELETE", G.MODEL_URL, body=""),
    ]


def deploy_update_interactions() -> list[dict[str, Any]]:
    """deploy NAME:2 --service SVC, SVC already serving version 1: the version read, the
    services listed, the service switched to it (as `ModelDeployer.update`)."""
    return [
        *opened(),
        G.model_get(),
        services_list(),
        *D.update_interactions()[2:],  # the version is read already
    ]


def insights_interactions() -> list[dict[str, Any]]:
    """insights requests --failed --limit 5 → dashboard → disable."""
    return [
        *opened(),
        B.subscriptions(),  # the workspace's App Insights resource (get_details)
        B.workspace_get(),
        B.interaction(
            "POST",
            f"{B.LOGS}{B.APP_INSIGHTS}/query",
            # `insights requests` reads the newest first
            request_body={
                "query": B.kql("success == false", take=5, newest_first=True),
                "timespan": None,
            },
            body=B.logs_query([row for row in reversed(B.request_rows()) if not row[5]]),
        ),
        # insights dashboard: every request, for the summary and for the timeline
        *opened(),
        B.subscriptions(),
        B.workspace_get(),
        *(
            B.interaction(
                "POST",
                f"{B.LOGS}{B.APP_INSIGHTS}/query",
                request_body={"query": B.kql(), "timespan": None},
                body=B.logs_query(B.request_rows()),
            )
            for _ in range(2)
        ),
        *opened(),
        *B.enable_insights_interactions(on=False),
    ]


def benchmark_interactions(requests: int) -> list[dict[str, Any]]:
    """endpoints benchmark --service: the service, its keys, `requests` scorings."""
    return [
        *opened(),
        B.service_get(),
        *B.keys_interactions(B.PRIMARY),
        B.swagger_get(),  # wire=auto: the form, read once (v1 here)
        *(endpoint_test_score() for _ in range(requests)),
    ]


def pipelines_interactions() -> list[dict[str, Any]]:
    """pipelines list → runs → logs RUN → cancel RUN."""
    both = [P.PIPELINE_ID, P.PIPELINE_ID_2]
    return [
        *opened(),
        P.data_types(),
        B.interaction(
            "GET",
            f"{P.AE3P}/Pipelines?activeOnly=false",
            body=[P.published_entity(P.PIPELINE_ID, "1"), P.published_entity(P.PIPELINE_ID_2, "2")],
        ),
        *P.list_endpoints_interactions(both, "1"),
        *opened(),
        *R.every_run_interactions(),
        *opened(),
        *R.logs_interactions(refused_step=False),
        *opened(),
        *R.cancel_running_interactions(),
    ]


BENCHMARKED = 3


def pipeline_manage_interactions() -> list[dict[str, Any]]:
    """pipelines show ENDPOINT → disable ID → enable ID."""
    both = [P.PIPELINE_ID, P.PIPELINE_ID_2]
    return [
        *opened(),
        # the target is an endpoint's name: the endpoint, then its default version
        *P.list_endpoints_interactions(both, "1"),
        *P.get_endpoint_interactions(both, "1"),
        P.data_types(),
        P.published_get(P.PIPELINE_ID_2, "2"),
        *opened(),
        *P.set_status("Disabled"),
        *opened(),
        *P.set_status("Active"),
    ]


def train_cancel_interactions() -> list[dict[str, Any]]:
    """train, Ctrl-C while it runs: submitted, its leaderboard shown, the cancel asked of
    Azure, the run read until Canceled, the leaderboard so far read for the message."""
    return [
        *opened(),
        *A.submit_interactions(max_concurrent_iterations=1),
        A.children_list(),
        *A.trial_details(),
        A.parent_run_get("Running"),
        *A.cancel_interactions(),
        A.children_list(),
    ]


def write_all() -> list[Path]:
    return [
        B.write(MODULE, "test_services_commands", SERVICES, services_interactions()),
        B.write(MODULE, "test_the_whole_flow_on_azure", FLOW, flow_interactions()),
        B.write(MODULE, "test_models_commands", MODELS, models_interactions()),
        B.write(
            MODULE, "test_deploy_updates_a_running_service", D.UPDATE, deploy_update_interactions()
        ),
        B.write(
            MODULE,
            "test_insights_requests_dashboard_and_disable",
            INSIGHTS,
            insights_interactions(),
        ),
        B.write(
            MODULE,
            "test_endpoints_benchmark",
            B.SERVICES + "; " + B.ENDPOINT,
            benchmark_interactions(BENCHMARKED),
        ),
        B.write(MODULE, "test_pipelines_commands", PIPELINES, pipelines_interactions()),
        B.write(
            MODULE,
            "test_pipelines_show_disable_enable",
            P.PUBLISH,
            pipeline_manage_interactions(),
        ),
        B.write(
            MODULE,
            "test_ctrl_c_cancels_the_azure_run",
            f"{A.AUTOML}; Jasmine - Cancel Run; Run History - Get Run",
            train_cancel_interactions(),
        ),
    ]

"""Cassettes of `bankops quickstart --backend azureml` (built by hand, as the others).

The whole command is one conversation made of the other tests' pieces, in the order the
steps make their calls: open the workspace, train (AutoML), register the best child,
deploy to ACI and score, switch App Insights on and read the telemetry of the traffic
it sent, publish the training pipeline and trigger it over REST, follow the run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bankmarketing_ops.data import SCHEMA
from bankmarketing_ops.pipelines import training_pipeline
from tests.backends.azureml import _cassette_builder as B
from tests.backends.azureml import _cassettes_automl as A
from tests.backends.azureml import _cassettes_pipeline_runs as R
from tests.backends.azureml import _cassettes_pipelines as P

MODULE = "test_azure_quickstart"
QUICKSTART = (
    "every reference named in the other cassettes (Resource Manager, AutoML and run "
    "history, model management, Log Analytics, the pipelines service)"
)


def quickstart_interactions() -> list[dict[str, Any]]:
    return [
        *B.session_interactions(),
        *training_interactions(),
        # 5. deploy and score: no service of that name yet, so a new ACI service
        B.interaction("GET", f"{B.MMS}/services?expand=true", body={"value": []}),
        # the version just registered; App Insights is switched on in step 6
        *B.deploy_interactions(insights=False, by_ref=False),
        *keys(),
        score(method="predict_proba"),
        # 6. insights: on, 50 good requests, 3 without a key, 2 malformed, the telemetry
        *B.enable_insights_interactions(),
        *keys(),
        *(score() for _ in range(50)),
        *(score(status=401) for _ in range(3)),
        *(malformed() for _ in range(2)),
        B.subscriptions(),  # the workspace's App Insights resource (get_details)
        B.workspace_get(),
        B.interaction(
            "POST",
            f"{B.LOGS}{B.APP_INSIGHTS}/query",
            # the service's scoring requests (the time span is quickstart's own clock)
            request_body={"query": B.kql('name == "POST /score"')},
            body=B.logs_query(traffic()),
        ),
        # 7. the training pipeline published, triggered over REST, followed to its end
        # (published under the built-in pipeline's own description)
        *P.first_publish_interactions(description=training_pipeline().description),
        *B.pipeline_interactions(experiment="quickstart"),
        *R.follow_interactions(),
    ]


def training_interactions(*, throttled: bool = False) -> list[dict[str, Any]]:
    """`train_and_register` with a 20-minute budget and the other defaults: AutoML
    submitted, followed live to Completed, the best child registered (`throttled`: one
    read of the run refused with 429 on the way, and asked again)."""
    return [
        # quickstart keeps the defaults: one trial at a time
        *A.submit_interactions(max_concurrent_iterations=1),
        # the live view while the run is NotStarted (the submission's last read): the
        # leaderboard so far and the state (Running); then done (Completed: the first
        # read of the polling below)
        A.children_list(),
        *A.trial_details(),
        A.parent_run_get("Running"),
        *([A.parent_run_throttled()] if throttled else []),
        *A.polling_interactions(trials_read=True)[1:],
        # the metrics the AutoML cassette's best child reports (with its confusion
        # matrix); the baseline is measured on this machine from the real file
        *B.register_run_interactions(
            description="",
            tags={},
            properties={},
            metrics=B.TEST_METRICS,
            # the configuration quickstart trained with is recorded with the version
            training={
                "config": {
                    "primary_metric": "AUC_weighted",
                    "experiment_timeout_minutes": 20.0,
                    "max_concurrent_iterations": 1,
                    "label_column_name": "y",
                },
                # the held-out split of the real file the baseline is measured on (20 %)
                "test_rows": 6590,
            },
            # measured on, and the versions of, the machine that runs the test
            unchecked=("baseline_metrics", "library_versions"),
        ),
    ]


def keys() -> list[dict[str, Any]]:
    """ModelDeployer.get_keys: the service, then its keys."""
    return [B.service_get(), B.list_keys(B.PRIMARY)]


def score(*, method: str | None = None, status: int = 200) -> dict[str, Any]:
    """POST /score of the schema's example row (refused without a key: 401)."""
    request: dict[str, Any] = {"data": [SCHEMA.example_row()]}
    if method is not None:
        request["method"] = method
    answer = {"result": [[0.93, 0.07]]} if method == "predict_proba" else {"result": ["no"]}
    return B.interaction(
        "POST",
        B.SCORING_URI,
        status=status,
        # the service's primary key, or none at all for the refused requests
        authorization=f"Bearer {B.PRIMARY}" if status != 401 else "",
        request_body=request,
        # Azure v1 AutoML answers the JSON document encoded inside a JSON string
        body=json.dumps(json.dumps(answer)) if status == 200 else "",
    )


def malformed() -> dict[str, Any]:
    return B.interaction(
        "POST",
        B.SCORING_URI,
        status=400,
        authorization=f"Bearer {B.PRIMARY}",
        request_body='{"data": [',
        body="malformed JSON",
    )


def traffic() -> list[list[Any]]:
    """The `requests` rows the query projects for that traffic: 55 requests, 5 failed
    (method, status, outcome and request id as the inference server's `customDimensions`
    give them; no client request id)."""
    codes = ["200"] * 50 + ["401"] * 3 + ["400"] * 2
    return [
        [
            f"2026-11-02T11:{i // 60:02d}:{i % 60:02d}.5000000Z",
            "POST /score",
            B.SCORING_URI,
            40.0 + i % 7,
            code,
            code == "200",
            f"req-{i:04d}",
            "",
            f"op-{i:04d}",
            B.SERVICE,
        ]
        for i, code in enumerate(codes)
    ]


def write_all() -> list[Path]:
    return [
        B.write(
            MODULE,
            "test_quickstart_opens_the_workspace_of_config_json_with_tokens",
            B.SESSION,
            B.session_interactions(),
        ),
        B.write(
            MODULE,
            "test_quickstart_runs_every_step_on_azure",
            QUICKSTART,
            quickstart_interactions(),
        ),
    ]

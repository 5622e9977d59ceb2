"""Cassettes of `PipelinePublisher.submit` on Azure (the training pipeline run now, in an
experiment, without publishing it), written by `_cassette_builder.write_all()`.

BUILT BY HAND like the others, from the pieces of the publishing and run cassettes: the
graph is built as for publishing (`build_graph`, `make_module`, `graph_request`), then run
as the SDK (azureml-pipeline-core 1.62, `Experiment.submit(Pipeline)`) does: the
pipelines service's PipelineRuns - Create unsubmitted (with the graph) and - Submit, the
run's record in run history tagged with our pipeline's name and parameters; then read as
`get_run` reads any run (`read_run`) until it is Completed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bankmarketing_ops.steps.training import training_pipeline
from tests.backends.azureml import _cassettes_pipeline_runs as R
from tests.backends.azureml._cassette_builder import (
    SESSION,
    discovery,
    interaction,
    session_interactions,
    write,
)
from tests.backends.azureml._cassettes_pipelines import (
    AE3P,
    build_graph,
    data_types,
    graph_request,
    make_module,
)

MODULE = "test_azure_pipeline_submit"
#: The run `submit` makes (not a run of a published pipeline).
RUN_ID = "7a8b9c0d-1111-2222-3333-444455556666"
#: The training pipeline's parameters as the run was made with them: its defaults, the
#: budget raised to Azure's minimum (what the AutoMLStep's settings say).
PARAMETERS: dict[str, Any] = {
    **{p.name: p.default for p in training_pipeline().parameters},
    "timeout_minutes": 15.0,
}
TAGS = {"bankops.pipeline": training_pipeline().name, "bankops.parameters": json.dumps(PARAMETERS)}
#: What the pipelines service answers when it refuses the submission.
REFUSED = (
    "The compute target cpu-cluster is being deleted and cannot run the pipeline. "
    "Choose another compute target."
)

REFERENCE = (
    "Azure ML pipelines service (AE3P v1.0): Modules, PipelineRuns - Create unsubmitted "
    "(CreationInfoWithGraph), PipelineRuns - Submit, PipelineRuns - Get; Run History: "
    "Experiments - Get, Runs - Get, Runs - Patch (tags), Runs - Get Child"
)


def run_entity(code: int = 0) -> dict[str, Any]:
    """The pipelines service's record of the run: made by the SDK, of no published
    pipeline."""
    entity = R.pipeline_run_entity(code, RUN_ID)
    entity.update(PipelineId=None, RunSource="SDK", RunType="SDK", IsSubmitted=code != 0)
    return entity


def run_record(status: str, **extra: Any) -> dict[str, Any]:
    """Run history's record of the run: no published pipeline's id, our tags."""
    record = R.pipeline_run_record(status, RUN_ID, **{"tags": TAGS, **extra})
    properties = dict(record["properties"])
    del properties["azureml.pipelineid"]
    properties.update(runSource="SDK", runType="SDK")
    record["properties"] = properties
    return record


def read_run(record: dict[str, Any], steps: list[dict[str, Any]], *, code: int) -> list[Any]:
    """`get_run` of the run (`read_run` of the run tests, with the pipelines service's
    record of a run submitted from code)."""
    reads = R.read_run(record, steps, code=code)
    for item in reads:
        if item["request"]["uri"] == f"{AE3P}/PipelineRuns/{RUN_ID}":
            item["response"]["body"]["string"] = json.dumps(run_entity(code))
    return reads


def create_and_submit(*, refused: bool = False) -> list[dict[str, Any]]:
    """The graph built (its experiment read before its module is made), the run created
    with it in the experiment (our graph: our module, AutoML settings, data set and
    outputs), then submitted (or refused: 400)."""
    return [
        *build_graph(first=True, module=False),
        R.experiment_get(),
        *make_module(),
        interaction(
            "POST",
            f"{AE3P}/PipelineRuns/Unsubmitted/CreationInfoWithGraph?experimentName={R.EXPERIMENT}",
            request_body={
                "CreationInfo": {"ParameterAssignments": {}, "RunSource": "SDK"},
                "Graph": graph_request(),
            },
            body=run_entity(),
        ),
        refused_submit()
        if refused
        else interaction("POST", f"{AE3P}/PipelineRuns/Submit/{RUN_ID}", body=""),
    ]


def refused_submit() -> dict[str, Any]:
    """PipelineRuns - Submit refused: 400 with the service's ErrorResponse."""
    refused = interaction(
        "POST",
        f"{AE3P}/PipelineRuns/Submit/{RUN_ID}",
        status=400,
        body={
            "error": {"code": "UserError", "message": REFUSED, "details": []},
            "correlation": {"operation": "00000000000000000000000000000400"},
        },
    )
    refused["response"]["status"]["message"] = "Bad Request"
    return refused


def submit_interactions() -> list[dict[str, Any]]:
    """`submit`: created and submitted, tagged, read back (NotStarted, no step yet), then
    followed by the poller: Running, then Completed."""
    return [
        discovery(),
        *create_and_submit(),
        # PipelineRun(experiment, id): the run read from run history
        data_types(),
        interaction(
            "GET",
            f"{R.HISTORY}/experiments/{R.EXPERIMENT}/runs/{RUN_ID}",
            body=run_record("NotStarted", tags={}),
        ),
        # Experiment.submit(..., tags=): our pipeline's name and the run's parameters
        interaction(
            "PATCH",
            f"{R.HISTORY}/experiments/{R.EXPERIMENT}/runs/{RUN_ID}",
            request_body={"runId": RUN_ID, "tags": TAGS},
            body=run_record("NotStarted"),
        ),
        R.children(run_id=RUN_ID),
        # the poller: Running (its AutoMLStep too), then Completed
        *read_run(run_record("Running"), [R.step_run_record("Running", RUN_ID)], code=1),
        *read_run(
            run_record("Completed", **R.FINISHED),
            [R.step_run_record("Completed", RUN_ID, **R.STEP_FINISHED)],
            code=3,
        ),
    ]


def refused_interactions() -> list[dict[str, Any]]:
    """The pipelines service refuses the submission (400): nothing is read or tagged."""
    return [discovery(), *create_and_submit(refused=True)]


def write_all() -> list[Path]:
    return [
        write(
            MODULE,
            "test_submit_runs_the_training_pipeline_to_completed",
            REFERENCE,
            [*session_interactions(), *submit_interactions()],
        ),
        write(
            MODULE,
            "test_a_refused_submission_is_a_pipeline_error",
            REFERENCE,
            [*session_interactions(), *refused_interactions()],
        ),
        write(
            MODULE,
            "test_parameters_azure_would_not_use_are_refused_before_any_request",
            SESSION,  # the workspace's requests only: none of the submission may be made
            session_interactions(),
        ),
    ]

"""Cassettes of the Azure pipeline RUN tests (get, follow, list, cancel, logs, errors),
written by `_cassette_builder.write_all()`.

BUILT BY HAND like the others: responses follow the public REST reference of the Azure ML
pipelines service (AE3P, `/pipelines/v1.0/...`: PipelineRuns, PipelineRuns/Pipeline/{id},
Execution, node logs), run history (`/history/v1.0/...`: Experiments, Runs - Get,
Runs - Get Child, Run Artifacts) and Blob storage, in the request order the SDK
(azureml-core 1.61, azureml-pipeline-core 1.62) sends them.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from tests.backends.azureml import _cassette_builder as B
from tests.backends.azureml._cassette_builder import (
    ARTIFACTS,
    FAKE_READ_SAS,
    HISTORY,
    STORAGE,
    discovery,
    interaction,
    session_interactions,
    write,
)
from tests.backends.azureml._cassettes_pipelines import (
    AE3P,
    ENDPOINT_ID,
    GRAPH_ID,
    MODULE_ID,
    PIPELINE_ID,
    PIPELINE_ID_2,
    PIPELINE_NAME,
    data_types,
    endpoint_get,
    not_found,
    published_entity,
    published_get,
)

MODULE = "test_azure_pipeline_runs"
EXPERIMENT = "quickstart"
RUN_ID = "4d5e6f70-1111-2222-3333-444455556666"
STEP_RUN_ID = "5e6f7081-1111-2222-3333-444455556666"


def pipeline_run_entity(status: int | str = 1, run_id: str = RUN_ID) -> dict[str, Any]:
    """PipelineRuns - Get: the pipelines service's record of a run (its status code:
    0 NotStarted, 1 Running, 2 Failed, 3 Finished, 4 Canceled)."""
    return {
        "Description": None,
        "Status": {
            "StatusCode": status,
            "StatusDetail": None,
            "CreationTime": "2026-11-02T12:00:00.0000000Z",
            "EndTime": None,
        },
        "GraphId": GRAPH_ID,
        "IsSubmitted": True,
        "HasErrors": False,
        "HasWarnings": False,
        "UploadState": "Completed",
        "ParameterAssignments": {},
        "DataSetDefinitionValueAssignments": {},
        "RunHistoryExperimentName": EXPERIMENT,
        "PipelineId": PIPELINE_ID,
        "RunSource": "Unavailable",
        "RunType": "HTTP",
        "TotalRunSteps": 1,
        "ScheduleId": None,
        "tags": {},
        "Properties": {},
        "EntityStatus": "Active",
        "Id": run_id,
        "Etag": None,
        "CreatedDate": "2026-11-02T12:00:00.0000000Z",
        "LastModifiedDate": "2026-11-02T12:00:00.0000000Z",
    }


def pipeline_run_get(status: int | str = 1, run_id: str = RUN_ID) -> dict[str, Any]:
    return interaction(
        "GET", f"{AE3P}/PipelineRuns/{run_id}", body=pipeline_run_entity(status, run_id)
    )


EXPERIMENT_ID = "e0e1e2e3-0000-4000-8000-0000000000e5"


def experiment_get() -> dict[str, Any]:
    """Experiments - Get (by name): the run's experiment."""
    return interaction(
        "GET",
        f"{HISTORY}/experiments/{EXPERIMENT}",
        body={
            "experimentId": EXPERIMENT_ID,
            "name": EXPERIMENT,
            "description": None,
            "createdUtc": "2026-11-01T09:00:00.000000+00:00",
            "archivedTime": None,
            "tags": {},
        },
    )


def pipeline_run_record(status: str, run_id: str = RUN_ID, **extra: Any) -> dict[str, Any]:
    """Runs - Get (run history): the pipeline run, a run of the published pipeline."""
    record: dict[str, Any] = {
        "runNumber": 7,
        "rootRunId": run_id,
        "experimentId": EXPERIMENT_ID,
        "createdUtc": "2026-11-02T12:00:00.1234567Z",
        "runId": run_id,
        "parentRunId": None,
        "status": status,
        "startTimeUtc": "2026-11-02T12:00:05.000000+00:00"
        if status not in ("NotStarted", "Queued")
        else None,
        "endTimeUtc": None,
        "name": None,
        "displayName": "keen_lamp_7",
        "dataContainerId": f"dcid.{run_id}",
        "hidden": False,
        "runType": "azureml.PipelineRun",
        "properties": {
            "azureml.runsource": "azureml.PipelineRun",
            "runSource": "Unavailable",
            "runType": "HTTP",
            "azureml.parameters": "{}",
            "azureml.continue_on_step_failure": "False",
            "azureml.pipelineComponent": "pipelinerun",
            "azureml.pipelineid": PIPELINE_ID,
        },
        "tags": {},
        "target": None,
        "createdBy": {"userName": "tester@example.com"},
    }
    record.update(extra)
    return record


NODE_ID = "a1b2c3d4"


def step_run_record(status: str, run_id: str = RUN_ID, **extra: Any) -> dict[str, Any]:
    """A step run (child of the pipeline run) as run history lists it: our `train` step,
    the AutoMLStep, tagged with its graph node and pipeline run."""
    started = status not in ("NotStarted", "Queued", "Preparing")
    record: dict[str, Any] = {
        "runNumber": 8,
        "rootRunId": run_id,
        "experimentId": EXPERIMENT_ID,
        "createdUtc": "2026-11-02T12:00:06.000000+00:00",
        "runId": STEP_RUN_ID,
        "parentRunId": run_id,
        "status": status,
        "startTimeUtc": "2026-11-02T12:00:10.000000+00:00" if started else None,
        "endTimeUtc": None,
        "name": "train",
        "displayName": "train",
        "dataContainerId": f"dcid.{STEP_RUN_ID}",
        "hidden": False,
        "runType": "azureml.StepRun",
        "properties": {
            "azureml.runsource": "azureml.StepRun",
            "azureml.nodeid": NODE_ID,
            "StepType": "AutoMLStep",
            "azureml.moduleid": MODULE_ID,
            "azureml.pipelinerunid": run_id,
        },
        "tags": {"azureml.nodeid": NODE_ID, "azureml.pipeline": run_id},
        "target": "cpu-cluster",
        "createdBy": {"userName": "tester@example.com"},
    }
    record.update(extra)
    return record


def children(*records: dict[str, Any], run_id: str = RUN_ID) -> dict[str, Any]:
    """Runs - Get Child: the pipeline run's step runs (one page)."""
    return interaction(
        "GET",
        f"{HISTORY}/experiments/{EXPERIMENT}/runs/{run_id}/children"
        "?$orderby=StartTimeUtc%20desc&$top=500",
        body={"value": list(records), "continuationToken": None, "nextLink": None},
    )


def fetch_run(run: dict[str, Any], *, code: int | str = 1) -> list[dict[str, Any]]:
    """`PipelineRun.get`: the pipelines service names the run's experiment, run history
    has the experiment and the run (by experiment id)."""
    run_id = str(run["runId"])
    return [
        data_types(),
        pipeline_run_get(code, run_id),
        experiment_get(),
        data_types(),
        interaction("GET", f"{HISTORY}/experimentids/{EXPERIMENT_ID}/runs/{run_id}", body=run),
    ]


def read_run(
    run: dict[str, Any], steps: list[dict[str, Any]], *, code: int | str = 1
) -> list[dict[str, Any]]:
    """`get_run`: the run fetched, then its step runs (one request)."""
    return [*fetch_run(run, code=code), children(*steps, run_id=str(run["runId"]))]


def published_name() -> list[dict[str, Any]]:
    """The published pipeline's name, read once per `PipelinePublisher`."""
    return [data_types(), published_get(PIPELINE_ID, "1")]


FINISHED = {"endTimeUtc": "2026-11-02T12:31:00.000000+00:00"}
STEP_FINISHED = {"endTimeUtc": "2026-11-02T12:30:00.000000+00:00"}


def follow_interactions() -> list[dict[str, Any]]:
    """A run read while Running (its AutoMLStep too), twice, then once Completed."""
    return [
        discovery(),
        *read_run(pipeline_run_record("Running"), [step_run_record("Running")]),
        *published_name(),
        *read_run(pipeline_run_record("Running"), [step_run_record("Running")]),
        *read_run(
            pipeline_run_record("Completed", **FINISHED),
            [step_run_record("Completed", **STEP_FINISHED)],
            code=3,
        ),
    ]


FAILED_RUN_ID = "6f708192-1111-2222-3333-444455556666"
#: What Azure AutoML says when no child run could train (the step run's error).
AUTOML_ERROR = (
    "No model was trained: all iterations failed. Training data has only one class in "
    "the label column 'y'."
)


def failed_interactions() -> list[dict[str, Any]]:
    """A run whose AutoMLStep failed: the step run has AutoML's error, the pipeline run
    Azure's summary of it."""
    step_error = {
        "error": {"code": "UserError", "message": AUTOML_ERROR, "details": []},
        "correlation": None,
    }
    run_error = {
        "error": {
            "code": "UserError",
            "message": "Pipeline has some failed steps. See child run or execution logs "
            "for more details.",
            "details": [],
        }
    }
    failed = read_run(
        pipeline_run_record("Failed", FAILED_RUN_ID, error=run_error, **FINISHED),
        [step_run_record("Failed", FAILED_RUN_ID, error=step_error, **STEP_FINISHED)],
        code=2,
    )
    # read by quickstart's follow_run, then by a poller's result()
    return [discovery(), *failed, *published_name(), *copy.deepcopy(failed)]


EARLIER = {"createdUtc": "2026-11-01T12:00:00.000000+00:00"}


def list_records() -> dict[str, dict[str, Any]]:
    """The published pipeline's two runs: a Completed one, a later Failed one."""
    return {
        RUN_ID: pipeline_run_record("Completed", **FINISHED, **EARLIER),
        FAILED_RUN_ID: pipeline_run_record("Failed", FAILED_RUN_ID, **FINISHED),
    }


def runs_of(pipeline_id: str, run_ids: list[str]) -> list[dict[str, Any]]:
    """PipelineRuns - Get by pipeline id (the pipelines service's records of its runs),
    then each run as `PipelineRun.get_pipeline_runs` makes it: its experiment, its
    history record (one request each per run)."""
    records = list_records()
    listing = interaction(
        "GET",
        f"{AE3P}/PipelineRuns/Pipeline/{pipeline_id}",
        body=[pipeline_run_entity(3, run_id) for run_id in run_ids],
    )
    return [
        data_types(),
        listing,
        *(
            item
            for run_id in run_ids
            for item in (
                experiment_get(),
                data_types(),
                interaction(
                    "GET",
                    f"{HISTORY}/experimentids/{EXPERIMENT_ID}/runs/{run_id}",
                    body=records[run_id],
                ),
            )
        ),
    ]


def list_interactions() -> list[dict[str, Any]]:
    """list_runs by pipeline id (all, then only Completed ones), by endpoint name (its
    two versions, limit 1), and of every published pipeline. Only the runs returned have
    their step runs read."""
    both = [RUN_ID, FAILED_RUN_ID]
    step = {
        RUN_ID: step_run_record("Completed", **STEP_FINISHED),
        FAILED_RUN_ID: step_run_record("Failed", FAILED_RUN_ID, **STEP_FINISHED),
    }
    return [
        discovery(),
        # by pipeline id: newest first
        *runs_of(PIPELINE_ID, both),
        children(step[FAILED_RUN_ID], run_id=FAILED_RUN_ID),
        *published_name(),
        children(step[RUN_ID]),
        # by pipeline id, Completed only: the Failed run's steps are not read
        *runs_of(PIPELINE_ID, both),
        children(step[RUN_ID]),
        # by endpoint name, limit 1: its versions, the runs of each, one run's steps
        data_types(),
        endpoint_get([PIPELINE_ID, PIPELINE_ID_2], "1"),
        interaction(
            "GET",
            f"{AE3P}/PipelineEndpoints/{ENDPOINT_ID}/pipelines?activeOnly=false",
            body=[published_entity(PIPELINE_ID, "1"), published_entity(PIPELINE_ID_2, "2")],
        ),
        *runs_of(PIPELINE_ID, both),
        *runs_of(PIPELINE_ID_2, []),
        children(step[FAILED_RUN_ID], run_id=FAILED_RUN_ID),
        *every_run_interactions(),
    ]


def every_run_interactions() -> list[dict[str, Any]]:
    """list_runs() of every published pipeline: the pipelines, the runs of each, the
    steps of the runs returned."""
    return [
        data_types(),
        interaction(
            "GET",
            f"{AE3P}/Pipelines?activeOnly=false",
            body=[published_entity(PIPELINE_ID, "1"), published_entity(PIPELINE_ID_2, "2")],
        ),
        *runs_of(PIPELINE_ID, [RUN_ID, FAILED_RUN_ID]),
        *runs_of(PIPELINE_ID_2, []),
        children(step_run_record("Failed", FAILED_RUN_ID, **STEP_FINISHED), run_id=FAILED_RUN_ID),
        children(step_run_record("Completed", **STEP_FINISHED)),
    ]


def cancel_interactions() -> list[dict[str, Any]]:
    """cancel_run of a Running run: read, cancelled through the pipelines service, read
    again (CancelRequested); later read Canceled. Then a cancel of the Canceled run asks
    nothing more of Azure than the read."""
    canceled = {"endTimeUtc": "2026-11-02T12:05:00.000000+00:00"}
    return [
        discovery(),
        *cancel_running_interactions(),
        # the poller's read: Canceled
        *read_run(
            pipeline_run_record("Canceled", **canceled),
            [step_run_record("Canceled", **canceled)],
            code=4,
        ),
        # cancel_run of the Canceled run: no DELETE, the run read back
        *fetch_run(pipeline_run_record("Canceled", **canceled), code=4),
        *read_run(
            pipeline_run_record("Canceled", **canceled),
            [step_run_record("Canceled", **canceled)],
            code=4,
        ),
    ]


def cancel_running_interactions() -> list[dict[str, Any]]:
    """cancel_run of a Running run: read, cancelled through the pipelines service, read
    again (CancelRequested, with the published pipeline's name)."""
    return [
        *fetch_run(pipeline_run_record("Running")),
        interaction("DELETE", f"{AE3P}/PipelineRuns/{RUN_ID}/Execution", body=""),
        *read_run(pipeline_run_record("CancelRequested"), [step_run_record("CancelRequested")]),
        *published_name(),
    ]


LOG_FILES = {
    "logs/azureml/executionlogs.txt": (
        "[2026-11-02T12:00:10Z] Starting the AutoML run\n"
        "[2026-11-02T12:30:00Z] AutoML run completed: VotingEnsemble AUC_weighted 0.947\n"
    ),
}
#: The step's job log kept by the pipelines service (its stdout and stderr are empty for
#: an AutoMLStep: no script of ours runs).
JOB_LOG = "[2026-11-02T12:00:06Z] Submitted the AutoML run of step train\n"
#: The common runtime's log of the step (listed by prefix, not in the run's details).
USER_LOG = "user_logs/std_log.txt"
USER_LOG_TEXT = "AutoML: 12 iterations, best VotingEnsemble\n"


def log_url(name: str) -> str:
    return f"{STORAGE}/azureml/ExperimentRun/dcid.{STEP_RUN_ID}/{name}?{FAKE_READ_SAS}"


def blob_read(name: str, text: str) -> dict[str, Any]:
    """A step's log file read with its SAS (logs are append blobs)."""
    return B.ranged_blob_read(log_url(name), text, blob_type="AppendBlob")


def step_details(step: dict[str, Any]) -> dict[str, Any]:
    """Runs - Get Details (RunDetailsDto): the step run's status and its log files (a
    read-only SAS URL each)."""
    return interaction(
        "GET",
        f"{HISTORY}/experiments/{EXPERIMENT}/runs/{STEP_RUN_ID}/details",
        body={
            "runId": STEP_RUN_ID,
            "runUuid": "7a0b1c2d-0000-4000-8000-00000000a7e1",
            "parentRunUuid": None,
            "rootRunUuid": None,
            "target": "cpu-cluster",
            "status": step["status"],
            "parentRunId": RUN_ID,
            "startTimeUtc": step["startTimeUtc"],
            "endTimeUtc": step["endTimeUtc"],
            "error": None,
            "warnings": None,
            "tags": step["tags"],
            "properties": step["properties"],
            "inputDatasets": [],
            "outputDatasets": [],
            "runDefinition": {},
            "logFiles": {name: log_url(name) for name in LOG_FILES},
            "jobCost": None,
            "revision": 5,
            "runTypeV2": None,
            "settings": {},
            "computeRequest": None,
            "compute": None,
            "createdBy": step["createdBy"],
            "computeDuration": "00:30:00",
            "effectiveStartTimeUtc": None,
            "runNumber": step["runNumber"],
            "rootRunId": RUN_ID,
            "experimentId": EXPERIMENT_ID,
            "userId": None,
            "statusRevision": 3,
            "currentComputeTime": None,
            "lastStartTimeUtc": None,
            "lastModifiedBy": None,
            "lastModifiedUtc": None,
            "duration": "00:29:50",
            "inputs": None,
            "outputs": None,
            "currentAttemptId": 1,
        },
    )


def logs_interactions(*, refused_step: bool = True) -> list[dict[str, Any]]:
    """get_logs of a Completed run: its step runs, each step run's details and log files."""
    done = pipeline_run_record("Completed", **FINISHED)
    step = step_run_record("Completed", **STEP_FINISHED)

    def step_runs() -> list[dict[str, Any]]:
        """`PipelineRun.get_steps()`: the children, each made a `StepRun` (the pipelines
        service names the pipeline run's experiment, run history has the step run)."""
        return [
            children(step),
            data_types(),
            pipeline_run_get(3),
            interaction(
                "GET", f"{HISTORY}/experimentids/{EXPERIMENT_ID}/runs/{STEP_RUN_ID}", body=step
            ),
        ]

    return [
        discovery(),
        *fetch_run(done, code=3),
        *step_runs(),
        # StepRun.get_details_with_logs: the details, the common runtime's logs (Artifacts
        # - List by prefix with content information), then each file read with its SAS
        step_details(step),
        interaction(
            "GET",
            f"{ARTIFACTS}/prefix/contentinfo/ExperimentRun/dcid.{STEP_RUN_ID}/user_logs",
            body={
                "value": [
                    {
                        "contentUri": log_url(USER_LOG),
                        "origin": "ExperimentRun",
                        "container": f"dcid.{STEP_RUN_ID}",
                        "path": USER_LOG,
                    }
                ],
                "continuationToken": None,
                "nextLink": None,
            },
        ),
        interaction(
            "GET",
            f"{ARTIFACTS}/prefix/contentinfo/ExperimentRun/dcid.{STEP_RUN_ID}/system_logs",
            body={"value": [], "continuationToken": None, "nextLink": None},
        ),
        *(blob_read(name, text) for name, text in LOG_FILES.items()),
        blob_read(USER_LOG, USER_LOG_TEXT),
        # the node's stdout, stderr and job log (AE3P, Graph/Shareable: the text itself)
        *(
            interaction(
                "POST",
                f"{AE3P}/PipelineRuns/{RUN_ID}/Graph/Shareable/{kind}",
                request_body=[NODE_ID],
                body=text,
                headers={"Content-Type": "text/plain; charset=utf-8"},
            )
            for kind, text in (("STDOUT", ""), ("STDERR", ""), ("JobLog", JOB_LOG))
        ),
        # a step the run does not have: refused once the steps are known
        *([*fetch_run(done, code=3), *step_runs()] if refused_step else []),
    ]


UNKNOWN_RUN_ID = "00000000-dead-4000-8000-0000000000aa"


def unknown_run_interactions() -> list[dict[str, Any]]:
    """An unknown run id: the pipelines service answers 404 (before run history is asked)."""
    return [
        discovery(),
        data_types(),
        not_found(f"{AE3P}/PipelineRuns/{UNKNOWN_RUN_ID}", f"PipelineRun {UNKNOWN_RUN_ID}"),
        data_types(),
        not_found(f"{AE3P}/PipelineRuns/{UNKNOWN_RUN_ID}", f"PipelineRun {UNKNOWN_RUN_ID}"),
    ]


READ = (
    "Azure ML pipelines service (AE3P v1.0): DataTypes, PipelineRuns - Get, Pipelines - Get; "
    "Run History: Experiments - Get, Runs - Get, Runs - Get Child"
)


LIST = (
    "Azure ML pipelines service (AE3P v1.0): PipelineRuns - Get by pipeline id, "
    "PipelineEndpoints - Get, Pipelines - List; Run History: Experiments - Get, Runs - Get, "
    "Runs - Get Child"
)


LOGS = (
    "Azure ML pipelines service (AE3P v1.0): PipelineRuns - Get, node logs; Run History: "
    "Runs - Get, Runs - Get Child, Runs - Get Details; Artifacts - List by prefix; Blob "
    "storage: Get Blob (SAS)"
)


def write_all() -> list[Path]:
    return [
        write(
            MODULE,
            "test_follow_a_run_to_completed",
            READ,
            [*session_interactions(), *follow_interactions()],
        ),
        write(
            MODULE,
            "test_a_failed_step_fails_the_run",
            READ,
            [*session_interactions(), *failed_interactions()],
        ),
        write(
            MODULE,
            "test_list_runs",
            LIST,
            [*session_interactions(), *list_interactions()],
        ),
        write(
            MODULE,
            "test_cancel_a_run",
            "Azure ML pipelines service (AE3P v1.0): PipelineRuns - Get, PipelineRuns - Cancel "
            "(DELETE .../Execution); Run History: Runs - Get, Runs - Get Child",
            [*session_interactions(), *cancel_interactions()],
        ),
        write(
            MODULE,
            "test_step_logs",
            LOGS,
            [*session_interactions(), *logs_interactions()],
        ),
        write(
            MODULE,
            "test_an_unknown_run_id_is_pipeline_not_found",
            "Azure ML pipelines service (AE3P v1.0): PipelineRuns - Get (404)",
            [*session_interactions(), *unknown_run_interactions()],
        ),
    ]


__all__ = ["AE3P", "HISTORY", "PIPELINE_ID", "PIPELINE_NAME", "write_all"]

"""Azure pipeline runs, replayed through the real SDK (azureml-pipeline-core's
`PipelineRun` and run history): reading a run and its step runs, following it to its end
as quickstart does, listing, cancelling, logs, and an unknown run id."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pytest
from rich.console import Console

from bankmarketing_ops import (
    PipelineError,
    PipelineNotFoundError,
    PipelinePublisher,
    PipelineRunError,
    Workspace,
)
from bankmarketing_ops.backends.azureml.pipelines import _iso, _step_status, map_run_status
from bankmarketing_ops.cli.pipelines import follow_run
from tests.backends.azureml import _cassettes_pipeline_runs as R
from tests.backends.azureml import _cassettes_pipelines as P
from tests.backends.azureml.conftest import assert_all_played


@pytest.mark.vcr
def test_follow_a_run_to_completed(azure_workspace: Workspace, vcr: Any) -> None:
    """quickstart's flow after its REST trigger on Azure: `follow_run` polls
    `PipelinePublisher.get_run` until the run is over (Running, then Completed)."""
    publisher = PipelinePublisher(azure_workspace)
    running = publisher.get_run(R.RUN_ID)
    assert running.status == "Running"
    assert not running.done
    assert running.pipeline_id == P.PIPELINE_ID
    assert running.pipeline_name == P.PIPELINE_NAME  # the published pipeline's, not Azure's
    assert running.experiment_name == R.EXPERIMENT
    assert running.created_at == "2026-11-02T12:00:00.123+00:00"
    assert running.started_at == "2026-11-02T12:00:05.000+00:00"
    assert running.finished_at is None
    assert [(s.name, s.status) for s in running.steps] == [("train", "Running")]

    console = Console(file=io.StringIO(), force_terminal=False)
    done = follow_run(publisher.get_run, R.RUN_ID, console, timeout=60)
    assert done.status == "Completed"
    assert done.error is None
    assert done.finished_at == "2026-11-02T12:31:00.000+00:00"
    train = done.step("train")
    assert (train.status, train.started_at, train.finished_at, train.error) == (
        "Completed",
        "2026-11-02T12:00:10.000+00:00",
        "2026-11-02T12:30:00.000+00:00",
        None,
    )
    assert_all_played(vcr)


@pytest.mark.vcr
def test_a_failed_step_fails_the_run(azure_workspace: Workspace, vcr: Any) -> None:
    """As locally, the failing step's error is the run's (`PipelineRunError`, raised by
    the poller and by quickstart for a run that did not complete)."""
    publisher = PipelinePublisher(azure_workspace)
    console = Console(file=io.StringIO(), force_terminal=False)
    followed = follow_run(publisher.get_run, R.FAILED_RUN_ID, console, timeout=60)
    assert followed.status == "Failed"
    assert str(PipelineRunError(followed)) == (
        f"pipeline run {R.FAILED_RUN_ID} failed: step train failed: {R.AUTOML_ERROR}"
    )
    with pytest.raises(PipelineRunError) as raised:
        publisher.poll_run(R.FAILED_RUN_ID).result(timeout=60)
    run = raised.value.run
    assert run.status == "Failed"
    assert run.error == f"step train failed: {R.AUTOML_ERROR}"
    assert run.step("train").status == "Failed"
    assert run.step("train").error == R.AUTOML_ERROR
    assert R.AUTOML_ERROR in str(raised.value)
    assert_all_played(vcr)


@pytest.mark.vcr
def test_list_runs(azure_workspace: Workspace, vcr: Any) -> None:
    """By published pipeline, by status, by endpoint (with a limit) and all: newest
    first, and only the runs returned have their steps read (the cassette holds no
    other request: each unused one would fail `assert_all_played`, each extra one the
    replay)."""
    publisher = PipelinePublisher(azure_workspace)
    runs = publisher.list_runs(pipeline_id=P.PIPELINE_ID)
    assert [(r.id, r.status) for r in runs] == [
        (R.FAILED_RUN_ID, "Failed"),
        (R.RUN_ID, "Completed"),
    ]
    assert all(r.pipeline_name == P.PIPELINE_NAME for r in runs)
    assert [s.status for s in runs[0].steps] == ["Failed"]

    completed = publisher.list_runs(pipeline_id=P.PIPELINE_ID, status="Completed")
    assert [r.id for r in completed] == [R.RUN_ID]

    newest = publisher.list_runs(endpoint_name=P.PIPELINE_NAME, limit=1)
    assert [(r.id, r.endpoint_name) for r in newest] == [(R.FAILED_RUN_ID, P.PIPELINE_NAME)]

    everything = publisher.list_runs()
    assert [r.id for r in everything] == [R.FAILED_RUN_ID, R.RUN_ID]
    assert publisher.list_runs(limit=0) == []
    assert_all_played(vcr)


@pytest.mark.vcr
def test_cancel_a_run(azure_workspace: Workspace, vcr: Any) -> None:
    """A cancel is asked of Azure; the run stays Running (CancelRequested) until Azure has
    stopped it, and then the poller raises `PipelineRunError` for it, as locally."""
    publisher = PipelinePublisher(azure_workspace)
    asked = publisher.cancel_run(R.RUN_ID)
    assert asked.status == "Running"
    with pytest.raises(PipelineRunError, match="canceled") as raised:
        publisher.poll_run(R.RUN_ID).result(timeout=60)
    assert raised.value.run.status == "Canceled"
    assert raised.value.run.step("train").status == "Canceled"
    # cancelling a run that is over changes nothing (no DELETE left in the cassette)
    assert publisher.cancel_run(R.RUN_ID).status == "Canceled"
    assert_all_played(vcr)


@pytest.mark.vcr
def test_step_logs(azure_workspace: Workspace, vcr: Any) -> None:
    """Each step's log files (the run's details name them, with a read SAS URL each; the
    common runtime's are listed by prefix) and the pipelines service's job log, each file
    after a `==> name <==` line; empty ones (the AutoMLStep's stdout and stderr) left
    out. A step the run does not have is refused, as locally."""
    publisher = PipelinePublisher(azure_workspace)
    logs = publisher.get_logs(R.RUN_ID)
    assert list(logs) == ["train"]
    expected = []
    for name, text in [*R.LOG_FILES.items(), (R.USER_LOG, R.USER_LOG_TEXT), ("JOBLOG", R.JOB_LOG)]:
        expected += [f"==> {name} <==", *text.splitlines()]
    assert logs["train"] == expected
    with pytest.raises(PipelineError, match="has no step 'evaluate' \\(train\\)"):
        publisher.get_logs(R.RUN_ID, step="evaluate")
    assert_all_played(vcr)


@pytest.mark.vcr
def test_an_unknown_run_id_is_pipeline_not_found(azure_workspace: Workspace, vcr: Any) -> None:
    publisher = PipelinePublisher(azure_workspace)
    with pytest.raises(PipelineNotFoundError, match=f"no pipeline run '{R.UNKNOWN_RUN_ID}'"):
        publisher.get_run(R.UNKNOWN_RUN_ID)
    with pytest.raises(PipelineNotFoundError, match=R.UNKNOWN_RUN_ID):
        publisher.cancel_run(R.UNKNOWN_RUN_ID)
    assert_all_played(vcr)


@pytest.mark.parametrize(
    ("azure", "ours"),
    [
        ("NotStarted", "NotStarted"),
        ("Starting", "Queued"),
        ("Provisioning", "Queued"),
        ("Preparing", "Queued"),
        ("Queued", "Queued"),
        ("Running", "Running"),
        ("Finalizing", "Running"),
        # a cancel is only asked for: as locally, the run is Running until it stops
        ("CancelRequested", "Running"),
        ("NotResponding", "Running"),
        ("Completed", "Completed"),
        ("Finished", "Completed"),  # the pipelines service's word
        ("Failed", "Failed"),
        ("Canceled", "Canceled"),
        ("SomethingNew", "Running"),  # unknown: not over
        (None, "Running"),
    ],
)
def test_azure_run_states_map_onto_ours(azure: str | None, ours: str) -> None:
    assert map_run_status(azure) == ours


def test_step_states_have_no_queue() -> None:
    assert _step_status("Preparing") == "NotStarted"
    assert _step_status("Queued") == "NotStarted"
    assert _step_status("Completed") == "Completed"


def test_sdk_times_become_utc_iso_text() -> None:
    """Run history's text (7 digits, `Z`), the SDK's `datetime`s (aware or naive) and
    offsets all become the local backend's form, so they sort and parse alike."""
    expected = "2026-11-02T12:00:00.123+00:00"
    assert _iso("2026-11-02T12:00:00.1234567Z") == expected
    assert _iso("2026-11-02T12:00:00.123Z") == expected
    assert _iso("2026-11-02T13:00:00.123+01:00") == expected
    assert _iso(datetime(2026, 11, 2, 12, 0, 0, 123000, tzinfo=UTC)) == expected
    assert _iso(datetime(2026, 11, 2, 12, 0, 0, 123000)) == expected
    assert _iso(None) is None
    assert _iso("") is None


def test_a_run_without_the_sdks_private_record_reads_through_get_details() -> None:
    from types import SimpleNamespace

    from bankmarketing_ops.backends.azureml.pipelines import _record

    # MOCK OF THE AZURE BOUNDARY: an SDK run of a later version, without `_run_dto`
    run = SimpleNamespace(
        get_details=lambda: {"runId": "r1", "status": "Running", "startTimeUtc": "x"},
        tags={"k": "v"},
    )
    assert _record(run) == {
        "run_id": "r1",
        "status": "Running",
        "start_time_utc": "x",
        "tags": {"k": "v"},
    }

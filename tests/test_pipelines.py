"""Pipeline definitions and `PipelinePublisher` (runs in real runner processes)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from pydantic import ValidationError

from bankmarketing_ops import (
    ConfigurationError,
    Pipeline,
    PipelineError,
    PipelineNotFoundError,
    PipelineParameter,
    PipelineParameterError,
    PipelinePublisher,
    PipelineRunError,
    PipelineStep,
    Workspace,
    training_pipeline,
)
from tests.pipeline_steps import toy_pipeline


def _step(name: str, **fields: object) -> PipelineStep:
    return PipelineStep(name=name, function="tests.pipeline_steps:produce", **fields)  # type: ignore[arg-type]


# --- definitions ------------------------------------------------------------------------
def test_a_step_cannot_read_what_no_earlier_step_writes() -> None:
    with pytest.raises(ValidationError, match="reads 'missing', which no earlier step writes"):
        Pipeline(name="p", steps=(_step("a"), _step("b", inputs=("missing",))))


def test_an_input_written_later_is_refused() -> None:
    with pytest.raises(ValidationError, match="which no earlier step writes"):
        Pipeline(name="p", steps=(_step("a", inputs=("x",)), _step("b", outputs=("x",))))


def test_names_must_be_unique() -> None:
    with pytest.raises(ValidationError, match="step names must be unique: a"):
        Pipeline(name="p", steps=(_step("a"), _step("a")))
    with pytest.raises(ValidationError, match="written by a and b"):
        Pipeline(name="p", steps=(_step("a", outputs=("x",)), _step("b", outputs=("x",))))


def test_a_step_function_must_be_an_import_path() -> None:
    with pytest.raises(ValidationError, match=r"package\.module:function"):
        PipelineStep(name="a", function="not a path")


def test_a_default_must_fit_its_parameter() -> None:
    with pytest.raises(ValidationError, match="expected int"):
        PipelineParameter(name="n", type="int", default="3")


def test_resolve_fills_defaults_and_names_every_problem() -> None:
    pipeline = toy_pipeline()
    assert pipeline.resolve({"word": "x"}) == {"word": "x", "seconds": 0.0, "fail": False}
    assert pipeline.resolve({"seconds": 2})["seconds"] == 2  # an int is a fine float
    with pytest.raises(PipelineParameterError) as caught:
        pipeline.resolve({"wrod": "x", "seconds": "2", "fail": 1})
    problems = {p.name: p.message for p in caught.value.problems}
    assert set(problems) == {"wrod", "seconds", "fail"}
    assert "unknown parameter" in problems["wrod"]
    assert "expected float, got str" in problems["seconds"]
    assert "expected bool, got int" in problems["fail"]


def test_bool_is_not_a_number_and_choices_and_minimum_hold() -> None:
    pipeline = training_pipeline()
    with pytest.raises(PipelineParameterError, match="timeout_minutes: expected float, got bool"):
        pipeline.resolve({"timeout_minutes": True})
    with pytest.raises(PipelineParameterError, match="primary_metric: must be one of"):
        pipeline.resolve({"primary_metric": "f1"})
    with pytest.raises(PipelineParameterError, match="timeout_minutes: must be at least"):
        pipeline.resolve({"timeout_minutes": 0})


def test_a_parameter_without_default_is_required() -> None:
    pipeline = Pipeline(
        name="p",
        parameters=(PipelineParameter(name="who", type="str"),),
        steps=(_step("a"),),
    )
    with pytest.raises(PipelineParameterError, match="who: required"):
        pipeline.resolve({})


def test_the_built_in_pipeline_has_the_rest_parameters_and_steps() -> None:
    pipeline = training_pipeline()
    assert [p.name for p in pipeline.parameters] == [
        "data_path",
        "timeout_minutes",
        "primary_metric",
        "model_name",
        "service_name",
    ]
    assert pipeline.step_names() == ["validate_data", "train", "evaluate", "register", "deploy"]
    train = pipeline.steps[1]
    assert train.outputs == ("metrics", "best_model")  # as Azure's AutoMLStep hands on


# --- running now ------------------------------------------------------------------------
def test_submit_runs_every_step_and_hands_outputs_on(workspace: Workspace) -> None:
    run = PipelinePublisher(workspace).submit(toy_pipeline(), {"word": "there"}, timeout=60)
    assert run.status == "Completed"
    assert [s.status for s in run.steps] == ["Completed"] * 3
    result = json.loads((Path(run.step("consume").outputs["result"]) / "output.json").read_text())
    assert result == {"text": "HELLO THERE", "run": run.id}
    log = Path(run.step("produce").log_file or "").read_text()
    assert "producing there" in log


def test_a_failing_step_stops_the_run_with_its_error_and_log(workspace: Workspace) -> None:
    publisher = PipelinePublisher(workspace)
    with pytest.raises(PipelineRunError) as caught:
        publisher.submit(toy_pipeline(), {"fail": True}, timeout=60)
    run = caught.value.run
    assert run.status == "Failed"
    assert (
        run.error == "step consume failed: RuntimeError: asked to fail after reading 'hello world'"
    )
    assert [s.status for s in run.steps] == ["Completed", "Completed", "Failed"]
    logs = publisher.get_logs(run.id, step="consume")["consume"]
    assert any("Traceback" in line for line in logs)
    assert any("asked to fail" in line for line in logs)


def test_a_step_that_cannot_be_imported_fails_and_later_steps_are_skipped(
    workspace: Workspace,
) -> None:
    pipeline = Pipeline(
        name="broken",
        steps=(
            PipelineStep(name="missing", function="tests.pipeline_steps:no_such_step"),
            _step("after", outputs=("greeting",)),
        ),
        parameters=(PipelineParameter(name="word", type="str", default="x"),),
    )
    with pytest.raises(PipelineRunError, match="cannot import step function") as caught:
        PipelinePublisher(workspace).submit(pipeline, timeout=60)
    assert [s.status for s in caught.value.run.steps] == ["Failed", "Skipped"]


def test_bad_parameters_start_no_run(workspace: Workspace) -> None:
    publisher = PipelinePublisher(workspace)
    with pytest.raises(PipelineParameterError, match="seconds"):
        publisher.submit(toy_pipeline(), {"seconds": "long"})
    assert publisher.list_runs() == []


def test_cancel_stops_a_running_run(workspace: Workspace) -> None:
    publisher = PipelinePublisher(workspace)
    poller = publisher.begin_submit(toy_pipeline(), {"seconds": 60.0})
    deadline = time.monotonic() + 30
    while publisher.get_run(poller.operation_id).step("nap").status != "Running":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    poller.cancel()
    with pytest.raises(PipelineRunError, match="canceled during step nap"):
        poller.result(timeout=30)
    run = publisher.get_run(poller.operation_id)
    assert run.status == "Canceled"
    assert [s.status for s in run.steps] == ["Completed", "Canceled", "Skipped"]


def test_unknown_ids_raise_not_found(workspace: Workspace) -> None:
    publisher = PipelinePublisher(workspace)
    with pytest.raises(PipelineNotFoundError):
        publisher.get("nope")
    with pytest.raises(PipelineNotFoundError):
        publisher.get_run("nope")
    with pytest.raises(PipelineNotFoundError):
        publisher.get_endpoint("nope")


# --- publishing -------------------------------------------------------------------------
def test_versions_number_themselves_and_the_endpoint_follows_the_default(
    workspace: Workspace,
) -> None:
    publisher = PipelinePublisher(workspace)
    first = publisher.publish(toy_pipeline(), name="toy")
    second = publisher.publish(toy_pipeline(), name="toy", description="v2")
    held = publisher.publish(toy_pipeline(), name="toy", version="canary", set_default=False)
    assert (first.version, second.version, held.version) == ("1", "2", "canary")
    endpoint = publisher.get_endpoint("toy")
    assert endpoint.default_pipeline_id == second.id
    assert endpoint.pipelines == [first.id, second.id, held.id]
    assert publisher.set_default("toy", first.id).default_version == "1"
    assert first.endpoint.endswith(f"/PipelineRuns/PipelineSubmit/{first.id}")
    assert endpoint.endpoint.endswith("/PipelineRuns/PipelineEndpointSubmit/Name/toy")
    with pytest.raises(Exception, match="published already"):
        publisher.publish(toy_pipeline(), name="toy", version="2")


def test_disable_and_enable(workspace: Workspace) -> None:
    publisher = PipelinePublisher(workspace)
    published = publisher.publish(toy_pipeline())
    assert publisher.disable(published.id).enabled is False
    assert publisher.get(published.id).enabled is False
    assert publisher.enable(published.id).enabled is True


def test_a_run_canceled_as_it_starts_ends_canceled_not_failed(workspace: Workspace) -> None:
    publisher = PipelinePublisher(workspace)
    for delay in (0.0, 0.3):  # before and while the runner imports the package
        poller = publisher.begin_submit(toy_pipeline(), {"seconds": 5.0})
        time.sleep(delay)
        poller.cancel()
        with pytest.raises(PipelineRunError):
            poller.result(timeout=60)
        run = publisher.get_run(poller.operation_id)
        assert run.status == "Canceled", run.error
        assert run.step("consume").status != "Completed"


def test_names_that_would_be_markup_or_paths_are_refused(workspace: Workspace) -> None:
    publisher = PipelinePublisher(workspace)
    with pytest.raises(ConfigurationError, match="experiment_name"):
        publisher.begin_submit(toy_pipeline(), experiment_name="[/]")
    with pytest.raises(ConfigurationError, match="name"):
        publisher.publish(toy_pipeline(), name="../toy")
    with pytest.raises(ValidationError, match="must be an identifier"):
        PipelineStep(name="a", function="m:f", outputs=("../../x",))


def test_a_refused_port_change_leaves_published_urls_alone(workspace: Workspace) -> None:
    publisher = PipelinePublisher(workspace)
    published = publisher.publish(toy_pipeline())
    before = publisher.server_url()
    with pytest.raises(PipelineError, match="stop it first"):
        publisher.start_server(port=1)
    assert publisher.server_url() == before
    assert publisher.get(published.id).endpoint == published.endpoint


def test_the_runner_checks_the_parameters_again_before_the_first_step(
    workspace: Workspace, tmp_path: Path
) -> None:
    from bankmarketing_ops.backends.local.pipelines.runner import execute
    from bankmarketing_ops.backends.local.pipelines.store import PipelineStore

    pipeline = Pipeline(
        name="reads",
        parameters=(
            PipelineParameter(name="word", type="str", default="x"),
            PipelineParameter(name="source", type="path", default=""),
        ),
        steps=(_step("a", outputs=("greeting",)),),
    )
    root = Path(workspace.info().location)
    store = PipelineStore(root / "pipelines")
    outside = tmp_path / "outside.csv"
    outside.write_text("x\n")
    # a run recorded without the trigger's check (or whose file has gone since)
    run, _ = store.create_run(
        pipeline, {"word": "x", "source": str(outside)}, experiment_name="e", status="Running"
    )
    assert execute(root, run.id) == 1
    failed = store.get_run(run.id)
    assert failed.status == "Failed"
    assert failed.error is not None
    assert failed.error.startswith("bad pipeline parameters: source: must name a file in")
    assert [s.status for s in failed.steps] == ["Skipped"]  # not one step ran

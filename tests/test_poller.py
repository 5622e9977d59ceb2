"""One `Poller` for every long operation: a timeout is `OperationTimeoutError` (in the
package's tree, and still a `TimeoutError`), the CLI reports it in one line, and an
operation its backend cannot stop says so."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from bankmarketing_ops import (
    BankOpsError,
    OperationTimeoutError,
    PipelinePublisher,
    PipelineRunError,
    Poller,
    UnsupportedFeatureError,
    WebService,
    Workspace,
)
from bankmarketing_ops.backends.operations import ServiceOperation
from bankmarketing_ops.cli._output import handle_errors
from tests.pipeline_steps import toy_pipeline


def test_a_pipeline_run_outliving_its_timeout(workspace: Workspace) -> None:
    publisher = PipelinePublisher(workspace)
    poller = publisher.begin_submit(toy_pipeline(), {"seconds": 30.0})
    with pytest.raises(OperationTimeoutError, match=r"still \w+ after 0\.3 s") as caught:
        poller.result(timeout=0.3)
    assert isinstance(caught.value, BankOpsError)
    assert isinstance(caught.value, TimeoutError)
    assert caught.value.operation_id == poller.operation_id
    assert not poller.done()
    assert poller.status() in ("Queued", "Running")
    assert publisher.poll_run(poller.operation_id).status() in ("Queued", "Running")
    poller.cancel()
    with pytest.raises(PipelineRunError, match="canceled"):
        poller.result(timeout=60)
    assert poller.done()


def test_the_cli_reports_a_timeout_in_one_line(workspace: Workspace) -> None:
    publisher = PipelinePublisher(workspace)
    poller = publisher.begin_submit(toy_pipeline(), {"seconds": 30.0})
    app = typer.Typer()

    @app.command()
    @handle_errors
    def wait() -> None:
        poller.result(timeout=0.2)

    try:
        result = CliRunner().invoke(app, [])
    finally:
        poller.cancel()
    assert result.exit_code == 1
    assert result.stderr.startswith("error: pipeline run ")
    assert "still" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_operation_that_cannot_be_canceled_says_so() -> None:
    def never(timeout: float | None) -> WebService:
        raise AssertionError("not waited for")

    operation = ServiceOperation(
        "svc", description="deployment", look=lambda: never(None), settle=never
    )
    poller = Poller(operation, backend="local")
    with pytest.raises(UnsupportedFeatureError, match="local backend has no cancel for deployment"):
        poller.cancel()
    assert poller.operation_id == "svc"

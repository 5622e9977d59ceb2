"""`Poller`: one handle for every long operation (train, deploy, pipeline run).

Shaped after the Azure SDK's `LROPoller`: `begin_*` methods return a poller at once;
`result(timeout)` waits for the outcome, `status()` and `done()` look without waiting,
and `cancel()` stops the operation where its backend can.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from bankmarketing_ops._exceptions import UnsupportedFeatureError
from bankmarketing_ops.backends.base import Operation, SupportsCancel

__all__ = ["Poller"]

T = TypeVar("T")
S = TypeVar("S")


class Poller(Generic[T, S]):
    """A long operation in progress: `T` is what it ends with, `S` what `status()` says.

    | operation | `begin_*` | `T` | `S` |
    |---|---|---|---|
    | training | `AutoMLTrainer.begin_train` | `TrainingRun` | `TrainingStatus` (live leaderboard) |
    | deployment | `ModelDeployer.begin_deploy` | `WebService` | its state (`Healthy` …) |
    | pipeline run | `PipelinePublisher.begin_submit` | `PipelineRun` | its status (`Running` …) |
    """

    def __init__(self, operation: Operation[T, S], *, backend: str) -> None:
        self._operation = operation
        self._backend = backend

    @property
    def operation_id(self) -> str:
        """The run id, or the service name of a deployment."""
        return self._operation.operation_id

    def status(self) -> S:
        """Where the operation is now (one look, no waiting)."""
        return self._operation.status()

    def done(self) -> bool:
        """Whether it has ended (succeeded, failed or canceled)."""
        return self._operation.done()

    def result(self, timeout: float | None = None) -> T:
        """Wait for the outcome, at most `timeout` seconds (None: as long as it takes, or
        the backend's own deployment timeout).

        Raises:
            OperationTimeoutError: still going after `timeout` seconds (it keeps going).
            TrainingError, DeploymentError, PipelineRunError: the operation failed.
        """
        return self._operation.result(timeout)

    def cancel(self) -> None:
        """Stop the operation (a training run stops after its current iteration).

        Raises:
            UnsupportedFeatureError: this kind of operation cannot be canceled on this
                backend (a deployment: delete the service instead).
        """
        if not isinstance(self._operation, SupportsCancel):
            raise UnsupportedFeatureError(
                backend=self._backend,
                feature=f"cancel for {self._operation.description}",
                instead="wait for it, or delete what it creates",
            )
        self._operation.cancel()

    def __repr__(self) -> str:
        return f"Poller({self._operation.description} {self.operation_id!r})"

"""`AutoMLTrainer`: a time-boxed search over model families, shaped after Azure AutoML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from bankmarketing_ops import data as data_layer
from bankmarketing_ops._exceptions import ConfigurationError
from bankmarketing_ops.backends.base import TrainingJob
from bankmarketing_ops.poller import Poller
from bankmarketing_ops.types.automl import (
    AutoMLConfig,
    Iteration,
    TrainingRun,
    TrainingStatus,
)
from bankmarketing_ops.workspace import Workspace

__all__ = ["AutoMLTrainer", "TrainingPoller"]


class TrainingPoller(Poller[TrainingRun, TrainingStatus]):
    """A run in progress (Azure's `Run`): the generic `Poller`, whose `status()` is the
    live `TrainingStatus` (elapsed time, iterations, best score per family), plus the
    leaderboard so far. `result()` raises `BudgetTooSmallError` when the budget ended
    before one iteration finished, `TrainingCanceledError` after `cancel()` (nothing is
    registered), `TrainingError` when the search failed."""

    def __init__(self, job: TrainingJob, *, backend: str) -> None:
        super().__init__(_TrainingOperation(job), backend=backend)
        self._job = job

    @property
    def run_id(self) -> str:
        return self._job.run_id

    def partial_leaderboard(self) -> list[Iteration]:
        """Iterations finished so far, best first (useful after a cancel)."""
        return self._job.partial_leaderboard()


class _TrainingOperation:
    """A backend's training job as the `Operation` a `Poller` follows."""

    description = "AutoML run"

    def __init__(self, job: TrainingJob) -> None:
        self._job = job
        self.operation_id = job.run_id

    def status(self) -> TrainingStatus:
        return self._job.status()

    def done(self) -> bool:
        return self._job.done()

    def result(self, timeout: float | None = None) -> TrainingRun:
        return self._job.result(timeout)

    def cancel(self) -> None:
        self._job.cancel()


class AutoMLTrainer:
    """Search model families for the best classifier of `y`, then evaluate it honestly.

    The options are those of Azure's `AutoMLConfig` (see `AutoMLConfig`), given as
    keywords or as a ready config. Training never registers a model; pass the finished
    `TrainingRun` to `ModelRegistry.register_run`.

    Example:
        >>> trainer = AutoMLTrainer(Workspace.local(), experiment_timeout_minutes=2)
        >>> run = trainer.train(data.synthetic(5_000))  # doctest: +SKIP
        >>> run.metrics.AUC_weighted, run.metrics_source  # doctest: +SKIP
        (0.94..., 'test')
    """

    def __init__(
        self, workspace: Workspace, *, config: AutoMLConfig | None = None, **options: Any
    ) -> None:
        base = config.model_dump() if config is not None else {}
        try:
            self.config = AutoMLConfig(**{**base, **options})
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'config'}: {e['msg']}"
                for e in exc.errors()
            )
            raise ConfigurationError(f"invalid AutoML option: {problems}") from None
        self._workspace = workspace

    def begin_train(self, data: pd.DataFrame | str | Path | None = None) -> TrainingPoller:
        """Validate the data, start the search in the background and return a poller.

        `data` is a frame, a file, or None for `data.locate()` (BANKOPS_DATA, cache,
        download).

        Raises:
            DataValidationError: the data breaks the schema; no search is started.
        """
        if data is None:
            data = data_layer.locate().path
        frame = data_layer.load(data)
        job = self._workspace.backend.automl.begin_train(self.config, frame)
        return TrainingPoller(job, backend=self._workspace.kind)

    def train(
        self, data: pd.DataFrame | str | Path | None = None, *, timeout: float | None = None
    ) -> TrainingRun:
        """`begin_train(data).result(timeout)`: block until the run is finished."""
        return self.begin_train(data).result(timeout)

"""Local AutoML: a FLAML search in a background thread, then ensemble, evaluate, plot.

The run writes everything into `<workspace>/runs/<run id>/`: FLAML's iteration log (read
live by `status()`), the model (native files), the plots and `run.json`. It never touches
the model registry: registering is a separate, atomic step after the run completes.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
import uuid
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from bankmarketing_ops._exceptions import (
    BudgetTooSmallError,
    OperationTimeoutError,
    TrainingCanceledError,
    TrainingError,
)
from bankmarketing_ops._logging import get_logger
from bankmarketing_ops.data.schema import LEAKY_COLUMNS
from bankmarketing_ops.data.split import train_test_split
from bankmarketing_ops.ml import plots
from bankmarketing_ops.ml.artifacts import Member, load_model, save_model
from bankmarketing_ops.ml.baseline import baseline_proba
from bankmarketing_ops.ml.crossval import FoldSplitter, OutOfFold, default_folds, trial_key
from bankmarketing_ops.ml.ensemble import select_ensemble
from bankmarketing_ops.ml.families import family_of, learners_of, tree_count
from bankmarketing_ops.ml.features import (
    FeatureSpec,
    categorical_indices,
    encode_frame,
    feature_specs,
    target_vector,
)
from bankmarketing_ops.ml.learners import CUSTOM_LEARNERS, LIGHTGBM_LEARNERS, estimator_class
from bankmarketing_ops.ml.metrics import ClassificationMetrics, compute_metrics
from bankmarketing_ops.ml.provenance import library_versions
from bankmarketing_ops.ml.starting_points import starting_points
from bankmarketing_ops.monitoring.reference import build_reference, write_reference
from bankmarketing_ops.types.automl import (
    AutoMLConfig,
    BestModel,
    EnsembleMember,
    Iteration,
    LeakCost,
    RunState,
    TrainingRun,
    TrainingStatus,
)

__all__ = ["LocalAutoML", "LocalTrainingJob"]

_log = get_logger(__name__)
Vector = npt.NDArray[np.float64]
Labels = npt.NDArray[np.int64]


class LocalAutoML:
    """Starts AutoML runs under `<root>/runs`."""

    def __init__(self, root: Path) -> None:
        self._runs = root / "runs"

    def begin_train(self, config: AutoMLConfig, frame: pd.DataFrame) -> LocalTrainingJob:
        run_id = f"AutoML_{datetime.now(UTC):%Y%m%d_%H%M%S}_{uuid.uuid4().hex[:6]}"
        run_dir = self._runs / run_id
        run_dir.mkdir(parents=True)
        return LocalTrainingJob(run_id, run_dir, config, frame)


class _Canceled(Exception):
    """Raised inside FLAML's metric callback to stop the search between iterations."""


class LocalTrainingJob:
    """One run in a daemon thread. `result()` waits; `cancel()` stops between iterations."""

    def __init__(self, run_id: str, run_dir: Path, config: AutoMLConfig, frame: pd.DataFrame):
        self.run_id = run_id
        self.run_dir = run_dir
        self.config = config
        self._frame = frame
        self._cancel = threading.Event()
        self._phase = "starting"
        self._started = time.monotonic()
        self._result: TrainingRun | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"automl-{run_id}", daemon=True)
        self._thread.start()

    # --- poller -------------------------------------------------------------------------
    def done(self) -> bool:
        return not self._thread.is_alive()

    def cancel(self) -> None:
        self._cancel.set()

    def result(self, timeout: float | None = None) -> TrainingRun:
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise OperationTimeoutError(
                f"AutoML run {self.run_id} is still running after {timeout:g} s",
                operation_id=self.run_id,
            )
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result

    def status(self) -> TrainingStatus:
        iterations = read_iterations(self.run_dir / "flaml.log")
        best: dict[str, float] = {}
        for it in iterations:
            best[it.family] = max(best.get(it.family, -np.inf), it.validation_score)
        state: RunState = "Running"
        if self.done():
            state = (
                "Completed"
                if self._error is None
                else ("Canceled" if isinstance(self._error, TrainingCanceledError) else "Failed")
            )
        return TrainingStatus(
            run_id=self.run_id,
            state=state,
            phase=self._phase,
            elapsed_s=time.monotonic() - self._started,
            budget_s=self.config.experiment_timeout_minutes * 60,
            iterations=len(iterations),
            best_score=max(best.values()) if best else None,
            best_by_family=best,
            error=None if self._error is None else str(self._error),
        )

    def partial_leaderboard(self) -> list[Iteration]:
        """The iterations finished so far, best first (also after a cancel)."""
        ranked = read_iterations(self.run_dir / "flaml.log")
        return sorted(ranked, key=lambda i: i.validation_score, reverse=True)

    # --- the run ------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._result = _Run(self).execute()
            self._phase = "done"
        except _Canceled:
            self._error = TrainingCanceledError(
                f"run {self.run_id} was canceled; nothing was registered"
            )
        except BaseException as exc:  # reported through result(); the thread must not die loud
            self._error = exc
            _log.debug("run %s failed", self.run_id, exc_info=True)


@dataclass
class _Data:
    features: tuple[FeatureSpec, ...]
    x_train: npt.NDArray[np.float64]
    y_train: Labels
    x_test: npt.NDArray[np.float64]
    y_test: Labels


class _Run:
    def __init__(self, job: LocalTrainingJob) -> None:
        self.job = job
        self.config = job.config
        self.log_path = job.run_dir / "flaml.log"
        self.folds = 0  # k of the cross-validation, set once the training rows are known

    def _phase(self, name: str) -> None:
        self.job._phase = name
        _log.info("run %s: %s", self.job.run_id, name)

    def _check_cancel(self) -> None:
        if self.job._cancel.is_set():
            raise _Canceled

    def execute(self) -> TrainingRun:
        started_at = datetime.now(UTC)
        config = self.config
        frame = self.job._frame
        split = train_test_split(frame, test_size=config.test_size, seed=config.random_seed)
        features = feature_specs(drop_leaky=config.drop_leaky_columns)
        data = _Data(
            features,
            encode_frame(split.train, features),
            target_vector(split.train),
            encode_frame(split.test, features),
            target_vector(split.test),
        )

        self.folds = config.n_cross_validations or default_folds(len(data.y_train))
        self._phase("searching")
        search_started = time.monotonic()
        oof = self._search(data)
        search_s = time.monotonic() - search_started
        iterations = read_iterations(self.log_path)
        if not iterations:
            raise BudgetTooSmallError(
                f"the budget of {config.experiment_timeout_minutes:g} min ended before one "
                "iteration finished; raise experiment_timeout_minutes"
            )

        self._phase("ensembling")
        best, members = self._choose(iterations, data, oof)
        self._check_cancel()

        self._phase("evaluating")
        model_dir = self.job.run_dir / "model"
        save_model(model_dir, members, features=features)
        model = load_model(model_dir)  # evaluate exactly what was stored
        proba = model.predict_proba_matrix(data.x_test)
        test_metrics = compute_metrics(data.y_test, proba)
        # The drift monitor's reference: training inputs, held-out scores, test metrics.
        write_reference(
            self.job.run_dir, build_reference(split.train, scores=proba, metrics=test_metrics)
        )
        baseline_proba = _baseline_proba(data, seed=config.random_seed)
        baseline_metrics = compute_metrics(data.y_test, baseline_proba)
        leak_cost = self._leak_cost(split.train, split.test, baseline_metrics)
        importance = plots.permutation_importance(
            model.predict_proba_matrix,
            data.x_test,
            data.y_test,
            [f.name for f in features],
            seed=config.random_seed,
        )

        self._phase("plotting")
        plot_paths = plots.save_all(
            self.job.run_dir / "plots",
            iterations=iterations,
            y_test=data.y_test,
            proba=proba,
            baseline_proba=baseline_proba,
            metrics=test_metrics,
            importance=importance,
            metric_name=config.primary_metric,
        )
        run = TrainingRun(
            run_id=self.job.run_id,
            config=config,
            started_at=started_at.isoformat(timespec="seconds"),
            duration_s=(datetime.now(UTC) - started_at).total_seconds(),
            search_s=search_s,
            data_source=str(frame.attrs.get("source", "<dataframe>")),
            data_sha256=frame.attrs.get("sha256"),
            train_rows=len(split.train),
            test_rows=len(split.test),
            features=[f.name for f in features],
            iterations=iterations,
            best=best,
            metrics=test_metrics,
            metrics_source="test",
            baseline_metrics=baseline_metrics,
            leak_cost=leak_cost,
            feature_importance=importance,
            plots={name: str(path) for name, path in plot_paths.items()},
            run_dir=str(self.job.run_dir),
            model_dir=str(model_dir),
            library_versions=library_versions(),
        )
        (self.job.run_dir / "run.json").write_text(run.model_dump_json(indent=2) + "\n")
        return run

    # --- search -------------------------------------------------------------------------
    def _search(self, data: _Data) -> OutOfFold:
        """FLAML's search, every trial scored on the same k stratified folds.

        Returns the out-of-fold predictions of the best trials, for the ensemble.
        """
        from flaml import AutoML

        config = self.config
        score = _scorer(config.primary_metric)
        cancel = self.job._cancel
        splitter = FoldSplitter(self.folds, seed=config.random_seed)
        oof = OutOfFold(len(data.y_train), self.folds)

        def flaml_metric(
            x_val: Any,
            y_val: Any,
            estimator: Any,
            labels: Any,
            x_train: Any,
            y_train: Any,
            weight_val: Any = None,
            weight_train: Any = None,
            trial_config: Any = None,
            *_: Any,
            **__: Any,
        ) -> Any:
            if cancel.is_set():
                raise _Canceled
            proba = np.asarray(estimator.predict_proba(x_val)[:, 1], dtype=np.float64)
            value = score(np.asarray(y_val), proba)
            if splitter.current is not None and len(splitter.current) == len(proba):
                oof.record(
                    type(estimator).__name__,
                    dict(trial_config or {}),
                    splitter.current,
                    proba,
                    value,
                )
            return 1.0 - value, {config.primary_metric: value}

        def aggregate(losses: list[float], logged: list[dict[str, float]]) -> Any:
            scores = [1.0 - loss for loss in losses]
            return float(np.mean(losses)), {
                config.primary_metric: float(np.mean(scores)),
                "cv_std": float(np.std(scores)),
            }

        learners = learners_of(config.families)
        settings: dict[str, Any] = {
            "task": "classification",
            "metric": flaml_metric,
            "time_budget": config.experiment_timeout_minutes * 60,
            "estimator_list": learners,
            "log_file_name": str(self.log_path),
            "log_type": "all",
            "seed": config.random_seed,
            "n_jobs": config.max_concurrent_iterations,
            "verbose": 0,
            "retrain_full": False,
            "early_stop": config.enable_early_stopping,
            "eval_method": "cv",
            "split_type": splitter,
            "n_splits": self.folds,
            "cv_score_agg_func": aggregate,
            "starting_points": starting_points(learners),
            "fit_kwargs_by_estimator": {
                learner: {"categorical_feature": categorical_indices(data.features)}
                for learner in learners
                if learner in LIGHTGBM_LEARNERS
            },
        }
        automl = AutoML()
        for learner in learners:
            if learner in CUSTOM_LEARNERS:
                automl.add_learner(learner, estimator_class(learner, data.features))
        try:
            automl.fit(X_train=data.x_train, y_train=data.y_train, **settings)
        except _Canceled:
            raise
        except Exception as exc:
            if self.job._cancel.is_set():
                raise _Canceled from None
            if read_iterations(self.log_path):
                raise TrainingError(f"the search failed: {exc}") from exc
            raise BudgetTooSmallError(
                f"the search stopped before one iteration finished ({exc}); "
                "raise experiment_timeout_minutes"
            ) from exc
        return oof

    # --- ensemble -----------------------------------------------------------------------
    def _choose(
        self, iterations: list[Iteration], data: _Data, oof: OutOfFold
    ) -> tuple[BestModel, list[Member]]:
        """Greedy ensemble selection on the OOF predictions, then refit on all rows."""
        config = self.config
        score = _scorer(config.primary_metric)
        candidates, columns = self._candidates(iterations, data, oof)
        y = data.y_train
        fallback = not candidates
        if fallback:  # no out-of-fold vector (tiny data): the best CV mean alone
            candidates = [max(iterations, key=lambda i: i.validation_score)]
            columns = [np.zeros(len(y))]
        predictions = np.column_stack(columns)
        single_scores = [
            candidates[0].validation_score if fallback else score(y, predictions[:, j])
            for j in range(len(candidates))
        ]
        costs = [tree_count(c.learner, c.hyperparameters) for c in candidates]
        best_single = _best_within(single_scores, costs, config.max_ensemble_trees)
        weights = {best_single: 1.0}
        if config.enable_voting_ensemble and len(candidates) > 1:
            weights = _mixture_or_single(
                predictions, y, score, best_single, costs, config.max_ensemble_trees
            )

        self._check_cancel()
        fitted = self._refit(list(weights), candidates, data)
        if config.max_scoring_us_per_row is not None and len(weights) > 1:
            weights = self._within_latency(weights, fitted, candidates, predictions, y, data, costs)

        members: list[Member] = []
        chosen: list[EnsembleMember] = []
        for column, weight in weights.items():
            candidate = candidates[column]
            members.append(
                Member(fitted[column], candidate.family, weight, candidate.hyperparameters)
            )
            chosen.append(
                EnsembleMember(
                    family=candidate.family,
                    learner=candidate.learner,
                    weight=weight,
                    hyperparameters=candidate.hyperparameters,
                    iteration=candidate.iteration,
                )
            )
        mixed = predictions[:, list(weights)] @ np.array(list(weights.values()))
        best = BestModel(
            model_type="VotingEnsemble" if len(chosen) > 1 else chosen[0].family,
            members=chosen,
            validation_score=single_scores[0] if fallback else score(y, mixed),
            best_single_validation_score=single_scores[best_single],
            cv_folds=self.folds,
        )
        return best, members

    def _refit(
        self, columns: list[int], candidates: list[Iteration], data: _Data
    ) -> dict[int, Any]:
        """Fit the chosen members again on all training rows, side by side on the cores the
        search leaves idle. Each fit keeps the search's thread count, so the models are the
        ones a one-by-one refit would give, only sooner."""
        threads = self.config.max_concurrent_iterations
        workers = max(1, min(len(columns), (os.cpu_count() or 1) // threads))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="refit") as pool:
            futures = {
                column: pool.submit(
                    _fit, candidates[column], data.x_train, data.y_train, data.features, threads
                )
                for column in columns
            }
            return {column: future.result() for column, future in futures.items()}

    def _candidates(
        self, iterations: list[Iteration], data: _Data, oof: OutOfFold
    ) -> tuple[list[Iteration], list[Vector]]:
        """The best distinct iterations with OOF predictions: each family's best first."""
        limit = self.config.max_ensemble_candidates if self.config.enable_voting_ensemble else 1
        ranked = _distinct(sorted(iterations, key=lambda i: i.validation_score, reverse=True))
        class_names = {
            learner: estimator_class(learner, data.features).__name__
            for learner in {it.learner for it in ranked}
        }
        available = []
        for it in ranked:
            vector = oof.get(trial_key(class_names[it.learner], it.hyperparameters))
            if vector is not None:
                available.append((it, vector))
        heads: dict[str, int] = {}
        for position, (it, _) in enumerate(available):
            heads.setdefault(it.family, position)
        order = sorted(heads.values()) + [
            p for p in range(len(available)) if p not in heads.values()
        ]
        picked = [available[p] for p in order[:limit]]
        picked.sort(key=lambda pair: pair[0].validation_score, reverse=True)
        return [it for it, _ in picked], [vector for _, vector in picked]

    def _within_latency(
        self,
        weights: dict[int, float],
        fitted: dict[int, Any],
        candidates: list[Iteration],
        predictions: npt.NDArray[np.float64],
        y: Labels,
        data: _Data,
        trees: list[int],
    ) -> dict[int, float]:
        """Drop the slowest members until one row scores within the latency budget."""
        budget = self.config.max_scoring_us_per_row
        assert budget is not None
        costs = {
            column: _row_cost_us(fitted[column], candidates[column], data) for column in weights
        }
        score = _scorer(self.config.primary_metric)
        kept = dict(weights)
        while len(kept) > 1 and sum(costs[c] for c in kept) > budget:
            slowest = max(kept, key=lambda c: costs[c])
            _log.info(
                "run %s: %s takes %.0f µs a row; dropped to meet %g µs",
                self.job.run_id,
                candidates[slowest].family,
                costs[slowest],
                budget,
            )
            columns = [c for c in kept if c != slowest]
            sub = predictions[:, columns]
            sub_trees = [trees[c] for c in columns]
            sub_scores = [score(y, sub[:, j]) for j in range(len(columns))]
            best = _best_within(sub_scores, sub_trees, self.config.max_ensemble_trees)
            local = _mixture_or_single(
                sub, y, score, best, sub_trees, self.config.max_ensemble_trees
            )
            kept = {columns[j]: w for j, w in local.items()}
        return kept

    def _leak_cost(
        self, train: pd.DataFrame, test: pd.DataFrame, without: ClassificationMetrics
    ) -> LeakCost | None:
        if not self.config.drop_leaky_columns:
            return None
        full = feature_specs(drop_leaky=False)
        data = _Data(
            full,
            encode_frame(train, full),
            target_vector(train),
            encode_frame(test, full),
            target_vector(test),
        )
        with_leaky = compute_metrics(
            data.y_test, _baseline_proba(data, seed=self.config.random_seed)
        )
        metric = self.config.primary_metric
        return LeakCost(
            dropped=list(LEAKY_COLUMNS),
            metric=metric,
            with_leaky=with_leaky.value(metric),
            without_leaky=without.value(metric),
        )


# --- helpers ------------------------------------------------------------------------------
def _scorer(metric: str) -> Callable[[Labels, Vector], float]:
    """Primary metric as a function of 0/1 labels and P(yes) (cheap, for search loops)."""
    from sklearn import metrics as m

    def score(y: Labels, p: Vector) -> float:
        if metric == "AUC_weighted":
            return float(m.roc_auc_score(y, p))  # binary: weighted == plain AUC
        if metric == "accuracy":
            return float(m.accuracy_score(y, p >= 0.5))
        if metric == "average_precision_score_weighted":
            both, onehot = np.column_stack([1 - p, p]), np.column_stack([1 - y, y])
            return float(m.average_precision_score(onehot, both, average="weighted"))
        if metric == "norm_macro_recall":
            return max(0.0, 2 * float(m.balanced_accuracy_score(y, p >= 0.5)) - 1)
        if metric == "precision_score_weighted":
            return float(m.precision_score(y, p >= 0.5, average="weighted", zero_division=0))
        raise ValueError(metric)

    return score


def _best_within(scores: list[float], trees: list[int], budget: int | None) -> int:
    """The best-scoring candidate whose trees fit the budget (none fits: the smallest)."""
    fitting = [j for j in range(len(scores)) if budget is None or trees[j] <= budget]
    if not fitting:
        return int(np.argmin(trees))
    return max(fitting, key=lambda j: scores[j])


def _mixture_or_single(
    predictions: npt.NDArray[np.float64],
    y: Labels,
    score: Callable[[Labels, Vector], float],
    best_single: int,
    trees: list[int],
    budget: int | None,
) -> dict[int, float]:
    """Caruana's selection within the tree budget, kept only if it beats the best
    single candidate that fits."""
    mixture = select_ensemble(predictions, lambda p: score(y, p), costs=trees, budget=budget)
    mixed = predictions[:, list(mixture)] @ np.array(list(mixture.values()))
    if len(mixture) > 1 and score(y, mixed) > score(y, predictions[:, best_single]):
        return mixture
    return {best_single: 1.0}


def _row_cost_us(estimator: Any, candidate: Iteration, data: _Data) -> float:
    """Median µs to score one row with this member as the scorer will load it."""
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch) / "model"
        save_model(directory, [Member(estimator, candidate.family)], features=data.features)
        model = load_model(directory)
        rows = [data.x_train[i].tolist() for i in range(min(50, len(data.x_train)))]
        for row in rows[:5]:
            model.predict_one(row)
        timings = []
        for row in rows:
            started = time.perf_counter()
            model.predict_one(row)
            timings.append(time.perf_counter() - started)
    return float(np.median(timings) * 1e6)


def _distinct(ranked: list[Iteration]) -> list[Iteration]:
    seen: set[str] = set()
    out = []
    for it in ranked:
        key = json.dumps([it.learner, it.hyperparameters], sort_keys=True, default=str)
        if key not in seen:
            seen.add(key)
            out.append(it)
    return out


def _fit(
    candidate: Iteration,
    x: npt.NDArray[np.float64],
    y: Labels,
    features: tuple[FeatureSpec, ...],
    n_jobs: int,
) -> Any:
    from flaml.automl.task.factory import task_factory

    task = task_factory("classification", x, y)
    estimator = estimator_class(candidate.learner, features)(
        task=task, n_jobs=n_jobs, **candidate.hyperparameters
    )
    kwargs = (
        {"categorical_feature": categorical_indices(features)}
        if candidate.learner in LIGHTGBM_LEARNERS
        else {}
    )
    estimator.fit(x, y, **kwargs)
    return estimator.model


def _baseline_proba(data: _Data, *, seed: int) -> Vector:
    return baseline_proba(data.x_train, data.y_train, data.x_test, data.features, seed=seed)


def read_iterations(log_path: Path) -> list[Iteration]:
    """Parse FLAML's JSON-lines log (tolerating a half-written last line)."""
    if not log_path.exists():
        return []
    iterations = []
    with log_path.open() as handle:
        for line in handle:
            with contextlib.suppress(ValueError, KeyError, TypeError):
                record = json.loads(line)
                if "learner" not in record or record.get("validation_loss") is None:
                    continue
                loss = float(record["validation_loss"])
                if not np.isfinite(loss):
                    continue
                config = {k: v for k, v in record["config"].items() if k != "FLAML_sample_size"}
                iterations.append(
                    Iteration(
                        iteration=int(record["record_id"]),
                        family=family_of(record["learner"]),
                        learner=record["learner"],
                        hyperparameters=config,
                        validation_score=1.0 - loss,
                        validation_std=_logged_std(record),
                        fit_time_s=float(record["trial_time"]),
                        wall_clock_s=float(record["wall_clock_time"]),
                    )
                )
    return iterations


def _logged_std(record: dict[str, Any]) -> float | None:
    logged = record.get("logged_metric")
    if isinstance(logged, dict) and isinstance(logged.get("cv_std"), int | float):
        return float(logged["cv_std"])
    return None

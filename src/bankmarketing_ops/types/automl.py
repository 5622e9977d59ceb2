"""AutoML configuration (shaped after Azure's `AutoMLConfig`) and its results."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bankmarketing_ops._rules import MAX_BUDGET_MINUTES, MIN_BUDGET_MINUTES
from bankmarketing_ops.ml.families import DEFAULT_FAMILIES, ModelFamily
from bankmarketing_ops.ml.metrics import ClassificationMetrics, MetricsSource, PrimaryMetric

__all__ = [
    "AutoMLConfig",
    "BestModel",
    "EnsembleMember",
    "Iteration",
    "LeakCost",
    "MetricsSource",
    "RunState",
    "TrainingRun",
    "TrainingStatus",
]


class AutoMLConfig(BaseModel):
    """What to search and for how long; the names follow Azure's `AutoMLConfig`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    task: Literal["classification"] = "classification"
    """Only binary classification (the Bank Marketing target) is supported."""
    primary_metric: PrimaryMetric = "AUC_weighted"
    """The metric the search maximises (on the validation data)."""
    experiment_timeout_minutes: float = Field(default=2.0, gt=0, le=MAX_BUDGET_MINUTES)
    """Search budget in minutes (fractions allowed); refitting the winners comes on top."""
    max_concurrent_iterations: int = Field(default=1, ge=1, le=64)
    """Threads each iteration may use (FLAML runs iterations one after another)."""
    n_cross_validations: int | None = Field(default=None, ge=2, le=10)
    """Folds of the stratified cross-validation that ranks iterations and weighs the
    ensemble. Unset: chosen from the training rows as Azure does (10 below 1,000 rows,
    else 3; the local backend keeps 3 folds above 20,000 rows, where Azure would use one
    validation split)."""
    validation_size: float = Field(default=0.15, gt=0, lt=0.5)
    """Azure only, without `n_cross_validations`: the share of the training data Azure
    holds out for validation. The local backend always cross-validates."""
    test_size: float = Field(default=0.2, gt=0, lt=0.5)
    """Share of the data held out, untouched by the search, for the reported metrics."""
    enable_early_stopping: bool = True
    """Stop before the budget when the search has converged."""
    featurization: Literal["auto"] = "auto"
    """`auto`: numbers as they are, categories as schema codes (native categorical splits)."""
    label_column_name: Literal["y"] = "y"
    allowed_models: tuple[ModelFamily, ...] = DEFAULT_FAMILIES
    """Families the search may try (Azure names). The default list is the one that measured
    best within 2 minutes on 2 cores (see the AutoML guide). `CatBoost` exists only on the
    local backend. The forests are off by default: one large forest trial can take half of
    a short budget on a small machine."""
    blocked_models: tuple[ModelFamily, ...] = ()
    """Families it must not try."""
    enable_voting_ensemble: bool = True
    """Try a soft-voting ensemble of the best iterations and keep it if it validates better."""
    max_ensemble_candidates: int = Field(default=8, ge=2, le=15)
    """How many of the best distinct iterations (the best of each family first) the
    ensemble selection may draw from."""
    max_ensemble_trees: int | None = Field(default=600, ge=1)
    """Local backend: the members of the model hold at most this many trees (boosting
    rounds) together. Scoring time grows with the trees; 600 keeps the 2-minute model
    under 50 µs a row and above 100,000 rows/s in batches on 2 cores (benchmarks page),
    for a loss of AUC below the noise of the outer splits. None: no limit."""
    max_scoring_us_per_row: float | None = Field(default=None, gt=0)
    """Local backend: a latency budget for scoring one row in-process (µs). Members are
    timed after the refit, through their libraries' predictors (native code is faster),
    and the slowest dropped from the ensemble until it fits."""
    random_seed: int = 0
    drop_leaky_columns: bool = False
    """Drop `duration` (it leaks the target); the run then reports what that costs."""

    @model_validator(mode="after")
    def _check(self) -> AutoMLConfig:
        if not self.families:
            raise ValueError("allowed_models minus blocked_models leaves no model family")
        if self.experiment_timeout_minutes < MIN_BUDGET_MINUTES:
            raise ValueError(
                f"experiment_timeout_minutes={self.experiment_timeout_minutes} is too small for "
                f"one iteration; use at least {MIN_BUDGET_MINUTES}"
            )
        return self

    @property
    def families(self) -> tuple[ModelFamily, ...]:
        """The families actually searched."""
        return tuple(f for f in self.allowed_models if f not in self.blocked_models)


class Iteration(BaseModel):
    """One trial of the search (an Azure child run)."""

    model_config = ConfigDict(frozen=True)

    iteration: int
    family: ModelFamily
    learner: str
    """FLAML's learner name (e.g. `xgb_limitdepth`)."""
    hyperparameters: dict[str, Any]
    validation_score: float
    """The primary metric on the validation data (higher is better); with
    cross-validation, its mean over the folds."""
    validation_std: float | None = None
    """The standard deviation of the primary metric over the folds."""
    fit_time_s: float
    wall_clock_s: float
    """Seconds since the search started when this iteration finished."""


class EnsembleMember(BaseModel):
    """One model in the final ensemble, with its voting weight."""

    model_config = ConfigDict(frozen=True)

    family: ModelFamily
    learner: str
    weight: float
    hyperparameters: dict[str, Any]
    iteration: int


class BestModel(BaseModel):
    """The model the run chose."""

    model_config = ConfigDict(frozen=True)

    model_type: str
    """`VotingEnsemble`, or the family of the single best iteration."""
    members: list[EnsembleMember]
    validation_score: float
    best_single_validation_score: float
    """The best single iteration's score, to see what the ensemble bought."""
    cv_folds: int | None = None
    """k of the cross-validation whose out-of-fold predictions ranked and weighed the
    candidates (None where the backend does not say, as on Azure)."""


class LeakCost(BaseModel):
    """What dropping the leaky columns costs, measured with the default-LightGBM baseline."""

    model_config = ConfigDict(frozen=True)

    dropped: list[str]
    metric: PrimaryMetric
    with_leaky: float
    without_leaky: float

    @property
    def cost(self) -> float:
        return self.with_leaky - self.without_leaky


RunState = Literal["Running", "Completed", "Failed", "Canceled"]


class TrainingStatus(BaseModel):
    """A live view of a run: how far the search is, and the best so far per family."""

    model_config = ConfigDict(frozen=True)

    run_id: str
    state: RunState
    phase: str
    """`searching`, `ensembling`, `evaluating`, `done`."""
    elapsed_s: float
    budget_s: float
    iterations: int
    best_score: float | None
    best_by_family: dict[str, float]
    error: str | None = None


class TrainingRun(BaseModel):
    """A finished AutoML run (Azure's parent run and its child runs)."""

    model_config = ConfigDict(frozen=True)

    run_id: str
    config: AutoMLConfig
    started_at: str
    duration_s: float
    search_s: float
    data_source: str
    data_sha256: str | None
    train_rows: int
    test_rows: int
    """Rows of the held-out test split (the baseline's, and locally the model's too)."""
    features: list[str]
    iterations: list[Iteration]
    best: BestModel
    metrics: ClassificationMetrics
    """The chosen model's metrics, measured on the rows `metrics_source` names."""
    metrics_source: MetricsSource
    """`test` on the local backend (the held-out test split, `test_rows` rows);
    `validation` on Azure ML (Azure's metrics of the best child run on its validation data
    or cross-validation folds, `metrics.rows` rows)."""
    baseline_metrics: ClassificationMetrics
    """A default LightGBM on the held-out test split (`test_rows` rows) and the same
    features, for comparison; always measured on this machine."""
    leak_cost: LeakCost | None = None
    feature_importance: dict[str, float] = Field(default_factory=dict)
    """Permutation importance on the test split: mean drop of AUC when a feature is shuffled."""
    plots: dict[str, str] = Field(default_factory=dict)
    """Plot name → PNG path."""
    run_dir: str
    model_dir: str
    """Where the trained model (native files + manifest) is stored."""
    library_versions: dict[str, str]

    def leaderboard(self, top: int | None = None) -> list[Iteration]:
        """Iterations by validation score, best first."""
        ranked = sorted(self.iterations, key=lambda i: i.validation_score, reverse=True)
        return ranked[:top] if top else ranked

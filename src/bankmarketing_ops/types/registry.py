"""What the model registry stores about each model version."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bankmarketing_ops.ml.artifacts import MemberManifest
from bankmarketing_ops.ml.features import FeatureSpec
from bankmarketing_ops.ml.metrics import ClassificationMetrics, MetricsSource

if TYPE_CHECKING:
    from bankmarketing_ops.types.automl import TrainingRun

__all__ = ["ModelVersion", "TrainingInfo"]


class TrainingInfo(BaseModel):
    """How a model version was trained: enough to reproduce it."""

    model_config = ConfigDict(frozen=True)

    origin: Literal["automl", "user"]
    """`automl` (registered from a run) or `user` (a model trained elsewhere)."""
    run_id: str | None = None
    config: dict[str, Any] | None = None
    """The AutoML configuration, for `automl` versions."""
    data_source: str | None = None
    data_sha256: str | None = None
    """sha256 of the training data file (None for in-memory data)."""
    train_rows: int | None = None
    test_rows: int | None = None

    @classmethod
    def of_run(cls, run: TrainingRun) -> TrainingInfo:
        """What an AutoML run tells about how its model was trained."""
        return cls(
            origin="automl",
            run_id=run.run_id,
            config=run.config.model_dump(mode="json"),
            data_source=run.data_source,
            data_sha256=run.data_sha256,
            train_rows=run.train_rows,
            test_rows=run.test_rows,
        )


class ModelVersion(BaseModel):
    """One registered version of a model."""

    model_config = ConfigDict(frozen=True, extra="allow")

    name: str
    version: int
    created_at: str
    description: str = ""
    tags: dict[str, str] = Field(default_factory=dict)
    properties: dict[str, str] = Field(default_factory=dict)
    model_type: str
    """`VotingEnsemble`, a family such as `LightGBM`, or the estimator's class name."""
    input_kind: Literal["encoded", "frame"]
    members: list[MemberManifest]
    input_schema: list[FeatureSpec]
    """The inputs the model reads, in order (wire names, kinds, categories)."""
    metrics: ClassificationMetrics | None = None
    """The version's metrics, measured on the rows `metrics_source` names."""
    metrics_source: MetricsSource | None = None
    """`test`: held-out test rows (local AutoML runs, and models registered with test
    data); `validation`: Azure AutoML's validation metrics; None: not recorded (versions
    registered before this field, or without metrics)."""
    baseline_metrics: ClassificationMetrics | None = None
    """A default LightGBM on the same split, when known."""
    training: TrainingInfo
    library_versions: dict[str, str] = Field(default_factory=dict)
    path: str
    """The version's directory."""

    @property
    def ref(self) -> str:
        """`name:version`."""
        return f"{self.name}:{self.version}"

"""The Azure AutoML classification metric set, computed one way for every model."""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict

__all__ = [
    "PRIMARY_METRICS",
    "ClassificationMetrics",
    "MetricsSource",
    "PrimaryMetric",
    "compute_metrics",
]

#: Which rows a model's metrics were measured on: `test`, held-out rows the search never
#: saw (this machine); `validation`, the validation rows or cross-validation folds the
#: search chose the model on (Azure AutoML's own metrics: optimistic for that reason).
MetricsSource = Literal["test", "validation"]

PrimaryMetric = Literal[
    "AUC_weighted",
    "accuracy",
    "average_precision_score_weighted",
    "norm_macro_recall",
    "precision_score_weighted",
]
PRIMARY_METRICS: tuple[PrimaryMetric, ...] = (
    "AUC_weighted",
    "accuracy",
    "average_precision_score_weighted",
    "norm_macro_recall",
    "precision_score_weighted",
)
#: Predicted label is `yes` when P(yes) is at least this.
DECISION_THRESHOLD = 0.5


class ClassificationMetrics(BaseModel):
    """Azure AutoML's classification metrics on one labelled set (labels at P(yes) ≥ 0.5)."""

    model_config = ConfigDict(frozen=True, extra="allow")

    accuracy: float
    AUC_weighted: float
    AUC_macro: float
    AUC_micro: float
    average_precision_score_weighted: float
    f1_score_weighted: float
    precision_score_weighted: float
    recall_score_weighted: float
    norm_macro_recall: float
    log_loss: float
    balanced_accuracy: float
    matthews_correlation: float
    confusion_matrix: list[list[int]]
    """`[[TN, FP], [FN, TP]]` — rows are the true label (`no`, `yes`), columns the predicted."""
    rows: int
    """How many rows the metrics were computed on."""

    def value(self, name: str) -> float:
        """The value of a metric by its Azure name (e.g. `"AUC_weighted"`)."""
        result = getattr(self, name)
        if not isinstance(result, float):
            raise KeyError(name)
        return result


def compute_metrics(
    y_true: npt.NDArray[np.int64], proba: npt.NDArray[np.float64]
) -> ClassificationMetrics:
    """All metrics from true 0/1 labels and predicted probabilities of `yes`."""
    from sklearn import metrics as m  # slow import: lazy

    y_true = np.asarray(y_true, dtype=np.int64)
    proba = np.clip(np.asarray(proba, dtype=np.float64), 0.0, 1.0)
    predicted = (proba >= DECISION_THRESHOLD).astype(np.int64)
    both = np.column_stack([1.0 - proba, proba])
    onehot = np.column_stack([1 - y_true, y_true])
    if len(np.unique(y_true)) < 2:
        raise ValueError("metrics need both labels in the evaluation set; use more rows")
    recall_macro = float(m.recall_score(y_true, predicted, average="macro", zero_division=0))
    return ClassificationMetrics(
        accuracy=float(m.accuracy_score(y_true, predicted)),
        AUC_weighted=float(m.roc_auc_score(onehot, both, average="weighted")),
        AUC_macro=float(m.roc_auc_score(onehot, both, average="macro")),
        AUC_micro=float(m.roc_auc_score(onehot.ravel(), both.ravel())),
        average_precision_score_weighted=float(
            m.average_precision_score(onehot, both, average="weighted")
        ),
        f1_score_weighted=float(m.f1_score(y_true, predicted, average="weighted", zero_division=0)),
        precision_score_weighted=float(
            m.precision_score(y_true, predicted, average="weighted", zero_division=0)
        ),
        recall_score_weighted=float(
            m.recall_score(y_true, predicted, average="weighted", zero_division=0)
        ),
        # Azure: macro recall rescaled so that chance is 0 and perfect is 1.
        norm_macro_recall=max(0.0, (recall_macro - 0.5) / 0.5),
        log_loss=float(m.log_loss(y_true, both, labels=[0, 1])),
        balanced_accuracy=float(m.balanced_accuracy_score(y_true, predicted)),
        matthews_correlation=float(m.matthews_corrcoef(y_true, predicted)),
        confusion_matrix=m.confusion_matrix(y_true, predicted, labels=[0, 1]).tolist(),
        rows=len(y_true),
    )

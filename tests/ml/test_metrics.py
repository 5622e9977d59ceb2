from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as sk

from bankmarketing_ops.ml.metrics import compute_metrics


@pytest.fixture
def labelled() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    y = (rng.random(2_000) < 0.12).astype(np.int64)
    proba = np.clip(0.25 * y + rng.random(2_000) * 0.7, 0, 1)
    return y, proba


def test_metrics_match_their_definitions(labelled: tuple[np.ndarray, np.ndarray]) -> None:
    y, proba = labelled
    result = compute_metrics(y, proba)
    predicted = (proba >= 0.5).astype(int)
    assert result.AUC_weighted == pytest.approx(sk.roc_auc_score(y, proba))
    assert result.AUC_macro == pytest.approx(result.AUC_weighted)  # binary: both classes alike
    assert result.accuracy == pytest.approx(sk.accuracy_score(y, predicted))
    assert result.balanced_accuracy == pytest.approx(sk.balanced_accuracy_score(y, predicted))
    assert result.norm_macro_recall == pytest.approx(max(0.0, 2 * result.balanced_accuracy - 1))
    assert result.matthews_correlation == pytest.approx(sk.matthews_corrcoef(y, predicted))
    assert result.log_loss == pytest.approx(sk.log_loss(y, proba))
    assert result.f1_score_weighted == pytest.approx(sk.f1_score(y, predicted, average="weighted"))
    assert result.confusion_matrix == sk.confusion_matrix(y, predicted).tolist()
    assert sum(map(sum, result.confusion_matrix)) == result.rows == 2_000


def test_micro_auc_differs_from_the_class_auc(labelled: tuple[np.ndarray, np.ndarray]) -> None:
    y, proba = labelled
    result = compute_metrics(y, proba)
    both = np.column_stack([1 - proba, proba]).ravel()
    onehot = np.column_stack([1 - y, y]).ravel()
    assert result.AUC_micro == pytest.approx(sk.roc_auc_score(onehot, both))
    assert result.AUC_micro != pytest.approx(result.AUC_weighted)


def test_a_perfect_model_scores_one() -> None:
    y = np.array([0, 0, 1, 1])
    result = compute_metrics(y, np.array([0.1, 0.2, 0.8, 0.9]))
    assert result.AUC_weighted == 1.0
    assert result.accuracy == 1.0
    assert result.norm_macro_recall == 1.0


def test_value_reads_metrics_by_name(labelled: tuple[np.ndarray, np.ndarray]) -> None:
    result = compute_metrics(*labelled)
    assert result.value("accuracy") == result.accuracy
    with pytest.raises(KeyError):
        result.value("confusion_matrix")


def test_one_class_is_refused() -> None:
    with pytest.raises(ValueError, match="both labels"):
        compute_metrics(np.zeros(5, dtype=np.int64), np.full(5, 0.3))

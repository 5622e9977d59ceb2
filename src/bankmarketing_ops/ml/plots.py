"""The plots saved with every run (PNG), drawn without pyplot's global state."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from bankmarketing_ops.ml.metrics import ClassificationMetrics
    from bankmarketing_ops.types.automl import Iteration

__all__ = ["permutation_importance", "save_all"]

Vector = npt.NDArray[np.float64]
_BEST, _BASELINE = "#3949ab", "#9e9e9e"


def permutation_importance(
    predict: Callable[[npt.NDArray[np.float64]], Vector],
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.int64],
    names: Sequence[str],
    *,
    seed: int = 0,
    repeats: int = 3,
) -> dict[str, float]:
    """Mean drop of AUC when each feature's column is shuffled (model-agnostic).

    The shuffles are drawn in one fixed order, then scored on all cores (the predictors
    release the GIL), so the result does not depend on the number of cores.
    """
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(seed)
    reference = roc_auc_score(y, predict(x))
    shuffles = [
        (column, rng.permutation(x[:, column]))
        for column in range(len(names))
        for _ in range(repeats)
    ]

    def drop(shuffle: tuple[int, npt.NDArray[np.float64]]) -> float:
        column, values = shuffle
        shuffled = x.copy()
        shuffled[:, column] = values
        return float(reference - roc_auc_score(y, predict(shuffled)))

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        drops = list(pool.map(drop, shuffles))
    importance = {
        name: float(np.mean(drops[column * repeats : (column + 1) * repeats]))
        for column, name in enumerate(names)
    }
    return dict(sorted(importance.items(), key=lambda kv: kv[1], reverse=True))


def _figure(width: float = 6.4, height: float = 4.4) -> tuple[Figure, Axes]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=110, layout="constrained")
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def save_all(
    directory: Path,
    *,
    iterations: Sequence[Iteration],
    y_test: npt.NDArray[np.int64],
    proba: Vector,
    baseline_proba: Vector,
    metrics: ClassificationMetrics,
    importance: dict[str, float],
    metric_name: str,
) -> dict[str, Path]:
    """Draw the five plots of a run into `directory`; return name → path."""
    directory.mkdir(parents=True, exist_ok=True)
    drawings: dict[str, Callable[[Axes], None]] = {
        "score_over_time": lambda ax: _score_over_time(ax, iterations, metric_name),
        "roc": lambda ax: _roc(ax, y_test, proba, baseline_proba),
        "precision_recall": lambda ax: _precision_recall(ax, y_test, proba, baseline_proba),
        "confusion_matrix": lambda ax: _confusion(ax, metrics.confusion_matrix),
        "feature_importance": lambda ax: _importance(ax, importance),
    }
    paths = {}
    for name, draw in drawings.items():
        figure, axes = _figure()
        draw(axes)
        paths[name] = directory / f"{name}.png"
        figure.savefig(paths[name])
    return paths


def _score_over_time(ax: Axes, iterations: Sequence[Iteration], metric: str) -> None:
    families = sorted({it.family for it in iterations})
    for family in families:
        mine = [it for it in iterations if it.family == family]
        xs, ys = [it.wall_clock_s for it in mine], [it.validation_score for it in mine]
        ax.scatter(xs, ys, s=14, alpha=0.7, label=family)
    ordered = sorted(iterations, key=lambda it: it.wall_clock_s)
    best = np.maximum.accumulate([it.validation_score for it in ordered])
    ax.step(
        [it.wall_clock_s for it in ordered],
        best,
        where="post",
        color="black",
        lw=1,
        label="best so far",
    )
    scores = [it.validation_score for it in iterations]
    ax.set_ylim(max(min(scores), best[-1] - 0.1), best[-1] + 0.005)
    ax.set(
        xlabel="seconds into the search",
        ylabel=f"validation {metric}",
        title="Score over time by model family",
    )
    ax.legend(loc="lower right", fontsize="small")


def _roc(ax: Axes, y: npt.NDArray[np.int64], proba: Vector, baseline: Vector) -> None:
    from sklearn.metrics import roc_auc_score, roc_curve

    for label, p, color in (
        ("best model", proba, _BEST),
        ("LightGBM baseline", baseline, _BASELINE),
    ):
        fpr, tpr, _ = roc_curve(y, p)
        ax.plot(fpr, tpr, color=color, label=f"{label} (AUC {roc_auc_score(y, p):.4f})")
    ax.plot([0, 1], [0, 1], ls=":", color="black", lw=0.8)
    ax.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC (test split)")
    ax.legend(loc="lower right")


def _precision_recall(ax: Axes, y: npt.NDArray[np.int64], proba: Vector, baseline: Vector) -> None:
    from sklearn.metrics import average_precision_score, precision_recall_curve

    for label, p, color in (
        ("best model", proba, _BEST),
        ("LightGBM baseline", baseline, _BASELINE),
    ):
        precision, recall, _ = precision_recall_curve(y, p)
        ap = average_precision_score(y, p)
        ax.plot(recall, precision, color=color, label=f"{label} (AP {ap:.4f})")
    ax.axhline(float(np.mean(y)), ls=":", color="black", lw=0.8)
    ax.set(xlabel="recall", ylabel="precision", title="Precision-recall (test split)")
    ax.legend(loc="upper right")


def _confusion(ax: Axes, matrix: list[list[int]]) -> None:
    values = np.asarray(matrix)
    ax.imshow(values, cmap="Blues")
    for (row, col), count in np.ndenumerate(values):
        share = count / values[row].sum()
        ax.text(
            col,
            row,
            f"{count:,}\n{share:.1%}",
            ha="center",
            va="center",
            color="white" if count > values.max() / 2 else "black",
        )
    ax.set_xticks([0, 1], labels=["no", "yes"])
    ax.set_yticks([0, 1], labels=["no", "yes"])
    ax.set(xlabel="predicted", ylabel="true", title="Confusion matrix (test split, P ≥ 0.5)")


def _importance(ax: Axes, importance: dict[str, float]) -> None:
    names = list(importance)[::-1]
    ax.barh(names, [importance[n] for n in names], color=_BEST)
    ax.set(xlabel="AUC lost when shuffled", title="Permutation feature importance (test split)")
    ax.tick_params(axis="y", labelsize="small")

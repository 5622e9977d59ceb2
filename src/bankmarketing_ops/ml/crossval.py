"""Cross-validated selection: the folds, and the out-of-fold predictions of each trial.

FLAML scores each trial on k stratified folds. We hand it our own splitter, which notes
the fold it is on, so the metric callback can put each fold's predictions where their
rows belong: after the k folds of a trial, every training row has a prediction from a
model that did not see it. Those out-of-fold (OOF) vectors are what the ensemble is
chosen on, so no row is used both to fit a model and to weigh it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any, Final

import numpy as np
import numpy.typing as npt

__all__ = ["FoldSplitter", "OutOfFold", "default_folds", "trial_key"]

#: Azure AutoML's rule for the number of folds: 10 below 1,000 rows, else 3.
SMALL_DATA_ROWS: Final = 1_000


def default_folds(rows: int) -> int:
    """k for `rows` training rows, as Azure chooses it when `n_cross_validations` is unset.

    Azure uses 10 folds under 1,000 rows and 3 up to 20,000; above 20,000 it switches
    to one 10 % validation split. A single split of that size is too noisy to rank
    candidates by (it picked worse models on unseen data), so we keep 3 folds there too.
    """
    return 10 if rows < SMALL_DATA_ROWS else 3


class FoldSplitter:
    """A shuffled stratified k-fold splitter that remembers the fold being scored."""

    def __init__(self, n_splits: int, *, seed: int) -> None:
        from sklearn.model_selection import StratifiedKFold

        self._kfold = StratifiedKFold(n_splits, shuffle=True, random_state=seed)
        self.n_splits = n_splits
        self.current: npt.NDArray[np.intp] | None = None

    def get_n_splits(self, *_: Any, **__: Any) -> int:
        return self.n_splits

    # `y` has no default on purpose: FLAML first tries `split(X)` and falls back to
    # `split(X, y)` on a TypeError.
    def split(
        self, X: Any, y: Any, groups: Any = None
    ) -> Iterator[tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]]:
        for fit_rows, predict_rows in self._kfold.split(np.zeros(len(y)), y):
            self.current = predict_rows
            yield fit_rows, predict_rows


def trial_key(estimator_class: str, hyperparameters: dict[str, Any]) -> str:
    """One trial's identity: its FLAML estimator class and its hyperparameters."""
    plain = {
        k: v.item() if isinstance(v, np.generic) else v
        for k, v in hyperparameters.items()
        if k != "FLAML_sample_size"
    }
    return json.dumps([estimator_class, plain], sort_keys=True, default=str)


class OutOfFold:
    """OOF predictions of the best `keep` trials (float32; ~100 KB per 26,000 rows).

    The best trial of each estimator class is always kept, so a family that ranks below
    the others can still enter the ensemble, where its different mistakes may help.
    """

    def __init__(self, rows: int, n_splits: int, *, keep: int = 40) -> None:
        self._rows = rows
        self._n_splits = n_splits
        self._keep = keep
        self._partial: dict[str, tuple[npt.NDArray[np.float32], list[float]]] = {}
        self._complete: dict[str, tuple[npt.NDArray[np.float32], float, str]] = {}

    def record(
        self,
        estimator_class: str,
        hyperparameters: dict[str, Any],
        rows: npt.NDArray[np.intp],
        proba: npt.NDArray[np.float64],
        score: float,
    ) -> None:
        """One fold of one trial: its predictions on the fold's rows and its score."""
        key = trial_key(estimator_class, hyperparameters)
        if len(rows) and int(rows.max()) >= self._rows:
            # FLAML repeats the rows of a class with under 20 examples, so the folds
            # run past our rows: such a trial has no usable out-of-fold vector
            return
        vector, scores = self._partial.get(key) or (np.full(self._rows, np.nan, np.float32), [])
        vector[rows] = proba
        scores.append(score)
        if len(scores) < self._n_splits:
            self._partial[key] = (vector, scores)
            return
        self._partial.pop(key, None)
        if not np.isnan(vector).any():
            self._complete[key] = (vector, float(np.mean(scores)), estimator_class)
            self._prune()

    def get(self, key: str) -> npt.NDArray[np.float64] | None:
        """The OOF vector of a trial, if all its folds finished and it is among the best."""
        found = self._complete.get(key)
        return None if found is None else found[0].astype(np.float64)

    def _prune(self) -> None:
        if len(self._complete) <= self._keep:
            return
        per_class = Counter(group for _, _, group in self._complete.values())
        droppable = [k for k, (_, _, group) in self._complete.items() if per_class[group] > 1]
        worst = min(droppable, key=lambda k: self._complete[k][1])
        del self._complete[worst]

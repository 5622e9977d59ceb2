"""Greedy ensemble selection (Caruana et al., 2004), as Azure's VotingEnsemble does."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

__all__ = ["select_ensemble"]

Score = Callable[[npt.NDArray[np.float64]], float]


def select_ensemble(
    predictions: npt.NDArray[np.float64], score: Score, *, rounds: int = 20
) -> dict[int, float]:
    """Pick weights for the columns of `predictions` (one column per candidate).

    Each round adds, with replacement, the candidate whose inclusion scores best; the
    bag with the best score over all rounds wins. Returns candidate index → weight
    (weights sum to 1). A single candidate comes back when no mixture beats it.
    """
    n_candidates = predictions.shape[1]
    counts = np.zeros(n_candidates)
    running = np.zeros(predictions.shape[0])
    best_score, best_counts = -np.inf, counts.copy()
    for size in range(1, rounds + 1):
        trial_scores = [score((running + predictions[:, j]) / size) for j in range(n_candidates)]
        chosen = int(np.argmax(trial_scores))
        counts[chosen] += 1
        running += predictions[:, chosen]
        if trial_scores[chosen] > best_score + 1e-12:
            best_score, best_counts = trial_scores[chosen], counts.copy()
    total = best_counts.sum()
    return {int(j): float(c / total) for j, c in enumerate(best_counts) if c > 0}

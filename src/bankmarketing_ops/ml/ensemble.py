"""Greedy ensemble selection (Caruana et al., 2004), as Azure's VotingEnsemble does,
optionally within a budget on the members' total size."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["select_ensemble"]

Score = Callable[[npt.NDArray[np.float64]], float]


def select_ensemble(
    predictions: npt.NDArray[np.float64],
    score: Score,
    *,
    rounds: int = 20,
    costs: Sequence[float] | None = None,
    budget: float | None = None,
) -> dict[int, float]:
    """Pick weights for the columns of `predictions` (one column per candidate).

    Each round adds, with replacement, the candidate whose inclusion scores best; the
    bag with the best score over all rounds wins. Returns candidate index → weight
    (weights sum to 1). A single candidate comes back when no mixture beats it.

    With `costs` (one per candidate) and `budget`, a candidate not yet in the bag may
    join only while the distinct members' costs still fit the budget (adding one again
    costs nothing: it changes a weight, not the model's size). When no candidate fits
    on its own, the cheapest one stands alone.
    """
    n_candidates = predictions.shape[1]
    cost = np.zeros(n_candidates) if costs is None else np.asarray(costs, dtype=np.float64)
    limit = np.inf if budget is None else budget
    if not (cost <= limit).any():
        return {int(np.argmin(cost)): 1.0}
    counts = np.zeros(n_candidates)
    running = np.zeros(predictions.shape[0])
    best_score, best_counts = -np.inf, counts.copy()
    for size in range(1, rounds + 1):
        spent = float(cost[counts > 0].sum())
        allowed = [j for j in range(n_candidates) if counts[j] > 0 or spent + cost[j] <= limit]
        trial_scores = {j: score((running + predictions[:, j]) / size) for j in allowed}
        chosen = max(trial_scores, key=lambda j: trial_scores[j])
        counts[chosen] += 1
        running += predictions[:, chosen]
        if trial_scores[chosen] > best_score + 1e-12:
            best_score, best_counts = trial_scores[chosen], counts.copy()
    total = best_counts.sum()
    return {int(j): float(c / total) for j, c in enumerate(best_counts) if c > 0}

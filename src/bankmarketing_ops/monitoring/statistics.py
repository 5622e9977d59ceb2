"""Per-feature drift statistics between a reference profile and a window of values.

Numeric inputs: Wasserstein-1 distance divided by the reference's standard deviation
(deciding), PSI over the reference's bins, and the two-sample KS test. Categorical inputs:
Jensen–Shannon distance in base 2 (deciding), PSI over the categories, and the
chi-square test of homogeneity. The p-values are reported but do not decide: with tens of
thousands of rows they call trivial differences significant.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from typing import Final

import numpy as np
import numpy.typing as npt

from bankmarketing_ops.monitoring.reference import bin_index
from bankmarketing_ops.types.drift import CategoricalReference, FeatureDrift, NumericReference

__all__ = ["categorical_drift", "numeric_drift", "psi"]

#: Proportions are floored at this before PSI's logarithm (an empty bin is not infinite drift).
_PSI_FLOOR: Final = 1e-4
Vector = npt.NDArray[np.float64]


def psi(reference: Sequence[float] | Vector, current: Sequence[float] | Vector) -> float:
    """Population stability index: Σ (current − reference) · ln(current / reference)."""
    expected = np.maximum(np.asarray(reference, dtype=np.float64), _PSI_FLOOR)
    actual = np.maximum(np.asarray(current, dtype=np.float64), _PSI_FLOOR)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def _bin_labels(edges: Sequence[float]) -> list[str]:
    if not edges:
        return ["all"]
    labels = [f"≤ {edges[0]:.4g}"]
    labels += [f"({low:.4g}, {high:.4g}]" for low, high in itertools.pairwise(edges)]
    return [*labels, f"> {edges[-1]:.4g}"]


def numeric_drift(
    reference: NumericReference, values: npt.ArrayLike, *, threshold: float, decide: bool = True
) -> FeatureDrift:
    """Compare numeric `values` with the reference; `decide=False` never marks drift
    (a window too small to trust)."""
    from scipy.stats import kstwo, wasserstein_distance

    current = np.asarray(values, dtype=np.float64)
    current = current[np.isfinite(current)]
    if current.size == 0:
        raise ValueError(f"{reference.name}: no value to compare")
    quantiles = np.asarray(reference.quantiles)
    # The reference quantile function stands in for its rows: W1 between two 1-D
    # distributions is the area between their quantile functions.
    wasserstein = float(wasserstein_distance(quantiles, current)) / reference.scale
    ks = _ks_statistic(quantiles, current)
    # The p-value uses the real sizes (the quantile grid is only the reference's shape).
    effective = reference.rows * current.size / (reference.rows + current.size)
    ks_pvalue = float(kstwo.sf(ks, max(1, round(effective))))
    counts = np.bincount(
        bin_index(reference.bin_edges, current), minlength=len(reference.bin_proportions)
    )
    proportions = counts / current.size
    return FeatureDrift(
        name=reference.name,
        kind="numeric",
        statistic="wasserstein_normalized",
        value=wasserstein,
        threshold=threshold,
        drifted=decide and wasserstein > threshold,
        reference_rows=reference.rows,
        current_rows=int(current.size),
        psi=psi(reference.bin_proportions, proportions),
        wasserstein_normalized=wasserstein,
        ks_statistic=ks,
        ks_pvalue=ks_pvalue,
        bins=_bin_labels(reference.bin_edges),
        reference_distribution=list(reference.bin_proportions),
        current_distribution=[float(p) for p in proportions],
    )


def _ks_statistic(reference: Vector, current: Vector) -> float:
    from scipy.stats import ks_2samp

    return float(ks_2samp(reference, current, method="asymp").statistic)


def categorical_drift(
    reference: CategoricalReference,
    values: Sequence[str] | npt.NDArray[np.str_],
    *,
    threshold: float,
    decide: bool = True,
) -> FeatureDrift:
    """Compare categorical `values` with the reference (categories it never saw included)."""
    from scipy.spatial.distance import jensenshannon
    from scipy.stats import chi2_contingency

    current_counts = Counter(str(v) for v in values)
    if not current_counts:
        raise ValueError(f"{reference.name}: no value to compare")
    known = list(reference.counts)
    unseen = sorted(c for c in current_counts if reference.counts.get(c, 0) == 0)
    categories = known + [c for c in unseen if c not in reference.counts]
    ref = np.array([reference.counts.get(c, 0) for c in categories], dtype=np.float64)
    cur = np.array([current_counts.get(c, 0) for c in categories], dtype=np.float64)
    ref_p, cur_p = ref / ref.sum(), cur / cur.sum()
    distance = float(jensenshannon(ref_p, cur_p, base=2))
    present = (ref + cur) > 0
    if present.sum() > 1:
        chi2 = chi2_contingency(np.vstack([ref[present], cur[present]]))
        chi2_statistic, chi2_pvalue = float(chi2.statistic), float(chi2.pvalue)
    else:  # one category in both: nothing can differ
        chi2_statistic, chi2_pvalue = 0.0, 1.0
    return FeatureDrift(
        name=reference.name,
        kind="categorical",
        statistic="jensen_shannon",
        value=distance,
        threshold=threshold,
        drifted=decide and distance > threshold,
        reference_rows=reference.rows,
        current_rows=int(cur.sum()),
        psi=psi(ref_p, cur_p),
        jensen_shannon=distance,
        chi2_statistic=chi2_statistic,
        chi2_pvalue=chi2_pvalue,
        unseen_categories=unseen,
        bins=categories,
        reference_distribution=[float(p) for p in ref_p],
        current_distribution=[float(p) for p in cur_p],
    )

"""Reference profiles: the training data's distributions, stored beside a model version.

Numeric inputs keep their quantile function (1,000 points), enough to compute the
Wasserstein and KS statistics against any window without keeping the rows themselves;
categorical inputs keep their counts. The profile holds no row of the data.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from bankmarketing_ops import _constants as C
from bankmarketing_ops._atomic import atomic_write_text
from bankmarketing_ops._exceptions import ReferenceNotFoundError
from bankmarketing_ops.data.schema import SCHEMA
from bankmarketing_ops.ml.metrics import ClassificationMetrics
from bankmarketing_ops.types.drift import CategoricalReference, NumericReference, ReferenceProfile

__all__ = [
    "REFERENCE_FILE",
    "bin_index",
    "build_reference",
    "numeric_reference",
    "read_reference",
    "write_reference",
]

REFERENCE_FILE: Final = "reference.json"
_DECILES: Final = np.linspace(0.1, 0.9, 9)


def numeric_reference(name: str, values: npt.ArrayLike) -> NumericReference:
    """Profile one numeric column (or a vector of scores)."""
    array = np.asarray(values, dtype=np.float64)
    array = array[np.isfinite(array)]
    if array.size == 0:
        raise ValueError(f"{name}: no finite value to profile")
    std = float(array.std(ddof=1)) if array.size > 1 else 0.0
    probabilities = (np.arange(C.REFERENCE_QUANTILES) + 0.5) / C.REFERENCE_QUANTILES
    distinct = np.unique(array)
    if distinct.size <= C.REFERENCE_DISCRETE_VALUES:
        edges = (distinct[:-1] + distinct[1:]) / 2  # one bin per value
    else:
        edges = np.unique(np.quantile(array, _DECILES))
    counts = np.bincount(bin_index(edges, array), minlength=edges.size + 1)
    return NumericReference(
        name=name,
        rows=int(array.size),
        mean=float(array.mean()),
        std=std,
        # Divide by the spread so that 0.1 means "a tenth of a standard deviation moved",
        # whatever the unit; a constant column has no spread, so any move counts in units.
        scale=std if std > 0 else 1.0,
        quantiles=[float(q) for q in np.quantile(array, probabilities, method="inverted_cdf")],
        bin_edges=[float(e) for e in edges],
        bin_proportions=[float(c) for c in counts / array.size],
    )


def bin_index(
    edges: Sequence[float] | npt.NDArray[np.float64], values: npt.ArrayLike
) -> npt.NDArray[np.intp]:
    """The PSI bin of each value: bin i is `(edges[i-1], edges[i]]`."""
    return np.searchsorted(np.asarray(edges, dtype=np.float64), np.asarray(values), side="left")


def build_reference(
    frame: pd.DataFrame,
    *,
    scores: npt.ArrayLike | None = None,
    metrics: ClassificationMetrics | None = None,
    features: Sequence[str] | None = None,
) -> ReferenceProfile:
    """Profile the inputs of a typed frame (as `data.load` returns it).

    `scores` (P(yes) of the model on held-out rows) and `metrics` (its test metrics) are
    kept for prediction drift and performance comparisons.
    """
    wanted = set(features) if features is not None else set(SCHEMA.input_names)
    numeric: list[NumericReference] = []
    categorical: list[CategoricalReference] = []
    for spec in SCHEMA.inputs:
        if spec.name not in wanted or spec.name not in frame.columns:
            continue
        column = frame[spec.name]
        if spec.kind == "categorical":
            observed = column.astype(str).value_counts()
            counts = {c: int(observed.get(c, 0)) for c in spec.categories}
            categorical.append(
                CategoricalReference(name=spec.name, rows=len(column), counts=counts)
            )
        else:
            numeric.append(numeric_reference(spec.name, column.to_numpy(dtype=np.float64)))
    return ReferenceProfile(
        source=str(frame.attrs.get("source", "<dataframe>")),
        rows=len(frame),
        created_at=datetime.fromtimestamp(time.time(), UTC).isoformat(timespec="seconds"),
        numeric=numeric,
        categorical=categorical,
        scores=None if scores is None else numeric_reference("score", scores),
        metrics=metrics,
    )


def write_reference(directory: Path, profile: ReferenceProfile) -> Path:
    """Write `reference.json` into `directory` atomically; returns its path."""
    path = directory / REFERENCE_FILE
    atomic_write_text(path, profile.model_dump_json() + "\n")
    return path


def read_reference(directory: Path, *, model_ref: str) -> ReferenceProfile:
    """Read a version's profile, or say what to do when it has none."""
    path = directory / REFERENCE_FILE
    try:
        return ReferenceProfile.model_validate_json(path.read_text())
    except FileNotFoundError:
        raise ReferenceNotFoundError(
            f"model {model_ref} has no reference profile (it was registered before drift "
            "monitoring existed, or from a run without one). Give it one with "
            f"DriftMonitor.set_reference({model_ref!r}, training_frame) or "
            f"bankops drift set-reference {model_ref} TRAINING.csv, or register it again"
        ) from None

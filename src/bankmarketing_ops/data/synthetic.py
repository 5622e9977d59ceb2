"""Synthetic data of the real schema, for tests and demos without the network.

Categorical marginals come from the schema's `frequencies`; the five economic
indicators move together, as in the real file, by sampling one of the file's economic
regimes (a period with its month, indicators and subscription rate). The target is drawn
from a logistic model of regime, call duration, previous outcome and contact type, so a
classifier can learn it; `duration == 0` always means `no`, as in the real data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bankmarketing_ops.data.loading import load
from bankmarketing_ops.data.schema import ECONOMIC_COLUMNS, SCHEMA

__all__ = ["synthetic"]

# (emp.var.rate, cons.price.idx, cons.conf.idx, euribor3m, nr.employed), month, rows, yes-rate:
# the twelve largest periods of the published file, measured on it.
_REGIMES: tuple[tuple[tuple[float, float, float, float, float], str, int, float], ...] = (
    ((1.1, 93.994, -36.4, 4.858, 5191.0), "may", 6210, 0.031),
    ((1.4, 93.918, -42.7, 4.962, 5228.1), "jul", 5364, 0.060),
    ((-1.8, 92.893, -46.2, 1.294, 5099.1), "may", 4687, 0.087),
    ((1.4, 93.444, -36.1, 4.965, 5228.1), "aug", 4089, 0.053),
    ((1.4, 94.465, -41.8, 4.931, 5228.1), "jun", 3474, 0.043),
    ((-0.1, 93.2, -42.0, 4.115, 5195.8), "nov", 2907, 0.051),
    ((-1.8, 93.075, -47.1, 1.411, 5099.1), "apr", 1966, 0.180),
    ((-2.9, 92.201, -31.4, 0.866, 5076.2), "aug", 613, 0.347),
    ((-2.9, 92.963, -40.8, 1.258, 5076.2), "jun", 595, 0.366),
    ((-3.4, 92.431, -26.9, 0.735, 5017.5), "oct", 354, 0.384),
    ((-3.4, 92.649, -30.1, 0.716, 5017.5), "nov", 286, 0.483),
    ((-1.7, 94.215, -40.3, 0.850, 4991.6), "jul", 249, 0.574),
)
_MEDIAN_DURATION_S = 180.0
# Shifts the logits so that about 11 % of rows are positive, as in the real file.
_INTERCEPT = -0.35


def synthetic(n: int, *, seed: int = 0) -> pd.DataFrame:
    """Make `n` rows of the real schema, typed exactly as `load` returns them.

    The same `seed` always gives the same rows.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    rng = np.random.default_rng(seed)
    cells: dict[str, np.ndarray] = {}
    for spec in SCHEMA.inputs:
        if spec.kind == "categorical":
            weights = np.asarray(spec.frequencies) / sum(spec.frequencies)
            cells[spec.name] = rng.choice(np.asarray(spec.categories), size=n, p=weights)

    regime_weights = np.array([rows for _, _, rows, _ in _REGIMES], dtype=float)
    regime = rng.choice(len(_REGIMES), size=n, p=regime_weights / regime_weights.sum())
    indicators = np.array([values for values, _, _, _ in _REGIMES])[regime]
    for position, name in enumerate(ECONOMIC_COLUMNS):
        cells[name] = indicators[:, position]
    euribor = ECONOMIC_COLUMNS.index("euribor3m")
    cells["euribor3m"] = np.round(
        np.clip(indicators[:, euribor] + rng.normal(0, 0.03, n), 0.6, None), 3
    )
    cells["month"] = np.array([month for _, month, _, _ in _REGIMES])[regime]

    job = cells["job"]
    age = rng.normal(40, 10, n)
    age = np.where(job == "retired", rng.normal(62, 8, n), age)
    age = np.where(job == "student", rng.normal(24, 4, n), age)
    cells["age"] = np.clip(np.round(age), 17, 98).astype(np.int64)
    cells["duration"] = np.clip(
        np.round(rng.lognormal(np.log(_MEDIAN_DURATION_S), 0.8, n)), 0, 4918
    ).astype(np.int64)
    cells["campaign"] = np.clip(rng.geometric(0.39, n), 1, 56).astype(np.int64)
    poutcome = cells["poutcome"]
    cells["previous"] = np.where(
        poutcome == "nonexistent", 0, np.clip(rng.geometric(0.6, n), 1, 7)
    ).astype(np.int64)
    cells["pdays"] = np.where(poutcome == "success", rng.integers(1, 16, n), 999).astype(np.int64)

    regime_rate = np.array([rate for _, _, _, rate in _REGIMES])[regime]
    logit = (
        np.log(regime_rate / (1 - regime_rate))
        + 2.0 * (np.log1p(cells["duration"]) - np.log(_MEDIAN_DURATION_S))
        + 1.6 * (poutcome == "success")
        - 0.4 * (cells["contact"] == "telephone")
        + 0.4 * np.isin(job, ("student", "retired"))
        + _INTERCEPT
    )
    positive = rng.random(n) < 1 / (1 + np.exp(-logit))
    positive &= cells["duration"] > 0
    target = SCHEMA.target
    cells[target.name] = np.where(positive, target.positive, target.negative)

    frame = load(pd.DataFrame({name: cells[name] for name in SCHEMA.column_names}))
    frame.attrs.update({"source": f"<synthetic n={n} seed={seed}>", "format": "dataframe"})
    return frame

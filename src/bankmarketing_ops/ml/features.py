"""One numeric encoding of the schema's inputs, for training and for scoring alike.

Numbers pass through as float64; a categorical value becomes its position in the
schema's category list (the same codes pandas gives the typed frame, and that LightGBM
and XGBoost use for their native categorical splits). The encoding has no fitted state,
so the scorer needs nothing but the list of features to reproduce it exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import BaseModel, ConfigDict

from bankmarketing_ops.data.schema import LEAKY_COLUMNS, SCHEMA, ColumnKind

__all__ = ["FeatureSpec", "encode_frame", "feature_specs", "target_vector"]

Matrix = npt.NDArray[np.float64]


class FeatureSpec(BaseModel):
    """One model input: its wire name, kind and (for categoricals) the coded values."""

    model_config = ConfigDict(frozen=True)

    name: str
    kind: ColumnKind
    categories: tuple[str, ...] = ()


def feature_specs(*, drop_leaky: bool = False) -> tuple[FeatureSpec, ...]:
    """The model inputs in schema order (without `LEAKY_COLUMNS` if asked)."""
    return tuple(
        FeatureSpec(name=c.name, kind=c.kind, categories=c.categories)
        for c in SCHEMA.inputs
        if not (drop_leaky and c.name in LEAKY_COLUMNS)
    )


def categorical_indices(features: Sequence[FeatureSpec]) -> list[int]:
    """Positions of the categorical features (for LightGBM's `categorical_feature`)."""
    return [i for i, f in enumerate(features) if f.kind == "categorical"]


def encode_frame(frame: pd.DataFrame, features: Sequence[FeatureSpec]) -> Matrix:
    """Encode a typed frame (as `data.load` returns) into a float64 matrix."""
    out = np.empty((len(frame), len(features)), dtype=np.float64)
    for position, feature in enumerate(features):
        column = frame[feature.name]
        if feature.kind == "categorical":
            codes = pd.Categorical(column, categories=list(feature.categories)).codes
            out[:, position] = codes
        else:
            out[:, position] = column.to_numpy(dtype=np.float64)
    return out


def target_vector(frame: pd.DataFrame) -> npt.NDArray[np.int64]:
    """`y` as 0/1 (1 = the positive label)."""
    positive = frame[SCHEMA.target.name].astype(str) == SCHEMA.target.positive
    return np.asarray(positive, dtype=np.int64)


def records_of(frame: pd.DataFrame) -> Iterable[Mapping[str, Any]]:
    """Rows of a typed frame as JSON-like dicts (what a scoring request carries)."""
    plain = frame.astype({c: object for c in frame.columns if frame[c].dtype == "category"})
    return [{str(k): v for k, v in row.items()} for row in plain.to_dict(orient="records")]

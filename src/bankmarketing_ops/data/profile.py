"""Summarise a valid data set: size, target balance, each column, leaks."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bankmarketing_ops.data.loading import is_typed, load
from bankmarketing_ops.data.models import (
    CategoricalProfile,
    DataProfile,
    LeakyColumnNote,
    NumericProfile,
    TargetBalance,
)
from bankmarketing_ops.data.schema import SCHEMA

__all__ = ["profile"]

_TOP_VALUES = 5


def profile(source: str | Path | pd.DataFrame) -> DataProfile:
    """Profile a data source: a typed frame from `load` as it is, anything else after `load`.

    Raises:
        DataNotFoundError: no file at `source`.
        DataValidationError: the data breaks the schema.
    """
    frame = source if isinstance(source, pd.DataFrame) and is_typed(source) else load(source)
    target = SCHEMA.target
    counts = frame[target.name].value_counts()
    balance = TargetBalance(
        counts={str(label): int(counts.get(label, 0)) for label in target.labels},
        positive_label=target.positive,
        positive_rate=float(counts.get(target.positive, 0)) / max(len(frame), 1),
    )
    numeric: list[NumericProfile] = []
    categorical: list[CategoricalProfile] = []
    for spec in SCHEMA.inputs:
        column = frame[spec.name]
        if spec.kind == "categorical":
            freq = column.value_counts()
            categorical.append(
                CategoricalProfile(
                    name=spec.name,
                    distinct=int((freq > 0).sum()),
                    top={str(k): int(v) for k, v in freq.head(_TOP_VALUES).items() if v > 0},
                    unknown_rate=float((column == "unknown").mean()),
                )
            )
        else:
            q25, q50, q75 = (float(q) for q in column.quantile([0.25, 0.5, 0.75]))
            numeric.append(
                NumericProfile(
                    name=spec.name,
                    kind=spec.kind,
                    minimum=float(column.min()),
                    maximum=float(column.max()),
                    mean=float(column.mean()),
                    std=float(column.std()),
                    p25=q25,
                    median=q50,
                    p75=q75,
                    distinct=int(column.nunique()),
                )
            )
    return DataProfile(
        source=str(frame.attrs.get("source", "<dataframe>")),
        format=frame.attrs.get("format", "dataframe"),
        rows=len(frame),
        columns=frame.shape[1],
        target=balance,
        numeric=numeric,
        categorical=categorical,
        duplicate_rows=int(frame.duplicated().sum()),
        leaky_columns=[
            LeakyColumnNote(name=spec.name, reason=spec.leak_reason or "")
            for spec in SCHEMA.inputs
            if spec.leaky
        ],
    )

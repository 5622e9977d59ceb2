"""Split helpers: stratified train/test, and features apart from the target."""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd

from bankmarketing_ops import _constants as C
from bankmarketing_ops.data.schema import LEAKY_COLUMNS, SCHEMA

__all__ = ["DataSplit", "split_features", "train_test_split"]


class DataSplit(NamedTuple):
    """A train and a test frame that never share a row."""

    train: pd.DataFrame
    test: pd.DataFrame


def train_test_split(
    frame: pd.DataFrame,
    *,
    test_size: float = C.DEFAULT_TEST_SIZE,
    seed: int = C.DEFAULT_SEED,
) -> DataSplit:
    """Split `frame` at random, keeping the share of `yes` equal in both parts.

    Raises:
        ValueError: `test_size` is not in (0, 1), or a part would lack a class.
    """
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must be between 0 and 1, got {test_size}")
    from sklearn.model_selection import train_test_split as sk_split  # slow import: lazy

    train, test = sk_split(
        frame, test_size=test_size, random_state=seed, stratify=frame[SCHEMA.target.name]
    )
    return DataSplit(train=train, test=test)


def split_features(
    frame: pd.DataFrame, *, drop_leaky: bool = False
) -> tuple[pd.DataFrame, pd.Series]:
    """Return `(X, y)`: the inputs in schema order (minus `LEAKY_COLUMNS` if asked) and `y`."""
    names = [n for n in SCHEMA.input_names if not (drop_leaky and n in LEAKY_COLUMNS)]
    return frame[names], frame[SCHEMA.target.name]

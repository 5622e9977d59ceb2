"""The model the Azure scoring scripts of the tests load: a small LightGBM classifier.

It behaves like the scikit-learn pipeline an AutoML run leaves behind — `classes_`,
`predict(frame)` → labels, `predict_proba(frame)` → one column per class in `classes_`
order — but is stored as LightGBM's text model and a JSON list of categories, so that
loading it runs no pickle. Unknown categories raise `ValueError` (the failure the tests
provoke on purpose).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import lightgbm
import numpy as np
import pandas as pd

MODEL_FILE = "booster.txt"
COLUMNS_FILE = "columns.json"


def encode(frame: pd.DataFrame, columns: list[dict[str, Any]]) -> np.ndarray:
    """The numeric matrix LightGBM reads: categories as their codes, in `columns` order."""
    encoded = []
    for column in columns:
        values = frame[column["name"]]
        if column["categories"] is not None:
            codes = {c: i for i, c in enumerate(column["categories"])}
            unknown = sorted(set(values) - set(codes))
            if unknown:
                raise ValueError(f"unknown value(s) {unknown} in column {column['name']!r}")
            values = values.map(codes)
        encoded.append(np.asarray(values, dtype=np.float64))
    return np.column_stack(encoded)


class BankModel:
    def __init__(self, booster: lightgbm.Booster, columns: list[dict[str, Any]]) -> None:
        self.booster = booster
        self.columns = columns
        self.classes_ = np.array(["no", "yes"])

    @classmethod
    def load(cls, directory: str | Path) -> BankModel:
        directory = Path(directory)
        booster = lightgbm.Booster(model_file=str(directory / MODEL_FILE))
        return cls(booster, json.loads((directory / COLUMNS_FILE).read_text()))

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        positive = self.booster.predict(encode(frame, self.columns))
        return np.column_stack([1.0 - positive, positive])

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        return self.classes_[(self.predict_proba(frame)[:, 1] >= 0.5).astype(int)]


def train(frame: pd.DataFrame, directory: Path) -> Path:
    """Fit on `frame` (the data set's schema, target `y`) and store the model in `directory`."""
    features = frame.drop(columns=["y"])
    columns = [
        {
            "name": name,
            "categories": [str(c) for c in features[name].cat.categories]
            if isinstance(features[name].dtype, pd.CategoricalDtype)
            else None,
        }
        for name in features.columns
    ]
    matrix = encode(features.astype(object), columns)
    target = (frame["y"].astype(str) == "yes").astype(int).to_numpy()
    booster = lightgbm.train(
        {"objective": "binary", "verbose": -1, "num_leaves": 15, "seed": 1},
        lightgbm.Dataset(matrix, target),
        num_boost_round=20,
    )
    directory.mkdir(parents=True, exist_ok=True)
    booster.save_model(str(directory / MODEL_FILE))
    (directory / COLUMNS_FILE).write_text(json.dumps(columns))
    return directory

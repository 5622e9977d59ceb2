"""An MLflow pyfunc model that serves the same LightGBM members as a bankmarketing_ops
model, the way a typical MLflow deployment does: a pandas frame in, codes from the
category lists, each booster's predict, the weighted mean. Used by the endpoint benchmark
only (it needs MLflow, which the package does not depend on)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import lightgbm
import numpy as np
import pandas as pd
from mlflow.pyfunc import PythonModel


class VotingLightGBM(PythonModel):  # type: ignore[misc]
    def load_context(self, context: Any) -> None:
        manifest = json.loads(Path(context.artifacts["manifest"]).read_text())
        self.features = manifest["features"]
        self.members = [
            (m["weight"], lightgbm.Booster(model_file=context.artifacts[m["file"]]))
            for m in manifest["members"]
        ]

    def predict(self, context: Any, model_input: pd.DataFrame, params: Any = None) -> Any:
        columns = []
        for feature in self.features:
            values = model_input[feature["name"]]
            if feature["kind"] == "categorical":
                values = pd.Categorical(values, categories=feature["categories"]).codes
            columns.append(np.asarray(values, dtype=np.float64))
        matrix = np.column_stack(columns)
        return sum(weight * booster.predict(matrix) for weight, booster in self.members)

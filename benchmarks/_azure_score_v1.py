"""A scoring script in the form of Azure AutoML's v1 template, for the endpoint benchmark:
served by Azure's own scoring server (`azmlinfsrv`) over the same LightGBM members as the
other servers. As AutoML's script does: inference_schema turns the records into a pandas
DataFrame, the model predicts, the labels go back as `json.dumps({"result": [...]})`.
The model part is what the MLflow wrapper does (category codes, each booster's predict,
the weighted mean), so the servers differ in their serving stack only."""

import json
import os
from pathlib import Path

import lightgbm
import numpy as np
import pandas as pd
from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType
from inference_schema.parameter_types.pandas_parameter_type import PandasParameterType
from inference_schema.schema_decorators import input_schema, output_schema

from bankmarketing_ops.data import SCHEMA

features = None
members = None


def init():
    global features, members
    model_dir = Path(os.environ["AZUREML_MODEL_DIR"])
    manifest = json.loads((model_dir / "model.json").read_text())
    features = manifest["features"]
    members = [
        (m["weight"], lightgbm.Booster(model_file=str(model_dir / m["file"])))
        for m in manifest["members"]
    ]


def _p_yes(frame):
    columns = []
    for feature in features:
        values = frame[feature["name"]]
        if feature["kind"] == "categorical":
            values = pd.Categorical(values, categories=feature["categories"]).codes
        columns.append(np.asarray(values, dtype=np.float64))
    matrix = np.column_stack(columns)
    return sum(weight * booster.predict(matrix) for weight, booster in members)


@input_schema("data", PandasParameterType(pd.DataFrame([SCHEMA.example_row()])))
@output_schema(NumpyParameterType(np.array([0])))
def run(data):
    try:
        labels = np.where(_p_yes(data) >= 0.5, "yes", "no")
        return json.dumps({"result": labels.tolist()})
    except Exception as error:
        return json.dumps({"error": str(error)})

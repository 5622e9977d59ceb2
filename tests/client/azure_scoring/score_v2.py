"""A scoring script in the form of AutoML's current template (`scoring_file_v_2_0_0`).

`run(Inputs, GlobalParameters)`: the records under `Inputs.data`, the method under
`GlobalParameters.method`; the answer is `{"Results": [...]}` — labels for `predict`, one
row `[P(no), P(yes)]` per record (the model's `classes_` order) for `predict_proba`.
Failures are not caught: the server answers them with its 500.
"""

import os

import numpy as np
from _sample import frame
from bank_model import BankModel
from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType
from inference_schema.parameter_types.pandas_parameter_type import PandasParameterType
from inference_schema.parameter_types.standard_py_parameter_type import (
    StandardPythonParameterType,
)
from inference_schema.schema_decorators import input_schema, output_schema

model = None


def init():
    global model
    model = BankModel.load(os.environ["AZUREML_MODEL_DIR"])


@input_schema("Inputs", StandardPythonParameterType({"data": PandasParameterType(frame())}))
@input_schema(
    "GlobalParameters",
    StandardPythonParameterType({"method": StandardPythonParameterType("predict")}),
    convert_to_provided_type=False,
)
@output_schema(StandardPythonParameterType({"Results": NumpyParameterType(np.array(["no"]))}))
def run(Inputs, GlobalParameters={"method": "predict"}):  # noqa: B006 (the template's names)
    method = GlobalParameters.get("method", "predict")
    if method == "predict_proba":
        result = model.predict_proba(Inputs["data"])
    elif method == "predict":
        result = model.predict(Inputs["data"])
    else:
        raise ValueError(f"method must be predict or predict_proba, not {method!r}")
    return {"Results": result.tolist()}

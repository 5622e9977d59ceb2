"""A scoring script in the form of AutoML's first template (`scoring_file_v_1_0_0`).

`run(data)` takes the records as a DataFrame, ignores any `method`, and answers the JSON
text of `{"result": [...labels...]}` — which the server encodes once more, so the body is a
JSON string. A failure of the model is caught and answered the same way, as
`{"error": "..."}` with status 200.
"""

import json
import os

import numpy as np
from _sample import frame
from bank_model import BankModel
from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType
from inference_schema.parameter_types.pandas_parameter_type import PandasParameterType
from inference_schema.schema_decorators import input_schema, output_schema

model = None


def init():
    global model
    model = BankModel.load(os.environ["AZUREML_MODEL_DIR"])


@input_schema("data", PandasParameterType(frame()))
@output_schema(NumpyParameterType(np.array([0])))
def run(data):
    try:
        labels = model.predict(data)
        return json.dumps({"result": labels.tolist()})
    except Exception as error:
        return json.dumps({"error": str(error)})

"""The FLAML learners we add to its own: LightGBM with DART boosting, CatBoost on native
categoricals, and a regularized logistic regression on one-hot categories.

All read the float matrix of `ml.features` (categories as schema codes), like every
other learner, so the search, the cross-validation and the scorer see one input format.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from bankmarketing_ops.ml.features import FeatureSpec, categorical_indices

__all__ = [
    "CUSTOM_LEARNERS",
    "LIGHTGBM_LEARNERS",
    "LinearTerms",
    "catboost_frame",
    "estimator_class",
    "is_onehot_logistic",
    "linear_terms",
]

#: Learner names that are ours, not FLAML's.
CUSTOM_LEARNERS: Final = ("lgbm_dart", "catboost_native", "logistic_onehot")
#: The learners that fit a LightGBM model (and are told which columns are categories).
LIGHTGBM_LEARNERS: Final = ("lgbm", "lgbm_dart")


def estimator_class(learner: str, features: Sequence[FeatureSpec]) -> Any:
    """The FLAML estimator class behind a learner name (ours or FLAML's)."""
    if learner == "lgbm_dart":
        return _dart_class()
    if learner == "catboost_native":
        return _catboost_class(categorical_indices(features))
    if learner == "logistic_onehot":
        return _logistic_class(features)
    from flaml.automl.task.factory import task_factory

    task = task_factory("classification", np.zeros((2, 1)), np.array([0, 1]))
    return task.estimator_class_from_str(learner)


# --- LightGBM with DART -------------------------------------------------------------------
#: DART recomputes the trees it drops at every round, so a fit costs about the square of
#: its rounds: 445 rounds took 17 s a trial on this data set's 3 folds, 3 times what 300
#: take, and a 1-minute search overran its budget by the difference.
_DART_MAX_ROUNDS: Final = 300


def _dart_class() -> Any:
    from flaml import tune
    from flaml.automl.model import LGBMEstimator

    class DartLightGBM(LGBMEstimator):  # type: ignore[misc]
        """LightGBM boosting with dropouts (DART): each round is fitted with a random
        share of the earlier trees left out, so no few trees dominate. Its model is
        plain trees, stored, scored and compiled like any LightGBM member."""

        @classmethod
        def search_space(cls, data_size: Any, **params: Any) -> dict[str, Any]:
            space: dict[str, Any] = super().search_space(data_size, **params)
            space["n_estimators"] = {
                "domain": tune.lograndint(lower=20, upper=_DART_MAX_ROUNDS),
                "init_value": 100,
                "low_cost_init_value": 20,
            }
            space["learning_rate"] = {
                "domain": tune.loguniform(lower=0.02, upper=0.5),
                "init_value": 0.1,
            }
            return space

        @classmethod
        def cost_relative2lgbm(cls) -> float:
            return 3.0

        def __init__(self, task: Any = "binary", **config: Any) -> None:
            super().__init__(task, **config)
            self.params["boosting_type"] = "dart"

    return DartLightGBM


# --- CatBoost --------------------------------------------------------------------------
def catboost_frame(matrix: npt.NDArray[np.float64], categorical: Sequence[int]) -> pd.DataFrame:
    """The encoded matrix as CatBoost reads it: category codes as integer columns."""
    frame = pd.DataFrame(matrix, columns=[str(i) for i in range(matrix.shape[1])])
    for position in categorical:
        frame[str(position)] = matrix[:, position].astype(np.int64)
    return frame


def _catboost_class(categorical: list[int]) -> Any:
    from flaml.automl.model import CatBoostEstimator

    class NativeCatBoost(CatBoostEstimator):  # type: ignore[misc]
        """FLAML's CatBoost, told which columns are categories (FLAML only sees floats)."""

        def __init__(self, task: Any = "binary", **config: Any) -> None:
            super().__init__(task, **config)
            self.params["allow_writing_files"] = False

        def _preprocess(self, X: Any) -> Any:
            if isinstance(X, np.ndarray):
                frame = catboost_frame(X, categorical)
                for position in categorical:
                    frame[str(position)] = frame[str(position)].astype("category")
                return frame
            return super()._preprocess(X)

    return NativeCatBoost


# --- logistic regression on one-hot categories ------------------------------------------
def _logistic_class(features: Sequence[FeatureSpec]) -> Any:
    from flaml import tune
    from flaml.automl.model import SKLearnEstimator

    def build(C: float = 1.0, **_: Any) -> Any:
        return _onehot_logistic(features, C=C)

    class OneHotLogisticRegression(SKLearnEstimator):  # type: ignore[misc]
        """L2-regularized logistic regression; categories one-hot, numbers standardized."""

        @classmethod
        def search_space(cls, data_size: Any, task: Any, **params: Any) -> dict[str, Any]:
            return {"C": {"domain": tune.loguniform(lower=0.001, upper=100.0), "init_value": 1.0}}

        @classmethod
        def cost_relative2lgbm(cls) -> float:
            return 2.0

        def __init__(self, task: Any = "binary", **config: Any) -> None:
            super().__init__(task, **config)
            self.estimator_class = build

    return OneHotLogisticRegression


def _onehot_logistic(features: Sequence[FeatureSpec], *, C: float) -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    categorical = categorical_indices(features)
    numeric = [i for i in range(len(features)) if i not in categorical]
    encode = ColumnTransformer(
        [
            (
                "onehot",
                OneHotEncoder(
                    categories=[
                        [float(c) for c in range(len(features[i].categories))] for i in categorical
                    ],
                    handle_unknown="ignore",
                ),
                categorical,
            ),
            ("scale", StandardScaler(), numeric),
        ]
    )
    model = LogisticRegression(C=C, max_iter=2000)
    return Pipeline([("encode", encode), ("logistic", model)])


def is_onehot_logistic(estimator: Any) -> bool:
    """Whether `estimator` is the fitted pipeline `logistic_onehot` builds."""
    steps = getattr(estimator, "named_steps", None)
    return isinstance(steps, dict) and set(steps) == {"encode", "logistic"}


class LinearTerms:
    """A fitted one-hot logistic regression, reduced to its arithmetic.

    logit = intercept + Σ numeric weight·x + Σ table[code] per categorical input.
    """

    def __init__(
        self,
        intercept: float,
        numeric: dict[int, float],
        categorical: dict[int, list[float]],
        width: int,
    ) -> None:
        self.intercept = intercept
        self.numeric = numeric
        self.categorical = categorical
        self.width = width

    def to_json(self) -> dict[str, Any]:
        return {
            "intercept": self.intercept,
            "width": self.width,
            "numeric": {str(k): v for k, v in self.numeric.items()},
            "categorical": {str(k): v for k, v in self.categorical.items()},
        }

    @classmethod
    def from_json(cls, values: dict[str, Any]) -> LinearTerms:
        return cls(
            float(values["intercept"]),
            {int(k): float(v) for k, v in values["numeric"].items()},
            {int(k): [float(w) for w in v] for k, v in values["categorical"].items()},
            int(values["width"]),
        )


def linear_terms(pipeline: Any) -> LinearTerms:
    """Fold the scaler and the one-hot columns of a fitted pipeline into `LinearTerms`."""
    encode, logistic = pipeline.named_steps["encode"], pipeline.named_steps["logistic"]
    coef = np.asarray(logistic.coef_[0], dtype=np.float64)
    intercept = float(logistic.intercept_[0])
    onehot, cat_columns = encode.named_transformers_["onehot"], encode.transformers_[0][2]
    scaler, num_columns = encode.named_transformers_["scale"], encode.transformers_[1][2]
    categorical: dict[int, list[float]] = {}
    offset = 0
    for column, categories in zip(cat_columns, onehot.categories_, strict=True):
        categorical[int(column)] = [float(w) for w in coef[offset : offset + len(categories)]]
        offset += len(categories)
    numeric: dict[int, float] = {}
    for j, column in enumerate(num_columns):
        scale = float(scaler.scale_[j])
        weight = float(coef[offset + j]) / scale
        numeric[int(column)] = weight
        intercept -= weight * float(scaler.mean_[j])
    return LinearTerms(intercept, numeric, categorical, encode.n_features_in_)

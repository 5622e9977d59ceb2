"""Model families by their Azure AutoML names, and the FLAML learners behind them."""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from typing import Any, Final, Literal

from bankmarketing_ops._exceptions import MissingExtraError

__all__ = [
    "AZURE_FAMILIES",
    "DEFAULT_FAMILIES",
    "MODEL_FAMILIES",
    "ModelFamily",
    "family_of",
    "learners_of",
    "tree_count",
]

ModelFamily = Literal[
    "LightGBM",
    "XGBoostClassifier",
    "CatBoost",
    "RandomForest",
    "ExtremeRandomTrees",
    "LogisticRegression",
]
MODEL_FAMILIES: Final[tuple[ModelFamily, ...]] = (
    "LightGBM",
    "XGBoostClassifier",
    "CatBoost",
    "RandomForest",
    "ExtremeRandomTrees",
    "LogisticRegression",
)
#: The families Azure AutoML also has, under the same names (Azure has no CatBoost).
AZURE_FAMILIES: Final[frozenset[ModelFamily]] = frozenset(
    {"LightGBM", "XGBoostClassifier", "RandomForest", "ExtremeRandomTrees", "LogisticRegression"}
)
#: Searched unless `allowed_models` says otherwise. Chosen by measurement (the AutoML
#: guide has the figures): within 2 minutes on 2 cores, adding CatBoost or the logistic
#: regression did not raise the AUC on unseen rows.
DEFAULT_FAMILIES: Final[tuple[ModelFamily, ...]] = ("LightGBM", "XGBoostClassifier")
_LEARNERS: Final[dict[ModelFamily, tuple[str, ...]]] = {
    "LightGBM": ("lgbm", "lgbm_dart"),
    "XGBoostClassifier": ("xgboost", "xgb_limitdepth"),
    "CatBoost": ("catboost_native",),
    "RandomForest": ("rf",),
    "ExtremeRandomTrees": ("extra_tree",),
    "LogisticRegression": ("logistic_onehot",),
}


def learners_of(families: tuple[ModelFamily, ...]) -> list[str]:
    """FLAML learner names that search the given families.

    Raises:
        MissingExtraError: CatBoost is asked for without the `[catboost]` extra.
    """
    if "CatBoost" in families and importlib.util.find_spec("catboost") is None:
        raise MissingExtraError("catboost", missing="catboost")
    return [learner for family in families for learner in _LEARNERS[family]]


def family_of(learner: str) -> ModelFamily:
    """The Azure family name of a FLAML learner."""
    for family, learners in _LEARNERS.items():
        if learner in learners:
            return family
    raise KeyError(learner)


def tree_count(learner: str, hyperparameters: Mapping[str, Any]) -> int:
    """How many trees a trial's model holds (its boosting rounds, or its forest's size):
    what its scoring time grows with. 0 for the logistic regression."""
    if learner == "logistic_onehot":
        return 0
    return round(float(hyperparameters.get("n_estimators", 0)))

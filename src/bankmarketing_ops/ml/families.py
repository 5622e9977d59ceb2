"""Model families by their Azure AutoML names, and the FLAML learners behind them."""

from __future__ import annotations

from typing import Final, Literal

__all__ = ["DEFAULT_FAMILIES", "MODEL_FAMILIES", "ModelFamily", "family_of", "learners_of"]

ModelFamily = Literal["LightGBM", "XGBoostClassifier", "RandomForest", "ExtremeRandomTrees"]
MODEL_FAMILIES: Final[tuple[ModelFamily, ...]] = (
    "LightGBM",
    "XGBoostClassifier",
    "RandomForest",
    "ExtremeRandomTrees",
)
#: Searched unless `allowed_models` says otherwise.
DEFAULT_FAMILIES: Final[tuple[ModelFamily, ...]] = ("LightGBM", "XGBoostClassifier")
_LEARNERS: Final[dict[ModelFamily, tuple[str, ...]]] = {
    "LightGBM": ("lgbm",),
    "XGBoostClassifier": ("xgboost", "xgb_limitdepth"),
    "RandomForest": ("rf",),
    "ExtremeRandomTrees": ("extra_tree",),
}


def learners_of(families: tuple[ModelFamily, ...]) -> list[str]:
    """FLAML learner names that search the given families."""
    return [learner for family in families for learner in _LEARNERS[family]]


def family_of(learner: str) -> ModelFamily:
    """The Azure family name of a FLAML learner."""
    for family, learners in _LEARNERS.items():
        if learner in learners:
            return family
    raise KeyError(learner)

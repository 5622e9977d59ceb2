"""Accept models people trained themselves, if they read the schema the way we do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bankmarketing_ops._exceptions import ModelArtifactError
from bankmarketing_ops.data.schema import SCHEMA
from bankmarketing_ops.ml.artifacts import InputKind
from bankmarketing_ops.ml.features import FeatureSpec, feature_specs

__all__ = ["UserModel", "inspect_user_model"]


@dataclass(frozen=True)
class UserModel:
    estimator: Any
    family: str
    features: tuple[FeatureSpec, ...]
    input_kind: InputKind


def inspect_user_model(estimator: Any) -> UserModel:
    """Work out what a user's model reads, or say why it cannot be registered.

    LightGBM and XGBoost models must have been trained on the frame `data.load` returns
    (all 20 inputs, or the 19 without `duration`), so that their category codes are the
    schema's. Any other scikit-learn estimator with `predict_proba` (a pipeline with its
    own preprocessing, say) is stored with skops and fed the typed frame.
    """
    module = type(estimator).__module__.split(".")[0]
    family = type(estimator).__name__
    if module in ("lightgbm", "xgboost"):
        names = _native_feature_names(estimator, module)
        features = _match_features(names, family)
        if module == "lightgbm":
            _check_lightgbm_categories(estimator, features)
        return UserModel(estimator, family, features, "encoded")
    if not hasattr(estimator, "predict_proba"):
        raise ModelArtifactError(
            f"a {family} has no predict_proba; register a classifier that gives probabilities"
        )
    names = [str(n) for n in getattr(estimator, "feature_names_in_", SCHEMA.input_names)]
    unknown = [n for n in names if n not in SCHEMA.input_names]
    if unknown:
        raise ModelArtifactError(f"the model reads columns outside the schema: {unknown}")
    by_name = {f.name: f for f in feature_specs()}
    return UserModel(estimator, family, tuple(by_name[n] for n in names), "frame")


def _native_feature_names(estimator: Any, module: str) -> list[str]:
    if module == "lightgbm":
        booster = getattr(estimator, "booster_", estimator)
        return [str(n) for n in booster.feature_name()]
    booster = estimator.get_booster() if hasattr(estimator, "get_booster") else estimator
    return [str(n) for n in (booster.feature_names or [])]


def _match_features(names: list[str], family: str) -> tuple[FeatureSpec, ...]:
    for drop_leaky in (False, True):
        features = feature_specs(drop_leaky=drop_leaky)
        if names == [f.name for f in features]:
            return features
    raise ModelArtifactError(
        f"the {family} was trained on columns {names}; train it on the frame data.load() "
        "returns (the 20 inputs in schema order, or the 19 without 'duration')"
    )


def _check_lightgbm_categories(estimator: Any, features: tuple[FeatureSpec, ...]) -> None:
    booster = getattr(estimator, "booster_", estimator)
    seen = booster.pandas_categorical
    expected = [list(f.categories) for f in features if f.kind == "categorical"]
    if seen is not None and [list(c) for c in seen] != expected:
        raise ModelArtifactError(
            "the LightGBM model's category codes differ from the schema's; train it on the "
            "frame data.load() returns, whose categoricals carry every allowed value"
        )

"""Models round-trip through their native formats and predict exactly as before."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import lightgbm
import numpy as np
import pandas as pd
import pytest
import xgboost
from sklearn.compose import make_column_transformer
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from bankmarketing_ops import ModelArtifactError, data
from bankmarketing_ops.ml.artifacts import MANIFEST_NAME, Member, load_model, save_model
from bankmarketing_ops.ml.features import (
    categorical_indices,
    encode_frame,
    feature_specs,
    target_vector,
)
from bankmarketing_ops.ml.learners import catboost_frame, estimator_class

FEATURES = feature_specs()


@pytest.fixture(scope="module")
def training() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    frame = data.synthetic(2_000, seed=8)
    x = encode_frame(frame, FEATURES)
    return x[:1_500], target_vector(frame)[:1_500], x[1_500:]


def _fitted(kind: str, x: np.ndarray, y: np.ndarray) -> Any:
    if kind == "lightgbm":
        return lightgbm.LGBMClassifier(n_estimators=40, verbose=-1).fit(
            x, y, categorical_feature=categorical_indices(FEATURES)
        )
    if kind == "xgboost":
        return xgboost.XGBClassifier(n_estimators=40, max_depth=4).fit(x, y)
    if kind == "forest":
        return RandomForestClassifier(n_estimators=25, max_leaf_nodes=40, random_state=0).fit(x, y)
    if kind == "dart":
        learner = estimator_class("lgbm_dart", FEATURES)(n_estimators=40)
        learner.fit(x, y, categorical_feature=categorical_indices(FEATURES))
        return learner.model
    if kind == "catboost":
        learner = estimator_class("catboost_native", FEATURES)(n_estimators=30, learning_rate=0.3)
        learner.fit(x, y)
        return learner.model
    if kind == "logistic":
        learner = estimator_class("logistic_onehot", FEATURES)(C=0.5)
        learner.fit(x, y)
        return learner.model
    return ExtraTreesClassifier(n_estimators=25, random_state=0).fit(x, y)


def _expected(kind: str, model: Any, x: np.ndarray) -> np.ndarray:
    """P(yes) from the library itself, fed the way it was trained."""
    if kind == "catboost":
        return np.asarray(
            model.predict_proba(catboost_frame(x, categorical_indices(FEATURES)))[:, 1]
        )
    return np.asarray(model.predict_proba(x)[:, 1])


@pytest.mark.parametrize(
    "kind", ["lightgbm", "dart", "xgboost", "catboost", "logistic", "forest", "extra_trees"]
)
def test_round_trip_predicts_identically(
    tmp_path: Path, training: tuple[np.ndarray, np.ndarray, np.ndarray], kind: str
) -> None:
    x, y, x_new = training
    model = _fitted(kind, x, y)
    manifest = save_model(tmp_path / "m", [Member(model, kind)], features=FEATURES)
    assert manifest.model_type == kind
    if kind == "dart":  # stored as the LightGBM model it is
        assert "[boosting: dart]" in (tmp_path / "m" / "member-0.lgbm.txt").read_text()
    loaded = load_model(tmp_path / "m")
    expected = _expected(kind, model, x_new)
    assert np.allclose(loaded.predict_proba_matrix(x_new), expected, atol=1e-7, rtol=0)
    for row in (3, 17, 42):  # the one-row paths (LightGBM's, Treelite's, arithmetic)
        assert loaded.predict_one(x_new[row].tolist()) == pytest.approx(expected[row], abs=1e-7)


def test_catboost_and_logistic_regression_are_stored_without_pickle(
    tmp_path: Path, training: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> None:
    x, y, _ = training
    members = [
        Member(_fitted("catboost", x, y), "CatBoost"),
        Member(_fitted("logistic", x, y), "LogisticRegression"),
    ]
    save_model(tmp_path / "m", members, features=FEATURES)
    names = sorted(p.name for p in (tmp_path / "m").iterdir())
    assert names == ["member-0.cbm", "member-1.linear.json", MANIFEST_NAME]
    assert (tmp_path / "m" / "member-0.cbm").read_bytes()[:4] == b"CBM1"  # CatBoost's format
    weights = json.loads((tmp_path / "m" / "member-1.linear.json").read_text())
    assert len(weights["categorical"]["1"]) == len(FEATURES[1].categories)  # job, one-hot


def test_files_are_native_formats_not_pickle(
    tmp_path: Path, training: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> None:
    x, y, _ = training
    members = [
        Member(_fitted("lightgbm", x, y), "LightGBM", 2.0),
        Member(_fitted("xgboost", x, y), "XGBoostClassifier", 1.0),
    ]
    save_model(tmp_path / "m", members, features=FEATURES)
    names = sorted(p.name for p in (tmp_path / "m").iterdir())
    assert names == ["member-0.lgbm.txt", "member-1.xgb.json", MANIFEST_NAME]
    assert (tmp_path / "m" / "member-0.lgbm.txt").read_text().startswith("tree")
    json.loads((tmp_path / "m" / "member-1.xgb.json").read_text())
    manifest = json.loads((tmp_path / "m" / MANIFEST_NAME).read_text())
    assert [m["weight"] for m in manifest["members"]] == pytest.approx([2 / 3, 1 / 3])


def test_an_ensemble_averages_its_members_by_weight(
    tmp_path: Path, training: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> None:
    x, y, x_new = training
    first, second = _fitted("lightgbm", x, y), _fitted("xgboost", x, y)
    save_model(tmp_path / "m", [Member(first, "a", 3), Member(second, "b", 1)], features=FEATURES)
    loaded = load_model(tmp_path / "m")
    expected = 0.75 * first.predict_proba(x_new)[:, 1] + 0.25 * second.predict_proba(x_new)[:, 1]
    assert loaded.manifest.model_type == "VotingEnsemble"
    assert np.allclose(loaded.predict_proba_matrix(x_new), expected, atol=1e-7)


def test_a_pipeline_over_the_typed_frame(tmp_path: Path, small_frame: pd.DataFrame) -> None:
    x = small_frame[list(data.INPUT_COLUMNS)]
    pipeline = make_pipeline(
        make_column_transformer(
            (OneHotEncoder(handle_unknown="ignore"), list(data.CATEGORICAL_COLUMNS)),
            remainder=StandardScaler(),
        ),
        LogisticRegression(max_iter=5_000, C=0.1),
    ).fit(x, small_frame["y"])
    save_model(
        tmp_path / "m", [Member(pipeline, "Pipeline")], features=FEATURES, input_kind="frame"
    )
    loaded = load_model(tmp_path / "m")
    assert np.allclose(loaded.predict_proba_frame(small_frame), pipeline.predict_proba(x)[:, 1])


def _custom_code(values: np.ndarray) -> np.ndarray:
    """Stands for any function of the user's: loading it would run their code."""
    return values / 2


def test_code_outside_scikit_learn_is_refused_on_load(
    tmp_path: Path, training: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> None:
    x, y, _ = training
    risky = make_pipeline(FunctionTransformer(_custom_code), StandardScaler(), LogisticRegression())
    risky.fit(x, y)
    save_model(tmp_path / "m", [Member(risky, "Pipeline")], features=FEATURES)
    with pytest.raises(ModelArtifactError, match="refusing"):
        load_model(tmp_path / "m")


def test_unreadable_or_newer_manifests_are_clear_errors(
    tmp_path: Path, training: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> None:
    with pytest.raises(ModelArtifactError, match="cannot read"):
        load_model(tmp_path)
    x, y, _ = training
    save_model(tmp_path / "m", [Member(_fitted("lightgbm", x, y), "LightGBM")], features=FEATURES)
    manifest = json.loads((tmp_path / "m" / MANIFEST_NAME).read_text())
    manifest["format_version"] = 99
    (tmp_path / "m" / MANIFEST_NAME).write_text(json.dumps(manifest))
    with pytest.raises(ModelArtifactError, match="upgrade"):
        load_model(tmp_path / "m")


def test_a_damaged_member_file_is_named(
    tmp_path: Path, training: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> None:
    x, y, _ = training
    save_model(tmp_path / "m", [Member(_fitted("lightgbm", x, y), "LightGBM")], features=FEATURES)
    (tmp_path / "m" / "member-0.lgbm.txt").write_text("not a model")
    with pytest.raises(ModelArtifactError, match=r"member-0\.lgbm\.txt"):
        load_model(tmp_path / "m")

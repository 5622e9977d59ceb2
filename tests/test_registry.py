"""ModelRegistry with models people trained themselves, measured the same way as AutoML's."""

from __future__ import annotations

from pathlib import Path

import lightgbm
import numpy as np
import pandas as pd
import pytest
import xgboost
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from bankmarketing_ops import (
    DataValidationError,
    ModelArtifactError,
    ModelRegistry,
    ReferenceProfile,
    TrainingRun,
    Workspace,
    data,
)
from bankmarketing_ops.ml.features import records_of
from bankmarketing_ops.ml.metrics import compute_metrics


@pytest.fixture(scope="module")
def split() -> data.DataSplit:
    return data.train_test_split(data.synthetic(2_500, seed=12), seed=0)


@pytest.fixture
def registry(tmp_path: Path) -> ModelRegistry:
    return ModelRegistry(Workspace.local(tmp_path))


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    return [dict(r) for r in records_of(frame.drop(columns=["y"]))]


def test_a_lightgbm_trained_on_the_typed_frame(
    registry: ModelRegistry, split: data.DataSplit
) -> None:
    x, y = data.split_features(split.train)
    model = lightgbm.LGBMClassifier(n_estimators=60, verbose=-1).fit(x, y)
    version = registry.register_model(
        model, name="hand-made", test_data=split.test, train_data=split.train, tags={"by": "me"}
    )
    x_test, y_test = data.split_features(split.test)
    expected = model.predict_proba(x_test)[:, 1]
    assert version.training.origin == "user"
    assert version.model_type == "LGBMClassifier"
    assert version.metrics == compute_metrics((y_test == "yes").to_numpy(np.int64), expected)
    assert version.baseline_metrics is not None
    scorer = registry.load_scorer("hand-made")
    assert np.allclose(scorer.predict_proba(_records(split.test)), expected, atol=1e-9)
    # The drift monitor's reference: the training inputs, held-out scores, test metrics.
    reference = ReferenceProfile.model_validate_json(
        (Path(version.path) / "reference.json").read_text()
    )
    assert reference.rows == len(split.train)
    assert reference.metrics == version.metrics
    assert reference.scores is not None
    assert reference.scores.rows == len(split.test)


def test_an_xgboost_without_duration(registry: ModelRegistry, split: data.DataSplit) -> None:
    x, y = data.split_features(split.train, drop_leaky=True)
    model = xgboost.XGBClassifier(n_estimators=40, enable_categorical=True, tree_method="hist")
    model.fit(x, (y == "yes").astype(int))
    version = registry.register_model(model, name="xgb", test_data=split.test)
    # Without train_data the test inputs stand in as the reference.
    reference = ReferenceProfile.model_validate_json(
        (Path(version.path) / "reference.json").read_text()
    )
    assert reference.rows == len(split.test)
    assert [f.name for f in version.input_schema] == [
        c for c in data.INPUT_COLUMNS if c != "duration"
    ]
    x_test, _ = data.split_features(split.test, drop_leaky=True)
    scorer = registry.load_scorer("xgb")
    assert np.allclose(
        scorer.predict_proba(_records(split.test)), model.predict_proba(x_test)[:, 1], atol=1e-6
    )


def test_a_scikit_learn_pipeline_reads_the_frame(
    registry: ModelRegistry, split: data.DataSplit
) -> None:
    x, y = data.split_features(split.train)
    pipeline = make_pipeline(
        make_column_transformer(
            (OneHotEncoder(handle_unknown="ignore"), list(data.CATEGORICAL_COLUMNS)),
            remainder=StandardScaler(),
        ),
        LogisticRegression(max_iter=5_000),
    ).fit(x, y)
    version = registry.register_model(pipeline, name="logreg", test_data=split.test)
    assert version.input_kind == "frame"
    x_test, _ = data.split_features(split.test)
    scorer = registry.load_scorer("logreg")
    assert np.allclose(
        scorer.predict_proba(_records(split.test)), pipeline.predict_proba(x_test)[:, 1], atol=1e-9
    )


def test_a_model_trained_on_other_columns_is_refused(
    registry: ModelRegistry, split: data.DataSplit
) -> None:
    x, y = data.split_features(split.train)
    model = lightgbm.LGBMClassifier(n_estimators=5, verbose=-1).fit(x.iloc[:, :5], y)
    with pytest.raises(ModelArtifactError, match=r"data\.load"):
        registry.register_model(model, name="partial", test_data=split.test)
    assert registry.list() == []


def test_a_model_without_probabilities_is_refused(
    registry: ModelRegistry, split: data.DataSplit
) -> None:
    from sklearn.svm import LinearSVC

    x, y = data.split_features(split.train)
    model = LinearSVC().fit(x[list(data.INTEGER_COLUMNS)], y)
    with pytest.raises(ModelArtifactError, match="predict_proba"):
        registry.register_model(model, name="svm", test_data=split.test)


def test_invalid_test_data_is_refused(registry: ModelRegistry, split: data.DataSplit) -> None:
    x, y = data.split_features(split.train)
    model = lightgbm.LGBMClassifier(n_estimators=5, verbose=-1).fit(x, y)
    broken = split.test.drop(columns=["y"])
    with pytest.raises(DataValidationError):
        registry.register_model(model, name="m", test_data=broken)


def test_hand_made_and_automl_versions_compare_on_one_scale(
    registry: ModelRegistry, trained_run: TrainingRun
) -> None:
    automl = registry.register_run(trained_run, name="bank")
    assert automl.training.origin == "automl"
    assert automl.metrics is not None
    assert automl.metrics.rows == trained_run.test_rows
    assert registry.load_scorer("bank").model.manifest.model_type == trained_run.best.model_type

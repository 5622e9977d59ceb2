"""Models on the real file: the compiled scorer reproduces the trained model on every row."""

from __future__ import annotations

from pathlib import Path

import lightgbm
import numpy as np
import pandas as pd
import pytest

from bankmarketing_ops import AutoMLTrainer, ModelRegistry, Workspace, data
from bankmarketing_ops.ml.artifacts import load_model
from bankmarketing_ops.ml.features import records_of

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def real(real_data_path: Path) -> pd.DataFrame:
    return data.load(real_data_path)


@pytest.fixture(scope="module")
def real_records(real: pd.DataFrame) -> list[dict[str, object]]:
    return [dict(r) for r in records_of(real.drop(columns=["y"]))]


def test_scorer_equals_the_trained_lightgbm_on_the_whole_file(
    tmp_path: Path, real: pd.DataFrame, real_records: list[dict[str, object]]
) -> None:
    split = data.train_test_split(real, seed=0)
    x, y = data.split_features(split.train)
    model = lightgbm.LGBMClassifier(verbose=-1, random_state=0).fit(x, y)
    registry = ModelRegistry(Workspace.local(tmp_path))
    version = registry.register_model(
        model, name="lgbm", test_data=split.test, train_data=split.train
    )
    assert version.metrics is not None
    # a default LightGBM reaches ~0.946–0.949 here (docs/architecture.md, "The data")
    assert version.metrics.AUC_weighted > 0.94

    x_all, _ = data.split_features(real)
    expected = model.predict_proba(x_all)[:, 1]
    scores = registry.load_scorer("lgbm").score(real_records)
    assert len(scores.labels) == 32_950
    assert np.abs(np.array(scores.probabilities) - expected).max() <= 1e-6
    assert scores.labels == [("yes" if label == "yes" else "no") for label in model.predict(x_all)]


def test_automl_run_on_the_real_file_scores_the_same_everywhere(
    tmp_path: Path, real: pd.DataFrame, real_records: list[dict[str, object]]
) -> None:
    workspace = Workspace.local(tmp_path)
    run = AutoMLTrainer(
        workspace, experiment_timeout_minutes=0.25, allowed_models=("LightGBM", "XGBoostClassifier")
    ).train(real)
    assert run.data_sha256 == real.attrs["sha256"]
    assert run.metrics.AUC_weighted > 0.93
    version = ModelRegistry(workspace).register_run(run, name="bank")
    stored = load_model(Path(version.path) / "model").predict_proba_frame(real)
    scores = ModelRegistry(workspace).load_scorer("bank").predict_proba(real_records)
    assert np.abs(scores - stored).max() <= 1e-9
    one_by_one = [
        ModelRegistry(workspace).load_scorer("bank").predict_proba([r])[0]
        for r in real_records[:200]
    ]
    # one record takes other paths (LightGBM's single-row call, Treelite for XGBoost) that
    # sum the same float32 leaves in another order: equal to float32 precision
    assert np.abs(np.array(one_by_one) - stored[:200]).max() <= 1e-7

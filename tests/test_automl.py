"""AutoMLTrainer end to end on synthetic data (short budgets)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from bankmarketing_ops import (
    AutoMLTrainer,
    BudgetTooSmallError,
    ConfigurationError,
    DataValidationError,
    ModelRegistry,
    Scorer,
    TrainingCanceledError,
    TrainingRun,
    Workspace,
    data,
)
from bankmarketing_ops.backends.local import automl as local_automl
from bankmarketing_ops.ml.artifacts import load_model
from bankmarketing_ops.ml.families import tree_count
from bankmarketing_ops.ml.features import records_of


def test_a_run_has_iterations_a_best_model_metrics_and_plots(trained_run: TrainingRun) -> None:
    run = trained_run
    assert len(run.iterations) >= 5
    assert {it.family for it in run.iterations} == {"LightGBM", "XGBoostClassifier"}  # defaults
    assert all(0 < it.validation_score <= 1 for it in run.iterations)
    # ranked on 3 stratified folds (Azure's k for 2,400 rows): a mean and its spread
    assert run.best.cv_folds == 3
    assert all(it.validation_std is not None and it.validation_std > 0 for it in run.iterations)
    ranked = run.leaderboard()
    assert ranked[0].validation_score == max(it.validation_score for it in run.iterations)
    assert run.best.members
    assert sum(m.weight for m in run.best.members) == pytest.approx(1.0)
    assert run.best.validation_score >= run.best.best_single_validation_score
    assert run.test_rows == 600
    assert run.train_rows == 2_400
    assert run.metrics.rows == run.baseline_metrics.rows == 600
    assert run.metrics_source == "test"  # held-out rows, not the search's validation rows
    assert run.metrics.AUC_weighted > 0.7
    assert set(run.plots) == {
        "score_over_time",
        "roc",
        "precision_recall",
        "confusion_matrix",
        "feature_importance",
    }
    for path in run.plots.values():
        assert Path(path).read_bytes().startswith(b"\x89PNG")
    assert next(iter(run.feature_importance)) == "duration"  # it leaks, so it dominates
    saved = json.loads((Path(run.run_dir) / "run.json").read_text())
    assert saved["run_id"] == run.run_id
    assert run.data_sha256 is None  # in-memory data has no file checksum


def test_dropping_the_leaky_column_reports_its_cost(tmp_path: Path) -> None:
    trainer = AutoMLTrainer(
        Workspace.local(tmp_path),
        experiment_timeout_minutes=0.1,
        drop_leaky_columns=True,
        allowed_models=("LightGBM",),
    )
    run = trainer.train(data.synthetic(2_000, seed=9))
    assert "duration" not in run.features
    assert run.leak_cost is not None
    assert run.leak_cost.dropped == ["duration"]
    assert run.leak_cost.without_leaky == run.baseline_metrics.AUC_weighted
    assert run.leak_cost.cost > 0.05  # duration carries most of the signal
    assert {it.family for it in run.iterations} == {"LightGBM"}


def test_cross_validation_and_another_primary_metric(tmp_path: Path) -> None:
    trainer = AutoMLTrainer(
        Workspace.local(tmp_path),
        experiment_timeout_minutes=0.1,
        n_cross_validations=3,
        primary_metric="accuracy",
        blocked_models=("RandomForest", "ExtremeRandomTrees"),
    )
    run = trainer.train(data.synthetic(1_500, seed=4))
    assert run.config.n_cross_validations == 3
    assert run.best.cv_folds == 3
    assert {it.family for it in run.iterations} <= {"LightGBM", "XGBoostClassifier"}
    assert 0.8 < run.best.validation_score <= 1


def test_invalid_data_is_refused_before_any_search(tmp_path: Path) -> None:
    frame = data.synthetic(500, seed=1).astype({"job": "object"})
    frame.loc[frame.index[3], "job"] = "wizard"
    with pytest.raises(DataValidationError) as caught:
        AutoMLTrainer(Workspace.local(tmp_path)).begin_train(frame)
    assert caught.value.report.issues[0].row == 4
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"experiment_timeout_minutes": 0.01}, "too small for one iteration"),
        ({"primary_metric": "AUC"}, "primary_metric"),
        ({"allowed_models": ("LightGBM",), "blocked_models": ("LightGBM",)}, "no model family"),
        ({"n_cross_validations": 1}, "n_cross_validations"),
        ({"featurization": "off"}, "featurization"),
        ({"unknown_option": 1}, "unknown_option"),
    ],
)
def test_bad_options_are_configuration_errors(
    tmp_path: Path, options: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        AutoMLTrainer(Workspace.local(tmp_path), **options)


def test_a_search_that_finishes_no_iteration_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local_automl, "read_iterations", lambda _path: [])
    trainer = AutoMLTrainer(
        Workspace.local(tmp_path), experiment_timeout_minutes=0.1, allowed_models=("LightGBM",)
    )
    with pytest.raises(BudgetTooSmallError, match="raise experiment_timeout_minutes"):
        trainer.train(data.synthetic(400, seed=2))


def test_cancel_stops_the_run_and_keeps_the_partial_leaderboard(tmp_path: Path) -> None:
    workspace = Workspace.local(tmp_path)
    trainer = AutoMLTrainer(workspace, experiment_timeout_minutes=5)
    poller = trainer.begin_train(data.synthetic(1_500, seed=3))
    deadline = time.monotonic() + 60
    while poller.status().iterations < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    poller.cancel()
    with pytest.raises(TrainingCanceledError):
        poller.result(timeout=60)
    assert poller.status().state == "Canceled"
    assert len(poller.partial_leaderboard()) >= 3
    assert ModelRegistry(workspace).list() == []


def test_status_reports_progress_while_running(tmp_path: Path) -> None:
    poller = AutoMLTrainer(
        Workspace.local(tmp_path), experiment_timeout_minutes=0.1, allowed_models=("LightGBM",)
    ).begin_train(data.synthetic(800, seed=8))
    first = poller.status()
    assert first.state == "Running"
    assert first.budget_s == pytest.approx(6.0)
    run = poller.result(timeout=120)
    final = poller.status()
    assert final.state == "Completed"
    assert final.iterations == len(run.iterations)
    assert final.best_by_family["LightGBM"] == max(i.validation_score for i in run.iterations)


def test_data_can_be_a_file_and_its_checksum_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "bank.csv"
    data.synthetic(800, seed=6).to_csv(path, index=False)
    workspace = Workspace.local(tmp_path / "ws")
    run = AutoMLTrainer(
        workspace, experiment_timeout_minutes=0.1, allowed_models=("LightGBM",)
    ).train(path)
    assert ModelRegistry(workspace).list() == []  # training alone never registers
    assert run.data_sha256 == data.load(path).attrs["sha256"]
    assert run.data_source == str(path)
    assert (
        json.loads((Path(run.run_dir) / "run.json").read_text())["data_sha256"] == run.data_sha256
    )


def test_forests_can_be_allowed_and_score_the_same_way(tmp_path: Path) -> None:
    trainer = AutoMLTrainer(
        Workspace.local(tmp_path),
        experiment_timeout_minutes=0.1,
        allowed_models=("RandomForest", "ExtremeRandomTrees"),
    )
    run = trainer.train(data.synthetic(1_200, seed=10))
    assert {m.family for m in run.best.members} <= {"RandomForest", "ExtremeRandomTrees"}
    assert run.metrics.AUC_weighted > 0.7


def test_logistic_regression_and_a_latency_budget(tmp_path: Path) -> None:
    # CatBoost, the other added family, is slow to fit: its FLAML learner and artifact are
    # tested in tests/ml/test_artifacts.py
    frame = data.synthetic(1_200, seed=12)
    trainer = AutoMLTrainer(
        Workspace.local(tmp_path),
        experiment_timeout_minutes=0.1,
        allowed_models=("LightGBM", "LogisticRegression"),
        n_cross_validations=2,
        max_scoring_us_per_row=0.001,  # no model meets it: the ensemble shrinks to one
    )
    run = trainer.train(frame)
    assert {it.family for it in run.iterations} == {"LightGBM", "LogisticRegression"}
    assert run.best.cv_folds == 2
    assert len(run.best.members) == 1
    scorer = Scorer.load(run.model_dir)
    records = [dict(r) for r in records_of(frame.drop(columns=["y"]).head(40))]
    stored = load_model(Path(run.model_dir)).predict_proba_frame(frame.head(40))
    assert np.allclose(scorer.predict_proba(records), stored, atol=1e-9, rtol=0)


def test_the_ensemble_keeps_within_its_tree_budget(tmp_path: Path) -> None:
    trainer = AutoMLTrainer(
        Workspace.local(tmp_path),
        experiment_timeout_minutes=0.15,
        n_cross_validations=2,
        max_ensemble_trees=60,
    )
    run = trainer.train(data.synthetic(1_500, seed=13))
    trees = [tree_count(m.learner, m.hyperparameters) for m in run.best.members]
    assert sum(trees) <= 60
    # the search itself was not limited: it tried bigger models than the budget admits
    assert max(tree_count(it.learner, it.hyperparameters) for it in run.iterations) > 60
    stored = load_model(Path(run.model_dir))
    for member, count in zip(stored.manifest.members, trees, strict=True):
        assert member.hyperparameters["n_estimators"] == count


def test_lightgbm_is_searched_with_dart_boosting_too(tmp_path: Path) -> None:
    trainer = AutoMLTrainer(
        Workspace.local(tmp_path),
        experiment_timeout_minutes=0.15,
        n_cross_validations=2,
        allowed_models=("LightGBM",),
    )
    run = trainer.train(data.synthetic(1_500, seed=21))
    learners = {it.learner for it in run.iterations}
    assert learners == {"lgbm", "lgbm_dart"}
    assert {it.family for it in run.iterations} == {"LightGBM"}  # Azure's name for both
    dart = [it for it in run.iterations if it.learner == "lgbm_dart"]
    # its search space keeps DART's quadratic cost within a short budget
    assert all(20 <= tree_count(it.learner, it.hyperparameters) <= 300 for it in dart)
    stored = load_model(Path(run.model_dir))
    for member, chosen in zip(stored.manifest.members, run.best.members, strict=True):
        text = (Path(run.model_dir) / member.file).read_text()
        assert ("[boosting: dart]" in text) == (chosen.learner == "lgbm_dart")


def test_members_refit_side_by_side_are_the_models_a_one_by_one_refit_gives(
    trained_run: TrainingRun, tmp_path: Path
) -> None:
    # the chosen members are refit in parallel threads; each must equal its lone refit
    frame = data.synthetic(1_000, seed=17)
    features = local_automl.feature_specs()
    x, y = local_automl.encode_frame(frame, features), local_automl.target_vector(frame)
    rows = x[:200]
    trials = trained_run.leaderboard()[:4]  # several learners, fitted side by side below
    runner = local_automl._Run(SimpleNamespace(config=trained_run.config, run_dir=tmp_path))
    side_by_side = runner._refit(
        list(range(len(trials))), trials, local_automl._Data(features, x, y, rows, y[:200])
    )
    for position, trial in enumerate(trials):
        alone = local_automl._fit(trial, x, y, features, 1)
        np.testing.assert_array_equal(
            side_by_side[position].predict_proba(rows), alone.predict_proba(rows)
        )

"""Tree members compiled with TL2cgen and the machine's C compiler score as their libraries do."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import lightgbm
import numpy as np
import pytest
import xgboost

from bankmarketing_ops import data
from bankmarketing_ops.ml.artifacts import Member, load_model, save_model
from bankmarketing_ops.ml.features import (
    categorical_indices,
    encode_frame,
    feature_specs,
    target_vector,
)
from bankmarketing_ops.ml.learners import estimator_class
from bankmarketing_ops.ml.native import find_compiler

FEATURES = feature_specs()
# float32 thresholds and leaf sums: the compiled code rounds where XGBoost rounds, but sums
# its leaves in another order
TOLERANCE = 1e-6

pytestmark = pytest.mark.skipif(find_compiler() is None, reason="needs a C compiler")


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three members: LightGBM (native categoricals), XGBoost, a logistic regression."""
    frame = data.synthetic(2_000, seed=3)
    x, y = encode_frame(frame, FEATURES), target_vector(frame)
    booster = lightgbm.LGBMClassifier(n_estimators=60, verbose=-1).fit(
        x, y, categorical_feature=categorical_indices(FEATURES)
    )
    forest = xgboost.XGBClassifier(n_estimators=50, max_depth=5).fit(x, y)
    logistic = estimator_class("logistic_onehot", FEATURES)(C=0.5)
    logistic.fit(x, y)
    directory = tmp_path_factory.mktemp("native") / "model"
    save_model(
        directory,
        [
            Member(booster, "LightGBM", 0.5),
            Member(forest, "XGBoostClassifier", 0.3),
            Member(logistic.model, "LogisticRegression", 0.2),
        ],
        features=FEATURES,
    )
    return directory


@pytest.fixture(scope="module")
def rows() -> np.ndarray:
    return encode_frame(data.synthetic(500, seed=4), FEATURES)


def test_compiled_members_score_as_their_libraries(
    model_dir: Path, rows: np.ndarray, tmp_path: Path
) -> None:
    model = load_model(model_dir)
    batch = model.predict_proba_matrix(rows)
    singles = [model.predict_one(row.tolist()) for row in rows[:50]]

    report = model.compile_native(cache_dir=tmp_path / "native")

    assert sorted(report.compiled) == [0, 1]  # the LightGBM and the XGBoost member
    assert report.cached == 0
    assert "linear members are not compiled" in report.skipped[2]
    assert model.native_members == 2
    np.testing.assert_allclose(model.predict_proba_matrix(rows), batch, atol=TOLERANCE)
    compiled_singles = [model.predict_one(row.tolist()) for row in rows[:50]]
    np.testing.assert_allclose(compiled_singles, singles, atol=TOLERANCE)
    # and each compiled member on its own, not only the weighted sum
    for position in report.compiled:
        alone = load_model(model_dir)._predictors[position]
        np.testing.assert_allclose(
            report.compiled[position](rows), alone(rows), atol=TOLERANCE, rtol=0
        )


def test_a_second_load_takes_the_libraries_from_the_cache(
    model_dir: Path, rows: np.ndarray, tmp_path: Path
) -> None:
    first = load_model(model_dir).compile_native(cache_dir=tmp_path)
    libraries = sorted(tmp_path.glob("*.so"))
    stamps = [p.stat().st_mtime_ns for p in libraries]

    again = load_model(model_dir)
    second = again.compile_native(cache_dir=tmp_path)

    assert len(libraries) == 2
    assert (first.cached, second.cached) == (0, 2)
    assert [p.stat().st_mtime_ns for p in libraries] == stamps  # nothing was built again
    np.testing.assert_allclose(
        again.predict_proba_matrix(rows),
        load_model(model_dir).predict_proba_matrix(rows),
        atol=TOLERANCE,
    )


def test_a_broken_cached_library_is_built_again(
    model_dir: Path, rows: np.ndarray, tmp_path: Path
) -> None:
    # built by another process: this one must not have them loaded (the loader would hand
    # back the mapped library by its name without reading the file)
    build = (
        "import sys; from pathlib import Path; from bankmarketing_ops.ml.artifacts import "
        "load_model; load_model(Path(sys.argv[1])).compile_native(cache_dir=Path(sys.argv[2]))"
    )
    subprocess.run([sys.executable, "-c", build, str(model_dir), str(tmp_path)], check=True)
    libraries = sorted(tmp_path.glob("*.so"))
    assert len(libraries) == 2
    for library in libraries:
        library.write_bytes(b"not a shared library")  # as a half-copied cache would leave

    model = load_model(model_dir)
    report = model.compile_native(cache_dir=tmp_path)

    assert sorted(report.compiled) == [0, 1]
    assert report.cached == 0
    np.testing.assert_allclose(
        model.predict_proba_matrix(rows),
        load_model(model_dir).predict_proba_matrix(rows),
        atol=TOLERANCE,
    )


def test_without_a_compiler_members_keep_their_predictors(
    model_dir: Path, rows: np.ndarray, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CC", "no-such-compiler")
    model = load_model(model_dir)
    expected = model.predict_proba_matrix(rows)

    report = model.compile_native(cache_dir=tmp_path)

    assert report.compiled == {}
    assert "no C compiler found" in report.skipped[0]
    assert model.native_members == 0
    assert list(tmp_path.glob("*.so")) == []
    np.testing.assert_array_equal(model.predict_proba_matrix(rows), expected)


def test_scoring_threads_see_whole_predictor_sets_while_members_are_swapped(
    model_dir: Path, rows: np.ndarray, tmp_path: Path
) -> None:
    model = load_model(model_dir)
    expected = model.predict_proba_matrix(rows)
    worst: list[float] = []
    stop = threading.Event()

    def score() -> None:
        while not stop.is_set():
            worst.append(float(np.abs(model.predict_proba_matrix(rows) - expected).max()))
            worst.append(abs(model.predict_one(rows[7].tolist()) - expected[7]))

    threads = [threading.Thread(target=score) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        model.compile_native(cache_dir=tmp_path)
        for _ in range(20):  # keep scoring through the compiled members for a while
            model.predict_proba_matrix(rows)
    finally:
        stop.set()
        for thread in threads:
            thread.join()

    assert model.native_members == 2
    assert worst
    assert max(worst) <= TOLERANCE


def test_xgboost_categorical_splits_compile_to_the_same_answers(tmp_path: Path) -> None:
    # a model a user trained on the typed frame, with XGBoost's own categorical splits
    frame = data.synthetic(2_000, seed=6)
    x, labels = data.split_features(frame)
    booster = xgboost.XGBClassifier(
        n_estimators=30, enable_categorical=True, tree_method="hist", max_cat_to_onehot=1
    ).fit(x, (labels == "yes").astype(int))
    _assert_alone_compiles_to_the_same_answers(
        Member(booster, "XGBoostClassifier"), encode_frame(frame, FEATURES), tmp_path
    )


def test_dart_boosting_compiles_to_the_same_answers(tmp_path: Path) -> None:
    # DART scales its trees' leaves as it drops and adds them; the stored trees carry
    # the final values, so compiled code needs nothing DART-specific
    frame = data.synthetic(2_000, seed=9)
    x, y = encode_frame(frame, FEATURES), target_vector(frame)
    learner = estimator_class("lgbm_dart", FEATURES)(n_estimators=60, colsample_bytree=0.7)
    learner.fit(x, y, categorical_feature=categorical_indices(FEATURES))
    _assert_alone_compiles_to_the_same_answers(Member(learner.model, "LightGBM"), x, tmp_path)


def _assert_alone_compiles_to_the_same_answers(
    member: Member, rows: np.ndarray, tmp_path: Path
) -> None:
    """A model of this one member scores `rows` (batch and one at a time) as before."""
    save_model(tmp_path / "model", [member], features=FEATURES)
    model = load_model(tmp_path / "model")
    expected = model.predict_proba_matrix(rows)

    report = model.compile_native(cache_dir=tmp_path / "native")

    assert list(report.compiled) == [0]
    np.testing.assert_allclose(model.predict_proba_matrix(rows), expected, atol=TOLERANCE)
    singles = [model.predict_one(row.tolist()) for row in rows[:100]]
    np.testing.assert_allclose(singles, expected[:100], atol=TOLERANCE)


def test_a_cache_others_can_write_to_is_not_loaded_from(
    model_dir: Path, rows: np.ndarray, tmp_path: Path
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)  # as /tmp is: anyone could plant a library under a predictable name
    model = load_model(model_dir)
    expected = model.predict_proba_matrix(rows)

    report = model.compile_native(cache_dir=shared)

    assert report.compiled == {}
    assert "not this user's alone" in report.skipped[0]
    assert list(shared.glob("*.so")) == []
    np.testing.assert_array_equal(model.predict_proba_matrix(rows), expected)


def test_the_cache_it_makes_is_private(model_dir: Path, tmp_path: Path) -> None:
    load_model(model_dir).compile_native(cache_dir=tmp_path / "native")
    assert (tmp_path / "native").stat().st_mode & 0o077 == 0
    for library in (tmp_path / "native").glob("*.so"):
        assert library.stat().st_mode & 0o022 == 0

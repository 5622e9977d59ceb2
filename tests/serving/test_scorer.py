"""The compiled scorer: same numbers as the model, clear errors for bad records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from bankmarketing_ops import FieldError, Scorer, ScoringValidationError, TrainingRun, data
from bankmarketing_ops.ml.artifacts import load_model
from bankmarketing_ops.ml.features import records_of


@pytest.fixture(scope="module")
def scorer(trained_run: TrainingRun) -> Scorer:
    return Scorer.load(trained_run.model_dir)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return data.synthetic(600, seed=77)


@pytest.fixture
def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [dict(r) for r in records_of(frame.drop(columns=["y"]))]


def test_scores_equal_the_stored_model_on_a_frame(
    scorer: Scorer, trained_run: TrainingRun, frame: pd.DataFrame, records: list[dict[str, Any]]
) -> None:
    expected = load_model(Path(trained_run.model_dir)).predict_proba_frame(frame)
    result = scorer.score(records)
    assert np.allclose(result.probabilities, expected, atol=1e-12, rtol=0)
    assert result.labels == ["yes" if p >= 0.5 else "no" for p in expected]


def test_one_record_at_a_time_equals_the_batch(
    scorer: Scorer, records: list[dict[str, Any]]
) -> None:
    batch = scorer.predict_proba(records[:50])
    single = [scorer.predict_proba([r])[0] for r in records[:50]]
    # one row takes other code paths (LightGBM's single-row C call, Treelite for XGBoost)
    # that sum the same float32 trees in another order
    assert np.allclose(single, batch, atol=1e-7, rtol=0)


def test_integral_floats_and_dropped_inputs_are_accepted(
    scorer: Scorer, records: list[dict[str, Any]]
) -> None:
    record = dict(records[0], age=float(records[0]["age"]))
    assert scorer.predict_proba([record])[0] == scorer.predict_proba([records[0]])[0]
    batch = [dict(r) for r in records[:40]]
    batch[5]["age"] = float(batch[5]["age"])
    batch[9] = dict(reversed(list(batch[9].items())))  # key order does not matter
    assert np.array_equal(scorer.encode(batch), scorer.encode(records[:40]))


def test_empty_input_gives_empty_output(scorer: Scorer) -> None:
    assert scorer.score([]).labels == []


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"age": "forty"}, "age", "expected an integer, got a string"),
        ({"age": 40.5}, "age", "expected an integer, got 40.5"),
        ({"age": True}, "age", "expected an integer, got a boolean"),
        ({"euribor3m": None}, "euribor3m", "expected a number, got null"),
        ({"euribor3m": float("nan")}, "euribor3m", "finite"),
        ({"job": "astronaut"}, "job", "unknown category 'astronaut'"),
        ({"job": 3}, "job", "unknown category int"),
        ({"month": ["may"]}, "month", "unknown category an array"),
        ({"salary": 1}, "salary", "unknown field"),
        ({"age": -5}, "age", "-5: outside the plausible range [15, 120]"),
        ({"age": 2**70}, "age", "outside the plausible range [15, 120]"),
        ({"age": 121.0}, "age", "121.0: outside the plausible range [15, 120]"),
        ({"duration": -250}, "duration", "-250: outside the plausible range [0, 10000]"),
        ({"nr.employed": 1e300}, "nr.employed", "outside the plausible range [1000, 10000]"),
        ({"y": "yes"}, "y", "unknown field"),
    ],
)
@pytest.mark.parametrize("size", [3, 40])  # record by record, and column by column
def test_bad_fields_are_named_with_their_row(
    scorer: Scorer,
    records: list[dict[str, Any]],
    change: dict[str, Any],
    field: str,
    message: str,
    size: int,
) -> None:
    batch = [records[0], dict(records[1], **change), *records[2:size]]
    with pytest.raises(ScoringValidationError) as caught:
        scorer.predict(batch)
    [error] = caught.value.errors
    assert (error.row, error.field) == (1, field)
    assert message in error.message
    assert f"row 1, field {field!r}" in str(caught.value)


def test_missing_fields_and_non_objects(scorer: Scorer, records: list[dict[str, Any]]) -> None:
    missing = {k: v for k, v in records[0].items() if k not in ("loan", "pdays")}
    with pytest.raises(ScoringValidationError) as caught:
        scorer.predict([missing, "not a record"])  # type: ignore[list-item]
    assert caught.value.errors == [
        FieldError(0, "loan", "missing field"),
        FieldError(0, "pdays", "missing field"),
        FieldError(1, "<record>", "expected an object, got a string ('not a record')"),
    ]


def test_every_bad_row_is_reported_and_good_rows_do_not_shift(
    scorer: Scorer, records: list[dict[str, Any]]
) -> None:
    batch = [dict(r) for r in records[:10]]
    batch[2]["age"] = "x"
    batch[7]["job"] = "y"
    with pytest.raises(ScoringValidationError) as caught:
        scorer.predict(batch)
    assert [(e.row, e.field) for e in caught.value.errors] == [(2, "age"), (7, "job")]


def test_a_huge_bad_batch_reports_at_most_100_errors(
    scorer: Scorer, records: list[dict[str, Any]]
) -> None:
    with pytest.raises(ScoringValidationError) as caught:
        scorer.predict([dict(r, age="x") for r in records[:500]])
    assert len(caught.value.errors) == 100


def test_any_mapping_is_a_record(scorer: Scorer, records: list[dict[str, Any]]) -> None:
    from types import MappingProxyType

    frozen = [MappingProxyType(r) for r in records[:3]]
    assert scorer.predict_proba(frozen).tolist() == scorer.predict_proba(records[:3]).tolist()


def test_the_scorer_checks_the_ranges_the_training_data_is_validated_against(
    scorer: Scorer, records: list[dict[str, Any]]
) -> None:
    # one source of truth: every numeric input, just inside and just outside its range
    for spec in data.SCHEMA.inputs:
        if spec.kind == "categorical":
            continue
        low, high = spec.bounds
        for value, inside in ((low, True), (high, True), (low - 1, False), (high + 1, False)):
            wire = int(value) if spec.kind == "integer" else float(value)
            record = dict(records[0], **{spec.name: wire})
            frame = pd.DataFrame([record])
            report = data.validate(frame, require_target=False)
            assert report.valid == inside, (spec.name, value, report)
            if inside:
                scorer.encode([record])
            else:
                with pytest.raises(ScoringValidationError) as caught:
                    scorer.encode([record])
                [error] = caught.value.errors
                [issue] = report.issues
                assert error.field == issue.column == spec.name
                assert error.message.endswith(spec.range_message)
                assert issue.message.endswith(spec.range_message)


def test_an_input_the_model_does_not_use_is_still_checked(
    trained_run: TrainingRun, records: list[dict[str, Any]]
) -> None:
    from bankmarketing_ops.ml.features import feature_specs

    model = load_model(Path(trained_run.model_dir))
    honest = feature_specs(drop_leaky=True)  # as a model trained without `duration`
    model.manifest = model.manifest.model_copy(update={"features": honest})
    scorer = Scorer(model)
    assert scorer.encode([records[0]]).shape == (1, len(honest))
    with pytest.raises(ScoringValidationError) as caught:
        scorer.encode([dict(records[0], duration=-250)])
    assert caught.value.errors == [
        FieldError(0, "duration", "-250: outside the plausible range [0, 10000]")
    ]

"""The compiled scorer: JSON-like records in, labels and P(yes) out, no pandas per request.

Everything that can be worked out once is worked out at load time: the order of the
inputs, a dict from each category to its code, which inputs are integers, each number's
plausible range (the data schema's, the same the training data is validated against).
Scoring a request is then one pass over its values into a flat list, one `numpy`
reshape, and the members' native `predict` — tens of microseconds for a row, where
building a one-row DataFrame alone costs milliseconds. A record that does not fit takes
a slower path that names every bad field.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from bankmarketing_ops._exceptions import FieldError, ScoringValidationError
from bankmarketing_ops._logging import get_logger
from bankmarketing_ops.config import get_settings
from bankmarketing_ops.data.schema import SCHEMA
from bankmarketing_ops.ml.artifacts import LoadedModel, load_model
from bankmarketing_ops.ml.features import FeatureSpec
from bankmarketing_ops.ml.metrics import DECISION_THRESHOLD
from bankmarketing_ops.ml.native import NativeReport

__all__ = ["Scorer", "Scores"]

_log = get_logger(__name__)
_MAX_REPORTED_ERRORS = 100
_NUMBERS = (int, float)
_INT_OR_FLOAT = frozenset({int, float})
#: From this many records a request is encoded column by column.
_COLUMNWISE_ROWS = 16
Matrix = npt.NDArray[np.float64]


class Scores(NamedTuple):
    """Predictions for a batch, in request order."""

    labels: list[str]
    """`"yes"` or `"no"` (`yes` when P(yes) ≥ 0.5)."""
    probabilities: list[float]
    """P(y = "yes") per record."""


class Scorer:
    """Scores records with a stored model (see the module docs for what is precomputed)."""

    def __init__(self, model: LoadedModel) -> None:
        self.model = model
        self.features: tuple[FeatureSpec, ...] = model.features
        self._plan = [_column_plan(f.name, f.categories) for f in self.features]
        self._width = len(self.features)
        self._allowed = frozenset(SCHEMA.input_names)  # dropped inputs may still be sent
        used = {f.name for f in self.features}
        # ... and are checked all the same: the API's contract is the schema's
        self._unused = {
            c.name: _column_plan(c.name, c.categories) for c in SCHEMA.inputs if c.name not in used
        }
        self._labels = SCHEMA.target.labels
        self._frame_input = model.manifest.input_kind == "frame"

    @classmethod
    def load(cls, directory: str | Path, *, native: bool = False) -> Scorer:
        """Compile the model stored in `directory` (a registry version's `model/`).

        Args:
            directory: The model's directory.
            native: Also compile its tree members to native code now (see
                `compile_native`); services do that in the background instead.
        """
        scorer = cls(load_model(Path(directory)))
        if native:
            scorer.compile_native()
        return scorer

    def compile_native(self, *, cache_dir: Path | None = None) -> NativeReport:
        """Compile the LightGBM and XGBoost members to native code, and score through it.

        Needs a C compiler (gcc or clang, or `$CC`); libraries are cached under
        `<cache_dir>/native` (default: the settings' cache directory), so a model is
        compiled once per machine. Members that cannot be compiled keep their library's
        predictor, with the reason in the report and the log. Safe while other threads
        score.
        """
        root = cache_dir if cache_dir is not None else get_settings().resolved_cache_dir()
        report = self.model.compile_native(cache_dir=root / "native")
        if report.compiled:
            _log.info(
                "%d of %d members score through native code (%d from the cache) after %.1f s",
                len(report.compiled),
                len(self.model.manifest.members),
                report.cached,
                report.seconds,
            )
        for position, reason in sorted(report.skipped.items()):
            _log.info("member %d keeps its library's predictor: %s", position, reason)
        return report

    # --- public -------------------------------------------------------------------------
    def predict_proba(self, records: Sequence[Mapping[str, Any]]) -> npt.NDArray[np.float64]:
        """P(yes) per record.

        Raises:
            ScoringValidationError: a record misses a field, has an unknown field or
                category, or a value of the wrong type; `.errors` names row and field.
        """
        if len(records) == 1 and not self._frame_input:
            return np.array([self.model.predict_one(self._encode_values(records))])
        matrix = self.encode(records)
        if self._frame_input:
            return self.model.predict_proba_frame(self._frame(matrix))
        return self.model.predict_proba_matrix(matrix)

    def predict(self, records: Sequence[Mapping[str, Any]]) -> list[str]:
        """`"yes"` or `"no"` per record."""
        return self.score(records).labels

    def score(self, records: Sequence[Mapping[str, Any]]) -> Scores:
        """Labels and probabilities together."""
        proba = self.predict_proba(records)
        negative, positive = self._labels
        labels = [positive if p >= DECISION_THRESHOLD else negative for p in proba.tolist()]
        return Scores(labels=labels, probabilities=proba.tolist())

    def encode(self, records: Sequence[Mapping[str, Any]]) -> npt.NDArray[np.float64]:
        """Validate and encode records into the model's input matrix."""
        if len(records) >= _COLUMNWISE_ROWS:
            matrix = self._encode_columns(records)
            if matrix is not None:
                return matrix
        return self._matrix(self._encode_values(records), len(records))

    def _encode_columns(self, records: Sequence[Mapping[str, Any]]) -> Matrix | None:
        """A batch encoded one input at a time (list comprehensions and numpy, ~5x faster
        than record by record); None when any record needs the checks of the slow path."""
        allowed, width = self._allowed, self._width
        # a record with inputs the model does not use takes the slow path, which checks them
        if not all(type(r) is dict and len(r) == width and r.keys() <= allowed for r in records):
            return None
        out = np.empty((len(records), width), dtype=np.float64)
        try:
            for position, (name, codes, integer, low, high) in enumerate(self._plan):
                column = [r[name] for r in records]
                if codes is not None:
                    out[:, position] = [codes[v] for v in column]
                    continue
                kinds = set(map(type, column))
                if not kinds <= _INT_OR_FLOAT:
                    return None
                values = np.array(column, dtype=np.float64)
                if float in kinds and not (
                    np.isfinite(values).all()
                    and (not integer or bool((values == np.floor(values)).all()))
                ):
                    return None
                if not bool(((values >= low) & (values <= high)).all()):
                    return None  # the slow path names each value out of range
                out[:, position] = values
        except (KeyError, TypeError):  # a missing field, an unknown or unhashable category
            return None
        return out

    def _matrix(self, values: list[float], rows: int) -> npt.NDArray[np.float64]:
        return np.array(values, dtype=np.float64).reshape(rows, self._width)

    def _encode_values(self, records: Sequence[Mapping[str, Any]]) -> list[float]:
        values: list[float] = []
        append = values.append
        errors: list[FieldError] = []
        allowed = self._allowed
        for row, record in enumerate(records):
            start = len(values)
            if type(record) is not dict and isinstance(record, Mapping):
                record = dict(record)  # the fast path reads plain dicts
            try:
                if type(record) is not dict or not record.keys() <= allowed:
                    raise _Bad
                for name, codes, integer, low, high in self._plan:
                    value = record[name]
                    if codes is not None:
                        append(codes[value])
                    elif (
                        type(value) is int
                        or (
                            type(value) is float
                            and math.isfinite(value)
                            and (not integer or value.is_integer())
                        )
                    ) and low <= value <= high:  # bool is not int here: type(True) is bool
                        append(value)
                    else:
                        raise _Bad
                if len(record) > self._width:  # inputs the model does not use
                    for name in record.keys() & self._unused.keys():
                        if _problem(record[name], self._unused[name]) is not None:
                            raise _Bad
            except (_Bad, KeyError, TypeError):
                del values[start:]
                found = self._diagnose(row, record)
                errors.extend(found or [FieldError(row, "<record>", "cannot be read")])
                if len(errors) >= _MAX_REPORTED_ERRORS:
                    break
        if errors:
            raise ScoringValidationError(errors[:_MAX_REPORTED_ERRORS])
        return values

    # --- internals ----------------------------------------------------------------------
    def _diagnose(self, row: int, record: Any) -> list[FieldError]:
        if not isinstance(record, Mapping):
            return [FieldError(row, "<record>", f"expected an object, got {_kind(record)}")]
        errors = [
            FieldError(
                row, str(name), "unknown field; the inputs are: " + ", ".join(SCHEMA.input_names)
            )
            for name in record
            if name not in self._allowed
        ]
        for plan in self._plan:
            if plan.name not in record:
                errors.append(FieldError(row, plan.name, "missing field"))
                continue
            problem = _problem(record[plan.name], plan)
            if problem is not None:
                errors.append(FieldError(row, plan.name, problem))
        for name in record.keys() & self._unused.keys():
            problem = _problem(record[name], self._unused[name])
            if problem is not None:
                errors.append(FieldError(row, str(name), problem))
        return errors

    def _frame(self, matrix: npt.NDArray[np.float64]) -> pd.DataFrame:
        columns: dict[str, Any] = {}
        for position, feature in enumerate(self.features):
            column = matrix[:, position]
            if feature.kind == "categorical":
                dtype = pd.CategoricalDtype(list(feature.categories))
                columns[feature.name] = pd.Categorical.from_codes(
                    column.astype(np.int64), dtype=dtype
                )
            else:
                columns[feature.name] = column.astype(
                    np.int64 if feature.kind == "integer" else np.float64
                )
        return pd.DataFrame(columns)


class _ColumnPlan(NamedTuple):
    """What the scorer checks and writes for one input (unpacked in the hot loops)."""

    name: str
    codes: dict[str, int] | None
    """Category → code, or None for a number."""
    integer: bool
    low: float
    high: float


def _column_plan(name: str, categories: Sequence[str]) -> _ColumnPlan:
    spec = SCHEMA.column(name)
    codes = {c: i for i, c in enumerate(categories)} if categories else None
    return _ColumnPlan(name, codes, spec.kind == "integer", *spec.bounds)


def _problem(value: Any, plan: _ColumnPlan) -> str | None:
    """What is wrong with one value (None: nothing), in the words the user reads."""
    name, codes, integer, low, high = plan
    if codes is not None:
        if isinstance(value, str) and value in codes:
            return None
        shown = repr(value) if isinstance(value, str) else _kind(value)
        return f"unknown category {shown}; allowed: " + ", ".join(codes)
    if type(value) not in _NUMBERS:
        wanted = "an integer" if integer else "a number"
        return f"expected {wanted}, got {_kind(value)}"
    if not math.isfinite(value):
        return "expected a finite number"
    if integer and isinstance(value, float) and not value.is_integer():
        return f"expected an integer, got {value!r}"
    if not low <= value <= high:
        return f"{value!r}: {SCHEMA.column(name).range_message}"
    return None


class _Bad(Exception):
    """A record left the fast path; `_diagnose` says why."""


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return f"a string ({value!r})"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__

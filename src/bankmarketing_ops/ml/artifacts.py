"""The on-disk model format: native files per member, and a JSON manifest. No pickle.

A model is one or more members whose probabilities of `yes` are averaged with weights
(one member: a single model; several: Azure's soft-voting `VotingEnsemble`). Members are
stored in their library's own format — LightGBM's text model, XGBoost's JSON model,
CatBoost's binary model — a one-hot logistic regression as its weights in JSON, and other
scikit-learn estimators with skops, loading only scikit-learn's own types. Loading an
artifact therefore never runs code from the file.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from bankmarketing_ops._exceptions import ModelArtifactError
from bankmarketing_ops.data.schema import SCHEMA
from bankmarketing_ops.ml.features import (
    FeatureSpec,
    Matrix,
    encode_frame,
)
from bankmarketing_ops.ml.learners import (
    LinearTerms,
    catboost_frame,
    is_onehot_logistic,
    linear_terms,
)

if TYPE_CHECKING:
    from bankmarketing_ops.ml.native import NativeReport

__all__ = [
    "MANIFEST_NAME",
    "LoadedModel",
    "Member",
    "MemberManifest",
    "MemberPredictor",
    "ModelManifest",
    "load_model",
    "save_model",
]

MANIFEST_NAME: Final = "model.json"
FORMAT_VERSION: Final = 1

MemberKind = Literal["lightgbm", "xgboost", "catboost", "linear", "sklearn"]
InputKind = Literal["encoded", "frame"]
"""`encoded`: the float matrix of `ml.features`; `frame`: a typed data frame (a
scikit-learn pipeline that does its own preprocessing)."""
_SUFFIX: Final[dict[MemberKind, str]] = {
    "lightgbm": ".lgbm.txt",
    "xgboost": ".xgb.json",
    "catboost": ".cbm",
    "linear": ".linear.json",
    "sklearn": ".skops",
}


class MemberManifest(BaseModel):
    """One member of a model: which library, which file, which weight."""

    model_config = ConfigDict(frozen=True)

    kind: MemberKind
    family: str
    """Model family (Azure's name, e.g. `LightGBM`), or the estimator's class name."""
    file: str
    weight: float = Field(gt=0)
    hyperparameters: dict[str, Any] = Field(default_factory=dict)


class ModelManifest(BaseModel):
    """What `model.json` says: the inputs and the members."""

    model_config = ConfigDict(frozen=True)

    format_version: int = FORMAT_VERSION
    input_kind: InputKind
    features: tuple[FeatureSpec, ...]
    labels: tuple[str, str] = SCHEMA.target.labels
    members: tuple[MemberManifest, ...]

    @property
    def model_type(self) -> str:
        """`VotingEnsemble` for several members, else the single member's family."""
        return "VotingEnsemble" if len(self.members) > 1 else self.members[0].family


@dataclass(frozen=True)
class Member:
    """A trained estimator to save, with its family, weight and hyperparameters."""

    estimator: Any
    family: str
    weight: float = 1.0
    hyperparameters: dict[str, Any] | None = None


def save_model(
    directory: Path,
    members: list[Member],
    *,
    features: tuple[FeatureSpec, ...],
    input_kind: InputKind = "encoded",
) -> ModelManifest:
    """Write `members` and the manifest into `directory` (which must not exist yet)."""
    if input_kind == "frame" and len(members) != 1:
        raise ModelArtifactError("a model that reads the frame itself has exactly one member")
    directory.mkdir(parents=True)
    total = sum(m.weight for m in members)
    manifests = []
    for position, member in enumerate(members):
        kind = _kind_of(member.estimator)
        name = f"member-{position}{_SUFFIX[kind]}"
        _write_member(directory / name, kind, member.estimator)
        manifests.append(
            MemberManifest(
                kind=kind,
                family=member.family,
                file=name,
                weight=member.weight / total,
                hyperparameters=_plain(member.hyperparameters or {}),
            )
        )
    manifest = ModelManifest(input_kind=input_kind, features=features, members=tuple(manifests))
    (directory / MANIFEST_NAME).write_text(manifest.model_dump_json(indent=2) + "\n")
    return manifest


def _kind_of(estimator: Any) -> MemberKind:
    module = type(estimator).__module__.split(".")[0]
    if module == "lightgbm":
        return "lightgbm"
    if module == "xgboost":
        return "xgboost"
    if module == "catboost":
        return "catboost"
    if is_onehot_logistic(estimator):
        return "linear"
    if module == "sklearn" or hasattr(estimator, "predict_proba"):
        return "sklearn"
    raise ModelArtifactError(
        f"cannot store a {type(estimator).__name__}: not a LightGBM, "
        "XGBoost, CatBoost or scikit-learn classifier"
    )


def _write_member(path: Path, kind: MemberKind, estimator: Any) -> None:
    if kind == "lightgbm":
        booster = getattr(estimator, "booster_", estimator)
        path.write_text(booster.model_to_string())
    elif kind == "xgboost":
        booster = estimator.get_booster() if hasattr(estimator, "get_booster") else estimator
        path.write_bytes(bytes(booster.save_raw("json")))
    elif kind == "catboost":
        estimator.save_model(str(path), format="cbm")
    elif kind == "linear":
        path.write_text(json.dumps(linear_terms(estimator).to_json()))
    else:
        import skops.io

        skops.io.dump(estimator, path)


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    """Hyperparameters as JSON-safe Python values (FLAML hands out numpy scalars)."""
    return {k: v.item() if isinstance(v, np.generic) else v for k, v in values.items()}


class MemberPredictor(Protocol):
    """What scores one member: a matrix at once, or one row given as a list."""

    def __call__(self, inputs: Any) -> npt.NDArray[np.float64]: ...

    def one(self, values: list[float]) -> float: ...


class LoadedModel:
    """A model read back from disk, ready to give probabilities of `yes`."""

    def __init__(
        self, manifest: ModelManifest, predictors: list[MemberPredictor], directory: Path
    ) -> None:
        self.manifest = manifest
        self.directory = directory
        self._predictors = predictors
        self._weights = np.array([m.weight for m in manifest.members])

    @property
    def features(self) -> tuple[FeatureSpec, ...]:
        return self.manifest.features

    @property
    def native_members(self) -> int:
        """How many members score through compiled native code (see `compile_native`)."""
        from bankmarketing_ops.ml.native import NativeTrees

        return sum(isinstance(p, NativeTrees) for p in self._predictors)

    def compile_native(self, *, cache_dir: Path) -> NativeReport:
        """Compile the tree members to native code and score through it from now on.

        Safe while other threads score: the members are swapped in one assignment, so a
        call uses the old predictors or the new ones. Members that cannot be compiled
        keep their library's predictor; the report says why.
        """
        from bankmarketing_ops.ml.native import compile_members

        report = compile_members(
            self.directory,
            [(m.kind, m.file) for m in self.manifest.members],
            cache_dir=cache_dir,
        )
        if self.manifest.input_kind == "encoded" and report.compiled:
            predictors = list(self._predictors)
            for position, compiled in report.compiled.items():
                predictors[position] = compiled
            self._predictors = predictors
        return report

    def predict_proba_matrix(self, matrix: Matrix) -> npt.NDArray[np.float64]:
        """P(yes) for an encoded matrix (`input_kind == "encoded"` only)."""
        predictors = self._predictors  # one read: a swap mid-call cannot mix the sets
        if len(predictors) == 1:
            return predictors[0](matrix)
        total = np.zeros(matrix.shape[0])
        for weight, predict in zip(self._weights, predictors, strict=True):
            total += weight * predict(matrix)
        return total

    def predict_one(self, values: list[float]) -> float:
        """P(yes) for one encoded row (the scorer's single-record fast path)."""
        predictors = self._predictors
        if len(predictors) == 1:
            return predictors[0].one(values)
        return float(sum(w * p.one(values) for w, p in zip(self._weights, predictors, strict=True)))

    def predict_proba_frame(self, frame: pd.DataFrame) -> npt.NDArray[np.float64]:
        """P(yes) for a typed frame, whatever the input kind."""
        if self.manifest.input_kind == "frame":
            names = [f.name for f in self.features]
            return self._predictors[0](frame[names])
        return self.predict_proba_matrix(encode_frame(frame, self.features))


class _Predictor:
    def __init__(self, path: Path) -> None:  # pragma: no cover - protocol
        raise NotImplementedError

    def __call__(self, inputs: Any) -> npt.NDArray[np.float64]:  # pragma: no cover - protocol
        raise NotImplementedError

    def one(self, values: list[float]) -> float:
        """P(yes) for one encoded row given as a list."""
        return float(self(np.asarray([values], dtype=np.float64))[0])


class _LightGBMPredictor(_Predictor):
    """LightGBM's own predictor; one row at a time through its C fast path.

    `LGBM_BoosterPredictForMatSingleRowFast` skips the Python-side checks of
    `Booster.predict` (~30 µs a row) and costs ~10 µs; its buffers are set up once.
    """

    def __init__(self, path: Path) -> None:
        import lightgbm

        self.booster = lightgbm.Booster(model_str=path.read_text())
        self._fast = _LightGBMFastRow.create(self.booster)

    def __call__(self, inputs: Any) -> npt.NDArray[np.float64]:
        return np.asarray(self.booster.predict(inputs, num_threads=1), dtype=np.float64)

    def one(self, values: list[float]) -> float:
        if self._fast is None:
            return float(self(np.asarray([values], dtype=np.float64))[0])
        return self._fast(values)


class _LightGBMFastRow:
    def __init__(self, lib: Any, handle: ctypes.c_void_p, width: int) -> None:
        self._lib = lib
        self._handle = handle
        self._row = (ctypes.c_double * width)()
        self._out = (ctypes.c_double * 1)()
        self._out_len = ctypes.c_int64()
        self._lock = threading.Lock()  # the C config and these buffers are per instance

    @classmethod
    def create(cls, booster: Any) -> _LightGBMFastRow | None:
        try:
            from lightgbm.basic import _LIB as lib  # type: ignore[attr-defined]

            handle = ctypes.c_void_p()
            status = lib.LGBM_BoosterPredictForMatSingleRowFastInit(
                booster._handle,
                ctypes.c_int(0),
                ctypes.c_int(0),
                ctypes.c_int(-1),
                ctypes.c_int(1),
                ctypes.c_int32(booster.num_feature()),
                ctypes.c_char_p(b"num_threads=1"),
                ctypes.byref(handle),
            )
        except (ImportError, AttributeError):  # an older LightGBM without the fast path
            return None
        return cls(lib, handle, booster.num_feature()) if status == 0 else None

    def __call__(self, values: list[float]) -> float:
        with self._lock:
            self._row[:] = values  # type: ignore[assignment]
            status = self._lib.LGBM_BoosterPredictForMatSingleRowFast(
                self._handle, self._row, ctypes.byref(self._out_len), self._out
            )
            if status != 0:
                raise ModelArtifactError("LightGBM failed to score a row")
            return float(self._out[0])

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self._lib.LGBM_FastConfigFree(self._handle)


class _XGBoostPredictor(_Predictor):
    """XGBoost's own predictor for batches; Treelite's tree interpreter for one row.

    XGBoost spends ~0.2 ms of fixed cost on every predict call, however small the input;
    Treelite's GTIL reads the same JSON model and scores one row in ~25 µs (it interprets
    the trees: nothing is compiled, nothing from the file is run).
    """

    def __init__(self, path: Path) -> None:
        import xgboost

        raw = path.read_bytes()
        self.booster = xgboost.Booster()
        self.booster.load_model(bytearray(raw))
        self.booster.set_param({"nthread": 1})
        self._categorical = "c" in (self.booster.feature_types or [])
        self._xgboost = xgboost
        self._fast = None if self._categorical else _TreeliteFastRow.create(raw)

    def one(self, values: list[float]) -> float:
        if self._fast is None:
            return float(self(np.asarray([values], dtype=np.float64))[0])
        return self._fast(values)

    def __call__(self, inputs: Any) -> npt.NDArray[np.float64]:
        if self._categorical:  # categorical splits need the feature types in a DMatrix
            matrix = self._xgboost.DMatrix(
                inputs,
                feature_types=self.booster.feature_types,
                feature_names=self.booster.feature_names,
                enable_categorical=True,
            )
            return np.asarray(self.booster.predict(matrix), dtype=np.float64)
        return np.asarray(self.booster.inplace_predict(inputs), dtype=np.float64)


class _SklearnPredictor(_Predictor):
    def __init__(self, path: Path) -> None:
        import skops.io

        untrusted = skops.io.get_untrusted_types(file=path)
        refused = [t for t in untrusted if not t.startswith("sklearn.")]
        if refused:
            raise ModelArtifactError(
                f"{path.name} holds types that are not scikit-learn's own ({', '.join(refused)});"
                " refusing to load them"
            )
        self.estimator = skops.io.load(path, trusted=untrusted)
        if hasattr(self.estimator, "n_jobs"):
            self.estimator.n_jobs = 1  # thread pools cost more than they save per request

        # Forests: sklearn's predict_proba starts a joblib run per call (~10 ms a row);
        # averaging the trees directly gives the same numbers far faster.
        forest = type(self.estimator).__name__ in _FORESTS
        self._trees: list[Any] | None = list(self.estimator.estimators_) if forest else None

    def __call__(self, inputs: Any) -> npt.NDArray[np.float64]:
        if self._trees is not None:
            x = np.ascontiguousarray(inputs, dtype=np.float32)
            total = np.zeros(x.shape[0])
            for tree in self._trees:
                total += tree.predict_proba(x, check_input=False)[:, 1]
            return total / len(self._trees)
        return np.asarray(self.estimator.predict_proba(inputs)[:, 1], dtype=np.float64)


class _TreeliteFastRow:
    """Treelite GTIL's C entry point, called with buffers and a config made once
    (its Python `gtil.predict` rebuilds both on every call, ~3x the cost)."""

    def __init__(self, model: Any, config: Any, lib: Any, width: int) -> None:
        self._model = model  # keeps the model handle alive
        self._config = config
        self._lib = lib
        self._handle = model.handle
        self._row = (ctypes.c_float * width)()
        self._out = (ctypes.c_float * 1)()
        self._type = b"float32"
        self._lock = threading.Lock()

    @classmethod
    def create(cls, raw: bytes) -> _TreeliteFastRow | None:
        try:
            import treelite
            from treelite.core import _LIB as lib
            from treelite.gtil.gtil import GTILConfig

            model = treelite.frontend.from_xgboost_json(raw.decode())
            if model.input_type != "float32" or model.output_type != "float32":
                return None
            config = GTILConfig(predict_type="default", nthread=1)
        except Exception:  # no Treelite, or a model it cannot read: XGBoost does it all
            return None
        return cls(model, config, lib, model.num_feature)

    def __call__(self, values: list[float]) -> float:
        with self._lock:
            self._row[:] = values  # type: ignore[assignment]
            status = self._lib.TreeliteGTILPredict(
                self._handle,
                self._row,
                ctypes.c_char_p(self._type),
                ctypes.c_uint64(1),
                self._out,
                self._config.handle,
            )
            if status != 0:
                raise ModelArtifactError("Treelite failed to score a row")
            return float(self._out[0])


class _CatBoostPredictor(_Predictor):
    """CatBoost's own predictor; category codes go in as integers (native categoricals).

    A call costs ~0.2 ms of CatBoost's per-call setup: fine in batches, the slowest
    family for one row (see `max_scoring_us_per_row`).
    """

    def __init__(self, path: Path) -> None:
        from catboost import CatBoostClassifier

        self.model = CatBoostClassifier()
        self.model.load_model(str(path), format="cbm")
        self._categorical = list(self.model.get_cat_feature_indices())

    def __call__(self, inputs: Any) -> npt.NDArray[np.float64]:
        frame = catboost_frame(np.asarray(inputs, dtype=np.float64), self._categorical)
        proba = self.model.predict(frame, prediction_type="Probability", thread_count=1)
        return np.asarray(proba, dtype=np.float64)[:, 1]

    def one(self, values: list[float]) -> float:
        row: list[Any] = list(values)
        for position in self._categorical:
            row[position] = int(row[position])
        proba = self.model.predict(row, prediction_type="Probability", thread_count=1)
        return float(proba[1])


class _LinearPredictor(_Predictor):
    """A logistic regression as plain arithmetic: a few µs a row."""

    def __init__(self, path: Path) -> None:
        terms = LinearTerms.from_json(json.loads(path.read_text()))
        self._intercept = terms.intercept
        self._numeric = sorted(terms.numeric.items())
        self._tables = sorted((k, np.asarray(v)) for k, v in terms.categorical.items())
        self._lists = [(k, list(v)) for k, v in terms.categorical.items()]
        self._weights = np.zeros(terms.width)
        for position, weight in terms.numeric.items():
            self._weights[position] = weight

    def __call__(self, inputs: Any) -> npt.NDArray[np.float64]:
        x = np.asarray(inputs, dtype=np.float64)
        logit = self._intercept + x @ self._weights
        for position, table in self._tables:
            logit += table[x[:, position].astype(np.intp)]
        return np.asarray(_sigmoid(logit), dtype=np.float64)

    def one(self, values: list[float]) -> float:
        logit = self._intercept
        for position, weight in self._numeric:
            logit += weight * values[position]
        for position, table in self._lists:
            logit += table[int(values[position])]
        if logit >= 0:  # the two forms keep exp() from overflowing
            return 1.0 / (1.0 + math.exp(-logit))
        odds = math.exp(logit)
        return odds / (1.0 + odds)


def _sigmoid(logit: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    from scipy.special import expit

    return np.asarray(expit(logit), dtype=np.float64)


_FORESTS: Final = frozenset({"RandomForestClassifier", "ExtraTreesClassifier"})
_PREDICTORS: Final[dict[MemberKind, type[_Predictor]]] = {
    "lightgbm": _LightGBMPredictor,
    "xgboost": _XGBoostPredictor,
    "catboost": _CatBoostPredictor,
    "linear": _LinearPredictor,
    "sklearn": _SklearnPredictor,
}


def load_model(directory: Path) -> LoadedModel:
    """Read a model written by `save_model`.

    Raises:
        ModelArtifactError: the directory is not a readable model of this format.
    """
    manifest_path = directory / MANIFEST_NAME
    try:
        manifest = ModelManifest.model_validate_json(manifest_path.read_text())
    except (OSError, ValueError) as exc:
        raise ModelArtifactError(f"cannot read model manifest {manifest_path}: {exc}") from None
    if manifest.format_version > FORMAT_VERSION:
        raise ModelArtifactError(
            f"{manifest_path} has format {manifest.format_version}; "
            "upgrade bankmarketing-ops to load it"
        )
    predictors: list[MemberPredictor] = []
    for member in manifest.members:
        try:
            predictors.append(_PREDICTORS[member.kind](directory / member.file))
        except ModelArtifactError:
            raise
        except Exception as exc:  # a library's own loader failing: say which file
            # the first line: XGBoost appends its native stack trace to the message
            cause = next(iter(str(exc).strip().splitlines()), type(exc).__name__)
            raise ModelArtifactError(f"cannot load {directory / member.file}: {cause}") from None
    return LoadedModel(manifest, predictors, directory)

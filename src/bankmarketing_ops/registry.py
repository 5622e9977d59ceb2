"""`ModelRegistry`: versioned, reproducible models, from AutoML runs or trained by hand."""

from __future__ import annotations

import builtins
import shutil
from pathlib import Path
from typing import Any

import pandas as pd

from bankmarketing_ops import data as data_layer
from bankmarketing_ops.ml.artifacts import Member, load_model, save_model
from bankmarketing_ops.ml.baseline import baseline_proba
from bankmarketing_ops.ml.features import encode_frame, target_vector
from bankmarketing_ops.ml.metrics import compute_metrics
from bankmarketing_ops.ml.provenance import library_versions
from bankmarketing_ops.ml.user_models import inspect_user_model
from bankmarketing_ops.monitoring.reference import REFERENCE_FILE, build_reference, write_reference
from bankmarketing_ops.serving.scorer import Scorer
from bankmarketing_ops.types.automl import TrainingRun
from bankmarketing_ops.types.registry import ModelVersion, TrainingInfo
from bankmarketing_ops.workspace import Workspace

__all__ = ["ModelRegistry"]

_PENDING = "pending"


class ModelRegistry:
    """Register, find, load and delete model versions in a workspace.

    Versions are numbered from 1 per name; `"latest"` names the highest. Every version
    holds the model in native files (no pickle), its input schema, test metrics beside a
    default-LightGBM baseline, the training data's sha256, the training config, library
    versions, a model card (`MODEL_CARD.md`) and a reference profile of the training data
    (`reference.json`, what `DriftMonitor` compares served inputs with).
    """

    def __init__(self, workspace: Workspace) -> None:
        self._backend = workspace.backend.registry

    def register_run(
        self,
        run: TrainingRun,
        *,
        name: str,
        description: str = "",
        tags: dict[str, str] | None = None,
        properties: dict[str, str] | None = None,
    ) -> ModelVersion:
        """Register the model an AutoML run chose, as the next version of `name`."""

        def stage(staging: Path) -> ModelVersion:
            shutil.copytree(run.model_dir, staging / "model")
            plots = Path(run.run_dir) / "plots"
            if plots.is_dir():
                shutil.copytree(plots, staging / "plots")
            reference = Path(run.run_dir) / REFERENCE_FILE
            if reference.is_file():  # runs made before drift monitoring have none
                shutil.copy2(reference, staging / REFERENCE_FILE)
            manifest = load_model(staging / "model").manifest
            return _draft(
                name=name,
                description=description,
                tags=tags,
                properties=properties,
                model_type=manifest.model_type,
                input_kind=manifest.input_kind,
                members=list(manifest.members),
                input_schema=list(manifest.features),
                metrics=run.metrics,
                metrics_source=run.metrics_source,
                baseline_metrics=run.baseline_metrics,
                training=TrainingInfo.of_run(run),
                library_versions=run.library_versions,
            )

        return self._backend.register_run(
            run,
            name=name,
            description=description,
            tags=tags,
            properties=properties,
            stage=stage,
        )

    def register_model(
        self,
        model: Any,
        *,
        name: str,
        test_data: pd.DataFrame,
        train_data: pd.DataFrame | None = None,
        description: str = "",
        tags: dict[str, str] | None = None,
        properties: dict[str, str] | None = None,
    ) -> ModelVersion:
        """Register a model trained elsewhere: LightGBM, XGBoost or a scikit-learn pipeline.

        Metrics are computed on `test_data` exactly as for AutoML runs (use the same
        `data.train_test_split(..., seed=...)` to compare like with like); give
        `train_data` to get the default-LightGBM baseline beside them.

        Raises:
            ModelArtifactError: the model cannot be stored without pickle, or it does not
                read the schema the way `data.load` presents it.
            DataValidationError: `test_data` or `train_data` breaks the schema.
        """
        user = inspect_user_model(model)
        test = data_layer.load(test_data)
        train = data_layer.load(train_data) if train_data is not None else None

        def stage(staging: Path) -> ModelVersion:
            save_model(
                staging / "model",
                [Member(user.estimator, user.family)],
                features=user.features,
                input_kind=user.input_kind,
            )
            stored = load_model(staging / "model")  # measure exactly what is stored
            y_test = target_vector(test)
            test_proba = stored.predict_proba_frame(test)
            metrics = compute_metrics(y_test, test_proba)
            # The drift monitor's reference: the training inputs when given (else the test
            # inputs, the closest to them we have), held-out scores and test metrics.
            write_reference(
                staging,
                build_reference(
                    train if train is not None else test, scores=test_proba, metrics=metrics
                ),
            )
            baseline = None
            if train is not None:
                base = baseline_proba(
                    encode_frame(train, user.features),
                    target_vector(train),
                    encode_frame(test, user.features),
                    user.features,
                )
                baseline = compute_metrics(y_test, base)
            return _draft(
                name=name,
                description=description,
                tags=tags,
                properties=properties,
                model_type=stored.manifest.model_type,
                input_kind=user.input_kind,
                members=list(stored.manifest.members),
                input_schema=list(user.features),
                metrics=metrics,
                metrics_source="test",
                baseline_metrics=baseline,
                training=TrainingInfo(
                    origin="user",
                    data_source=None if train is None else train.attrs.get("source"),
                    data_sha256=None if train is None else train.attrs.get("sha256"),
                    train_rows=None if train is None else len(train),
                    test_rows=len(test),
                ),
                library_versions=library_versions(),
            )

        return self._backend.register(name, stage)

    def get(self, name: str, version: int | str = "latest") -> ModelVersion:
        """One version (`"latest"` by default). Raises `ModelNotFoundError`."""
        return self._backend.get(name, version)

    def list(self, name: str | None = None) -> builtins.list[ModelVersion]:
        """Every version of `name`, or of every model, oldest first."""
        return self._backend.list(name)

    def delete(self, name: str, version: int | str | None = None) -> None:
        """Delete one version, or all versions of `name`. Deleting what is gone is fine."""
        self._backend.delete(name, version)

    def update(
        self,
        name: str,
        version: int | str = "latest",
        *,
        description: str | None = None,
        tags: dict[str, str] | None = None,
        properties: dict[str, str] | None = None,
    ) -> ModelVersion:
        """Replace a version's description, tags or properties (the model never changes)."""
        return self._backend.update(
            name, version, description=description, tags=tags, properties=properties
        )

    def load_scorer(
        self, name: str, version: int | str = "latest", *, native: bool = False
    ) -> Scorer:
        """A compiled scorer for the version: records in, labels and probabilities out.

        Args:
            name: The model's name.
            version: A version number, or `"latest"`.
            native: Also compile its LightGBM and XGBoost members to native code before
                returning (needs a C compiler; see `Scorer.compile_native`).
        """
        return Scorer.load(self._backend.model_dir(name, version), native=native)


def _draft(**fields: Any) -> ModelVersion:
    """A version record before the registry gives it a number, path and time."""
    fields["tags"] = dict(fields.get("tags") or {})
    fields["properties"] = dict(fields.get("properties") or {})
    return ModelVersion(version=0, created_at=_PENDING, path=_PENDING, **fields)

"""The Azure ML model registry (`Model.register` / get / list) behind `ModelRegistry`.

What our registry knows beyond Azure's own fields (metrics beside the baseline, training
provenance, model type) travels in one model property, `bankops.version` (JSON), so any
client reading the workspace gets the same `ModelVersion` back.
"""

from __future__ import annotations

import builtins
import contextlib
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bankmarketing_ops._exceptions import ModelArtifactError, ModelNotFoundError, RegistryError
from bankmarketing_ops._logging import get_logger
from bankmarketing_ops.backends.azureml._sdk import require, sdk_error_text
from bankmarketing_ops.ml.features import feature_specs
from bankmarketing_ops.types.automl import TrainingRun
from bankmarketing_ops.types.registry import ModelVersion, TrainingInfo

__all__ = ["PROPERTY", "AzureRegistry", "decode_version", "encode_version"]

_log = get_logger(__name__)

PROPERTY = "bankops.version"
#: The folder name our staged files are uploaded under (and downloaded back into).
_STAGED = "bankops"
_OWN = {"name", "version", "created_at", "path", "tags", "properties", "description"}


def encode_version(draft: ModelVersion) -> str:
    """The fields Azure does not keep, as the compact JSON of the `bankops.version` property."""
    document = draft.model_dump(mode="json", exclude=_OWN | {"input_schema"})
    document["features"] = [f.name for f in draft.input_schema]
    return json.dumps(document, separators=(",", ":"))


def decode_version(model: Any) -> ModelVersion:
    """An SDK `Model` as our `ModelVersion` (registered by us or by anyone else)."""
    properties = dict(model.properties or {})
    raw = properties.pop(PROPERTY, None)
    created: Any = getattr(model, "created_time", None)
    common: dict[str, Any] = {
        "name": str(model.name),
        "version": int(model.version),
        "created_at": created.isoformat() if hasattr(created, "isoformat") else str(created or ""),
        "description": str(model.description or ""),
        "tags": {str(k): str(v) for k, v in (model.tags or {}).items()},
        "properties": {str(k): str(v) for k, v in properties.items()},
        "path": str(getattr(model, "url", None) or model.id),
    }
    if raw is None:  # a model registered outside bankmarketing_ops
        return ModelVersion(
            **common,
            model_type=str(getattr(model, "model_framework", None) or "unknown"),
            input_kind="frame",
            members=[],
            input_schema=list(feature_specs()),
            training=TrainingInfo(origin="automl" if model.run_id else "user", run_id=model.run_id),
        )
    document = json.loads(raw)
    names = set(document.pop("features", []))
    schema = [f for f in feature_specs() if f.name in names]
    return ModelVersion(**common, **document, input_schema=schema)


def _not_found(exc: BaseException) -> bool:
    text = sdk_error_text(exc).lower()
    return "not found" in text or "404" in text or "no such" in text


class AzureRegistry:
    """Model versions in an Azure ML workspace."""

    def __init__(self, workspace: Any, cache: Path) -> None:
        self._ws, self._cache = workspace, cache

    def _model(self, name: str, version: int | str = "latest") -> Any:
        core = require("azureml.core")
        try:
            if version == "latest":
                return core.Model(self._ws, name=name)
            return core.Model(self._ws, name=name, version=int(version))
        except Exception as exc:
            if _not_found(exc):
                raise ModelNotFoundError(f"no model {name}:{version} in the workspace") from None
            raise RegistryError(
                f"cannot read model {name}:{version}: {sdk_error_text(exc)}"
            ) from None

    def register(self, name: str, stage: Callable[[Path], ModelVersion]) -> ModelVersion:
        core = require("azureml.core")
        with tempfile.TemporaryDirectory(prefix="bankops-") as tmp:
            staging = Path(tmp) / _STAGED
            staging.mkdir()
            draft = stage(staging)
            # azureml-core refuses a model_path outside the current directory (a path
            # traversal guard in Model.register), so register from inside the temp folder.
            # The working directory is process-wide: do not register from two threads.
            with contextlib.chdir(tmp):
                model = core.Model.register(
                    workspace=self._ws,
                    model_path=_STAGED,
                    model_name=name,
                    tags=dict(draft.tags),
                    properties={**draft.properties, PROPERTY: encode_version(draft)},
                    description=draft.description,
                )
        _log.info("registered %s:%s in Azure ML", model.name, model.version)
        return decode_version(model)

    def register_run(
        self,
        run: TrainingRun,
        *,
        name: str,
        description: str,
        tags: dict[str, str] | None,
        properties: dict[str, str] | None,
        stage: Callable[[Path], ModelVersion],
    ) -> ModelVersion:
        """Register the best child's `outputs/model.pkl` (Azure's own registration)."""
        core = require("azureml.core")
        description_file = Path(run.run_dir) / "azureml_run.json"
        try:
            described = json.loads(description_file.read_text(encoding="utf-8"))
            best_child = str(described["best_child_run_id"])
        except (OSError, ValueError, KeyError) as exc:
            raise RegistryError(
                f"{description_file} does not describe an Azure run: {exc}"
            ) from None
        draft = ModelVersion(
            name=name,
            version=0,
            created_at="pending",
            path="pending",
            model_type=run.best.model_type,
            input_kind="frame",
            members=[],
            input_schema=list(feature_specs(drop_leaky=run.config.drop_leaky_columns)),
            metrics=run.test_metrics,
            baseline_metrics=run.baseline_metrics,
            training=TrainingInfo.of_run(run),
            library_versions=run.library_versions,
        )
        child = core.Run.get(self._ws, best_child)
        model = child.register_model(
            model_name=name,
            model_path=str(described.get("model_path", "outputs/model.pkl")),
            description=description,
            tags=dict(tags or {}),
            properties={**(properties or {}), PROPERTY: encode_version(draft)},
        )
        _log.info("registered %s:%s from run %s", model.name, model.version, best_child)
        return decode_version(model)

    def get(self, name: str, version: int | str = "latest") -> ModelVersion:
        return decode_version(self._model(name, version))

    def list(self, name: str | None = None) -> builtins.list[ModelVersion]:
        core = require("azureml.core")
        models = core.Model.list(self._ws, name=name) if name else core.Model.list(self._ws)
        versions = [decode_version(m) for m in models]
        return sorted(versions, key=lambda v: (v.name, v.version))

    def delete(self, name: str, version: int | str | None = None) -> None:
        try:  # deleting what is gone is fine (delete is idempotent)
            targets = (
                [self._model(name, version)]
                if version is not None
                else [self._model(name, v.version) for v in self.list(name)]
            )
        except ModelNotFoundError:
            return
        for model in targets:
            try:
                model.delete()
            except Exception as exc:
                if not _not_found(exc):
                    raise RegistryError(
                        f"cannot delete {model.id}: {sdk_error_text(exc)}"
                    ) from None

    def update(self, name: str, version: int | str, **changes: object) -> ModelVersion:
        model = self._model(name, version)
        description, tags, properties = (
            changes.get("description"),
            changes.get("tags"),
            changes.get("properties"),
        )
        if description is not None or tags is not None:
            model.update(description=description, tags=tags)
        if isinstance(properties, dict) and properties:
            model.add_properties({k: v for k, v in properties.items() if k != PROPERTY})
        return decode_version(self._model(name, int(model.version)))

    def model_dir(self, name: str, version: int | str = "latest") -> Path:
        """Download the version's files (once) and return its model folder."""
        model = self._model(name, version)
        if PROPERTY not in (model.properties or {}) or model.run_id:
            raise ModelArtifactError(
                f"{model.id} is Azure AutoML's pickled model: it is served by Azure and is "
                "never loaded on this machine (no pickle); score it through its endpoint"
            )
        target = self._cache / "models" / str(model.name) / str(model.version)
        folder = Path(model.download(target_dir=str(target), exist_ok=True))
        return folder / "model"

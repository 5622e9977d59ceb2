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
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bankmarketing_ops._exceptions import (
    BankOpsError,
    ConfigurationError,
    ModelArtifactError,
    ModelNotFoundError,
    RegistryError,
)
from bankmarketing_ops._logging import get_logger
from bankmarketing_ops.backends.azureml._sdk import reading, require, translated
from bankmarketing_ops.ml.features import feature_specs
from bankmarketing_ops.types.automl import TrainingRun
from bankmarketing_ops.types.registry import ModelVersion, TrainingInfo

__all__ = ["PROPERTY", "AzureRegistry", "decode_version", "encode_version"]

_log = get_logger(__name__)

PROPERTY = "bankops.version"
#: The folder name our staged files are uploaded under (and downloaded back into).
_STAGED = "bankops"
_OWN = {"name", "version", "created_at", "path", "tags", "properties", "description"}
#: `Model.register` must run inside the staging folder, and the working directory is the
#: whole process's: registrations from several threads take turns.
_CHDIR = threading.Lock()


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
    if raw is not None:
        try:
            document = json.loads(raw)
            names = set(document.pop("features", []))
            schema = [f for f in feature_specs() if f.name in names]
            return ModelVersion(**common, **document, input_schema=schema)
        except (ValueError, TypeError, AttributeError) as exc:  # ValidationError included
            # written by another version of bankmarketing_ops, or edited: list the model
            # anyway, as one registered elsewhere, and keep the property as it is
            _log.warning(
                "%s:%s has a %s property this version cannot read (%s); it is listed "
                "without our metadata",
                common["name"],
                common["version"],
                PROPERTY,
                type(exc).__name__,
            )
            common["properties"][PROPERTY] = str(raw)
    # a model registered outside bankmarketing_ops
    return ModelVersion(
        **common,
        model_type=str(getattr(model, "model_framework", None) or "unknown"),
        input_kind="frame",
        members=[],
        input_schema=list(feature_specs()),
        training=TrainingInfo(origin="automl" if model.run_id else "user", run_id=model.run_id),
    )


def read_model(
    workspace: Any,
    name: str,
    version: int | str = "latest",
    *,
    error: type[BankOpsError] = RegistryError,
) -> Any:
    """The SDK `Model` `name:version` (or the latest); `ModelNotFoundError` when there is
    none, `error` for anything else Azure says."""
    core = require("azureml.core")
    with reading(error, f"model {name}:{version}", not_found=ModelNotFoundError):
        if version == "latest":
            return core.Model(workspace, name=name)
        return core.Model(workspace, name=name, version=int(version))


class AzureRegistry:
    """Model versions in an Azure ML workspace."""

    def __init__(self, workspace: Any, cache: Path) -> None:
        self._ws, self._cache = workspace, cache

    def _model(self, name: str, version: int | str = "latest") -> Any:
        return read_model(self._ws, name, version, error=RegistryError)

    def register(self, name: str, stage: Callable[[Path], ModelVersion]) -> ModelVersion:
        core = require("azureml.core")
        with tempfile.TemporaryDirectory(prefix="bankops-") as tmp:
            staging = Path(tmp) / _STAGED
            staging.mkdir()
            draft = stage(staging)
            # azureml-core refuses a model_path outside the current directory (a path
            # traversal guard in Model.register), so register from inside the temp folder.
            # The working directory is process-wide: registrations take turns (_CHDIR).
            with (
                _CHDIR,
                contextlib.chdir(tmp),
                translated(RegistryError, f"register model {name!r}"),
            ):
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
            metrics=run.metrics,
            metrics_source=run.metrics_source,
            baseline_metrics=run.baseline_metrics,
            training=TrainingInfo.of_run(run),
            library_versions=run.library_versions,
        )
        with translated(RegistryError, f"register the model of run {best_child} as {name!r}"):
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
        with translated(RegistryError, f"list the versions of {name!r}" if name else "list models"):
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
                with translated(
                    RegistryError, f"delete model {model.id}", not_found=ModelNotFoundError
                ):
                    model.delete()
            except ModelNotFoundError:  # deleted meanwhile
                continue

    def update(self, name: str, version: int | str, **changes: object) -> ModelVersion:
        """Replace the description, tags or properties given (None leaves one as it is).

        The SDK's `Model.update` skips falsy values (an empty description or `tags={}`
        would silently change nothing), so the json-patch is sent as the SDK itself sends
        it, with every value given. Azure model properties are immutable: new keys are
        added; changing or removing an existing one raises `ConfigurationError`.
        """
        model = self._model(name, version)
        description, tags, properties = (
            changes.get("description"),
            changes.get("tags"),
            changes.get("properties"),
        )
        patch: builtins.list[dict[str, Any]] = []
        if isinstance(tags, dict):
            patch.append({"op": "replace", "path": "/kvTags", "value": dict(tags)})
        if description is not None:
            patch.append({"op": "replace", "path": "/description", "value": str(description)})
        if isinstance(properties, dict):
            current = dict(model.properties or {})
            ours = {k: v for k, v in current.items() if k != PROPERTY}
            wanted = {str(k): str(v) for k, v in properties.items() if k != PROPERTY}
            refused = sorted(k for k in ours if k not in wanted or wanted[k] != ours[k])
            if refused:
                raise ConfigurationError(
                    "Azure ML model properties cannot be changed or removed once set "
                    f"({', '.join(refused)}); add new keys, or use tags for what changes"
                )
            if any(k not in ours for k in wanted):
                patch.append({"op": "add", "path": "/properties", "value": {**current, **wanted}})
        if patch:
            client = require("azureml._restclient.models_client")
            with translated(
                RegistryError, f"update model {model.id}", not_found=ModelNotFoundError
            ):
                client.ModelsClient(self._ws.service_context).patch(model.id, body=patch)
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
        with translated(RegistryError, f"download model {model.id}"):
            folder = Path(model.download(target_dir=str(target), exist_ok=True))
        return folder / "model"

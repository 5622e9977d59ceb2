"""A model registry on the filesystem: `<root>/models/<name>/<version>/`.

A version appears in one `rename` of a fully written staging directory, under a lock
that also decides its number, so a crash or Ctrl-C mid-write leaves no version (only a
`.staging-*` directory that nothing reads and a later `register` sweeps away). Deletes
rename the version away first for the same reason.
"""

from __future__ import annotations

import builtins
import contextlib
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bankmarketing_ops._atomic import atomic_write_text
from bankmarketing_ops._exceptions import ConfigurationError, ModelNotFoundError, RegistryError
from bankmarketing_ops._locks import exclusive
from bankmarketing_ops._logging import get_logger
from bankmarketing_ops._rules import MODEL_NAME_PATTERN, check_model_name
from bankmarketing_ops.ml.artifacts import load_model
from bankmarketing_ops.ml.cards import model_card
from bankmarketing_ops.types.automl import TrainingRun
from bankmarketing_ops.types.registry import ModelVersion

__all__ = ["LocalRegistry", "VersionSpec"]

_log = get_logger(__name__)
_NAME = re.compile(MODEL_NAME_PATTERN)
_METADATA = "version.json"
_STAGING_PREFIX = ".staging-"
_COUNTER = ".last-version"
_STALE_STAGING_S = 3600
VersionSpec = int | str


class LocalRegistry:
    """Versions of named models under `<root>/models`."""

    def __init__(self, root: Path) -> None:
        self._models = root / "models"

    # --- writing ------------------------------------------------------------------------
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
        """An AutoML run's model: here the run's files are staged like any other model."""
        return self.register(name, stage)

    def register(self, name: str, stage: Callable[[Path], ModelVersion]) -> ModelVersion:
        """Stage a version with `stage(staging_dir)`, then publish it under the next number.

        `stage` writes `model/` (and anything else) into the staging directory and returns
        the version's metadata; version number, path and time are set here.
        """
        check_model_name(name)
        model_root = self._models / name
        model_root.mkdir(parents=True, exist_ok=True)
        staging = model_root / f"{_STAGING_PREFIX}{uuid.uuid4().hex}"
        staging.mkdir()
        try:
            draft = stage(staging)
            load_model(staging / "model")  # never publish what cannot be loaded back
            with self._lock():
                self._sweep(model_root)
                version = self._next_version(model_root)
                final = model_root / str(version)
                record = draft.model_copy(
                    update={
                        "name": name,
                        "version": version,
                        "path": str(final),
                        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    }
                )
                atomic_write_text(staging / _METADATA, record.model_dump_json(indent=2) + "\n")
                atomic_write_text(staging / "MODEL_CARD.md", model_card(record))
                os.rename(staging, final)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _log.info("registered model %s", record.ref)
        return record

    def update(self, name: str, version: VersionSpec, **changes: object) -> ModelVersion:
        with self._lock():
            current = self.get(name, version)
            record = current.model_copy(update={k: v for k, v in changes.items() if v is not None})
            path = Path(current.path)
            atomic_write_text(path / _METADATA, record.model_dump_json(indent=2) + "\n")
            atomic_write_text(path / "MODEL_CARD.md", model_card(record))
        return record

    def delete(self, name: str, version: VersionSpec | None = None) -> None:
        """Delete one version, or every version of `name`; deleting nothing is fine."""
        check_model_name(name)
        with self._lock():
            existing = self._versions(name)
            if version is None:
                numbers = existing
            elif version == "latest":
                numbers = existing[-1:]
            else:
                numbers = [n for n in existing if str(n) == str(version)]
            for number in numbers:
                doomed = self._models / name / str(number)
                trash = self._models / name / f".deleted-{uuid.uuid4().hex}"
                with contextlib.suppress(FileNotFoundError):
                    os.rename(doomed, trash)
                    shutil.rmtree(trash, ignore_errors=True)
                    _log.info("deleted model %s:%d", name, number)
            # The folder stays (it keeps the version counter and may hold another
            # process's staging directory).

    # --- reading ------------------------------------------------------------------------
    def get(self, name: str, version: VersionSpec = "latest") -> ModelVersion:
        check_model_name(name)
        number = self._resolve(name, version)
        path = self._models / name / str(number) / _METADATA
        try:
            return ModelVersion.model_validate_json(path.read_text())
        except FileNotFoundError:
            raise ModelNotFoundError(f"model {name}:{number} does not exist") from None
        except ValueError as exc:
            raise RegistryError(f"{path} is unreadable: {exc}") from None

    def list(self, name: str | None = None) -> builtins.list[ModelVersion]:
        names = (
            [name]
            if name is not None
            else sorted(
                p.name for p in self._models.glob("*") if p.is_dir() and _NAME.match(p.name)
            )
        )
        return [self.get(n, v) for n in names for v in self._versions(n)]  # empty: deleted

    def model_dir(self, name: str, version: VersionSpec = "latest") -> Path:
        return Path(self.get(name, version).path) / "model"

    # --- internals ----------------------------------------------------------------------
    def _versions(self, name: str) -> builtins.list[int]:
        folder = self._models / name
        if not folder.is_dir():
            return []
        return sorted(int(p.name) for p in folder.iterdir() if p.name.isdigit())

    def _resolve(self, name: str, version: VersionSpec) -> int:
        versions = self._versions(name)
        if not versions:
            known = ", ".join(
                sorted(
                    p.name
                    for p in self._models.glob("*")
                    if _NAME.match(p.name) and self._versions(p.name)
                )
            )
            raise ModelNotFoundError(
                f"no model named {name!r}" + (f" (registered: {known})" if known else "")
            )
        if version == "latest":
            return versions[-1]
        try:
            number = int(version)
        except (TypeError, ValueError):
            raise ConfigurationError(
                f"version must be a number or 'latest', not {version!r}"
            ) from None
        if number not in versions:
            raise ModelNotFoundError(
                f"model {name} has no version {number} (versions: {', '.join(map(str, versions))})"
            )
        return number

    def _next_version(self, model_root: Path) -> int:
        """The next number for this name: never reused, even after deletes (held lock)."""
        counter = model_root / _COUNTER
        try:
            last = int(counter.read_text())
        except (FileNotFoundError, ValueError):
            last = 0
        version = max(last, *self._versions(model_root.name), 0) + 1
        atomic_write_text(counter, f"{version}\n")
        return version

    def _sweep(self, model_root: Path) -> None:
        now = time.time()
        for stale in model_root.glob(f"{_STAGING_PREFIX}*"):
            with contextlib.suppress(OSError):
                if now - stale.stat().st_mtime > _STALE_STAGING_S:
                    shutil.rmtree(stale, ignore_errors=True)
        for trash in model_root.glob(".deleted-*"):
            shutil.rmtree(trash, ignore_errors=True)

    def _lock(self) -> contextlib.AbstractContextManager[None]:
        return exclusive(self._models)

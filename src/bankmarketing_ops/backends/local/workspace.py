"""The local workspace: a directory that holds everything the local backend keeps."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from bankmarketing_ops import _constants as C
from bankmarketing_ops._atomic import atomic_write_text
from bankmarketing_ops._exceptions import WorkspaceError
from bankmarketing_ops._logging import get_logger
from bankmarketing_ops.backends.base import BackendKind, BackendTimings, WorkspaceInfo
from bankmarketing_ops.backends.local.automl import LocalAutoML
from bankmarketing_ops.backends.local.deploy import LocalDeployer
from bankmarketing_ops.backends.local.insights import LocalInsights
from bankmarketing_ops.backends.local.pipelines import LocalPipelines
from bankmarketing_ops.backends.local.registry import LocalRegistry

__all__ = ["LocalBackend"]

_log = get_logger(__name__)


class LocalBackend:
    """A workspace rooted at a directory on this machine.

    The directory is created on the first write (training, registering, deploying,
    publishing), with a `workspace.json` manifest that records the layout version, so a
    newer library can tell an older workspace apart. Reading a workspace that does not
    exist finds it empty and leaves nothing behind.
    """

    def __init__(self, root: Path) -> None:
        self._root = root.expanduser().absolute()

    @property
    def kind(self) -> BackendKind:
        return "local"

    @property
    def timings(self) -> BackendTimings:
        return BackendTimings.of(self.kind)

    @property
    def root(self) -> Path:
        """The workspace directory (absolute)."""
        return self._root

    @property
    def automl(self) -> LocalAutoML:
        self.info()
        return LocalAutoML(self._root)

    def _check(self) -> None:
        """Check the manifest of an existing workspace; a missing one is left missing
        (its components create what they write)."""
        if self._root.is_dir():
            self.info()

    @property
    def registry(self) -> LocalRegistry:
        self._check()
        return LocalRegistry(self._root)

    @property
    def deployer(self) -> LocalDeployer:
        self._check()
        return LocalDeployer(self._root)

    @property
    def insights(self) -> LocalInsights:
        self._check()
        return LocalInsights(self._root)

    @property
    def pipelines(self) -> LocalPipelines:
        """Published pipelines, their server and their runs under `<root>/pipelines/`."""
        return LocalPipelines(self._root)

    def info(self) -> WorkspaceInfo:
        manifest = self._root / C.WORKSPACE_MANIFEST
        if not manifest.exists():
            self._create(manifest)
        try:
            raw = json.loads(manifest.read_text(encoding="utf-8"))
            version = int(raw["format_version"])
            created_at = str(raw["created_at"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise WorkspaceError(
                f"{manifest} is not a bankmarketing_ops workspace manifest ({exc}); "
                "point BANKOPS_WORKSPACE at another directory or remove the file."
            ) from None
        if version > C.WORKSPACE_FORMAT_VERSION:
            raise WorkspaceError(
                f"workspace {self._root} has layout version {version}, newer than this "
                f"library understands ({C.WORKSPACE_FORMAT_VERSION}); upgrade bankmarketing-ops."
            )
        return WorkspaceInfo(
            backend="local",
            location=str(self._root),
            format_version=version,
            created_at=created_at,
        )

    def _create(self, manifest: Path) -> None:
        if self._root.exists() and not self._root.is_dir():
            raise WorkspaceError(f"workspace path {self._root} exists and is not a directory")
        document = {
            "format_version": C.WORKSPACE_FORMAT_VERSION,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        try:
            atomic_write_text(manifest, json.dumps(document, indent=2) + "\n")
        except OSError as exc:
            raise WorkspaceError(f"cannot create workspace at {self._root}: {exc}") from None
        _log.info("created local workspace at %s", self._root)

    def __repr__(self) -> str:
        return f"LocalBackend(root={str(self._root)!r})"

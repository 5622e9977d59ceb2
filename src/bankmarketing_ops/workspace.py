"""`Workspace`: the entry point that owns a backend. Users pick the backend here, only here."""

from __future__ import annotations

from pathlib import Path

from bankmarketing_ops.backends.base import Backend, BackendKind, WorkspaceInfo
from bankmarketing_ops.backends.local import LocalBackend
from bankmarketing_ops.config import Settings, get_settings

__all__ = ["Workspace"]


class Workspace:
    """A place where models, services, telemetry and pipelines live.

    Make one with `Workspace.local(...)` (the default backend) or
    `Workspace.from_settings()`, which reads `BANKOPS_WORKSPACE`. The facades of later
    capabilities take a workspace and never care which backend is behind it.

    Example:
        >>> ws = Workspace.local("/tmp/demo-ws")
        >>> ws.kind
        'local'
    """

    def __init__(self, backend: Backend) -> None:
        self._backend = backend

    @classmethod
    def local(cls, path: str | Path | None = None) -> Workspace:
        """A local workspace rooted at `path` (default: `BANKOPS_WORKSPACE`, else `./.bankops`)."""
        root = Path(path) if path is not None else get_settings().workspace
        return cls(LocalBackend(root))

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Workspace:
        """The workspace the environment describes (today always local)."""
        settings = settings or get_settings()
        return cls(LocalBackend(settings.workspace))

    @property
    def backend(self) -> Backend:
        """The backend that serves this workspace."""
        return self._backend

    @property
    def kind(self) -> BackendKind:
        """`"local"` or `"azureml"`."""
        return self._backend.kind

    def info(self) -> WorkspaceInfo:
        """Describe the workspace, creating it on first use."""
        return self._backend.info()

    def __repr__(self) -> str:
        return f"Workspace({self._backend!r})"

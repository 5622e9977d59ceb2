"""Protocols the facades call. Backends return pydantic models, never dicts."""

from __future__ import annotations

from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

__all__ = ["Backend", "BackendKind", "WorkspaceInfo"]

BackendKind = Literal["local", "azureml"]


class WorkspaceInfo(BaseModel):
    """What a workspace is and where it lives."""

    model_config = ConfigDict(frozen=True)

    backend: BackendKind
    """Which backend serves this workspace."""
    location: str
    """A directory for `local`; the workspace's resource id for `azureml`."""
    format_version: int
    """Version of the on-disk (or remote) layout this library wrote."""
    created_at: str
    """ISO-8601 UTC time the workspace was first created."""


@runtime_checkable
class Backend(Protocol):
    """What every backend offers. Later capabilities add their sub-protocols here."""

    @property
    def kind(self) -> BackendKind:
        """The backend's name."""
        ...

    def info(self) -> WorkspaceInfo:
        """Describe the workspace, creating its bookkeeping on first use."""
        ...

"""The workspace a command works on: the settings, overridden by the root command's
`--backend` and `--azure-config`."""

from __future__ import annotations

from contextvars import ContextVar
from pathlib import Path
from typing import Any

from bankmarketing_ops._exceptions import ConfigurationError
from bankmarketing_ops.config import AzureAuthKind, BackendName, Settings, get_settings
from bankmarketing_ops.workspace import Workspace

#: The root command's choices for the command it runs (set anew by every invocation).
_overrides: ContextVar[dict[str, Any]] = ContextVar("workspace_overrides", default={})  # noqa: B039


def remember(*, backend: BackendName | None, azure_config: Path | None) -> None:
    """Keep the root command's choices for `open_workspace` (unset ones leave the
    settings alone)."""
    overrides: dict[str, Any] = {}
    if backend is not None:
        overrides["backend"] = backend
    if azure_config is not None:
        overrides["azure_config"] = azure_config
    _overrides.set(overrides)


def _settings(**more: Any) -> Settings:
    settings = get_settings()
    overrides = {**_overrides.get(), **{k: v for k, v in more.items() if v is not None}}
    return settings.model_copy(update=overrides) if overrides else settings


def open_local_workspace(command: str, instead: str) -> Workspace:
    """The local workspace, for a command that runs on this machine by nature (a
    foreground server); with another backend chosen, a `ConfigurationError` that says
    what to use there instead."""
    settings = _settings()
    if settings.backend != "local":
        raise ConfigurationError(
            f"bankops {command} runs on this machine and works with the local backend only "
            f"(the backend chosen is {settings.backend}); {instead}"
        )
    return Workspace.from_settings(settings)


def open_workspace(
    *,
    backend: BackendName | None = None,
    azure_config: Path | None = None,
    azure_auth: AzureAuthKind | None = None,
) -> Workspace:
    """The workspace of this invocation: `BANKOPS_*` settings, with the root command's
    `--backend` / `--azure-config` on top (and a command's own choices, given here, on
    top of those). Every command opens its workspace here."""
    return Workspace.from_settings(
        _settings(backend=backend, azure_config=azure_config, azure_auth=azure_auth)
    )

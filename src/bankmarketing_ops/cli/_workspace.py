"""The workspace a command works on: the settings, overridden by the root command's
`--backend` and `--azure-config`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from bankmarketing_ops.config import BackendName, get_settings
from bankmarketing_ops.workspace import Workspace

#: Where the root command keeps its options for the commands under it (`ctx.obj`).
_OVERRIDES = "workspace_overrides"


def remember(ctx: click.Context, *, backend: BackendName | None, azure_config: Path | None) -> None:
    """Keep the root command's choices for `open_workspace` (unset ones leave the
    settings alone)."""
    overrides: dict[str, Any] = {}
    if backend is not None:
        overrides["backend"] = backend
    if azure_config is not None:
        overrides["azure_config"] = azure_config
    ctx.ensure_object(dict)[_OVERRIDES] = overrides


def open_workspace() -> Workspace:
    """The workspace of this invocation: `BANKOPS_*` settings, with the root command's
    `--backend` / `--azure-config` on top. Every command opens its workspace here."""
    settings = get_settings()
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx is not None else None
    overrides = (root.obj or {}).get(_OVERRIDES, {}) if root is not None else {}
    if overrides:
        settings = settings.model_copy(update=overrides)
    return Workspace.from_settings(settings)

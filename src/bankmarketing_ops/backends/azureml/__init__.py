"""The Azure ML (SDK v1) backend. Importing this package does not import `azureml`.

The SDK is imported inside functions, at first use; without the `[azureml]` extra those
raise `MissingExtraError` with the install command.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from bankmarketing_ops.backends.azureml.options import AuthKind, AzureMLOptions

if TYPE_CHECKING:
    from bankmarketing_ops.backends.azureml.session import StaticTokenCredential
    from bankmarketing_ops.backends.azureml.workspace import AzureMLBackend

__all__ = ["AuthKind", "AzureMLBackend", "AzureMLOptions", "StaticTokenCredential"]

#: Loaded at first use: the backend's modules are not needed by a local workspace, and
#: `import bankmarketing_ops` (every CLI command) should not pay for them.
_LAZY = {
    "AzureMLBackend": "bankmarketing_ops.backends.azureml.workspace",
    "StaticTokenCredential": "bankmarketing_ops.backends.azureml.session",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""Lazy access to the Azure ML SDK v1: nothing here imports `azureml` at module import."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from bankmarketing_ops._exceptions import MissingExtraError

__all__ = ["EXTRA", "require", "sdk_error_text"]

EXTRA = "azureml"


def require(module: str) -> ModuleType:
    """Import `module` from the `[azureml]` extra, or raise `MissingExtraError`."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(EXTRA, missing=exc.name or module) from None


def sdk_error_text(exc: BaseException) -> str:
    """A one-line description of an SDK error (its message, never its request headers)."""
    message: Any = getattr(exc, "message", None) or str(exc)
    return " ".join(str(message).split())[:500]

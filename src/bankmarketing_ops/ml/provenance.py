"""What produced a model: library versions recorded with every run and version."""

from __future__ import annotations

import contextlib
import platform
from importlib import metadata
from typing import Final

__all__ = ["library_versions"]

_LIBRARIES: Final = (
    "bankmarketing-ops",
    "flaml",
    "lightgbm",
    "xgboost",
    "xgboost-cpu",  # the same `xgboost` module, without the CUDA library
    "catboost",
    "treelite",
    "scikit-learn",
    "skops",
    "numpy",
    "pandas",
)


def library_versions() -> dict[str, str]:
    """Python's and the installed versions of the libraries a model depends on."""
    versions = {"python": platform.python_version()}
    for name in _LIBRARIES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    return versions

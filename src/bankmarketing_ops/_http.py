"""HTTP defaults every client of the package shares (the full policy grows with the clients)."""

from __future__ import annotations

import platform

from bankmarketing_ops import _constants as C
from bankmarketing_ops._version import __version__

__all__ = ["user_agent"]


def user_agent() -> str:
    """`bankmarketing-ops/<version> python/<version>`: who is calling, for server logs."""
    return f"{C.DISTRIBUTION_NAME}/{__version__} python/{platform.python_version()}"

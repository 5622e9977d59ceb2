"""bankmarketing_ops: from raw data to a monitored, authenticated ML endpoint.

The public names are re-exported here; everything else is private. Start with
`Workspace` and the `data` module::

    from bankmarketing_ops import Workspace, data

    frame = data.load(data.locate().path)
    ws = Workspace.local()
"""

from bankmarketing_ops import data
from bankmarketing_ops._exceptions import (
    BankOpsError,
    ChecksumMismatchError,
    ConfigurationError,
    DataError,
    DataNotFoundError,
    DataValidationError,
    DownloadError,
    NetworkUnavailableError,
    WorkspaceError,
)
from bankmarketing_ops._version import __version__
from bankmarketing_ops.backends.base import WorkspaceInfo
from bankmarketing_ops.config import Settings, get_settings
from bankmarketing_ops.workspace import Workspace

__all__ = [
    "BankOpsError",
    "ChecksumMismatchError",
    "ConfigurationError",
    "DataError",
    "DataNotFoundError",
    "DataValidationError",
    "DownloadError",
    "NetworkUnavailableError",
    "Settings",
    "Workspace",
    "WorkspaceError",
    "WorkspaceInfo",
    "__version__",
    "data",
    "get_settings",
]

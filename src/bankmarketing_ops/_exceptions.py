"""The one exception tree of bankmarketing_ops.

Every error the library raises on purpose derives from `BankOpsError`, so callers can
catch one class::

    BankOpsError
    ├── ConfigurationError          a setting or environment variable is invalid
    ├── WorkspaceError              the workspace directory is unusable
    └── DataError
        ├── DataNotFoundError       no data file where one was named
        ├── DataValidationError     the data breaks the schema (carries the full report)
        └── DownloadError           the public data file could not be fetched
            ├── NetworkUnavailableError   no route to the host: use --data PATH / BANKOPS_DATA
            └── ChecksumMismatchError     the bytes are not the published file

Later capabilities add their own branches below `BankOpsError`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bankmarketing_ops.data.models import ValidationReport

__all__ = [
    "BankOpsError",
    "ChecksumMismatchError",
    "ConfigurationError",
    "DataError",
    "DataNotFoundError",
    "DataValidationError",
    "DownloadError",
    "NetworkUnavailableError",
    "WorkspaceError",
]


class BankOpsError(Exception):
    """Base class of every error raised by bankmarketing_ops."""


class ConfigurationError(BankOpsError):
    """A setting (argument or `BANKOPS_*` environment variable) has an invalid value."""


class WorkspaceError(BankOpsError):
    """The workspace directory cannot be created, read or written."""


class DataError(BankOpsError):
    """Something is wrong with the data: where it is, how it reads, or what it holds."""


class DataNotFoundError(DataError):
    """The data file named by the user does not exist or is not a file."""


class DataValidationError(DataError):
    """The data breaks the schema. `report` lists every problem with row and column."""

    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        super().__init__(report.summary())


class DownloadError(DataError):
    """The data file could not be downloaded."""


class NetworkUnavailableError(DownloadError):
    """The download host cannot be reached at all (no network, DNS failure, refused)."""


class ChecksumMismatchError(DownloadError):
    """The downloaded bytes do not have the expected sha256; nothing was cached."""

    def __init__(self, *, url: str, expected: str, actual: str) -> None:
        self.url = url
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"checksum mismatch for {url}: expected sha256 {expected}, got {actual}. "
            "The file was discarded; nothing was cached."
        )

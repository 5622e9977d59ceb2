"""The one exception tree of bankmarketing_ops.

Every error the library raises on purpose derives from `BankOpsError`, so callers can
catch one class::

    BankOpsError
    ├── ConfigurationError          a setting, option or environment variable is invalid
    ├── WorkspaceError              the workspace directory is unusable
    ├── DataError
    │   ├── DataNotFoundError       no data file where one was named
    │   ├── DataValidationError     the data breaks the schema (carries the full report)
    │   └── DownloadError           the public data file could not be fetched
    │       ├── NetworkUnavailableError   no route to the host: use --data PATH / BANKOPS_DATA
    │       └── ChecksumMismatchError     the bytes are not the published file
    ├── TrainingError               AutoML could not produce a model
    │   ├── BudgetTooSmallError     the time budget cannot fit one iteration
    │   └── TrainingCanceledError   the run was canceled (Ctrl-C); nothing was registered
    ├── RegistryError
    │   ├── ModelNotFoundError      no such model name or version
    │   └── ModelArtifactError      a model cannot be stored or loaded safely
    ├── ScoringValidationError      records to score break the schema (row and field given)
    └── DeploymentError             a service cannot be started, changed or reached
        └── ServiceNotFoundError    no service by that name
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from bankmarketing_ops.data.models import ValidationReport

__all__ = [
    "BankOpsError",
    "BudgetTooSmallError",
    "ChecksumMismatchError",
    "ConfigurationError",
    "DataError",
    "DataNotFoundError",
    "DataValidationError",
    "DeploymentError",
    "DownloadError",
    "FieldError",
    "ModelArtifactError",
    "ModelNotFoundError",
    "NetworkUnavailableError",
    "RegistryError",
    "ScoringValidationError",
    "ServiceNotFoundError",
    "TrainingCanceledError",
    "TrainingError",
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


class TrainingError(BankOpsError):
    """AutoML could not produce a model."""


class BudgetTooSmallError(TrainingError):
    """The time budget is too short for even one iteration."""


class TrainingCanceledError(TrainingError):
    """The run was canceled before it finished; nothing was registered."""


class RegistryError(BankOpsError):
    """The model registry cannot do what was asked."""


class ModelNotFoundError(RegistryError):
    """No model with that name, or no such version of it."""


class ModelArtifactError(RegistryError):
    """A model cannot be stored in, or loaded from, a safe (non-pickle) format."""


class FieldError(NamedTuple):
    """One bad field of one record: where, and what is wrong."""

    row: int
    """0-based position of the record in the request."""
    field: str
    message: str


class ScoringValidationError(BankOpsError):
    """Records to score break the schema. `errors` names each row and field."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(f"row {first.row}, field {first.field!r}: {first.message}{more}")


class DeploymentError(BankOpsError):
    """A service cannot be started, changed or reached."""


class ServiceNotFoundError(DeploymentError):
    """No service with that name in the workspace."""

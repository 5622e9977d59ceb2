"""The one exception tree of bankmarketing_ops.

Every error the library raises on purpose derives from `BankOpsError`, so callers can
catch one class::

    BankOpsError
    ├── ConfigurationError          a setting, option or environment variable is invalid
    │   ├── MissingExtraError       an optional extra (e.g. [azureml]) is not installed
    │   ├── CredentialError         the cloud refused the credentials, or found none
    │   └── UnsupportedFeatureError this backend does not have the feature (says what to use)
    ├── WorkspaceError              the workspace directory is unusable
    ├── OperationTimeoutError       a long operation (train, deploy, run) outlived `timeout`
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
    ├── DeploymentError             a service cannot be started, changed or reached
    │   ├── ServiceNotFoundError    no service by that name
    │   └── ServiceExistsError      a service by that name exists already
    ├── DriftError                  drift or performance cannot be measured as asked
    │   └── ReferenceNotFoundError  the model version has no reference profile
    ├── PipelineError               a pipeline cannot be defined, published or run
    │   ├── PipelineNotFoundError   no such published pipeline, endpoint or run
    │   ├── PipelineParameterError  unknown, ill-typed or missing parameters (each named)
    │   └── PipelineRunError        a run failed (carries the run: failing step, error, logs)
    └── APIError                    an HTTP call of a client failed
        ├── APIConnectionError      no answer: refused, reset, DNS …
        │   └── APITimeoutError     no answer in time
        ├── APIResponseError        an answer the client cannot read
        │   └── ProbabilitiesNotSupportedError  labels came back for predict_proba
        └── APIStatusError          an answer with a 4xx/5xx status (one class per status)
            ├── BadRequestError 400, AuthenticationError 401, PermissionDeniedError 403,
            ├── NotFoundError 404, RequestTooLargeError 413, UnsupportedMediaTypeError 415,
            ├── UnprocessableEntityError 422 (with row and field), RateLimitError 429
            └── InternalServerError ≥ 500
                └── ScoringScriptError     the endpoint's scoring script failed (Azure's
                                           500 with x-ms-run-function-failed, or v1's
                                           200 with {"error": ...}); not retried
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from bankmarketing_ops.data.models import ValidationReport
    from bankmarketing_ops.types.pipelines import PipelineRun

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BankOpsError",
    "BudgetTooSmallError",
    "ChecksumMismatchError",
    "ConfigurationError",
    "CredentialError",
    "DataError",
    "DataNotFoundError",
    "DataValidationError",
    "DeploymentError",
    "DownloadError",
    "DriftError",
    "FieldError",
    "InternalServerError",
    "MissingExtraError",
    "ModelArtifactError",
    "ModelNotFoundError",
    "NetworkUnavailableError",
    "NotFoundError",
    "OperationTimeoutError",
    "ParameterProblem",
    "PermissionDeniedError",
    "PipelineError",
    "PipelineNotFoundError",
    "PipelineParameterError",
    "PipelineRunError",
    "ProbabilitiesNotSupportedError",
    "RateLimitError",
    "ReferenceNotFoundError",
    "RegistryError",
    "RequestTooLargeError",
    "ScoringScriptError",
    "ScoringValidationError",
    "ServiceExistsError",
    "ServiceNotFoundError",
    "TrainingCanceledError",
    "TrainingError",
    "UnprocessableEntityError",
    "UnsupportedFeatureError",
    "UnsupportedMediaTypeError",
    "WorkspaceError",
]


class BankOpsError(Exception):
    """Base class of every error raised by bankmarketing_ops."""


class ConfigurationError(BankOpsError):
    """A setting (argument or `BANKOPS_*` environment variable) has an invalid value."""


class MissingExtraError(ConfigurationError):
    """An optional extra this call needs is not installed; the message gives the command.

    Example: the `azureml` backend without `pip install 'bankmarketing_ops[azureml]'`.
    """

    def __init__(self, extra: str, *, missing: str | None = None, note: str | None = None) -> None:
        self.extra = extra
        self.install_command = f"pip install 'bankmarketing_ops[{extra}]'"
        what = f" ({missing} is not installed)" if missing else ""
        after = f" ({note})" if note else ""
        super().__init__(f"this needs the [{extra}] extra{what}: {self.install_command}{after}")


class CredentialError(ConfigurationError):
    """The cloud backend refused the credentials, or none could be found; the message says
    which sign-in was tried and how to fix it."""


class UnsupportedFeatureError(ConfigurationError):
    """The workspace's backend does not have this feature (an optional capability, see the
    capability table in the docs); the message names the backend and what to use instead.
    """

    def __init__(self, *, backend: str, feature: str, instead: str) -> None:
        self.backend, self.feature, self.instead = backend, feature, instead
        super().__init__(f"the {backend} backend has no {feature}; {instead}")


class OperationTimeoutError(BankOpsError, TimeoutError):
    """A long operation is still going after the `timeout` its poller was given; it was
    not stopped (poll it again, or cancel it). Also a builtin `TimeoutError`."""

    def __init__(self, message: str, *, operation_id: str) -> None:
        self.operation_id = operation_id
        super().__init__(message)


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


class ServiceExistsError(DeploymentError):
    """A service with that name exists already (deploy to it as an update instead)."""


class DriftError(BankOpsError):
    """Drift or model performance cannot be measured as asked (bad window, bad labels …)."""


class ReferenceNotFoundError(DriftError):
    """The model version has no reference profile of its training data (registered
    before drift monitoring existed); `DriftMonitor.set_reference` gives it one."""


class PipelineError(BankOpsError):
    """A pipeline cannot be defined, published, triggered or run."""


class PipelineNotFoundError(PipelineError):
    """No published pipeline, pipeline endpoint or run with that id or name."""


class ParameterProblem(NamedTuple):
    """One bad pipeline parameter: which, and what is wrong."""

    name: str
    message: str


class PipelineParameterError(PipelineError):
    """Parameters of a run are unknown, of the wrong type or missing; `problems` names each."""

    def __init__(self, problems: list[ParameterProblem]) -> None:
        self.problems = problems
        super().__init__(
            "bad pipeline parameters: " + "; ".join(f"{p.name}: {p.message}" for p in problems)
        )


class PipelineRunError(PipelineError):
    """A pipeline run ended Failed or Canceled; `run` holds its steps, error and log files."""

    def __init__(self, run: PipelineRun) -> None:
        self.run = run
        super().__init__(f"pipeline run {run.id} {run.status.lower()}: {run.error or 'no error'}")


class APIError(BankOpsError):
    """An HTTP call made by one of the package's clients failed.

    `request_id` is the answer's `x-ms-request-id` when there was an answer: quote it to
    whoever runs the endpoint (it keys the request in their logs and telemetry).
    """

    def __init__(
        self, message: str, *, method: str = "", url: str = "", request_id: str | None = None
    ) -> None:
        super().__init__(message)
        self.method = method
        self.url = url
        self.request_id = request_id


class APIConnectionError(APIError):
    """The server could not be reached (refused, reset, DNS); retried before raising."""


class APITimeoutError(APIConnectionError):
    """The server did not answer in time; retried before raising."""


class APIResponseError(APIError):
    """The server answered 2xx with a body the client cannot read."""


class ProbabilitiesNotSupportedError(APIResponseError):
    """`predict_proba` was asked for and labels came back: the endpoint's scoring script
    ignores `method` (Azure AutoML's v1 template does). The client never returns labels in
    place of probabilities; score with `method="predict"`, or redeploy with a scoring
    script that supports `predict_proba` (AutoML's v2 template)."""


class APIStatusError(APIError):
    """The server answered with an error status. `body` is its parsed JSON (or text)."""

    status_code: int = 0

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        body: object,
        method: str = "",
        url: str = "",
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, method=method, url=url, request_id=request_id)
        self.status_code = status_code
        self.body = body


class BadRequestError(APIStatusError):
    """400: malformed JSON or a request of the wrong shape."""


class AuthenticationError(APIStatusError):
    """401: the key is missing or wrong."""


class PermissionDeniedError(APIStatusError):
    """403: the request is not allowed (for example a browser origin)."""


class NotFoundError(APIStatusError):
    """404: no such route or resource."""


class RequestTooLargeError(APIStatusError):
    """413: the body is over the server's limit; send smaller chunks."""


class UnsupportedMediaTypeError(APIStatusError):
    """415: the content type is not `application/json`."""


class UnprocessableEntityError(APIStatusError):
    """422: a field of the wrong type or an unknown category; `errors` names row and field."""

    @property
    def errors(self) -> list[FieldError]:
        raw = self.body.get("errors", []) if isinstance(self.body, dict) else []
        return [
            FieldError(int(e.get("row", -1)), str(e.get("field", "")), str(e.get("message", "")))
            for e in raw
            if isinstance(e, dict)
        ]


class RateLimitError(APIStatusError):
    """429: too many requests; retried (honouring Retry-After) before raising."""


class InternalServerError(APIStatusError):
    """5xx: the server failed; retried before raising."""


class ScoringScriptError(InternalServerError):
    """The endpoint's scoring script failed; `server_message` keeps the server's words.

    Azure's inference server answers a script that raised with 500, the header
    `x-ms-run-function-failed: True` and its own message; AutoML's v1 template catches the
    error itself and answers 200 with `{"error": "<the model's message>"}` (then
    `status_code` is 200). The same records fail the same way, so neither is retried.
    """

    @property
    def server_message(self) -> str:
        body = self.body
        if isinstance(body, dict):
            return str(body.get("message", body.get("error", body)))
        return str(body)

"""bankmarketing_ops: from raw data to a monitored, authenticated ML endpoint.

The public names are re-exported here; everything else is private. Start with
`Workspace` and the `data` module::

    from bankmarketing_ops import Workspace, data

    frame = data.load(data.locate().path)
    ws = Workspace.local()
"""

from bankmarketing_ops import data
from bankmarketing_ops._exceptions import (
    APIConnectionError,
    APIError,
    APIResponseError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BankOpsError,
    BudgetTooSmallError,
    ChecksumMismatchError,
    ConfigurationError,
    CredentialError,
    DataError,
    DataNotFoundError,
    DataValidationError,
    DeploymentError,
    DownloadError,
    DriftError,
    FieldError,
    InternalServerError,
    MissingExtraError,
    ModelArtifactError,
    ModelNotFoundError,
    NetworkUnavailableError,
    NotFoundError,
    ParameterProblem,
    PermissionDeniedError,
    PipelineError,
    PipelineNotFoundError,
    PipelineParameterError,
    PipelineRunError,
    RateLimitError,
    ReferenceNotFoundError,
    RegistryError,
    RequestTooLargeError,
    ScoringValidationError,
    ServiceNotFoundError,
    TrainingCanceledError,
    TrainingError,
    UnprocessableEntityError,
    UnsupportedMediaTypeError,
    WorkspaceError,
)
from bankmarketing_ops._version import __version__
from bankmarketing_ops.automl import (
    AutoMLTrainer,
    TrainingPoller,
)
from bankmarketing_ops.backends.azureml import (
    AzureMLOptions,
)
from bankmarketing_ops.backends.base import (
    WorkspaceInfo,
)
from bankmarketing_ops.champion import (
    Evaluation,
    compare_models,
    compare_with_deployed,
)
from bankmarketing_ops.client import (
    AsyncEndpointClient,
    EndpointClient,
    HttpPolicy,
    PipelineClient,
    ScoreResponse,
)
from bankmarketing_ops.config import (
    Settings,
    get_settings,
)
from bankmarketing_ops.deploy import (
    DeploymentPoller,
    ModelDeployer,
)
from bankmarketing_ops.drift import (
    DriftMonitor,
    LabelsLogged,
)
from bankmarketing_ops.insights import (
    InsightsManager,
)
from bankmarketing_ops.ml.metrics import (
    ClassificationMetrics,
)
from bankmarketing_ops.pipelines import (
    PipelinePublisher,
    PipelineRunPoller,
    training_pipeline,
)
from bankmarketing_ops.registry import (
    ModelRegistry,
)
from bankmarketing_ops.serving.scorer import (
    Scorer,
    Scores,
)
from bankmarketing_ops.steps import (
    StepContext,
)
from bankmarketing_ops.types.automl import (
    AutoMLConfig,
    BestModel,
    EnsembleMember,
    Iteration,
    LeakCost,
    TrainingRun,
    TrainingStatus,
)
from bankmarketing_ops.types.deploy import (
    ServiceKeys,
    WebService,
)
from bankmarketing_ops.types.drift import (
    CategoricalReference,
    DriftAlert,
    DriftOptions,
    DriftReport,
    FeatureDrift,
    NumericReference,
    PerformanceWindow,
    ReferenceProfile,
    WindowDrift,
)
from bankmarketing_ops.types.insights import (
    RequestRecord,
    TelemetrySummary,
    TimelineBucket,
)
from bankmarketing_ops.types.pipelines import (
    Pipeline,
    PipelineEndpoint,
    PipelineParameter,
    PipelineRun,
    PipelineStep,
    PublishedPipeline,
    StepRun,
    TriggerResult,
)
from bankmarketing_ops.types.registry import (
    ModelVersion,
    TrainingInfo,
)
from bankmarketing_ops.workspace import (
    Workspace,
)

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncEndpointClient",
    "AuthenticationError",
    "AutoMLConfig",
    "AutoMLTrainer",
    "AzureMLOptions",
    "BadRequestError",
    "BankOpsError",
    "BestModel",
    "BudgetTooSmallError",
    "CategoricalReference",
    "ChecksumMismatchError",
    "ClassificationMetrics",
    "ConfigurationError",
    "CredentialError",
    "DataError",
    "DataNotFoundError",
    "DataValidationError",
    "DeploymentError",
    "DeploymentPoller",
    "DownloadError",
    "DriftAlert",
    "DriftError",
    "DriftMonitor",
    "DriftOptions",
    "DriftReport",
    "EndpointClient",
    "EnsembleMember",
    "Evaluation",
    "FeatureDrift",
    "FieldError",
    "HttpPolicy",
    "InsightsManager",
    "InternalServerError",
    "Iteration",
    "LabelsLogged",
    "LeakCost",
    "MissingExtraError",
    "ModelArtifactError",
    "ModelDeployer",
    "ModelNotFoundError",
    "ModelRegistry",
    "ModelVersion",
    "NetworkUnavailableError",
    "NotFoundError",
    "NumericReference",
    "ParameterProblem",
    "PerformanceWindow",
    "PermissionDeniedError",
    "Pipeline",
    "PipelineClient",
    "PipelineEndpoint",
    "PipelineError",
    "PipelineNotFoundError",
    "PipelineParameter",
    "PipelineParameterError",
    "PipelinePublisher",
    "PipelineRun",
    "PipelineRunError",
    "PipelineRunPoller",
    "PipelineStep",
    "PublishedPipeline",
    "RateLimitError",
    "ReferenceNotFoundError",
    "ReferenceProfile",
    "RegistryError",
    "RequestRecord",
    "RequestTooLargeError",
    "ScoreResponse",
    "Scorer",
    "Scores",
    "ScoringValidationError",
    "ServiceKeys",
    "ServiceNotFoundError",
    "Settings",
    "StepContext",
    "StepRun",
    "TelemetrySummary",
    "TimelineBucket",
    "TrainingCanceledError",
    "TrainingError",
    "TrainingInfo",
    "TrainingPoller",
    "TrainingRun",
    "TrainingStatus",
    "TriggerResult",
    "UnprocessableEntityError",
    "UnsupportedMediaTypeError",
    "WebService",
    "WindowDrift",
    "Workspace",
    "WorkspaceError",
    "WorkspaceInfo",
    "__version__",
    "compare_models",
    "compare_with_deployed",
    "data",
    "get_settings",
    "training_pipeline",
]

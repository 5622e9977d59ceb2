"""bankmarketing_ops: from raw data to a monitored, authenticated ML endpoint.

The public names are re-exported here; everything else is private. Start with
`Workspace` and the `data` module::

    from bankmarketing_ops import Workspace, data

    frame = data.load(data.locate().path)
    ws = Workspace.local()
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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
    OperationTimeoutError,
    ParameterProblem,
    PermissionDeniedError,
    PipelineError,
    PipelineNotFoundError,
    PipelineParameterError,
    PipelineRunError,
    ProbabilitiesNotSupportedError,
    RateLimitError,
    ReferenceNotFoundError,
    RegistryError,
    RequestTooLargeError,
    ScoringScriptError,
    ScoringValidationError,
    ServiceExistsError,
    ServiceNotFoundError,
    TrainingCanceledError,
    TrainingError,
    UnprocessableEntityError,
    UnsupportedFeatureError,
    UnsupportedMediaTypeError,
    WorkspaceError,
)
from bankmarketing_ops._version import __version__

if TYPE_CHECKING:  # what the lazy names below are, for type checkers and the API docs
    from bankmarketing_ops import data
    from bankmarketing_ops.automl import (
        AutoMLTrainer,
        TrainingPoller,
    )
    from bankmarketing_ops.backends.azureml import (
        AzureMLOptions,
    )
    from bankmarketing_ops.backends.base import (
        BackendTimings,
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
    from bankmarketing_ops.poller import (
        Poller,
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

# Public names load on first use (PEP 562), so that `from bankmarketing_ops import
# EndpointClient` costs the client's modules and not pandas, scikit-learn or FLAML.
_LAZY: dict[str, str] = {
    "AsyncEndpointClient": "bankmarketing_ops.client",
    "AutoMLConfig": "bankmarketing_ops.types.automl",
    "AutoMLTrainer": "bankmarketing_ops.automl",
    "AzureMLOptions": "bankmarketing_ops.backends.azureml",
    "BackendTimings": "bankmarketing_ops.backends.base",
    "BestModel": "bankmarketing_ops.types.automl",
    "CategoricalReference": "bankmarketing_ops.types.drift",
    "ClassificationMetrics": "bankmarketing_ops.ml.metrics",
    "DeploymentPoller": "bankmarketing_ops.deploy",
    "DriftAlert": "bankmarketing_ops.types.drift",
    "DriftMonitor": "bankmarketing_ops.drift",
    "DriftOptions": "bankmarketing_ops.types.drift",
    "DriftReport": "bankmarketing_ops.types.drift",
    "EndpointClient": "bankmarketing_ops.client",
    "EnsembleMember": "bankmarketing_ops.types.automl",
    "Evaluation": "bankmarketing_ops.champion",
    "FeatureDrift": "bankmarketing_ops.types.drift",
    "HttpPolicy": "bankmarketing_ops.client",
    "InsightsManager": "bankmarketing_ops.insights",
    "Iteration": "bankmarketing_ops.types.automl",
    "LabelsLogged": "bankmarketing_ops.drift",
    "LeakCost": "bankmarketing_ops.types.automl",
    "ModelDeployer": "bankmarketing_ops.deploy",
    "ModelRegistry": "bankmarketing_ops.registry",
    "ModelVersion": "bankmarketing_ops.types.registry",
    "NumericReference": "bankmarketing_ops.types.drift",
    "PerformanceWindow": "bankmarketing_ops.types.drift",
    "Pipeline": "bankmarketing_ops.types.pipelines",
    "PipelineClient": "bankmarketing_ops.client",
    "PipelineEndpoint": "bankmarketing_ops.types.pipelines",
    "PipelineParameter": "bankmarketing_ops.types.pipelines",
    "PipelinePublisher": "bankmarketing_ops.pipelines",
    "PipelineRun": "bankmarketing_ops.types.pipelines",
    "PipelineRunPoller": "bankmarketing_ops.pipelines",
    "PipelineStep": "bankmarketing_ops.types.pipelines",
    "Poller": "bankmarketing_ops.poller",
    "PublishedPipeline": "bankmarketing_ops.types.pipelines",
    "ReferenceProfile": "bankmarketing_ops.types.drift",
    "RequestRecord": "bankmarketing_ops.types.insights",
    "ScoreResponse": "bankmarketing_ops.client",
    "Scorer": "bankmarketing_ops.serving.scorer",
    "Scores": "bankmarketing_ops.serving.scorer",
    "ServiceKeys": "bankmarketing_ops.types.deploy",
    "Settings": "bankmarketing_ops.config",
    "StepContext": "bankmarketing_ops.steps",
    "StepRun": "bankmarketing_ops.types.pipelines",
    "TelemetrySummary": "bankmarketing_ops.types.insights",
    "TimelineBucket": "bankmarketing_ops.types.insights",
    "TrainingInfo": "bankmarketing_ops.types.registry",
    "TrainingPoller": "bankmarketing_ops.automl",
    "TrainingRun": "bankmarketing_ops.types.automl",
    "TrainingStatus": "bankmarketing_ops.types.automl",
    "TriggerResult": "bankmarketing_ops.types.pipelines",
    "WebService": "bankmarketing_ops.types.deploy",
    "WindowDrift": "bankmarketing_ops.types.drift",
    "Workspace": "bankmarketing_ops.workspace",
    "WorkspaceInfo": "bankmarketing_ops.backends.base",
    "compare_models": "bankmarketing_ops.champion",
    "compare_with_deployed": "bankmarketing_ops.champion",
    "get_settings": "bankmarketing_ops.config",
    "training_pipeline": "bankmarketing_ops.pipelines",
}


def __getattr__(name: str) -> Any:
    if name == "data":
        return importlib.import_module("bankmarketing_ops.data")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'bankmarketing_ops' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


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
    "BackendTimings",
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
    "OperationTimeoutError",
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
    "Poller",
    "ProbabilitiesNotSupportedError",
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
    "ScoringScriptError",
    "ScoringValidationError",
    "ServiceExistsError",
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
    "UnsupportedFeatureError",
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

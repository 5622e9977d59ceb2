"""`AzureMLBackend`: one Azure ML workspace (SDK v1) behind the backend protocols."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from platformdirs import user_cache_dir

from bankmarketing_ops import _constants as C
from bankmarketing_ops._exceptions import WorkspaceError
from bankmarketing_ops.backends.azureml._sdk import translated
from bankmarketing_ops.backends.azureml.automl import AzureAutoML
from bankmarketing_ops.backends.azureml.deploy import AzureDeployer
from bankmarketing_ops.backends.azureml.insights import AzureInsights
from bankmarketing_ops.backends.azureml.options import AzureMLOptions
from bankmarketing_ops.backends.azureml.pipelines import AzurePipelines
from bankmarketing_ops.backends.azureml.registry import AzureRegistry
from bankmarketing_ops.backends.base import BackendKind, BackendTimings, WorkspaceInfo

__all__ = ["AzureMLBackend"]

#: The layout version of what this library writes into an Azure ML workspace (names,
#: the `bankops.version` model property).
FORMAT_VERSION = 1


class AzureMLBackend:
    """An Azure ML workspace: compute clusters, registry, web services, App Insights.

    `sdk_workspace` is an `azureml.core.Workspace` (`Workspace.azureml()` makes it);
    `credential` is the Entra credential that reads Application Insights; `auth` the
    SDK auth object whose header triggers published pipelines (default: the workspace's).
    """

    def __init__(
        self,
        sdk_workspace: Any,
        *,
        credential: Any = None,
        auth: Any = None,
        options: AzureMLOptions | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self._ws = sdk_workspace
        self._auth = auth if auth is not None else getattr(sdk_workspace, "_auth_object", None)
        self._credential = credential
        self.options = options or AzureMLOptions()
        base = cache_dir or Path(user_cache_dir(C.PACKAGE_NAME, appauthor=False)) / "azureml"
        self._cache = base / str(sdk_workspace.name)
        self._details: dict[str, Any] | None = None

    def details(self) -> dict[str, Any]:
        """The workspace's ARM description (read once; its linked resources do not move)."""
        if self._details is None:
            with translated(WorkspaceError, f"read the details of workspace {self._ws.name!r}"):
                self._details = dict(self._ws.get_details())
        return self._details

    @property
    def kind(self) -> BackendKind:
        return "azureml"

    @property
    def timings(self) -> BackendTimings:
        return BackendTimings.of(self.kind)

    @property
    def sdk_workspace(self) -> Any:
        """The `azureml.core.Workspace` (for what this library does not wrap)."""
        return self._ws

    @property
    def automl(self) -> AzureAutoML:
        return AzureAutoML(self._ws, self.options, self._cache)

    @property
    def registry(self) -> AzureRegistry:
        return AzureRegistry(self._ws, self._cache)

    @property
    def deployer(self) -> AzureDeployer:
        return AzureDeployer(self._ws, self.options, self._cache)

    @property
    def pipelines(self) -> AzurePipelines:
        return AzurePipelines(self._ws, self.automl, self._auth, self.options.experiment_name)

    @property
    def insights(self) -> AzureInsights:
        return AzureInsights(self.details, self._credential)

    def info(self) -> WorkspaceInfo:
        details = self.details()
        resource_id = details.get("id") or (
            f"/subscriptions/{self._ws.subscription_id}/resourceGroups/{self._ws.resource_group}"
            f"/providers/Microsoft.MachineLearningServices/workspaces/{self._ws.name}"
        )
        return WorkspaceInfo(
            backend="azureml",
            location=str(resource_id),
            format_version=FORMAT_VERSION,
            created_at=str(details.get("creationTime") or ""),
        )

    def __repr__(self) -> str:
        return (
            f"AzureMLBackend(workspace={self._ws.name!r}, "
            f"resource_group={self._ws.resource_group!r})"
        )

"""`Workspace`: the entry point that owns a backend. Users pick the backend here, only here."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from bankmarketing_ops.backends import capabilities
from bankmarketing_ops.backends.base import Backend, BackendKind, BackendTimings, WorkspaceInfo
from bankmarketing_ops.backends.local import LocalBackend
from bankmarketing_ops.config import Settings, get_settings

if TYPE_CHECKING:
    from bankmarketing_ops.backends.azureml import AuthKind, AzureMLOptions

__all__ = ["Workspace"]


class Workspace:
    """A place where models, services, telemetry and pipelines live.

    Make one with `Workspace.local(...)` (the default backend),
    `Workspace.from_settings()`, which reads `BANKOPS_BACKEND` and the settings of that
    backend, or on Azure ML with `Workspace.azureml(...)` / `Workspace.from_config()`
    (needs the `[azureml]` extra).
    The facades take a workspace and never care which backend is behind it.

    Example:
        >>> ws = Workspace.local("/tmp/demo-ws")
        >>> ws.kind
        'local'
    """

    def __init__(self, backend: Backend) -> None:
        self._backend = backend

    @classmethod
    def local(cls, path: str | Path | None = None) -> Workspace:
        """A local workspace rooted at `path` (default: `BANKOPS_WORKSPACE`, else the nearest
        `.bankops` in the current directory or its parents, else `./.bankops`)."""
        root = Path(path) if path is not None else get_settings().resolved_workspace()
        return cls(LocalBackend(root))

    @classmethod
    def azureml(
        cls,
        subscription_id: str,
        resource_group: str,
        workspace_name: str,
        *,
        auth: AuthKind | Any = "interactive",
        tenant_id: str | None = None,
        token: str | None = None,
        credential: Any = None,
        options: AzureMLOptions | None = None,
    ) -> Workspace:
        """An Azure ML workspace (SDK v1), opened now (one ARM request).

        Args:
            subscription_id: The Azure subscription.
            resource_group: The workspace's resource group.
            workspace_name: The Azure ML workspace.
            auth: `"interactive"` (browser), `"service_principal"` (from `AZURE_TENANT_ID`,
                `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET`), `"cli"` (`az login`), `"msi"`,
                `"token"` (with `token=`), or an `azureml.core.authentication` object.
            tenant_id: The Entra tenant for interactive and CLI sign-in.
            token: An ARM access token, for `auth="token"`.
            credential: The Entra `TokenCredential` that reads Application Insights;
                by default one that matches `auth` (`azure-identity`). Required with
                `auth="token"` (an ARM token cannot read Azure Monitor).
            options: Compute, naming and deployment options (`AzureMLOptions`).

        Raises:
            MissingExtraError: the `[azureml]` extra is not installed.
            ConfigurationError: service-principal variables, the token or (with a
                token) `credential` are missing.
            CredentialError: Azure refused the sign-in.
            WorkspaceError: the workspace cannot be opened.
        """
        from bankmarketing_ops.backends.azureml import session

        sdk_auth = session.make_auth(auth, tenant_id=tenant_id, token=token)
        if credential is None:  # before any request: a missing one is a configuration error
            credential = session.monitor_credential(auth, tenant_id=tenant_id)
        sdk_workspace = session.connect(
            subscription_id, resource_group, workspace_name, auth=sdk_auth
        )
        return cls._azure(sdk_workspace, sdk_auth, credential, options)

    @classmethod
    def from_config(
        cls,
        path: str | Path | None = None,
        *,
        auth: AuthKind | Any = "interactive",
        tenant_id: str | None = None,
        token: str | None = None,
        credential: Any = None,
        options: AzureMLOptions | None = None,
    ) -> Workspace:
        """The Azure ML workspace an Azure `config.json` names (as `Workspace.azureml`).

        `path` is the file or a folder holding it (or `.azureml/config.json`); None
        searches the current directory and its parents, as the SDK does.
        """
        from bankmarketing_ops.backends.azureml import session

        # the file first: a missing one is reported before any sign-in (a browser window)
        names = session.read_config(path)
        return cls.azureml(
            names["subscription_id"],
            names["resource_group"],
            names["workspace_name"],
            auth=auth,
            tenant_id=tenant_id,
            token=token,
            credential=credential,
            options=options,
        )

    @classmethod
    def _azure(
        cls,
        sdk_workspace: Any,
        sdk_auth: Any,
        credential: Any,
        options: AzureMLOptions | None,
    ) -> Workspace:
        from bankmarketing_ops.backends.azureml.workspace import AzureMLBackend

        return cls(
            AzureMLBackend(sdk_workspace, credential=credential, auth=sdk_auth, options=options)
        )

    @classmethod
    def from_settings(
        cls, settings: Settings | None = None, *, options: AzureMLOptions | None = None
    ) -> Workspace:
        """The workspace the settings describe (default: the `BANKOPS_*` variables).

        `backend="local"`: the local workspace (`Workspace.local()`). `backend="azureml"`:
        the Azure ML workspace of the `config.json` at `azure_config` (else searched
        upward from the current directory, as `Workspace.from_config()` does), signed in
        as `azure_auth` says; `token` reads `AZUREML_ARM_TOKEN` and `AZUREML_MONITOR_TOKEN`.

        Raises:
            ConfigurationError: no `config.json`, or the sign-in's variables are missing.
            MissingExtraError: `azureml` without the `[azureml]` extra.
        """
        settings = settings or get_settings()
        if settings.backend == "local":
            return cls(LocalBackend(settings.resolved_workspace()))
        from bankmarketing_ops.backends.azureml import session

        tokens = session.environment_tokens() if settings.azure_auth == "token" else {}
        return cls.from_config(
            settings.azure_config,
            auth=settings.azure_auth,
            tenant_id=settings.azure_tenant_id,
            options=options,
            **tokens,
        )

    @property
    def backend(self) -> Backend:
        """The backend that serves this workspace."""
        return self._backend

    @property
    def kind(self) -> BackendKind:
        """`"local"` or `"azureml"`."""
        return self._backend.kind

    def info(self) -> WorkspaceInfo:
        """Describe the workspace, creating it on first use."""
        return self._backend.info()

    def supports(self, feature: capabilities.Feature) -> bool:
        """Whether this workspace's backend has an optional feature: `pipeline_server`,
        `capture`, `restart`, `telemetry_purge`, `log_follow` or `deployment_ids` (the
        capability table in the docs says which backend has which). Without it, the
        methods that need it raise `UnsupportedFeatureError`."""
        return capabilities.find(self._backend, capabilities.by_name(feature)) is not None

    @property
    def timings(self) -> BackendTimings:
        """How long this backend's work takes (demo budgets, telemetry delays)."""
        return self._backend.timings

    def __repr__(self) -> str:
        return f"Workspace({self._backend!r})"

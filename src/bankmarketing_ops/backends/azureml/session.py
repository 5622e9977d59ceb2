"""Signing in to Azure ML (SDK v1 auth objects) and to Azure Monitor (Entra credentials).

`auth` is one of `AuthKind` or a ready SDK auth object:

- `interactive`: a browser sign-in (`InteractiveLoginAuthentication`), for people;
- `service_principal`: `ServicePrincipalAuthentication` from `AZURE_TENANT_ID`,
  `AZURE_CLIENT_ID` and `AZURE_CLIENT_SECRET`, for automation and CI;
- `cli`: the `az login` session (`AzureCliAuthentication`);
- `msi`: the managed identity of the VM or compute (`MsiAuthentication`);
- `token`: an ARM access token you already hold (`ArmTokenAuthentication`).

Secrets are read from the environment, passed to the SDK and never logged.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, NamedTuple

from bankmarketing_ops._exceptions import ConfigurationError, CredentialError, WorkspaceError
from bankmarketing_ops._logging import get_logger
from bankmarketing_ops.backends.azureml._sdk import require, translated
from bankmarketing_ops.backends.azureml.options import AuthKind

__all__ = [
    "SERVICE_PRINCIPAL_VARIABLES",
    "TOKEN_VARIABLES",
    "StaticTokenCredential",
    "connect",
    "environment_tokens",
    "from_config",
    "make_auth",
    "monitor_credential",
]

_log = get_logger(__name__)

SERVICE_PRINCIPAL_VARIABLES = ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET")
#: `auth="token"` from the environment reads the tokens from these (never the command line).
TOKEN_VARIABLES = ("AZUREML_ARM_TOKEN", "AZUREML_MONITOR_TOKEN")


class _ServicePrincipal(NamedTuple):
    tenant_id: str
    client_id: str
    client_secret: str


def _service_principal() -> _ServicePrincipal:
    missing = [name for name in SERVICE_PRINCIPAL_VARIABLES if not os.environ.get(name)]
    if missing:
        raise ConfigurationError(
            "service-principal auth reads AZURE_TENANT_ID, AZURE_CLIENT_ID and "
            f"AZURE_CLIENT_SECRET; not set: {', '.join(missing)}"
        )
    return _ServicePrincipal(*(os.environ[name] for name in SERVICE_PRINCIPAL_VARIABLES))


def make_auth(
    auth: AuthKind | Any, *, tenant_id: str | None = None, token: str | None = None
) -> Any:
    """The SDK auth object for `auth` (a kind, or an SDK auth object passed through)."""
    if not isinstance(auth, str):
        return auth
    module = require("azureml.core.authentication")
    with translated(CredentialError, f"sign in ({auth})"):
        return _make_auth(module, auth, tenant_id=tenant_id, token=token)


def _make_auth(module: Any, auth: str, *, tenant_id: str | None, token: str | None) -> Any:
    if auth == "interactive":
        return module.InteractiveLoginAuthentication(tenant_id=tenant_id)
    if auth == "service_principal":
        sp = _service_principal()
        return module.ServicePrincipalAuthentication(
            tenant_id=sp.tenant_id,
            service_principal_id=sp.client_id,
            service_principal_password=sp.client_secret,
        )
    if auth == "cli":
        return module.AzureCliAuthentication()
    if auth == "msi":
        return module.MsiAuthentication()
    if auth == "token":
        if not token:
            raise ConfigurationError("auth='token' needs token=<an ARM access token>")
        return module.ArmTokenAuthentication(token)
    raise ConfigurationError(
        f"auth must be interactive, service_principal, cli, msi, token or an SDK auth "
        f"object, not {auth!r}"
    )


def _jwt_expiry(token: str) -> int | None:
    """The `exp` claim of a JWT (read, not verified: Azure verifies it), if it has one."""
    import base64
    import json

    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return int(claims["exp"])
    except (IndexError, ValueError, KeyError, TypeError):
        return None


class StaticTokenCredential:
    """An Entra `TokenCredential` over a token you already hold (no refresh).

    Useful in scripts and tests; the token must be valid for the Azure Monitor audience
    (`https://api.loganalytics.io`).
    """

    def __init__(self, token: str, *, expires_on: int | None = None) -> None:
        self._token = token
        if expires_on is None:  # the token's own expiry, else an hour from now
            expires_on = _jwt_expiry(token) or int(time.time()) + 3600
        self._expires_on = expires_on

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        credentials = require("azure.core.credentials")
        return credentials.AccessToken(self._token, self._expires_on)

    def __repr__(self) -> str:
        return "StaticTokenCredential(token='**********')"


def environment_tokens() -> dict[str, Any]:
    """For `auth="token"` from the environment: the ARM token that opens the workspace
    (`token=`) and a credential over the Azure Monitor token that reads its telemetry
    (`credential=`), from `AZUREML_ARM_TOKEN` and `AZUREML_MONITOR_TOKEN`.

    Raises:
        ConfigurationError: a variable is not set (the message names it).
    """
    missing = [name for name in TOKEN_VARIABLES if not os.environ.get(name)]
    if missing:
        raise ConfigurationError(
            "token auth reads AZUREML_ARM_TOKEN (an ARM access token: az account "
            "get-access-token) and AZUREML_MONITOR_TOKEN (one for "
            f"https://api.loganalytics.io); not set: {', '.join(missing)}"
        )
    return {
        "token": os.environ["AZUREML_ARM_TOKEN"],
        "credential": StaticTokenCredential(os.environ["AZUREML_MONITOR_TOKEN"]),
    }


def monitor_credential(auth: AuthKind | Any, *, tenant_id: str | None = None) -> Any:
    """The Entra credential that reads Application Insights for this kind of sign-in.

    Query API keys were retired (2026-03-31), so telemetry is read with Entra tokens only.
    An ARM token (`auth="token"`) is not valid for Azure Monitor and there is no identity
    behind it to ask for another, so that kind needs `credential=` (`ConfigurationError`
    otherwise) rather than a silent switch to another identity. For an SDK auth object,
    `DefaultAzureCredential` is used (and logged).
    """
    if auth == "token":
        raise ConfigurationError(
            "auth='token' cannot read Application Insights with the ARM token: pass "
            "credential= as well, e.g. StaticTokenCredential(<a token for "
            "https://api.loganalytics.io>) or an azure-identity credential"
        )
    identity = require("azure.identity")
    if auth == "service_principal":
        sp = _service_principal()
        return identity.ClientSecretCredential(sp.tenant_id, sp.client_id, sp.client_secret)
    if auth == "interactive":
        return identity.InteractiveBrowserCredential(tenant_id=tenant_id)
    if auth == "cli":
        return identity.AzureCliCredential(tenant_id=tenant_id)
    if auth == "msi":
        return identity.ManagedIdentityCredential()
    _log.info(
        "Application Insights is read with DefaultAzureCredential (auth is %s); pass "
        "credential= to choose the identity",
        type(auth).__name__,
    )
    return identity.DefaultAzureCredential()


def connect(subscription_id: str, resource_group: str, workspace_name: str, *, auth: Any) -> Any:
    """The SDK `Workspace` (one ARM GET; raises `WorkspaceError` when it is not there)."""
    core = require("azureml.core")
    with translated(
        WorkspaceError,
        f"open Azure ML workspace {workspace_name!r} in resource group {resource_group!r}",
    ):
        return core.Workspace(
            subscription_id=subscription_id,
            resource_group=resource_group,
            workspace_name=workspace_name,
            auth=auth,
        )


def read_config(path: str | Path | None) -> dict[str, str]:
    """Read Azure's `config.json` (`subscription_id`, `resource_group`, `workspace_name`).

    `path` is the file or a directory holding it (or `.azureml/config.json`); None searches
    the current directory and its parents, as the SDK does.
    """
    import json

    candidates: list[Path] = []
    if path is not None:
        given = Path(path).expanduser()
        candidates = (
            [given / "config.json", given / ".azureml" / "config.json"]
            if given.is_dir()
            else [given]
        )
    else:
        here = Path.cwd()
        for folder in (here, *here.parents):
            candidates += [folder / "config.json", folder / ".azureml" / "config.json"]
    for candidate in candidates:
        if candidate.is_file():
            try:
                raw = json.loads(candidate.read_text(encoding="utf-8"))
                values = {
                    key: str(raw[key])
                    for key in ("subscription_id", "resource_group", "workspace_name")
                }
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise ConfigurationError(
                    f"{candidate} is not an Azure ML config.json (needs subscription_id, "
                    f"resource_group and workspace_name): {exc!r}"
                ) from None
            _log.debug("Azure ML workspace config read from %s", candidate)
            return values
    where = str(path) if path is not None else "the current directory or its parents"
    raise ConfigurationError(
        f"no Azure ML config.json in {where}; download it from the workspace's overview page "
        "in Azure ML studio"
    )


def from_config(path: str | Path | None, *, auth: Any) -> tuple[Any, dict[str, str]]:
    """The SDK `Workspace` a `config.json` describes, and the values read from it."""
    values = read_config(path)
    return connect(
        values["subscription_id"], values["resource_group"], values["workspace_name"], auth=auth
    ), values

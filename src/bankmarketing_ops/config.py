"""Settings read from `BANKOPS_*` environment variables (pydantic-settings).

Arguments given in code or on the command line always win over these; these win over
the defaults in `_constants`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from platformdirs import user_cache_dir
from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from bankmarketing_ops import _constants as C
from bankmarketing_ops._exceptions import ConfigurationError

__all__ = ["AzureAuthKind", "BackendName", "Settings", "find_workspace", "get_settings"]

#: The backends `BANKOPS_BACKEND` chooses between.
BackendName = Literal["local", "azureml"]
#: How the azureml backend signs in (`BANKOPS_AZURE_AUTH`); see `docs/azureml.md`.
AzureAuthKind = Literal["interactive", "cli", "service_principal", "msi", "token"]


class Settings(BaseSettings):
    """Configuration of bankmarketing_ops; each field maps to `BANKOPS_<FIELD>`."""

    model_config = SettingsConfigDict(env_prefix=C.ENV_PREFIX, extra="ignore", frozen=True)

    backend: BackendName = Field(
        default="local",
        description="Where commands run: `local` (this machine) or `azureml` (BANKOPS_BACKEND).",
    )
    workspace: Path | None = Field(
        default=None,
        description="Root directory of the local workspace (BANKOPS_WORKSPACE); unset, the "
        "nearest `.bankops` folder in the current directory or a parent, as git finds `.git`.",
    )
    azure_config: Path | None = Field(
        default=None,
        description="The Azure ML workspace's `config.json`, or a folder holding it "
        "(BANKOPS_AZURE_CONFIG); unset, searched in the current directory and its parents.",
    )
    azure_auth: AzureAuthKind = Field(
        default="interactive",
        description="How to sign in to Azure ML (BANKOPS_AZURE_AUTH): `interactive` (browser), "
        "`cli` (`az login`), `service_principal` (AZURE_TENANT_ID, AZURE_CLIENT_ID, "
        "AZURE_CLIENT_SECRET), `msi` (managed identity), `token` (AZUREML_ARM_TOKEN and "
        "AZUREML_MONITOR_TOKEN).",
    )
    azure_tenant_id: str | None = Field(
        default=None,
        description="The Entra tenant for interactive and CLI sign-in (BANKOPS_AZURE_TENANT_ID).",
    )
    data: Path | None = Field(
        default=None,
        description="A local copy of the data file to use instead of downloading (BANKOPS_DATA).",
    )
    data_url: str = Field(default=C.DEFAULT_DATA_URL, description="Where `fetch` downloads from.")
    data_sha256: str = Field(
        default=C.DEFAULT_DATA_SHA256,
        pattern=r"^[0-9a-fA-F]{64}$",
        description="Expected sha256 of the downloaded file.",
    )
    cache_dir: Path | None = Field(
        default=None,
        description="Download cache; defaults to the user's cache directory (BANKOPS_CACHE_DIR).",
    )
    native_scoring: bool = Field(
        default=True,
        description="Services compile LightGBM and XGBoost members to native code with the "
        "machine's C compiler, in the background, and score through it once built "
        "(BANKOPS_NATIVE_SCORING); libraries are cached under `<cache_dir>/native`.",
    )
    telemetry_retention_days: float = Field(
        default=30.0,
        gt=0,
        description="Request records older than this are deleted when a server starts "
        "(BANKOPS_TELEMETRY_RETENTION_DAYS); they can hold personal data.",
    )
    download_connect_timeout_s: float = Field(default=C.DOWNLOAD_CONNECT_TIMEOUT_S, gt=0)
    download_read_timeout_s: float = Field(default=C.DOWNLOAD_READ_TIMEOUT_S, gt=0)
    download_max_attempts: int = Field(default=C.DOWNLOAD_MAX_ATTEMPTS, ge=1, le=20)

    def resolved_workspace(self, start: Path | None = None) -> Path:
        """The local workspace directory: `workspace` when set, else `find_workspace`."""
        if self.workspace is not None:
            return self.workspace
        return find_workspace(start)

    def resolved_cache_dir(self) -> Path:
        """The download cache directory: `cache_dir`, else the platform's user cache."""
        if self.cache_dir is not None:
            return self.cache_dir
        return Path(user_cache_dir(C.PACKAGE_NAME, appauthor=False))


def find_workspace(start: Path | None = None) -> Path:
    """The nearest `.bankops` directory in `start` (default: the current directory) or
    one of its parents, as git finds `.git`; none found, `start/.bankops` (made on the
    first write, never by a command that only reads)."""
    here = (start or Path.cwd()).absolute()
    for folder in (here, *here.parents):
        candidate = folder / C.DEFAULT_WORKSPACE_DIR
        if candidate.is_dir():
            return candidate
    return here / C.DEFAULT_WORKSPACE_DIR


def get_settings() -> Settings:
    """Read the settings now, turning an invalid variable into a `ConfigurationError`."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{C.ENV_PREFIX}{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigurationError(f"invalid setting: {problems}") from None

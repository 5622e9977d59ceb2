"""Settings read from `BANKOPS_*` environment variables (pydantic-settings).

Arguments given in code or on the command line always win over these; these win over
the defaults in `_constants`.
"""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_cache_dir
from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from bankmarketing_ops import _constants as C
from bankmarketing_ops._exceptions import ConfigurationError

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    """Configuration of bankmarketing_ops; each field maps to `BANKOPS_<FIELD>`."""

    model_config = SettingsConfigDict(env_prefix=C.ENV_PREFIX, extra="ignore", frozen=True)

    workspace: Path = Field(
        default=Path(C.DEFAULT_WORKSPACE_DIR),
        description="Root directory of the local workspace (BANKOPS_WORKSPACE).",
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
    telemetry_retention_days: float = Field(
        default=30.0,
        gt=0,
        description="Request records older than this are deleted when a server starts "
        "(BANKOPS_TELEMETRY_RETENTION_DAYS); they can hold personal data.",
    )
    download_connect_timeout_s: float = Field(default=C.DOWNLOAD_CONNECT_TIMEOUT_S, gt=0)
    download_read_timeout_s: float = Field(default=C.DOWNLOAD_READ_TIMEOUT_S, gt=0)
    download_max_attempts: int = Field(default=C.DOWNLOAD_MAX_ATTEMPTS, ge=1, le=20)

    def resolved_cache_dir(self) -> Path:
        """The download cache directory: `cache_dir`, else the platform's user cache."""
        if self.cache_dir is not None:
            return self.cache_dir
        return Path(user_cache_dir(C.PACKAGE_NAME, appauthor=False))


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

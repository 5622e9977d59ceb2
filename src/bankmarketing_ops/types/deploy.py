"""What the deployer reports about services."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, SecretStr

__all__ = ["ServiceKeys", "ServiceState", "WebService"]

ServiceState = Literal["Healthy", "Transitioning", "Unhealthy"]


class WebService(BaseModel):
    """A deployed scoring service (Azure's `Webservice`)."""

    model_config = ConfigDict(frozen=True)

    name: str
    state: ServiceState
    """`Healthy` (answering), `Transitioning` (starting or loading), `Unhealthy` (its
    process is gone or does not answer: see `last_log_lines`)."""
    scoring_uri: str
    swagger_uri: str
    docs_uri: str
    model: str
    """`name:version` of the model it serves."""
    port: int
    pid: int | None
    """The first worker's process id (None when the service is not running)."""
    pids: list[int] = []
    """Every worker's process id."""
    workers: int = 1
    auth_enabled: bool
    cors_origins: list[str]
    insights_enabled: bool
    capture_sample_rate: float = 0.0
    """Share of scored records captured for drift monitoring (0 = capture off)."""
    created_at: str
    updated_at: str
    restarts: int = 0
    """Workers restarted after they died (since the service last started)."""
    last_exit_reason: str | None = None
    """How the last worker that died ended, e.g. `worker 0 (pid 123) killed by SIGKILL`."""
    deployment_id: str | None = None
    """Made anew each time the service is created (not when its model is switched); its
    telemetry records carry it. None on backends that do not keep one."""
    last_log_lines: list[str] = []
    """The end of the service log, when it is unhealthy."""


class ServiceKeys(BaseModel):
    """The two keys of a service; either one authenticates. Printed as `**********`."""

    model_config = ConfigDict(frozen=True)

    primary_key: SecretStr
    secondary_key: SecretStr

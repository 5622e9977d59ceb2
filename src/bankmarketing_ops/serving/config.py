"""What a scoring server needs to know, written by the deployer, read by the server."""

from __future__ import annotations

import hmac
import json
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bankmarketing_ops import _constants as C
from bankmarketing_ops._atomic import atomic_write_text

__all__ = ["KeyStore", "ServiceConfig", "new_deployment_id", "new_keys", "write_keys"]

SERVICE_FILE = "service.json"
KEYS_FILE = "keys.json"
RUNTIME_FILE = "runtime.json"


def runtime_file(worker: int) -> str:
    """`runtime-<n>.json`: worker n's pid and port, written by the worker itself."""
    return f"runtime-{worker}.json"


LOG_FILE = "server.log"

KeyName = Literal["primary", "secondary"]


class ServiceConfig(BaseModel):
    """The service file (`service.json`); the server rereads it when it changes."""

    model_config = ConfigDict(frozen=True)

    name: str
    model_ref: str
    """`name:version` of the registered model."""
    model_dir: str
    """The version's `model/` directory."""
    port: int
    host: str = C.SERVER_HOST
    auth_enabled: bool = True
    cors_origins: list[str] = Field(default_factory=list)
    """Origins allowed to call `/score` from a browser (`*` for any). `/swagger.json` and
    the docs are readable from any origin."""
    max_body_bytes: int = C.MAX_BODY_BYTES
    insights_enabled: bool = False
    capture_sample_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    """Share of scored records whose inputs and outputs are stored for drift monitoring
    (0 = capture off). Captured inputs are personal data: retention and purge apply."""
    workers: int = Field(default=1, ge=1, le=32)
    """Server processes sharing the port (SO_REUSEPORT); the kernel spreads connections."""
    max_header_bytes: int = Field(default=C.MAX_HEADER_BYTES, ge=1024)
    """Request line plus headers; more gets 431 (read at start)."""
    request_read_timeout_s: float = Field(default=C.REQUEST_READ_TIMEOUT_S, gt=0)
    """A request must arrive whole within this from its first byte; else 408 and the
    connection closes (read at start)."""
    max_connections: int = Field(default=C.MAX_CONNECTIONS, ge=1)
    """Open connections per worker; requests on more get 503 (read at start)."""
    drain_timeout_s: float = Field(default=C.DRAIN_TIMEOUT_S, ge=0)
    """On stop, how long requests on open keep-alive connections are still answered, with
    `Connection: close` (read at start)."""
    created_at: str
    updated_at: str
    deployment_id: str | None = None
    """Made when the service is created; every telemetry record carries it. None in
    service files written before deployments were kept."""

    def write(self, directory: Path) -> None:
        atomic_write_text(directory / SERVICE_FILE, self.model_dump_json(indent=2) + "\n")

    @classmethod
    def read(cls, directory: Path) -> ServiceConfig:
        return cls.model_validate_json((directory / SERVICE_FILE).read_text())


def new_deployment_id() -> str:
    """`<UTC time>-<random>`: sorts by creation, unique even for two deploys in a second."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"


def new_keys() -> dict[str, str]:
    return {
        "primary": secrets.token_urlsafe(C.KEY_BYTES),
        "secondary": secrets.token_urlsafe(C.KEY_BYTES),
    }


def write_keys(directory: Path, keys: dict[str, str]) -> None:
    """Keys are secrets: mode 0600, replaced atomically."""
    atomic_write_text(directory / KEYS_FILE, json.dumps(keys), mode=0o600)


class KeyStore:
    """The service's two keys, reread whenever the file changes (rotation without restart)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._stamp: tuple[int, int] | None = None
        self._keys: tuple[bytes, ...] = ()

    def _refresh(self) -> None:
        try:
            stat = os.stat(self._path)
        except FileNotFoundError:
            self._keys, self._stamp = (), None
            return
        stamp = (stat.st_mtime_ns, stat.st_ino)
        if stamp != self._stamp:
            keys = json.loads(self._path.read_text())
            self._keys = tuple(v.encode() for v in keys.values() if v)
            self._stamp = stamp

    def accepts(self, presented: bytes) -> bool:
        """Constant-time comparison against every current key."""
        self._refresh()
        matched = False
        for key in self._keys:
            matched |= hmac.compare_digest(presented, key)
        return matched

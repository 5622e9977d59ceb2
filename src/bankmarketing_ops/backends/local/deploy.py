"""Local deployments: one detached server process per service, under `<root>/services/`.

Each service has a directory with `service.json` (what to serve and how; the server
follows changes to it), `keys.json` (mode 0600; reread on every request, so a rotated key
works at once), `supervisor.json` (the supervisor process that starts the workers and
restarts a dead one: its pid, restart count and last exit reason), `runtime-<n>.json`
(each worker process's pid and port) and `server.log`.
"""

from __future__ import annotations

import builtins
import contextlib
import json
import os
import shutil
import signal
import time
from collections import deque
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bankmarketing_ops import _constants as C
from bankmarketing_ops._exceptions import (
    ConfigurationError,
    DeploymentError,
    OperationTimeoutError,
    ServiceExistsError,
    ServiceNotFoundError,
)
from bankmarketing_ops._locks import exclusive
from bankmarketing_ops._logging import get_logger
from bankmarketing_ops._processes import (
    alive,
    free_port,
    is_same_process,
    process_started,
    start_detached,
)
from bankmarketing_ops._rules import check_service_name
from bankmarketing_ops.backends.operations import ServiceOperation
from bankmarketing_ops.serving.config import (
    KEYS_FILE,
    LOG_FILE,
    KeyName,
    ServiceConfig,
    new_deployment_id,
    new_keys,
    write_keys,
)
from bankmarketing_ops.serving.supervisor import SupervisorState
from bankmarketing_ops.types.deploy import ServiceKeys, ServiceState, WebService
from bankmarketing_ops.types.registry import ModelVersion

__all__ = ["LocalDeployer"]

_log = get_logger(__name__)


class LocalDeployer:
    """Starts, watches and stops local scoring servers."""

    def __init__(self, root: Path) -> None:
        self._services = root / "services"

    # --- create / change ----------------------------------------------------------------
    def create(
        self,
        model: ModelVersion,
        name: str,
        *,
        auth_enabled: bool,
        port: int | None,
        cors_origins: list[str],
        insights_enabled: bool,
        workers: int = 1,
    ) -> ServiceOperation:
        check_service_name(name)
        folder = self._services / name
        with self._lock():
            self._create_locked(
                folder,
                model,
                name,
                auth_enabled=auth_enabled,
                port=port,
                cors_origins=cors_origins,
                insights_enabled=insights_enabled,
                workers=workers,
            )
        return self._operation(name, "deployment", model_ref=model.ref)

    def _operation(self, name: str, description: str, **expected: Any) -> ServiceOperation:
        return ServiceOperation(
            name,
            description=description,
            look=lambda: self.get(name),
            settle=lambda timeout: self.wait(name, timeout=timeout, **expected),
        )

    def _create_locked(
        self,
        folder: Path,
        model: ModelVersion,
        name: str,
        *,
        auth_enabled: bool,
        port: int | None,
        cors_origins: list[str],
        insights_enabled: bool,
        workers: int,
    ) -> None:
        if (folder / "service.json").exists():
            raise ServiceExistsError(
                f"service {name!r} already exists; update it (bankops deploy … --service "
                f"{name} replaces its model) or delete it first"
            )
        folder.mkdir(parents=True, exist_ok=True)
        now = _now()
        ServiceConfig(
            name=name,
            model_ref=f"{model.name}:{model.version}",
            model_dir=str(Path(model.path) / "model"),
            port=port or free_port(),
            auth_enabled=auth_enabled,
            cors_origins=cors_origins,
            insights_enabled=insights_enabled,
            workers=workers,
            created_at=now,
            updated_at=now,
            deployment_id=new_deployment_id(),
        ).write(folder)
        write_keys(folder, new_keys())
        self._start(folder)

    def update(
        self,
        name: str,
        *,
        model: ModelVersion | None = None,
        cors_origins: list[str] | None = None,
        insights_enabled: bool | None = None,
        capture_sample_rate: float | None = None,
    ) -> ServiceOperation:
        folder = self._folder(name)
        with self._lock():
            self._update_locked(
                folder,
                model=model,
                cors_origins=cors_origins,
                insights_enabled=insights_enabled,
                capture_sample_rate=capture_sample_rate,
            )
        return self._operation(
            name,
            "update",
            model_ref=model.ref if model is not None else None,
            insights=insights_enabled,
            capture_sample_rate=capture_sample_rate,
        )

    def _update_locked(
        self,
        folder: Path,
        *,
        model: ModelVersion | None,
        cors_origins: list[str] | None,
        insights_enabled: bool | None,
        capture_sample_rate: float | None = None,
    ) -> None:
        config = ServiceConfig.read(folder)
        changes: dict[str, object] = {"updated_at": _now()}
        if model is not None:
            changes.update(
                model_ref=f"{model.name}:{model.version}", model_dir=str(Path(model.path) / "model")
            )
        if cors_origins is not None:
            changes["cors_origins"] = cors_origins
        if insights_enabled is not None:
            changes["insights_enabled"] = insights_enabled
        if capture_sample_rate is not None:
            changes["capture_sample_rate"] = capture_sample_rate
        # Validated again: a sample rate out of [0, 1] must not reach the servers.
        ServiceConfig.model_validate({**config.model_dump(), **changes}).write(folder)

    def restart(self, name: str) -> ServiceOperation:
        folder = self._folder(name)
        self._stop(folder)
        self._start(folder)
        return self._operation(name, "restart")

    def delete(self, name: str) -> None:
        check_service_name(name)  # never a path: ".." would point at the whole workspace
        folder = self._services / name
        if not folder.exists():
            return
        self._stop(folder)
        shutil.rmtree(folder, ignore_errors=True)
        _log.info("deleted service %s", name)

    def regenerate_key(self, name: str, which: KeyName) -> None:
        folder = self._folder(name)
        if which not in ("primary", "secondary"):
            raise ConfigurationError(f"key must be 'primary' or 'secondary', not {which!r}")
        with self._lock():  # two rotations at once must not lose one of the new keys
            keys = json.loads((folder / KEYS_FILE).read_text())
            keys[which] = new_keys()[which]
            write_keys(folder, keys)

    # --- read ---------------------------------------------------------------------------
    def get(self, name: str) -> WebService:
        folder = self._folder(name)
        config = ServiceConfig.read(folder)
        supervisor = _supervisor(folder)
        pids = [pid for pid in _pids(folder) if alive(pid)]
        running = bool(pids)
        state: ServiceState
        if len(pids) == config.workers and _listening(folder) == config.workers:
            state = _probe(config)
        else:  # a worker missing: being (re)started, or gone with nobody to restart it
            state = "Transitioning" if supervisor is not None else "Unhealthy"
        base = f"http://{config.host}:{config.port}"
        return WebService(
            name=config.name,
            state=state,
            scoring_uri=f"{base}/score",
            swagger_uri=f"{base}/swagger.json",
            docs_uri=f"{base}/docs",
            model=config.model_ref,
            port=config.port,
            pid=pids[0] if running else None,
            pids=pids if running else [],
            workers=config.workers,
            auth_enabled=config.auth_enabled,
            cors_origins=config.cors_origins,
            insights_enabled=config.insights_enabled,
            capture_sample_rate=config.capture_sample_rate,
            created_at=config.created_at,
            updated_at=config.updated_at,
            restarts=supervisor.restarts if supervisor else 0,
            last_exit_reason=supervisor.last_exit_reason if supervisor else None,
            deployment_id=config.deployment_id,
            last_log_lines=[] if state == "Healthy" else self.logs(name, 20),
        )

    def list(self) -> builtins.list[WebService]:
        if not self._services.is_dir():
            return []
        return [
            self.get(p.name)
            for p in sorted(self._services.iterdir())
            if (p / "service.json").exists()
        ]

    def logs(self, name: str, num_lines: int = 50) -> builtins.list[str]:
        path = self._folder(name) / LOG_FILE
        if not path.exists():
            return []
        with path.open(errors="replace") as handle:
            return [line.rstrip("\n") for line in deque(handle, maxlen=num_lines)]

    def deployment_id(self, name: str) -> str | None:
        check_service_name(name)
        try:
            return ServiceConfig.read(self._services / name).deployment_id
        except FileNotFoundError:
            return None

    def follow_logs(
        self, name: str, *, num_lines: int, poll_s: float, timeout: float | None
    ) -> Iterator[str]:
        """The last `num_lines` lines, then each new line as the servers write it, until
        `timeout` seconds pass (None: until the caller stops) or the service is deleted.
        A log moved aside at a restart is followed into the new file."""
        folder = self._folder(name)
        path = folder / LOG_FILE
        yield from self.logs(name, num_lines)
        deadline = None if timeout is None else time.monotonic() + timeout
        position = path.stat().st_size if path.exists() else 0
        identity = _identity(path)
        pending = b""
        while deadline is None or time.monotonic() < deadline:
            time.sleep(
                poll_s if deadline is None else min(poll_s, max(0.0, deadline - time.monotonic()))
            )
            if not (folder / "service.json").exists():
                return  # deleted
            if _identity(path) != identity or (path.exists() and path.stat().st_size < position):
                identity, position, pending = _identity(path), 0, b""  # a new file
            if not path.exists():
                continue
            with path.open("rb") as handle:
                handle.seek(position)
                chunk = handle.read(_FOLLOW_CHUNK)  # bounded: a burst is read over polls
            position += len(chunk)
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                yield line.decode(errors="replace").rstrip("\r")

    def keys(self, name: str) -> ServiceKeys:
        keys = json.loads((self._folder(name) / KEYS_FILE).read_text())
        return ServiceKeys(primary_key=keys["primary"], secondary_key=keys["secondary"])

    def wait(
        self,
        name: str,
        *,
        model_ref: str | None = None,
        insights: bool | None = None,
        capture_sample_rate: float | None = None,
        timeout: float | None = None,
    ) -> WebService:
        """Until the service answers (with `model_ref`, `insights` and `capture_sample_rate`,
        if given) or dies; `timeout` None is `DEPLOY_TIMEOUT_S`."""
        if timeout is None:
            timeout = C.DEPLOY_TIMEOUT_S
        deadline = time.monotonic() + timeout
        while True:
            service = self.get(name)
            if service.state == "Healthy" and (
                (model_ref is None and insights is None and capture_sample_rate is None)
                or _all_report(service, model_ref, insights, capture_sample_rate)
            ):
                return service
            if service.pid is None and _supervisor(self._folder(name)) is None:
                raise DeploymentError(
                    f"service {name} stopped while starting; its log ends with:\n"
                    + "\n".join(self.logs(name, 25))
                )
            if time.monotonic() > deadline:
                raise OperationTimeoutError(
                    f"service {name} did not become healthy within "
                    f"{timeout:g} s; see bankops services logs {name}",
                    operation_id=name,
                )
            time.sleep(0.1)

    # --- processes ----------------------------------------------------------------------
    def _start(self, folder: Path) -> None:
        for stale in folder.glob("runtime-*.json"):
            stale.unlink(missing_ok=True)
        _move_large_log_aside(folder)
        process = start_detached(
            "bankmarketing_ops.serving.supervisor",
            [str(folder)],
            log=folder / LOG_FILE,
            without_package_init=True,
        )
        # The supervisor rewrites this with its counts; its pid is known now.
        SupervisorState(pid=process.pid, started=process_started(process.pid)).write(folder)
        _log.info("started service %s (supervisor pid %d)", folder.name, process.pid)

    def _stop(self, folder: Path) -> None:
        # The supervisor first, so that it restarts nothing; the workers too, in case it
        # is gone (each drains and exits 0, which no supervisor restarts).
        supervisor = _supervisor(folder)
        running = [supervisor.pid] if supervisor is not None else []
        running += [pid for pid in _pids(folder) if alive(pid)]
        for pid in running:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + C.STOP_TIMEOUT_S
        while any(alive(pid) for pid in running) and time.monotonic() < deadline:
            time.sleep(0.05)
        for pid in running:
            if alive(pid):
                _log.warning(
                    "service %s: pid %d did not stop in %.0f s; killing it",
                    folder.name,
                    pid,
                    C.STOP_TIMEOUT_S,
                )
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    def _lock(self) -> contextlib.AbstractContextManager[None]:
        return exclusive(self._services)

    def _folder(self, name: str) -> Path:
        check_service_name(name)
        folder = self._services / name
        if not (folder / "service.json").exists():
            known = [p.name for p in self._services.glob("*") if (p / "service.json").exists()]
            # which workspace was searched: the one found upward may not be the one meant
            raise ServiceNotFoundError(
                f"no service named {name!r} in workspace {self._services.parent}"
                + (f" (services: {', '.join(known)})" if known else "")
            )
        return folder


#: The most one poll of a followed log reads (the rest waits for the next poll).
_FOLLOW_CHUNK = 1024 * 1024


def _identity(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except FileNotFoundError:
        return None


def _move_large_log_aside(folder: Path) -> None:
    """Keep the service log bounded: one request line each adds up over months."""
    log = folder / LOG_FILE
    with contextlib.suppress(FileNotFoundError):
        if log.stat().st_size > C.SERVICE_LOG_MAX_BYTES:
            log.replace(folder / f"{LOG_FILE}.1")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _pids(folder: Path) -> list[int]:
    """Pids of this service's workers, in worker order — only those still the same process
    (after a crash or a reboot the pid may belong to someone else)."""
    pids = []
    for path in sorted(folder.glob("runtime-*.json")):
        runtime = _read_json(path)
        pid = runtime.get("pid") if runtime else None
        started = runtime.get("started") if runtime else None
        if not isinstance(pid, int):
            continue
        if not is_same_process(pid, started if isinstance(started, str) else None):
            continue  # the pid was reused by another process: not ours to signal
        pids.append(pid)
    return pids


def _listening(folder: Path) -> int:
    """How many workers have bound the port (each writes its port once it listens; a
    restarted worker does so only after its model is loaded)."""
    runtimes = (_read_json(path) for path in folder.glob("runtime-*.json"))
    return sum(1 for runtime in runtimes if runtime and isinstance(runtime.get("port"), int))


def _supervisor(folder: Path) -> SupervisorState | None:
    """The service's supervisor, if it still runs (and is still the process recorded)."""
    state = SupervisorState.read(folder)
    if state is None or not alive(state.pid) or not is_same_process(state.pid, state.started):
        return None
    return state


def _read_json(path: Path) -> dict[str, object] | None:
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _probe(config: ServiceConfig) -> ServiceState:
    try:
        response = httpx.get(f"http://{config.host}:{config.port}/", timeout=C.HEALTH_TIMEOUT_S)
    except httpx.HTTPError:
        return "Transitioning"
    if response.status_code == 200:
        return "Healthy"
    return "Transitioning" if response.status_code == 503 else "Unhealthy"


def _all_report(
    service: WebService,
    model_ref: str | None,
    insights: bool | None,
    capture_sample_rate: float | None = None,
) -> bool:
    # Connections land on workers at random: ask often enough to have asked them all.
    expected = None if insights is None else ("on" if insights else "off")
    for _ in range(4 * service.workers):
        try:
            response = httpx.get(
                service.scoring_uri.removesuffix("/score") + "/", timeout=C.HEALTH_TIMEOUT_S
            )
        except httpx.HTTPError:
            return False
        if model_ref is not None and response.headers.get("x-model-version") != model_ref:
            return False
        if expected is not None and response.headers.get("x-insights") != expected:
            return False
        if capture_sample_rate is not None and response.headers.get("x-capture") != repr(
            float(capture_sample_rate)
        ):
            return False
    return True

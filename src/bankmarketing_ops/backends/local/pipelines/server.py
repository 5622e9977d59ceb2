"""The local pipeline server (`python -m <this module> WORKSPACE [--port N]`).

Routes (all but `GET /` need `Authorization: Bearer <token>`):

- `POST /PipelineRuns/PipelineSubmit/{pipeline_id}` — run a published pipeline.
- `POST /PipelineRuns/PipelineEndpointSubmit/Name/{name}` — run an endpoint's default.
  Both take `{"ExperimentName": "...", "ParameterAssignments": {...}}` and answer
  `{"Id": "<run id>", "Status": "Queued"}` (Azure's answer); a retry with the same
  `Idempotency-Key` answers the run the first request started.
- `GET /PipelineRuns?pipeline_id=&endpoint=&status=&limit=`, `GET /PipelineRuns/{run_id}`,
  `GET /PipelineRuns/{run_id}/logs?step=`, `POST /PipelineRuns/{run_id}/cancel`.

Errors have the scoring server's body `{"status_code": N, "message": "..."}`; bad input
is a 4xx, never a 500. Runs execute in runner processes started by the dispatcher.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import logging
import os
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, get_args

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bankmarketing_ops import _constants as C
from bankmarketing_ops._atomic import atomic_write_text
from bankmarketing_ops._exceptions import (
    PipelineError,
    PipelineNotFoundError,
    PipelineParameterError,
)
from bankmarketing_ops._logging import get_logger
from bankmarketing_ops._processes import process_started
from bankmarketing_ops.backends.local.pipelines.dispatch import Dispatcher
from bankmarketing_ops.backends.local.pipelines.files import (
    RUNTIME_FILE,
    SERVER_CONFIG_FILE,
    PipelineFiles,
    read_step_logs,
)
from bankmarketing_ops.backends.local.pipelines.store import PipelineStore
from bankmarketing_ops.serving.config import KeyStore
from bankmarketing_ops.serving.server import bind
from bankmarketing_ops.serving.transport import TransportLimits, run_bounded
from bankmarketing_ops.types.pipelines import EXPERIMENT_NAME, RunStatus

__all__ = ["build_app", "main", "serve"]

_log = get_logger(__name__)
MAX_TRIGGER_BYTES: Final = 1024 * 1024
_BODY_FIELDS: Final = {"ExperimentName", "ParameterAssignments", "Description"}


class PipelineServer:
    """The request handlers, over one workspace's store."""

    def __init__(self, workspace_root: Path, *, max_concurrent_runs: int) -> None:
        self.workspace_root = workspace_root
        self.files = PipelineFiles(workspace_root)
        self.store = PipelineStore(self.files.root)
        self.keys = KeyStore(self.files.keys)
        self.dispatcher = Dispatcher(
            self.store, workspace_root, max_concurrent_runs=max_concurrent_runs
        )

    # --- helpers ------------------------------------------------------------------------
    def _authenticate(self, request: Request) -> None:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if not header:
            raise HTTPException(
                401,
                "missing Authorization header; send 'Authorization: Bearer <token>' "
                "(bankops pipelines token prints it)",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if scheme.lower() != "bearer" or not self.keys.accepts(token.strip().encode()):
            raise HTTPException(401, "invalid token", headers={"WWW-Authenticate": "Bearer"})

    async def _trigger_body(self, request: Request) -> tuple[str | None, dict[str, Any], bytes]:
        content_type = request.headers.get("content-type", "")
        if content_type.split(";")[0].strip().lower() != "application/json":
            raise HTTPException(415, "send the body as Content-Type: application/json")
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_TRIGGER_BYTES:
            raise HTTPException(413, f"request body over {MAX_TRIGGER_BYTES:,} bytes")
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_TRIGGER_BYTES:
                raise HTTPException(413, f"request body over {MAX_TRIGGER_BYTES:,} bytes")
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise HTTPException(400, f"malformed JSON: {exc}") from None
        if not isinstance(payload, dict):
            raise HTTPException(
                400, 'expected {"ExperimentName": "...", "ParameterAssignments": {...}}'
            )
        unknown = set(payload) - _BODY_FIELDS
        if unknown:
            raise HTTPException(400, f"unknown top-level field(s): {', '.join(sorted(unknown))}")
        experiment = payload.get("ExperimentName")
        if experiment is not None and (
            not isinstance(experiment, str) or not EXPERIMENT_NAME.match(experiment)
        ):
            raise HTTPException(
                400,
                "ExperimentName must be 1-250 letters, digits, '_' or '-', "
                "starting with a letter or digit",
            )
        assignments = payload.get("ParameterAssignments")
        if assignments is None:
            assignments = {}
        if not isinstance(assignments, dict):
            raise HTTPException(400, "ParameterAssignments must be an object of name: value")
        return experiment, assignments, body

    async def _submit(self, request: Request, pipeline_id: str, endpoint: str | None) -> Response:
        self._authenticate(request)
        experiment, assignments, body = await self._trigger_body(request)
        record = self.store.get_pipeline(pipeline_id)
        if not record.enabled:
            raise HTTPException(
                403,
                f"pipeline {record.name} version {record.version} ({record.id}) is disabled; "
                f"enable it with: bankops pipelines enable {record.id}",
            )
        parameters = record.definition.resolve(assignments, workspace_root=self.workspace_root)
        key = request.headers.get("idempotency-key")
        run, created = self.store.create_run(
            record.definition,
            parameters,
            experiment_name=experiment or record.name,
            status="Queued",
            pipeline_id=record.id,
            endpoint_name=endpoint,
            # Scoped by the route asked for: a retry through a named endpoint whose
            # default moved meanwhile still finds the run its first attempt started.
            idempotency_key=f"{endpoint or pipeline_id}:{key}" if key else None,
            request_hash=hashlib.sha256(body).hexdigest() if key else None,
        )
        if created:
            _log.info("pipeline run %s queued (%s %s)", run.id, record.name, record.version)
            self.dispatcher.wake()
        return JSONResponse(
            {"Id": run.id, "Status": run.status, "PipelineId": record.id},
            headers={} if created else {"Idempotent-Replayed": "true"},
        )

    # --- routes -------------------------------------------------------------------------
    async def health(self, _request: Request) -> Response:
        return PlainTextResponse("Healthy")

    async def submit_pipeline(self, request: Request) -> Response:
        return await self._submit(request, request.path_params["pipeline_id"], None)

    async def submit_endpoint(self, request: Request) -> Response:
        self._authenticate(request)
        name = request.path_params["name"]
        pipeline_id, _ = self.store.get_endpoint(name)
        return await self._submit(request, pipeline_id, name)

    async def get_run(self, request: Request) -> Response:
        self._authenticate(request)
        run = self.store.get_run(request.path_params["run_id"])
        return Response(run.model_dump_json(), media_type="application/json")

    async def list_runs(self, request: Request) -> Response:
        self._authenticate(request)
        query = request.query_params
        limit = query.get("limit", "50")
        if not limit.isdigit() or not 0 < int(limit) <= 1000:
            raise HTTPException(400, "limit must be an integer between 1 and 1000")
        status = query.get("status")
        if status is not None and status not in get_args(RunStatus):
            raise HTTPException(400, f"status must be one of {', '.join(get_args(RunStatus))}")
        runs = self.store.list_runs(
            pipeline_id=query.get("pipeline_id"),
            endpoint_name=query.get("endpoint"),
            status=status,
            limit=int(limit),
        )
        body = b"[" + b",".join(run.model_dump_json().encode() for run in runs) + b"]"
        return Response(body, media_type="application/json")

    async def run_logs(self, request: Request) -> Response:
        self._authenticate(request)
        run = self.store.get_run(request.path_params["run_id"])
        step = request.query_params.get("step")
        if step is not None and step not in {s.name for s in run.steps}:
            raise HTTPException(
                404, f"run {run.id} has no step {step!r} ({', '.join(s.name for s in run.steps)})"
            )
        return JSONResponse(read_step_logs(run, step))

    async def cancel_run(self, request: Request) -> Response:
        self._authenticate(request)
        run = self.store.get_run(request.path_params["run_id"])
        self.files.cancel(self.store, run)
        return Response(self.store.get_run(run.id).model_dump_json(), media_type="application/json")


def _error_body(status: int, message: str) -> bytes:
    return orjson.dumps({"status_code": status, "message": message})


def build_app(workspace_root: Path, *, max_concurrent_runs: int) -> Starlette:
    """The ASGI app; its lifespan runs the dispatcher."""
    server = PipelineServer(workspace_root, max_concurrent_runs=max_concurrent_runs)

    async def http_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return Response(
            _error_body(exc.status_code, exc.detail),
            status_code=exc.status_code,
            media_type="application/json",
            headers=exc.headers,
        )

    async def not_found(_request: Request, exc: Exception) -> Response:
        return Response(_error_body(404, str(exc)), 404, media_type="application/json")

    async def bad_parameters(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PipelineParameterError)
        body = {
            "status_code": 422,
            "message": str(exc),
            "errors": [{"field": p.name, "message": p.message} for p in exc.problems],
        }
        return Response(orjson.dumps(body), 422, media_type="application/json")

    async def conflict(_request: Request, exc: Exception) -> Response:
        # Only an Idempotency-Key reused for another body reaches here: 422, as the
        # IETF Idempotency-Key draft says (409 would be retried by clients).
        return Response(_error_body(422, str(exc)), 422, media_type="application/json")

    async def busy(_request: Request, exc: Exception) -> Response:
        # The store stayed locked past its 30 s busy timeout: a retryable condition.
        _log.warning("pipeline store busy: %s", exc)
        return Response(
            _error_body(503, "the pipeline store is busy; retry shortly"),
            503,
            media_type="application/json",
            headers={"Retry-After": "1"},
        )

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        server.dispatcher.start()
        yield
        server.dispatcher.stop()

    return Starlette(
        routes=[
            Route("/", server.health, methods=["GET"]),
            Route(
                "/PipelineRuns/PipelineSubmit/{pipeline_id}",
                server.submit_pipeline,
                methods=["POST"],
            ),
            Route(
                "/PipelineRuns/PipelineEndpointSubmit/Name/{name}",
                server.submit_endpoint,
                methods=["POST"],
            ),
            Route("/PipelineRuns", server.list_runs, methods=["GET"]),
            Route("/PipelineRuns/{run_id}", server.get_run, methods=["GET"]),
            Route("/PipelineRuns/{run_id}/logs", server.run_logs, methods=["GET"]),
            Route("/PipelineRuns/{run_id}/cancel", server.cancel_run, methods=["POST"]),
        ],
        exception_handlers={
            HTTPException: http_error,
            PipelineNotFoundError: not_found,
            PipelineParameterError: bad_parameters,
            PipelineError: conflict,
            sqlite3.OperationalError: busy,
        },
        lifespan=lifespan,
    )


def serve(workspace_root: Path, *, port: int, max_concurrent_runs: int) -> None:
    """Serve the workspace's pipelines until SIGTERM or SIGINT."""
    files = PipelineFiles(workspace_root)
    files.ensure_token()
    app = build_app(workspace_root, max_concurrent_runs=max_concurrent_runs)
    sock = bind(C.SERVER_HOST, port)
    bound = sock.getsockname()[1]
    runtime = {
        "pid": os.getpid(),
        "started": process_started(os.getpid()),
        "port": bound,
        "max_concurrent_runs": max_concurrent_runs,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    atomic_write_text(files.root / RUNTIME_FILE, orjson.dumps(runtime).decode())
    _log.info("pipeline server listening on http://%s:%d", C.SERVER_HOST, bound)
    for stop in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop, lambda *_: None)  # see serving.server: exit 0 after a clean stop
    run_bounded(app, sock, limits=_transport_limits(files))
    _log.info("pipeline server stopped")


def _transport_limits(files: PipelineFiles) -> TransportLimits:
    """The transport limits named in `pipelines/server-config.json` (the rest default)."""
    try:
        values = orjson.loads((files.root / SERVER_CONFIG_FILE).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        values = {}
    return TransportLimits.from_mapping(values if isinstance(values, dict) else {})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspace", type=Path)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--max-concurrent-runs", type=int, default=C.PIPELINE_MAX_CONCURRENT_RUNS)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("bankmarketing_ops").setLevel(logging.INFO)
    serve(args.workspace.resolve(), port=args.port, max_concurrent_runs=args.max_concurrent_runs)


if __name__ == "__main__":
    main()

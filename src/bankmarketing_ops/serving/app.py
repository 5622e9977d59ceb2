"""The scoring server as a plain ASGI application (no framework on the request path).

Routes: `GET /` health, `POST /score` (`?answer=json-string` answers Azure v1 AutoML's
JSON-in-a-string form), `GET /swagger.json` (`?version=3` or `3.1` for OpenAPI 3),
`GET /docs` (Swagger UI, served from the package: no CDN), `GET /metrics` (Prometheus).
Errors always have the body `{"status_code": N, "message": "..."}`; bad input is a 4xx,
never a 500, and never stops the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import orjson
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from bankmarketing_ops import _constants as C
from bankmarketing_ops._exceptions import ModelArtifactError, ScoringValidationError
from bankmarketing_ops._logging import get_logger
from bankmarketing_ops.config import get_settings
from bankmarketing_ops.serving import docs_page
from bankmarketing_ops.serving.access_log import AccessLog
from bankmarketing_ops.serving.config import KEYS_FILE, KeyStore, ServiceConfig
from bankmarketing_ops.serving.scorer import Scorer, Scores
from bankmarketing_ops.serving.swagger import openapi3, swagger2
from bankmarketing_ops.telemetry.writer import TelemetryWriter

__all__ = ["ScoringApp"]

_log = get_logger(__name__)
Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
_JSON = (b"content-type", b"application/json")
_METHODS = ("predict", "predict_proba")
_HEADERS = "bankops.headers"  # the request headers as a dict, put in the scope once
_MAX_REQUEST_ID = 100  # Azure's limit on x-request-id (longer: 431)


class _HTTPError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        headers: list[tuple[bytes, bytes]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message = status, message
        self.headers = headers or []
        self.extra = extra or {}


class ScoringApp:
    """Serves one registered model for one service directory."""

    def __init__(self, service_dir: Path) -> None:
        self.service_dir = service_dir
        # The stamp first: a change written while we read is then seen by `watch`.
        self._config_stamp = (service_dir / "service.json").stat().st_mtime_ns
        self.config = ServiceConfig.read(service_dir)
        self._swap_lock = threading.Lock()
        self._generation = 0
        self.served_ref: str | None = None
        self.served_dir: str | None = None
        self._served_header = b""
        self.keys = KeyStore(service_dir / KEYS_FILE)
        self.scorer: Scorer | None = None
        self.telemetry: TelemetryWriter | None = None
        self.access_log: AccessLog | None = None
        self._specs: dict[str, bytes] = {}
        self._metrics = _Metrics()
        if not self.config.auth_enabled:
            _log.warning(
                "service %s runs WITHOUT authentication: anyone who can reach port %d can score",
                self.config.name,
                self.config.port,
            )

    # --- lifecycle ----------------------------------------------------------------------
    def load_model(self, config: ServiceConfig | None = None) -> None:
        """Compile `config`'s model (blocking) and swap it in; until the first, /score is 503.

        Loads may overlap (the first one, then a change of model): the newest one asked for
        wins, and the headers name the model that actually answers.
        """
        config = config or self.config
        with self._swap_lock:
            self._generation += 1
            generation = self._generation
        started = time.perf_counter()
        scorer = Scorer.load(config.model_dir)
        spec3 = openapi3(service_name=config.name, features=scorer.features)
        specs = {
            "2": orjson.dumps(swagger2(service_name=config.name, features=scorer.features)),
            "3": orjson.dumps(spec3),
            # What Azure's server does for 3.1: the same document under "openapi": "3.1.0"
            # (it uses nothing 3.1 reads differently).
            "3.1": orjson.dumps({**spec3, "openapi": "3.1.0"}),
        }
        with self._swap_lock:
            if generation != self._generation:
                _log.info(
                    "service %s: model %s loaded, but a newer one was asked for",
                    config.name,
                    config.model_ref,
                )
                return
            old = self.served_ref
            # One swap: each request sees the old model or the new one, whole.
            self.scorer, self._specs = scorer, specs
            self.served_ref, self.served_dir = config.model_ref, config.model_dir
            self._served_header = config.model_ref.encode()
        if old is not None and old != config.model_ref:
            with contextlib.suppress(KeyError):
                self._metrics.model.remove(old)
            with contextlib.suppress(KeyError):
                self._metrics.native.remove(old)
        self._metrics.model.labels(model=config.model_ref).set(1)
        _log.info(
            "service %s: model %s loaded in %.2f s",
            config.name,
            config.model_ref,
            time.perf_counter() - started,
        )
        if get_settings().native_scoring:
            threading.Thread(
                target=self._compile_native,
                args=(scorer, config, generation),
                name="native-compile",
                daemon=True,
            ).start()

    def _compile_native(self, scorer: Scorer, config: ServiceConfig, generation: int) -> None:
        """Build the native libraries of the served model off the request path; requests
        are answered by the libraries' own predictors until the swap."""
        if generation != self._generation:
            return  # a newer model was asked for meanwhile
        try:
            scorer.compile_native()
        except Exception:  # the library predictors keep serving; say why in the log
            _log.exception("service %s: cannot compile %s", config.name, config.model_ref)
            return
        self._metrics.native.labels(model=config.model_ref).set(scorer.model.native_members)

    async def watch(self) -> None:
        """Follow `service.json`: settings apply at once; a new model is loaded beside the
        old one and swapped in when ready (the old one answers meanwhile)."""
        path = self.service_dir / "service.json"
        while True:
            await asyncio.sleep(C.SERVICE_WATCH_INTERVAL_S)
            try:
                stamp = path.stat().st_mtime_ns
                if stamp == self._config_stamp:
                    continue
                self._config_stamp = stamp
                new = ServiceConfig.read(self.service_dir)
                self.config = new
                if new.model_dir != self.served_dir:
                    await asyncio.to_thread(self.load_model, new)
            except Exception:  # a broken file or model: keep serving what we have
                _log.exception("service %s: cannot apply the new service file", self.config.name)

    # --- ASGI ---------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        started = time.perf_counter()
        route = scope["path"]
        scope[_HEADERS] = dict(scope["headers"])  # read once, used by every step below
        status = 500
        request_id, ids = _request_ids(scope[_HEADERS])
        identified = _with_request_id(send, ids)
        try:
            if len(request_id) > _MAX_REQUEST_ID:
                raise _HTTPError(431, f"x-request-id must not exceed {_MAX_REQUEST_ID} characters")
            status = await self._route(scope, receive, identified, request_id)
        except _HTTPError as error:
            status = error.status
            await _error(identified, error, self._cors(scope, route))
        except Exception:  # a bug must not take the server down; say so and log it
            _log.exception("unexpected error on %s %s", scope["method"], route)
            await _error(identified, _HTTPError(500, "internal error; see the service log"), [])
        finally:
            seconds = time.perf_counter() - started
            self._metrics.observe(route, status, seconds)
            if self.config.insights_enabled and self.telemetry is not None:
                try:
                    self._record(scope, status, seconds, request_id)
                except Exception:  # telemetry must never fail a request
                    _log.exception("cannot record telemetry for %s", scope["path"])
            # one line in the service log, written later; not the health checks (the
            # deployer sends ten a second while a service starts; telemetry keeps them)
            if self.access_log is not None and route != "/":
                self.access_log.record(
                    (
                        time.time(),
                        scope["method"],
                        route,
                        status,
                        seconds * 1000,
                        request_id,
                        self.served_ref,
                        self.config.deployment_id,
                    )
                )

    def _record(self, scope: Scope, status: int, seconds: float, request_id: str) -> None:
        assert self.telemetry is not None
        headers = scope[_HEADERS]
        client_id = headers.get(b"x-ms-client-request-id") or headers.get(b"idempotency-key")
        host = headers.get(b"host", b"").decode(errors="replace")
        self.telemetry.record(
            (
                time.time(),
                f"{scope['method']} {scope['path']}",
                f"http://{host}{scope['path']}",
                seconds * 1000,
                status,
                int(status < 400),
                scope["method"],
                request_id,
                client_id.decode(errors="replace") if client_id else None,
                self.config.name,
                self.config.model_ref,
                self.config.deployment_id,
            )
        )

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        watcher: asyncio.Task[None] | None = None
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.telemetry = TelemetryWriter(
                    self.service_dir.parent.parent,
                    retention_days=get_settings().telemetry_retention_days,
                )
                self.access_log = AccessLog()
                watcher = asyncio.create_task(self.watch())
                if self.scorer is None:  # a restarted worker has loaded before it listens
                    asyncio.get_running_loop().run_in_executor(None, self._load_in_background)
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if watcher is not None:
                    watcher.cancel()
                if self.telemetry is not None:  # SIGTERM included: write every record
                    await asyncio.to_thread(self.telemetry.close)
                if self.access_log is not None:
                    await asyncio.to_thread(self.access_log.close)
                await send({"type": "lifespan.shutdown.complete"})
                return

    def _load_in_background(self) -> None:
        try:
            self.load_model()
        except ModelArtifactError as exc:  # a damaged or foreign model: its message says all
            _log.error(  # no traceback: the message names the file and the cause
                "service %s: cannot load model %s: %s; stopping",
                self.config.name,
                self.config.model_ref,
                exc,
            )
            os.kill(os.getpid(), signal.SIGTERM)
        except Exception:
            # Nothing to serve: stop, so that the deployer reports the failure at once.
            _log.exception(
                "service %s: cannot load model %s; stopping",
                self.config.name,
                self.config.model_ref,
            )
            os.kill(os.getpid(), signal.SIGTERM)

    async def _route(self, scope: Scope, receive: Receive, send: Send, request_id: str) -> int:
        path, method = scope["path"], scope["method"]
        if path == "/score":
            if method == "OPTIONS":
                return await self._preflight(scope, send)
            if method != "POST":
                raise _HTTPError(405, "use POST /score", [(b"allow", b"POST, OPTIONS")])
            return await self._score(scope, receive, send, request_id)
        if method == "OPTIONS":
            return await self._preflight(scope, send)
        if method not in ("GET", "HEAD"):
            raise _HTTPError(405, f"{path} only answers GET", [(b"allow", b"GET")])
        if path == "/":
            if self.scorer is None:
                raise _HTTPError(503, "the service is starting", [(b"retry-after", b"1")])
            return await _respond(
                send,
                200,
                b"Healthy",
                [
                    (b"content-type", b"text/plain"),
                    (b"x-model-version", self._served_header),
                    (b"x-insights", b"on" if self.config.insights_enabled else b"off"),
                    (b"x-capture", repr(self.config.capture_sample_rate).encode()),
                ],
            )
        if path == "/swagger.json":
            if not self._specs:
                raise _HTTPError(503, "the service is starting", [(b"retry-after", b"1")])
            version = parse_qs(scope.get("query_string", b"").decode()).get("version", ["2"])[0]
            if version not in self._specs:
                raise _HTTPError(
                    400, "version must be 2 (Swagger 2.0), 3 (OpenAPI 3.0) or 3.1 (OpenAPI 3.1)"
                )
            return await _respond(
                send, 200, self._specs[version], [_JSON, (b"access-control-allow-origin", b"*")]
            )
        if path == "/metrics":
            return await _respond(
                send, 200, self._metrics.render(), [(b"content-type", b"text/plain; version=0.0.4")]
            )
        page = docs_page.resolve(path)
        if page is not None:
            body, content_type = page
            return await _respond(
                send,
                200,
                body,
                [(b"content-type", content_type), (b"cache-control", b"max-age=3600")],
            )
        raise _HTTPError(404, f"no route {path}; try /, /score, /swagger.json, /docs, /metrics")

    # --- /score -------------------------------------------------------------------------
    async def _score(self, scope: Scope, receive: Receive, send: Send, request_id: str) -> int:
        headers = scope[_HEADERS]
        if self.config.auth_enabled:
            self._authenticate(headers.get(b"authorization"))
        content_type = headers.get(b"content-type", b"").split(b";", 1)[0].strip().lower()
        if content_type != b"application/json":
            raise _HTTPError(415, "send Content-Type: application/json")
        body = await self._read_body(receive, headers)
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise _HTTPError(400, f"malformed JSON: {exc}") from None
        records, method, v2 = _parse_request(payload)
        scorer = self.scorer
        if scorer is None:
            raise _HTTPError(503, "the service is starting", [(b"retry-after", b"1")])
        try:
            if len(records) > C.INLINE_SCORING_ROWS:
                scores = await asyncio.to_thread(scorer.score, records)
            else:
                scores = scorer.score(records)
        except ScoringValidationError as exc:
            if any(e.field == "<record>" for e in exc.errors):  # not a record at all: shape
                raise _HTTPError(400, f"each record must be a JSON object ({exc})") from None
            details = [{"row": e.row, "field": e.field, "message": e.message} for e in exc.errors]
            raise _HTTPError(422, str(exc), [], {"errors": details}) from None
        sample_rate = self.config.capture_sample_rate
        if sample_rate > 0.0:  # the only cost of capture when it is off
            self._capture(request_id, records, scores, sample_rate)
        result = scores.labels if method == "predict" else scores.probabilities
        document = {"Results": result} if v2 else {"result": result}
        if _wants_json_string(scope):
            # Azure v1 AutoML's form, byte for byte: its script's json.dumps, encoded again.
            body_out = json.dumps(json.dumps(document)).encode()
        else:
            body_out = orjson.dumps(document)
        self._metrics.records.inc(len(records))
        return await _respond(
            send,
            200,
            body_out,
            [_JSON, (b"x-model-version", self._served_header), *self._cors(scope, "/score")],
        )

    def _capture(
        self, request_id: str, records: list[Any], scores: Scores, sample_rate: float
    ) -> None:
        """Queue the sampled records with their answers (serialized off the request path)."""
        if self.telemetry is None:
            return
        try:
            now, config = time.time(), self.config
            for row, record in enumerate(records):
                if sample_rate >= 1.0 or random.random() < sample_rate:
                    self.telemetry.capture(
                        (
                            now,
                            config.name,
                            config.model_ref,
                            request_id,
                            row,
                            record,
                            scores.probabilities[row],
                            scores.labels[row],
                        )
                    )
        except Exception:  # capture must never fail a request
            _log.exception("cannot capture the inputs of %s", request_id)

    def _authenticate(self, header: bytes | None) -> None:
        challenge = [(b"www-authenticate", b"Bearer")]
        if not header:
            raise _HTTPError(
                401,
                "missing Authorization header; send 'Authorization: Bearer "
                "<key>' (bankops services keys NAME prints the keys)",
                challenge,
            )
        scheme, _, token = header.partition(b" ")
        if scheme.lower() != b"bearer" or not self.keys.accepts(token.strip()):
            raise _HTTPError(401, "invalid key", challenge)

    async def _read_body(self, receive: Receive, headers: dict[bytes, bytes]) -> bytes:
        limit = self.config.max_body_bytes
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise _HTTPError(413, f"request body over {limit:,} bytes; send smaller batches")
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _HTTPError(400, "client disconnected before the body was complete")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _HTTPError(413, f"request body over {limit:,} bytes; send smaller batches")
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    # --- CORS ---------------------------------------------------------------------------
    def _cors(self, scope: Scope, route: str) -> list[tuple[bytes, bytes]]:
        origin = scope[_HEADERS].get(b"origin")
        if origin is None:
            return []
        allowed = self.config.cors_origins
        if route == "/score" and not ("*" in allowed or origin.decode() in allowed):
            return []
        return [(b"access-control-allow-origin", origin), (b"vary", b"Origin")]

    async def _preflight(self, scope: Scope, send: Send) -> int:
        cors = self._cors(scope, scope["path"])
        if not cors:
            raise _HTTPError(
                403,
                "this origin may not call the service; see the service's "
                "CORS origins (bankops deploy --cors-origin)",
            )
        headers = [
            *cors,
            (b"access-control-allow-methods", b"GET, POST, OPTIONS"),
            (b"access-control-allow-headers", b"authorization, content-type"),
            (b"access-control-max-age", b"600"),
        ]
        return await _respond(send, 204, b"", headers)


def _request_ids(headers: dict[bytes, bytes]) -> tuple[str, list[tuple[bytes, bytes]]]:
    """The request's id and the headers that carry it back, as Azure's scoring server does:
    the client's `x-request-id` when it sent one, else a new UUID, answered as both
    `x-request-id` and `x-ms-request-id`; `x-ms-client-request-id` is echoed. (Azure also
    copies a client's `x-ms-client-request-id` into `x-ms-request-id`; ours keeps the
    request's id there, since it keys the telemetry, captured inputs and labels.)"""
    asked = headers.get(b"x-request-id")
    request_id = asked.decode(errors="replace") if asked else str(uuid.uuid4())
    value = request_id.encode()[: _MAX_REQUEST_ID + 1]
    ids = [(b"x-request-id", value), (b"x-ms-request-id", value)]
    client_id = headers.get(b"x-ms-client-request-id")
    if client_id:
        ids.append((b"x-ms-client-request-id", client_id[: _MAX_REQUEST_ID + 1]))
    return request_id, ids


def _with_request_id(send: Send, ids: list[tuple[bytes, bytes]]) -> Send:
    """Every answer carries `x-ms-request-id` (as Azure's do): the key of its telemetry."""

    async def identified(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message["headers"], *ids]
        await send(message)

    return identified


def _wants_json_string(scope: Scope) -> bool:
    """`POST /score?answer=json-string`: answer as Azure's v1 AutoML endpoints do."""
    query = parse_qs(scope.get("query_string", b"").decode())
    return bool(query.get("answer", [""])[0] == "json-string")


def _parse_request(payload: Any) -> tuple[list[Any], str, bool]:
    """(records, method, is_v2) from either Azure request form, or a 400 saying what is wrong."""
    if not isinstance(payload, dict):
        raise _HTTPError(
            400, 'expected a JSON object: {"data": [...]} or {"Inputs": {"data": [...]}}'
        )
    v2 = "Inputs" in payload
    if v2:
        inputs = payload.get("Inputs")
        records = inputs.get("data") if isinstance(inputs, dict) else None
        parameters = payload.get("GlobalParameters")
        if parameters is None:
            parameters = {}
        if not isinstance(parameters, dict):
            raise _HTTPError(
                400,
                'GlobalParameters must be an object such as {"method": "predict_proba"}, '
                f"not {_json_kind(parameters)}",
            )
        method = parameters.get("method", "predict")
        unknown = set(payload) - {"Inputs", "GlobalParameters"}
    else:
        records = payload.get("data")
        method = payload.get("method", "predict")
        unknown = set(payload) - {"data", "method"}
    if unknown:
        raise _HTTPError(400, f"unknown top-level field(s): {', '.join(sorted(unknown))}")
    if not isinstance(records, list):
        where = '"Inputs": {"data": [...]}' if v2 else '"data": [...]'
        raise _HTTPError(400, f"expected {where} with a list of records")
    if method not in _METHODS:
        raise _HTTPError(400, f"method must be 'predict' or 'predict_proba', not {method!r}")
    return records, method, v2


def _json_kind(value: Any) -> str:
    """What a JSON value is, for messages: "an array", "a string", ..."""
    kinds = ((bool, "a boolean"), (str, "a string"), (list, "an array"), (int | float, "a number"))
    return next((name for kind, name in kinds if isinstance(value, kind)), "null")


async def _respond(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> int:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*headers, (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
    return status


async def _error(send: Send, error: _HTTPError, cors: list[tuple[bytes, bytes]]) -> int:
    body = orjson.dumps({"status_code": error.status, "message": error.message, **error.extra})
    return await _respond(send, error.status, body, [_JSON, *error.headers, *cors])


class _Metrics:
    """Prometheus metrics of one server process."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "bankops_requests",
            "HTTP requests by route and status code.",
            ["route", "code"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "bankops_request_duration_seconds",
            "Time to answer a request.",
            ["route"],
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
            registry=self.registry,
        )
        self.records = Counter("bankops_scored_records", "Records scored.", registry=self.registry)
        self.model = Gauge(
            "bankops_model_info", "The model being served.", ["model"], registry=self.registry
        )
        self.native = Gauge(
            "bankops_native_members",
            "Members of the served model that score through compiled native code.",
            ["model"],
            registry=self.registry,
        )
        self._known = {"/", "/score", "/swagger.json", "/metrics", "/docs"}

    def observe(self, route: str, status: int, seconds: float) -> None:
        label = (
            route if route in self._known else ("/docs" if route.startswith("/docs") else "other")
        )
        self.requests.labels(route=label, code=str(status)).inc()
        self.latency.labels(route=label).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)

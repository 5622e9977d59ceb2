"""`EndpointClient` and `AsyncEndpointClient`: score records on a local or Azure ML endpoint.

Azure ML scoring scripts speak one of two request forms (AutoML wrote both templates):
`v1` sends `{"data": [...], "method": ...}` and answers `{"result": [...]}` (often as a
JSON document inside a JSON string); `v2` sends `{"Inputs": {"data": [...]},
"GlobalParameters": {"method": ...}}` and answers `{"Results": [...]}`. Local services
take both. `wire="auto"` reads the endpoint's `/swagger.json` once to pick the form.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Final, Literal, Self

import httpx
import orjson
from pydantic import BaseModel, ConfigDict

from bankmarketing_ops import _constants as C
from bankmarketing_ops._exceptions import (
    APIConnectionError,
    APIResponseError,
    APIStatusError,
    ConfigurationError,
    ProbabilitiesNotSupportedError,
    ScoringScriptError,
)
from bankmarketing_ops._http import HttpPolicy, send, send_async
from bankmarketing_ops._logging import get_logger
from bankmarketing_ops.types.deploy import WebService

__all__ = ["DEFAULT_CLASSES", "AsyncEndpointClient", "EndpointClient", "ScoreResponse"]

_log = get_logger(__name__)
Method = Literal["predict", "predict_proba"]
Wire = Literal["auto", "v1", "v2"]
Record = Mapping[str, Any] | BaseModel
_WIRES: Final = ("auto", "v1", "v2")

DEFAULT_CLASSES: Final = ("no", "yes")
"""The column order of a `predict_proba` matrix from an Azure AutoML model: scikit-learn
orders `classes_` by sorting the labels, so P(no) comes first and P(yes) second."""


class ScoreResponse(BaseModel):
    """What `/score` answered, whatever form it came in."""

    model_config = ConfigDict(frozen=True, extra="allow")

    result: list[str] | list[float]
    """One entry per record, in order: labels for `predict`, P(yes) for `predict_proba`
    (the positive class's column when the endpoint answers a matrix)."""
    probabilities: list[list[float]] | None = None
    """`predict_proba` with `all_classes=True`: one row per record, one column per entry
    of `classes`."""
    classes: list[str] | None = None
    """The column order of `probabilities` (set with it)."""
    model_version: str | None = None
    """`name:version` of the model, when the server says (local services do)."""
    request_id: str | None = None
    """The answer's `x-ms-request-id`: the key of its telemetry, of its captured inputs
    and of the labels logged for it (`DriftMonitor.log_labels`)."""


def _decode(body: bytes) -> Any:
    try:
        value: Any = orjson.loads(body)
        if isinstance(value, str):  # Azure v1 AutoML: "{\"result\": [...]}"
            value = orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        raise APIResponseError(f"the endpoint answered something that is not JSON: {exc}") from None
    return value


def parse_score_body(body: bytes) -> list[Any]:
    """The result list from any answer form: `{"result": [...]}`, `{"Results": [...]}`,
    a bare list, or Azure v1's JSON document encoded inside a JSON string."""
    return _result_list(_decode(body), body)


def _result_list(value: Any, body: bytes) -> list[Any]:
    if isinstance(value, dict):
        value = value.get("result", value.get("Results"))
    if not isinstance(value, list):
        raise APIResponseError(f"the endpoint's answer has no result list: {body[:200]!r}")
    return value


def wire_of_swagger(document: Mapping[str, Any]) -> Literal["v1", "v2"]:
    """`v2` when the spec's request body has `Inputs` (AutoML's current template), else `v1`."""
    definitions = document.get("definitions") or document.get("components", {}).get("schemas", {})
    service_input = definitions.get("ServiceInput") if isinstance(definitions, Mapping) else None
    properties = service_input.get("properties") if isinstance(service_input, Mapping) else None
    return "v2" if isinstance(properties, Mapping) and "Inputs" in properties else "v1"


def _rows(records: Iterable[Record]) -> list[Any]:
    return [
        r.model_dump(mode="json", by_alias=True, exclude_none=True)
        if isinstance(r, BaseModel)
        else r
        for r in records
    ]


def request_body(
    records: Iterable[Record], *, method: Method, wire: Literal["v1", "v2"]
) -> dict[str, Any]:
    """The JSON body `score` sends in the given request form."""
    rows = _rows(records)
    if wire == "v2":
        return {"Inputs": {"data": rows}, "GlobalParameters": {"method": method}}
    return {"data": rows, "method": method}


def _chunks(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    iterator = iter(records)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


class _Base:
    def __init__(
        self,
        scoring_uri: str,
        *,
        key: str | None,
        timeout: float | None,
        max_retries: int | None,
        policy: HttpPolicy | None,
        wire: Wire,
        classes: Sequence[str] | None,
        positive_label: str,
    ) -> None:
        if wire not in _WIRES:
            raise ConfigurationError(f"wire must be one of {', '.join(_WIRES)}, not {wire!r}")
        classes = tuple(classes or DEFAULT_CLASSES)
        if positive_label not in classes:
            raise ConfigurationError(f"positive_label {positive_label!r} is not in {classes}")
        policy = policy or HttpPolicy()
        if timeout is not None:
            policy = policy.with_options(timeout=timeout)
        if max_retries is not None:
            policy = policy.with_options(max_retries=max_retries)
        self.scoring_uri = scoring_uri
        self.policy = policy
        self.classes = classes
        self.positive_label = positive_label
        self._key = key
        self._wire: Literal["v1", "v2"] | None = None if wire == "auto" else wire
        base = scoring_uri.rsplit("/", 1)[0] if scoring_uri.endswith("/score") else scoring_uri
        self._root = base.rstrip("/") + "/"
        self._headers = {"Content-Type": "application/json"}
        if key:
            self._headers["Authorization"] = f"Bearer {key}"

    def __repr__(self) -> str:  # never the key
        return f"{type(self).__name__}({self.scoring_uri!r}, key={'***' if self._key else None})"

    def _payload(self, records: Iterable[Record], method: Method) -> bytes:
        return orjson.dumps(request_body(records, method=method, wire=self._wire or "v1"))

    def _decide(self, document: object) -> None:
        """Cache the request form `auto` found: from the spec, or v1 when there is none."""
        self._wire = wire_of_swagger(document) if isinstance(document, Mapping) else "v1"
        _log.debug("%s speaks the %s request form", self.scoring_uri, self._wire)

    @property
    def wire(self) -> Literal["v1", "v2"] | None:
        """The request form in use (`None` while `auto` has not asked the endpoint yet)."""
        return self._wire

    def _response(
        self, response: httpx.Response, method: Method, all_classes: bool
    ) -> ScoreResponse:
        request_id = response.headers.get("x-ms-request-id")
        value = _decode(response.content)
        if isinstance(value, dict) and "error" in value and not {"result", "Results"} & set(value):
            # Azure v1 AutoML: the script caught the model's error and answered it with 200.
            raise ScoringScriptError(
                f"the endpoint's scoring script failed (200 from POST {self.scoring_uri}): "
                f"{value['error']}" + (f" [x-ms-request-id {request_id}]" if request_id else ""),
                status_code=response.status_code,
                body=value,
                method="POST",
                url=self.scoring_uri,
                request_id=request_id,
            )
        result = _result_list(value, response.content)
        model_version = response.headers.get("x-model-version")
        if method == "predict":
            return ScoreResponse(result=result, model_version=model_version, request_id=request_id)
        matrix = self._matrix(result, request_id)
        column = self.classes.index(self.positive_label)
        return ScoreResponse(
            result=[row[column] for row in matrix],
            probabilities=matrix if all_classes else None,
            classes=list(self.classes) if all_classes else None,
            model_version=model_version,
            request_id=request_id,
        )

    def _matrix(self, result: list[Any], request_id: str | None) -> list[list[float]]:
        """Every `predict_proba` answer as one row of class probabilities per record."""
        if all(_is_number(v) for v in result):  # P(positive) per record (local services)
            if len(self.classes) != 2:
                raise APIResponseError("one probability per record needs two classes")
            positive = self.classes.index(self.positive_label)
            matrix = []
            for value in result:
                row = [1.0 - float(value)] * 2
                row[positive] = float(value)
                matrix.append(row)
            return matrix
        if all(isinstance(row, list) and all(_is_number(v) for v in row) for row in result):
            widths = {len(row) for row in result}
            if widths - {len(self.classes)}:
                raise APIResponseError(
                    f"the endpoint answered rows of {sorted(widths)} probabilities for "
                    f"{len(self.classes)} classes {list(self.classes)}; pass classes= in "
                    "the order its model uses"
                )
            return [[float(v) for v in row] for row in result]
        raise ProbabilitiesNotSupportedError(
            "asked for predict_proba, but the endpoint answered labels "
            f"({result[:3]!r}…): its scoring script does not support probabilities (Azure "
            "AutoML's v1 template ignores `method`). Use method='predict', or deploy a "
            "scoring script that supports predict_proba (AutoML's v2 template)",
            method="POST",
            url=self.scoring_uri,
            request_id=request_id,
        )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class EndpointClient(_Base):
    """A synchronous client for one scoring endpoint (local service or Azure ML).

    Args:
        scoring_uri: The endpoint's `…/score` URI.
        key: Sent as `Authorization: Bearer <key>` (never logged or shown in `repr`).
        timeout: Seconds per call (default 30); shorthand for `policy.timeout`.
        max_retries: Retries per call (default 2); shorthand for `policy.max_retries`.
        policy: Timeouts and retries (`HttpPolicy`).
        http_client: An `httpx.Client` to send with (its event hooks, proxies …).
        wire: The request form: `"v1"` (`{"data", "method"}`), `"v2"` (`{"Inputs",
            "GlobalParameters"}`, Azure AutoML's current scoring script) or `"auto"`: read
            the endpoint's `/swagger.json` once, before the first call (no spec: v1).
        classes: The column order of a `predict_proba` matrix the endpoint answers
            (default `("no", "yes")`, scikit-learn's sorted order).
        positive_label: The class whose probability `result` holds (default `"yes"`).

    Example:
        >>> client = EndpointClient(service.scoring_uri, key=key)  # doctest: +SKIP
        >>> client.score([data.SCHEMA.example_row()]).result  # doctest: +SKIP
        ['no']
    """

    def __init__(
        self,
        scoring_uri: str,
        *,
        key: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        policy: HttpPolicy | None = None,
        http_client: httpx.Client | None = None,
        wire: Wire = "auto",
        classes: Sequence[str] | None = None,
        positive_label: str = DEFAULT_CLASSES[1],
    ) -> None:
        super().__init__(
            scoring_uri,
            key=key,
            timeout=timeout,
            max_retries=max_retries,
            policy=policy,
            wire=wire,
            classes=classes,
            positive_label=positive_label,
        )
        self._http = http_client or httpx.Client(timeout=self.policy.httpx_timeout())
        self._wire_lock = threading.Lock()

    @classmethod
    def from_service(cls, service: WebService, *, key: str, **options: Any) -> EndpointClient:
        """A client for a service `ModelDeployer` reported (`key`: one of its keys)."""
        return cls(service.scoring_uri, key=key, **options)

    def score(
        self, records: Sequence[Record], *, method: Method = "predict", all_classes: bool = False
    ) -> ScoreResponse:
        """Score records (dicts with the wire names, or generated `ScoringRecord` models).

        `predict` gives labels; `predict_proba` gives P(yes) per record in `result`, and with
        `all_classes=True` the whole matrix in `probabilities` (columns: `classes`).

        Raises:
            ProbabilitiesNotSupportedError: `predict_proba` got labels back.
            ScoringScriptError: the endpoint's scoring script failed (Azure's message and
                request id kept).
        """
        self.resolve_wire()
        response = send(
            self._http,
            self.policy,
            "POST",
            self.scoring_uri,
            content=self._payload(records, method),
            headers=self._headers,
        )
        return self._response(response, method, all_classes)

    def resolve_wire(self) -> Literal["v1", "v2"]:
        """The request form, asked of the endpoint's `/swagger.json` once when `auto`."""
        if self._wire is None:
            with self._wire_lock:
                if self._wire is None:
                    try:
                        self._decide(self.swagger())
                    except APIConnectionError:
                        return "v1"  # no answer: this call goes as v1, the next one asks again
                    except (APIStatusError, ValueError):
                        self._decide(None)
        return self._wire or "v1"

    def score_batch(
        self,
        records: Iterable[Record],
        *,
        method: Method = "predict",
        chunk_size: int = C.BATCH_CHUNK_ROWS,
        concurrency: int = C.BATCH_CONCURRENCY,
    ) -> Iterator[str | float]:
        """Score an iterable of any length in chunks, `concurrency` chunks in flight.

        Results come back in input order, one per record, as they are ready; at most
        `concurrency` chunks are held in memory, so a generator of millions of rows
        streams through.
        """
        self.resolve_wire()  # once, before the chunks race to it
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            pending: deque[Future[ScoreResponse]] = deque()
            for chunk in _chunks(records, chunk_size):
                pending.append(pool.submit(self.score, chunk, method=method))
                if len(pending) >= concurrency:
                    yield from pending.popleft().result().result
            while pending:
                yield from pending.popleft().result().result

    def health(self) -> bool:
        """True when `GET /` answers 200; False when it answers otherwise or not at all."""
        try:
            return send(self._http, self.policy, "GET", self._root).status_code == 200
        except (APIStatusError, APIConnectionError):
            return False

    def swagger(self) -> dict[str, Any]:
        """The endpoint's Swagger document, parsed."""
        response = send(self._http, self.policy, "GET", self._root + "swagger.json")
        document: dict[str, Any] = orjson.loads(response.content)
        return document

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class AsyncEndpointClient(_Base):
    """`EndpointClient` for asyncio."""

    def __init__(
        self,
        scoring_uri: str,
        *,
        key: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        policy: HttpPolicy | None = None,
        http_client: httpx.AsyncClient | None = None,
        wire: Wire = "auto",
        classes: Sequence[str] | None = None,
        positive_label: str = DEFAULT_CLASSES[1],
    ) -> None:
        super().__init__(
            scoring_uri,
            key=key,
            timeout=timeout,
            max_retries=max_retries,
            policy=policy,
            wire=wire,
            classes=classes,
            positive_label=positive_label,
        )
        self._http = http_client or httpx.AsyncClient(timeout=self.policy.httpx_timeout())
        self._wire_lock: asyncio.Lock | None = None

    @classmethod
    def from_service(cls, service: WebService, *, key: str, **options: Any) -> AsyncEndpointClient:
        return cls(service.scoring_uri, key=key, **options)

    async def score(
        self, records: Sequence[Record], *, method: Method = "predict", all_classes: bool = False
    ) -> ScoreResponse:
        """`EndpointClient.score` for asyncio."""
        await self.resolve_wire()
        response = await send_async(
            self._http,
            self.policy,
            "POST",
            self.scoring_uri,
            content=self._payload(records, method),
            headers=self._headers,
        )
        return self._response(response, method, all_classes)

    async def resolve_wire(self) -> Literal["v1", "v2"]:
        """`EndpointClient.resolve_wire` for asyncio (concurrent first calls ask once)."""
        if self._wire is None:
            self._wire_lock = self._wire_lock or asyncio.Lock()
            async with self._wire_lock:
                if self._wire is None:
                    try:
                        self._decide(await self.swagger())
                    except APIConnectionError:
                        return "v1"
                    except (APIStatusError, ValueError):
                        self._decide(None)
        return self._wire or "v1"

    async def score_batch(
        self,
        records: Iterable[Record] | AsyncIterable[Record],
        *,
        method: Method = "predict",
        chunk_size: int = C.BATCH_CHUNK_ROWS,
        concurrency: int = C.BATCH_CONCURRENCY,
    ) -> AsyncIterator[str | float]:
        """Like `EndpointClient.score_batch`; `records` may also be an async iterable."""
        await self.resolve_wire()
        pending: deque[asyncio.Task[ScoreResponse]] = deque()
        try:
            async for chunk in _achunks(records, chunk_size):
                pending.append(asyncio.create_task(self.score(chunk, method=method)))
                if len(pending) >= concurrency:
                    for value in (await pending.popleft()).result:
                        yield value
            while pending:
                for value in (await pending.popleft()).result:
                    yield value
        finally:  # the consumer stopped early or a chunk failed: stop the others too
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def health(self) -> bool:
        try:
            response = await send_async(self._http, self.policy, "GET", self._root)
        except (APIStatusError, APIConnectionError):
            return False
        return response.status_code == 200

    async def swagger(self) -> dict[str, Any]:
        response = await send_async(self._http, self.policy, "GET", self._root + "swagger.json")
        document: dict[str, Any] = orjson.loads(response.content)
        return document

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()


async def _achunks(
    records: Iterable[Record] | AsyncIterable[Record], size: int
) -> AsyncIterator[list[Record]]:
    if isinstance(records, AsyncIterable):
        chunk: list[Record] = []
        async for record in records:
            chunk.append(record)
            if len(chunk) == size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk
    else:
        for chunk in _chunks(records, size):
            yield chunk

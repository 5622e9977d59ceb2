"""`EndpointClient` and `AsyncEndpointClient`: score records on a local or Azure ML endpoint."""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Literal, Self

import httpx
import orjson
from pydantic import BaseModel, ConfigDict

from bankmarketing_ops import _constants as C
from bankmarketing_ops._exceptions import (
    APIConnectionError,
    APIResponseError,
    APIStatusError,
)
from bankmarketing_ops.client._policy import HttpPolicy, send, send_async
from bankmarketing_ops.types.deploy import WebService

__all__ = ["AsyncEndpointClient", "EndpointClient", "ScoreResponse"]

Method = Literal["predict", "predict_proba"]
Record = Mapping[str, Any] | BaseModel


class ScoreResponse(BaseModel):
    """What `/score` answered, whatever form it came in."""

    model_config = ConfigDict(frozen=True, extra="allow")

    result: list[str] | list[float]
    """One entry per record, in order: labels for `predict`, P(yes) for `predict_proba`."""
    model_version: str | None = None
    """`name:version` of the model, when the server says (local services do)."""
    request_id: str | None = None
    """The answer's `x-ms-request-id`: the key of its telemetry, of its captured inputs
    and of the labels logged for it (`DriftMonitor.log_labels`)."""


def parse_score_body(body: bytes) -> list[Any]:
    """The result list from any answer form: `{"result": [...]}`, `{"Results": [...]}`,
    a bare list, or Azure v1's JSON document encoded inside a JSON string."""
    try:
        value: Any = orjson.loads(body)
        if isinstance(value, str):  # Azure v1 AutoML: "{\"result\": [...]}"
            value = orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        raise APIResponseError(f"the endpoint answered something that is not JSON: {exc}") from None
    if isinstance(value, dict):
        value = value.get("result", value.get("Results"))
    if not isinstance(value, list):
        raise APIResponseError(f"the endpoint's answer has no result list: {body[:200]!r}")
    return value


def _payload(records: Iterable[Record], method: Method) -> bytes:
    rows = [
        r.model_dump(mode="json", by_alias=True, exclude_none=True)
        if isinstance(r, BaseModel)
        else r
        for r in records
    ]
    return orjson.dumps({"data": rows, "method": method})


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
    ) -> None:
        policy = policy or HttpPolicy()
        if timeout is not None:
            policy = policy.with_options(timeout=timeout)
        if max_retries is not None:
            policy = policy.with_options(max_retries=max_retries)
        self.scoring_uri = scoring_uri
        self.policy = policy
        self._key = key
        base = scoring_uri.rsplit("/", 1)[0] if scoring_uri.endswith("/score") else scoring_uri
        self._root = base.rstrip("/") + "/"
        self._headers = {"Content-Type": "application/json"}
        if key:
            self._headers["Authorization"] = f"Bearer {key}"

    def __repr__(self) -> str:  # never the key
        return f"{type(self).__name__}({self.scoring_uri!r}, key={'***' if self._key else None})"

    @staticmethod
    def _response(response: httpx.Response) -> ScoreResponse:
        return ScoreResponse(
            result=parse_score_body(response.content),
            model_version=response.headers.get("x-model-version"),
            request_id=response.headers.get("x-ms-request-id"),
        )


class EndpointClient(_Base):
    """A synchronous client for one scoring endpoint (local service or Azure ML).

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
    ) -> None:
        super().__init__(
            scoring_uri, key=key, timeout=timeout, max_retries=max_retries, policy=policy
        )
        self._http = http_client or httpx.Client(timeout=self.policy.httpx_timeout())

    @classmethod
    def from_service(cls, service: WebService, *, key: str, **options: Any) -> EndpointClient:
        """A client for a service `ModelDeployer` reported (`key`: one of its keys)."""
        return cls(service.scoring_uri, key=key, **options)

    def score(self, records: Sequence[Record], *, method: Method = "predict") -> ScoreResponse:
        """Score records (dicts with the wire names, or generated `ScoringRecord` models)."""
        response = send(
            self._http,
            self.policy,
            "POST",
            self.scoring_uri,
            content=_payload(records, method),
            headers=self._headers,
        )
        return self._response(response)

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
    ) -> None:
        super().__init__(
            scoring_uri, key=key, timeout=timeout, max_retries=max_retries, policy=policy
        )
        self._http = http_client or httpx.AsyncClient(timeout=self.policy.httpx_timeout())

    @classmethod
    def from_service(cls, service: WebService, *, key: str, **options: Any) -> AsyncEndpointClient:
        return cls(service.scoring_uri, key=key, **options)

    async def score(
        self, records: Sequence[Record], *, method: Method = "predict"
    ) -> ScoreResponse:
        response = await send_async(
            self._http,
            self.policy,
            "POST",
            self.scoring_uri,
            content=_payload(records, method),
            headers=self._headers,
        )
        return self._response(response)

    async def score_batch(
        self,
        records: Iterable[Record] | AsyncIterable[Record],
        *,
        method: Method = "predict",
        chunk_size: int = C.BATCH_CHUNK_ROWS,
        concurrency: int = C.BATCH_CONCURRENCY,
    ) -> AsyncIterator[str | float]:
        """Like `EndpointClient.score_batch`; `records` may also be an async iterable."""
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

"""`PipelineClient`: trigger published pipelines over REST and follow their runs."""

from __future__ import annotations

import builtins
import time
from collections.abc import Mapping
from typing import Any, Self
from urllib.parse import quote, urlsplit

import httpx
import orjson
from pydantic import TypeAdapter, ValidationError

from bankmarketing_ops import _constants as C
from bankmarketing_ops._exceptions import (
    APIResponseError,
    ConfigurationError,
    OperationTimeoutError,
    PipelineRunError,
)
from bankmarketing_ops._http import HttpPolicy, send
from bankmarketing_ops.types.pipelines import (
    PipelineEndpoint,
    PipelineRun,
    PublishedPipeline,
    TriggerResult,
)

__all__ = ["PipelineClient"]

_RUNS = TypeAdapter(list[PipelineRun])


class PipelineClient:
    """Starts runs of published pipelines and reads them back, under the shared HTTP policy.

    `trigger` takes any pipeline endpoint URL — a local server's or Azure's
    `.../PipelineRuns/PipelineSubmit/<id>` — and sends the same body to both. The
    credentials are a bearer `token` (a local server's: `bankops pipelines token`), or a
    ready `auth_header` (Azure: the workspace's `auth.get_authentication_header()`).
    Reading runs back (`get_run`, `wait`, `list_runs`, `logs`) speaks the local server's API.

    Example:
        >>> client = PipelineClient(token=token)  # doctest: +SKIP
        >>> run_id = client.trigger(published.endpoint, experiment_name="nightly")  # doctest: +SKIP
        >>> client.wait(run_id).status  # doctest: +SKIP
        'Completed'
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        token: str | None = None,
        auth_header: Mapping[str, str] | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        policy: HttpPolicy | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        if token is not None and auth_header is not None:
            raise ConfigurationError("give a token or an auth_header, not both")
        policy = policy or HttpPolicy()
        if timeout is not None:
            policy = policy.with_options(timeout=timeout)
        if max_retries is not None:
            policy = policy.with_options(max_retries=max_retries)
        self.policy = policy
        self.base_url = base_url.rstrip("/") if base_url else None
        self._auth = dict(auth_header or {})
        if token is not None:
            self._auth = {"Authorization": f"Bearer {token}"}
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(timeout=policy.httpx_timeout())

    def __repr__(self) -> str:  # never the token
        return f"PipelineClient({self.base_url!r}, auth={'***' if self._auth else None})"

    def _url(self, path: str) -> str:
        if self.base_url is None:
            raise ConfigurationError(
                "this client has no base_url: pass PipelineClient(base_url=...) or trigger a "
                "run first (its endpoint's server becomes the base)"
            )
        return f"{self.base_url}{path}"

    def _get(self, path: str, params: Mapping[str, str | int] | None = None) -> httpx.Response:
        url = self._url(path)
        if params:
            url = str(httpx.URL(url, params=dict(params)))
        return send(self._http, self.policy, "GET", url, headers=self._auth)

    # --- the public calls ---------------------------------------------------------------
    def trigger(
        self,
        endpoint: str | PublishedPipeline | PipelineEndpoint,
        *,
        experiment_name: str,
        parameters: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Start a run; returns its id. Retries reuse one `Idempotency-Key` (give your own
        to make a retry of *your* call safe too), so a retried POST never starts two runs.

        Raises:
            UnprocessableEntityError: a parameter is unknown or of the wrong type (named).
            AuthenticationError: the token is missing or wrong.
        """
        url = endpoint if isinstance(endpoint, str) else endpoint.endpoint
        if self.base_url is None:
            parts = urlsplit(url)
            self.base_url = f"{parts.scheme}://{parts.netloc}"
        body = orjson.dumps(
            {"ExperimentName": experiment_name, "ParameterAssignments": dict(parameters or {})}
        )
        headers = {**self._auth, "Content-Type": "application/json"}
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        response = send(self._http, self.policy, "POST", url, content=body, headers=headers)
        try:
            return TriggerResult.model_validate_json(response.content).id
        except ValidationError as exc:
            raise APIResponseError(
                f"POST {url} answered without an Id: {response.text[:200]}", method="POST", url=url
            ) from exc

    def get_run(self, run_id: str) -> PipelineRun:
        """The run's state, steps and outputs."""
        response = self._get(f"/PipelineRuns/{quote(run_id, safe='')}")
        return PipelineRun.model_validate_json(response.content)

    def list_runs(
        self,
        *,
        pipeline_id: str | None = None,
        endpoint: str | None = None,
        status: str | None = None,
        limit: int = 50,
    ) -> builtins.list[PipelineRun]:
        """Runs, newest first, filtered as asked."""
        params: dict[str, str | int] = {"limit": limit}
        for name, value in (
            ("pipeline_id", pipeline_id),
            ("endpoint", endpoint),
            ("status", status),
        ):
            if value is not None:
                params[name] = value
        return _RUNS.validate_json(self._get("/PipelineRuns", params).content)

    def logs(self, run_id: str, *, step: str | None = None) -> dict[str, builtins.list[str]]:
        """Each step's log lines (only `step`'s when given)."""
        response = self._get(
            f"/PipelineRuns/{quote(run_id, safe='')}/logs", {"step": step} if step else None
        )
        logs: dict[str, builtins.list[str]] = response.json()
        return logs

    def cancel(self, run_id: str) -> PipelineRun:
        """Cancel a run (a queued one at once, a running one after its current step stops)."""
        url = self._url(f"/PipelineRuns/{quote(run_id, safe='')}/cancel")
        response = send(self._http, self.policy, "POST", url, content=b"", headers=self._auth)
        return PipelineRun.model_validate_json(response.content)

    def wait(
        self,
        run_id: str,
        *,
        timeout: float | None = None,
        poll_interval: float = C.PIPELINE_POLL_S,
        raise_on_failure: bool = True,
    ) -> PipelineRun:
        """Poll until the run is finished.

        Raises:
            PipelineRunError: it ended Failed or Canceled (unless `raise_on_failure=False`).
            OperationTimeoutError: it is still going after `timeout` seconds.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            run = self.get_run(run_id)
            if run.done:
                if raise_on_failure and run.status != "Completed":
                    raise PipelineRunError(run)
                return run
            if deadline is not None and time.monotonic() > deadline:
                raise OperationTimeoutError(
                    f"pipeline run {run_id} is still {run.status} after {timeout:g} s",
                    operation_id=run_id,
                )
            time.sleep(poll_interval)

    def close(self) -> None:
        """Close the HTTP client (only one this client made itself)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

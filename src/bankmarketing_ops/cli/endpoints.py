"""`bankops endpoints test|benchmark`: call a scoring endpoint as a client would."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Annotated

import orjson
import typer
from pydantic import BaseModel

from bankmarketing_ops import ModelDeployer, data
from bankmarketing_ops._exceptions import APIError
from bankmarketing_ops._stats import percentile
from bankmarketing_ops.cli._output import JsonOption, emit_json, fail, handle_errors, stdout
from bankmarketing_ops.cli._workspace import open_workspace
from bankmarketing_ops.client import AsyncEndpointClient, EndpointClient
from bankmarketing_ops.client.endpoint import Wire, request_body

app = typer.Typer(help="Test and benchmark scoring endpoints.", no_args_is_help=True)

ServiceOption = Annotated[str | None, typer.Option("--service", help="A deployed service.")]
UriOption = Annotated[str | None, typer.Option("--uri", help="A scoring URI (…/score).")]
KeyOption = Annotated[
    str | None,
    typer.Option("--key", envvar="BANKOPS_ENDPOINT_KEY", help="Its key (or BANKOPS_ENDPOINT_KEY)."),
]
WireOption = Annotated[
    str,
    typer.Option(
        "--wire",
        help="Request form: v1 ({data, method}), v2 ({Inputs, GlobalParameters}) or auto "
        "(read from the endpoint's /swagger.json).",
    ),
]

#: The classic two-record payload of the Azure ML exercise.
TWO_RECORDS = [
    data.SCHEMA.example_row(),
    {
        **data.SCHEMA.example_row(),
        "age": 45,
        "job": "management",
        "marital": "married",
        "housing": "yes",
        "loan": "no",
        "month": "may",
        "day_of_week": "mon",
        "duration": 400,
        "campaign": 1,
        "emp.var.rate": -1.8,
        "cons.price.idx": 92.893,
        "cons.conf.idx": -46.2,
        "euribor3m": 1.299,
        "nr.employed": 5099.1,
    },
]


def _wire(value: str) -> Wire:
    if value not in ("auto", "v1", "v2"):
        raise fail(f"--wire must be auto, v1 or v2, not {value!r}")
    return value  # type: ignore[return-value]


def _target(service: str | None, uri: str | None, key: str | None) -> tuple[str, str | None]:
    if service:
        deployer = ModelDeployer(open_workspace())
        found = deployer.get(service)
        secret = deployer.get_keys(service).primary_key.get_secret_value()
        return found.scoring_uri, secret if found.auth_enabled else None
    if not uri:
        raise fail("say which endpoint: --service NAME, or --uri URI [--key KEY]")
    return uri, key


class TryReport(BaseModel):
    uri: str
    request: dict[str, object]
    response: list[object]
    model_version: str | None


@app.command("test")
@handle_errors
def try_command(
    service: ServiceOption = None,
    uri: UriOption = None,
    key: KeyOption = None,
    wire: WireOption = "auto",
    json_output: JsonOption = False,
) -> None:
    """Send the classic two-record payload; print request and response; exit 1 on failure."""
    scoring_uri, secret = _target(service, uri, key)
    with EndpointClient(scoring_uri, key=secret, max_retries=1, wire=_wire(wire)) as client:
        request = request_body(TWO_RECORDS, method="predict", wire=client.resolve_wire())
        answer = client.score(TWO_RECORDS)
    report = TryReport(
        uri=scoring_uri,
        request=request,
        response=list(answer.result),
        model_version=answer.model_version,
    )
    if json_output:
        emit_json(report)
        return
    console = stdout()
    console.print(f"POST {scoring_uri}")
    console.print_json(data=request)
    console.print(f"→ 200 {answer.model_version or ''}")
    console.print_json(data={"result": report.response})


class BenchmarkReport(BaseModel):
    uri: str
    requests: int
    concurrency: int
    failures: int
    seconds: float
    requests_per_second: float
    latency_ms_p50: float
    latency_ms_p95: float
    latency_ms_p99: float
    payload_file: str
    ab_command: str


@app.command("benchmark")
@handle_errors
def benchmark_command(
    service: ServiceOption = None,
    uri: UriOption = None,
    key: KeyOption = None,
    requests: Annotated[int, typer.Option("-n", "--requests", min=1, help="How many.")] = 1000,
    concurrency: Annotated[int, typer.Option("-c", "--concurrency", min=1)] = 8,
    payload_file: Annotated[Path, typer.Option(help="Where to write the payload.")] = Path(
        "data.json"
    ),
    wire: WireOption = "auto",
    json_output: JsonOption = False,
) -> None:
    """Send N two-record requests, C at a time; print requests/s, latency percentiles and
    failures (as `ab` does), and write the payload file and the equivalent `ab` command."""
    scoring_uri, secret = _target(service, uri, key)
    with EndpointClient(scoring_uri, key=secret, max_retries=1, wire=_wire(wire)) as probe:
        form = probe.resolve_wire()  # once, so the payload file has the form the load uses
    payload_file.write_bytes(orjson.dumps(request_body(TWO_RECORDS, method="predict", wire=form)))
    latencies, failures, elapsed = asyncio.run(
        _load(scoring_uri, secret, requests, concurrency, form)
    )
    ordered = sorted(latencies) or [0.0]

    def pct(p: float) -> float:
        return (percentile(ordered, p) or 0.0) * 1000

    auth = ' -H "Authorization: Bearer $KEY"' if secret else ""
    report = BenchmarkReport(
        uri=scoring_uri,
        requests=requests,
        concurrency=concurrency,
        failures=failures,
        seconds=elapsed,
        requests_per_second=requests / elapsed,
        latency_ms_p50=pct(50),
        latency_ms_p95=pct(95),
        latency_ms_p99=pct(99),
        payload_file=str(payload_file),
        ab_command=f"ab -n {requests} -c {concurrency} -p {payload_file} -T application/json"
        f"{auth} {scoring_uri}",
    )
    if json_output:
        emit_json(report)
    else:
        console = stdout()
        console.print(f"Requests:     {requests} at concurrency {concurrency} → {scoring_uri}")
        console.print(f"Time taken:   {elapsed:.3f} s")
        console.print(f"Failed:       {failures}")
        console.print(f"Requests/s:   {report.requests_per_second:.1f}")
        console.print(
            f"Latency (ms): p50 {report.latency_ms_p50:.2f}   "
            f"p95 {report.latency_ms_p95:.2f}   p99 {report.latency_ms_p99:.2f}"
        )
        console.print(f"payload: {payload_file}; the same with ab:\n  {report.ab_command}")
    if failures:
        raise typer.Exit(1)


async def _load(
    uri: str, key: str | None, total: int, concurrency: int, wire: Wire
) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    failures = 0
    queue = iter(range(total))

    async with AsyncEndpointClient(uri, key=key, max_retries=0, wire=wire) as client:

        async def worker() -> None:
            nonlocal failures
            for _ in queue:
                started = time.perf_counter()
                try:
                    await client.score(TWO_RECORDS)
                    latencies.append(time.perf_counter() - started)
                except APIError:
                    failures += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return latencies, failures, elapsed

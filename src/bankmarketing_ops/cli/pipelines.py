"""`bankops pipelines …`: publish the training pipeline, trigger it over REST, follow runs."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar, get_args

import typer
from pydantic import BaseModel, RootModel
from rich.console import Console, Group
from rich.live import Live
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from bankmarketing_ops import _constants as C
from bankmarketing_ops._exceptions import (
    ConfigurationError,
    OperationTimeoutError,
    PipelineRunError,
    UnsupportedFeatureError,
)
from bankmarketing_ops.cli._output import (
    CopyableTable,
    JsonOption,
    emit_json,
    handle_errors,
    stderr,
    stdout,
)
from bankmarketing_ops.cli._workspace import open_workspace
from bankmarketing_ops.pipelines import PipelinePublisher, training_pipeline
from bankmarketing_ops.types.pipelines import (
    PipelineEndpoint,
    PipelineRun,
    PublishedPipeline,
    RunStatus,
)

T = TypeVar("T")

app = typer.Typer(
    help="Publish the training pipeline as an authenticated REST endpoint; trigger and "
    "follow its runs.",
    no_args_is_help=True,
)

RunArgument = Annotated[str, typer.Argument(help="The run id.")]
PipelineArgument = Annotated[str, typer.Argument(help="A published pipeline's id.")]


class Published(BaseModel):
    """What `publish --json` prints."""

    pipeline: PublishedPipeline
    pipeline_endpoint: PipelineEndpoint | None
    token: str
    """The bearer token the endpoints take now: the local server's (`bankops pipelines
    token` prints it again), or on Azure ML the workspace sign-in's Entra token (it
    expires; get a new one with `az account get-access-token`)."""


class Listing(BaseModel):
    """What `list --json` prints."""

    pipelines: list[PublishedPipeline]
    endpoints: list[PipelineEndpoint]
    server: dict[str, Any] | None


class _Runs(RootModel[list[PipelineRun]]):
    pass


class _Logs(RootModel[dict[str, list[str]]]):
    pass


class _Token(BaseModel):
    token: str


def _publisher() -> PipelinePublisher:
    return PipelinePublisher(open_workspace())


def _bearer_token(publisher: PipelinePublisher) -> str:
    """The token in the header that triggers this workspace's endpoints."""
    return publisher.auth_header()["Authorization"].removeprefix("Bearer ")


def _local_server(call: Callable[[], T]) -> T | None:
    """What a pipeline server operation answers; None on a backend without the
    `pipeline_server` capability (its service runs the endpoints itself)."""
    try:
        return call()
    except UnsupportedFeatureError:
        return None


@app.command()
@handle_errors
def publish(
    name: Annotated[
        str, typer.Option(help="Publish under this name (also the named endpoint's).")
    ] = C.DEFAULT_PIPELINE_NAME,
    description: Annotated[str, typer.Option(help="A description for people.")] = "",
    version: Annotated[
        str | None, typer.Option(help="Version label (default: the next number).")
    ] = None,
    set_default: Annotated[
        bool,
        typer.Option(
            "--set-default/--no-set-default",
            help="Point the named endpoint at this version.",
        ),
    ] = True,
    data_root: Annotated[
        list[Path] | None,
        typer.Option(
            "--data-root",
            help="A directory (or file) data_path may name, besides the workspace, the "
            "data cache and BANKOPS_DATA (repeat for more).",
        ),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Publish the built-in bank-marketing training pipeline (validate → train → evaluate →
    register → deploy if better) and start the pipeline server if it is not running."""
    publisher = _publisher()
    published = publisher.publish(
        training_pipeline(data_roots=data_root or ()),
        name=name,
        description=description,
        version=version,
        set_default=set_default,
    )
    endpoint = publisher.get_endpoint(name) if set_default else None
    token = _bearer_token(publisher)
    if json_output:
        emit_json(Published(pipeline=published, pipeline_endpoint=endpoint, token=token))
        return
    console = stdout()
    console.print(f"[green]✔ published[/] [bold]{published.name}[/] version {published.version}")
    console.print(f"  pipeline id   {published.id}")
    console.print(f"  endpoint      {published.endpoint}")
    if endpoint is not None:
        console.print(f"  named         {endpoint.endpoint}  (runs the default version)")
    console.print(f"  bearer token  {token}")
    console.print(f"  parameters    {', '.join(p.name for p in published.parameters)}")
    console.print("Trigger it from anywhere:")
    body = json.dumps(
        {
            "ExperimentName": C.DEFAULT_EXPERIMENT_NAME,
            "ParameterAssignments": {"timeout_minutes": 1},
        }
    )
    console.print(
        f"  curl -X POST {published.endpoint} -H 'Authorization: Bearer <token>' "
        f"-H 'Content-Type: application/json' -d '{body}'",
        markup=False,
    )
    console.print("or: bankops pipelines trigger --wait")


@app.command("list")
@handle_errors
def list_pipelines(json_output: JsonOption = False) -> None:
    """List published pipelines, named endpoints and the pipeline server."""
    publisher = _publisher()
    listing = Listing(
        pipelines=publisher.list(),
        endpoints=publisher.list_endpoints(),
        server=_local_server(publisher.server_status),
    )
    if json_output:
        emit_json(listing)
        return
    console = stdout()
    if not listing.pipelines:
        console.print("no published pipelines; publish one with: bankops pipelines publish")
        return
    table = CopyableTable(
        "id", "name", "version", "enabled", "steps", "created", copyable=("id", "name", "version")
    )
    for item in listing.pipelines:
        table.add_row(
            item.id,
            item.name,
            item.version,
            "yes" if item.enabled else "[red]no[/]",
            str(len(item.steps)),
            item.created_at,
        )
    table.print(console)
    for endpoint in listing.endpoints:
        console.print(
            f"endpoint [bold]{endpoint.name}[/] → version {endpoint.default_version}: "
            f"{endpoint.endpoint}"
        )
    server = listing.server
    console.print(
        f"server: running on port {server['port']} (pid {server['pid']})"
        if server
        else "server: not running (bankops pipelines publish or serve starts it)"
    )


@app.command()
@handle_errors
def show(
    target: Annotated[str, typer.Argument(help="A published pipeline's id, or an endpoint name.")],
    json_output: JsonOption = False,
) -> None:
    """Show a published pipeline (by id) or a named endpoint and its default version."""
    publisher = _publisher()
    endpoint = None
    if target in {e.name for e in publisher.list_endpoints()}:
        endpoint = publisher.get_endpoint(target)
        published = publisher.get(endpoint.default_pipeline_id)
    else:
        published = publisher.get(target)
    if json_output:
        emit_json(endpoint or published)
        return
    console = stdout()
    if endpoint is not None:
        console.print(f"endpoint [bold]{endpoint.name}[/]: {endpoint.endpoint}")
        console.print(f"  versions: {len(endpoint.pipelines)}, default {endpoint.default_version}")
    state = "enabled" if published.enabled else "[red]disabled[/]"
    console.print(f"[bold]{published.name}[/] version {published.version} ({state})")
    console.print(f"  id        {published.id}")
    console.print(f"  endpoint  {published.endpoint}")
    console.print(f"  steps     {' → '.join(published.steps)}")
    table = CopyableTable("parameter", "type", "default", "description", copyable=("parameter",))
    for parameter in published.parameters:
        table.add_row(
            parameter.name,
            parameter.type,
            Text(repr(parameter.default)),
            Text(parameter.description),
        )
    table.print(console)


@app.command()
@handle_errors
def enable(pipeline_id: PipelineArgument) -> None:
    """Let a published pipeline take runs again."""
    published = _publisher().enable(pipeline_id)
    stdout().print(f"{published.name} version {published.version} enabled")


@app.command()
@handle_errors
def disable(pipeline_id: PipelineArgument) -> None:
    """Refuse new runs of a published pipeline (403); its runs and history stay."""
    published = _publisher().disable(pipeline_id)
    stdout().print(f"{published.name} version {published.version} disabled")


@app.command()
@handle_errors
def token(
    regenerate: Annotated[
        bool, typer.Option("--regenerate", help="Make a new token; the old one stops working.")
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Print the bearer token of this workspace's pipeline endpoints."""
    publisher = _publisher()
    value = publisher.regenerate_token() if regenerate else publisher.token()
    if json_output:
        emit_json(_Token(token=value))
    else:
        typer.echo(value)


def parse_assignments(items: list[str], types: Mapping[str, str] | None = None) -> dict[str, Any]:
    """`NAME=VALUE` pairs. A parameter declared as a string takes VALUE as text
    (`model_name=2024` stays "2024"), a path takes it as a path from the current directory
    (the server's own rule takes relative paths from the workspace); others read it as
    JSON (`0.5`, `true`) when it is JSON, else as text (and the server names the
    mismatch)."""
    types = types or {}
    assignments: dict[str, Any] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        if not sep or not name:
            raise ConfigurationError(f"--param takes NAME=VALUE, got {item!r}")
        if types.get(name) == "str":
            assignments[name] = raw
            continue
        if types.get(name) == "path":
            assignments[name] = str(Path(raw).expanduser().absolute()) if raw else raw
            continue
        try:
            assignments[name] = json.loads(raw, parse_constant=_no_constant)
        except ValueError:
            assignments[name] = raw
    return assignments


def _no_constant(text: str) -> Any:
    raise ValueError(f"{text} is not a JSON value")  # NaN, Infinity: keep them as text


@app.command()
@handle_errors
def trigger(
    target: Annotated[
        str,
        typer.Argument(help="An endpoint name or a published pipeline's id."),
    ] = C.DEFAULT_PIPELINE_NAME,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            "-p",
            help="NAME=VALUE (repeat): data_path, timeout_minutes, primary_metric, "
            "model_name, service_name.",
        ),
    ] = None,
    experiment: Annotated[
        str, typer.Option(help="Experiment name recorded with the run.")
    ] = C.DEFAULT_EXPERIMENT_NAME,
    wait: Annotated[bool, typer.Option("--wait/--no-wait", help="Follow the run to its end.")] = (
        False
    ),
    json_output: JsonOption = False,
) -> None:
    """Start a run over REST, as any other program would (POST with the bearer token)."""
    publisher = _publisher()
    names = {e.name for e in publisher.list_endpoints()}
    if target in names:
        endpoint = publisher.get_endpoint(target)
        url, published = endpoint.endpoint, publisher.get(endpoint.default_pipeline_id)
    else:
        published = publisher.get(target)
        url = published.endpoint
    types = {p.name: p.type for p in published.parameters}
    _local_server(publisher.start_server)  # Azure ML's endpoints always listen
    with publisher.client() as client:
        run_id = client.trigger(
            url, experiment_name=experiment, parameters=parse_assignments(param or [], types)
        )
    # the run is read through the workspace (Azure's endpoint host serves no runs)
    if not wait:
        run = publisher.get_run(run_id)
        if json_output:
            emit_json(run)
        else:
            stdout().print(f"run [bold]{run_id}[/] {run.status}")
            stdout().print(f"follow it: bankops pipelines runs {run_id}")
        return
    run = follow_run(publisher.get_run, run_id, stderr() if json_output else stdout())
    if json_output:
        emit_json(run)
    else:
        stdout().print(render_run(run))
    if run.status != "Completed":
        raise PipelineRunError(run)


def follow_run(
    get_run: Any, run_id: str, console: Console, *, timeout: float | None = None
) -> PipelineRun:
    """Show the run's steps live until it ends (or `timeout` seconds pass:
    `OperationTimeoutError`, which leaves the run going)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    with Live(console=console, transient=True, refresh_per_second=4) as live:
        while True:
            run: PipelineRun = get_run(run_id)
            live.update(render_run(run))
            if run.done:
                return run
            if deadline is not None and time.monotonic() > deadline:
                raise OperationTimeoutError(
                    f"pipeline run {run_id} is still {run.status} after {timeout:g} s; "
                    f"follow it with: bankops pipelines runs {run_id}",
                    operation_id=run_id,
                )
            time.sleep(C.PIPELINE_POLL_S)


def _seconds(start: str | None, end: str | None) -> str:
    if start is None:
        return ""
    finish = (
        datetime.fromisoformat(end) if end else datetime.now(datetime.fromisoformat(start).tzinfo)
    )
    return f"{(finish - datetime.fromisoformat(start)).total_seconds():.1f} s"


def render_run(run: PipelineRun) -> Group:
    """A run's header and a table of its steps."""
    color = {"Completed": "green", "Failed": "red", "Canceled": "yellow"}.get(run.status, "cyan")
    # Names and errors are data (a caller's ExperimentName, an exception's text): never markup.
    header = (
        f"run [bold]{run.id}[/] of {escape(run.pipeline_name)} ({escape(run.experiment_name)}): "
        f"[{color}]{run.status}[/] {_seconds(run.started_at, run.finished_at)}"
    )
    table = Table("step", "status", "time", "error")
    for column in table.columns:  # a narrow terminal folds a cell, it never cuts one
        column.overflow = "fold"
    for step in run.steps:
        table.add_row(
            step.name,
            step.status,
            _seconds(step.started_at, step.finished_at),
            Text(step.error or ""),
        )
    parts: list[Any] = [header, table]
    if run.error:
        parts.append(Text(run.error, style="red"))
    return Group(*parts)


@app.command()
@handle_errors
def runs(
    run_id: Annotated[str | None, typer.Argument(help="Show this run (else list runs).")] = None,
    pipeline: Annotated[
        str | None, typer.Option(help="Only runs of this published pipeline id.")
    ] = None,
    status: Annotated[str | None, typer.Option(help="Only runs in this state.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 20,
    wait: Annotated[
        bool,
        typer.Option(
            "--wait",
            help="With RUN_ID: follow the run live to its end, wherever it was started "
            "(curl, a scheduler, trigger); exit 1 unless it completes.",
        ),
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """List pipeline runs, or show one with its steps and outputs (--wait: follow it)."""
    publisher = _publisher()
    console = stdout()
    if wait and run_id is None:
        raise ConfigurationError("--wait follows one run: give its RUN_ID")
    if run_id is not None:
        if wait:
            run = follow_run(publisher.get_run, run_id, stderr() if json_output else console)
        else:
            run = publisher.get_run(run_id)
        if json_output:
            emit_json(run)
        else:
            console.print(render_run(run))
            for step in run.steps:
                for output, path in step.outputs.items():
                    console.print(f"  {step.name}.{output}: {path}")
        if wait and run.status != "Completed":
            raise PipelineRunError(run)
        return
    if status is not None and status not in get_args(RunStatus):
        raise ConfigurationError(
            f"--status must be one of {', '.join(get_args(RunStatus))}, not {status!r}"
        )
    found = publisher.list_runs(
        pipeline_id=pipeline,
        status=status,  # type: ignore[arg-type]  # checked against RunStatus above
        limit=limit,
    )
    if json_output:
        emit_json(_Runs(found))
        return
    if not found:
        console.print("no pipeline runs")
        return
    table = CopyableTable(
        "run",
        "pipeline",
        "experiment",
        "status",
        "created",
        "error",
        copyable=("run", "pipeline", "experiment"),
    )
    for item in found:
        table.add_row(
            item.id,
            item.pipeline_name,
            item.experiment_name,
            item.status,
            item.created_at,
            Text((item.error or "")[:80]),
        )
    table.print(console)


@app.command()
@handle_errors
def logs(
    run_id: RunArgument,
    step: Annotated[str | None, typer.Option(help="Only this step's log.")] = None,
    json_output: JsonOption = False,
) -> None:
    """Print the steps' logs of a run."""
    found = _publisher().get_logs(run_id, step=step)
    if json_output:
        emit_json(_Logs(found))
        return
    console = stdout()
    for name, lines in found.items():
        console.rule(name)
        for line in lines:
            console.print(line, markup=False, highlight=False)


@app.command()
@handle_errors
def cancel(run_id: RunArgument) -> None:
    """Cancel a queued or running run."""
    run = _publisher().cancel_run(run_id)
    stdout().print(f"run {run.id}: {run.status}")


@app.command()
@handle_errors
def serve(
    port: Annotated[
        int | None, typer.Option(help="Port on 127.0.0.1 (default: the one published URLs use).")
    ] = None,
    max_concurrent_runs: Annotated[
        int | None, typer.Option(help="Runs executed at once; the rest wait in a queue.")
    ] = None,
) -> None:
    """Run the pipeline server in the foreground until Ctrl-C (runs keep going after it)."""
    publisher = _publisher()
    stderr().print(f"pipeline server for {publisher.server_url()} (Ctrl-C stops it)")
    publisher.serve(port=port, max_concurrent_runs=max_concurrent_runs)


@app.command()
@handle_errors
def stop() -> None:
    """Stop the background pipeline server (runs in progress keep going)."""
    stopped = _publisher().stop_server()
    stdout().print("pipeline server stopped" if stopped else "no pipeline server was running")

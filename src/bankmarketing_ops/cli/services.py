"""`bankops deploy`, `bankops services …` and `bankops serve`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from pydantic import BaseModel, RootModel

from bankmarketing_ops import ModelDeployer, ModelRegistry, ServiceExistsError, WebService
from bankmarketing_ops import _constants as C
from bankmarketing_ops.cli._output import (
    CopyableTable,
    JsonOption,
    emit_json,
    fail,
    handle_errors,
    stdout,
)
from bankmarketing_ops.cli._workspace import open_local_workspace, open_workspace
from bankmarketing_ops.cli.models import parse_ref

app = typer.Typer(help="Manage deployed scoring services.", no_args_is_help=True)

ServiceArgument = Annotated[str, typer.Argument(help="The service name.")]


class _Services(RootModel[list[WebService]]):
    pass


class _Keys(BaseModel):
    primary_key: str
    secondary_key: str


def describe(service: WebService) -> None:
    console = stdout()
    color = {"Healthy": "green", "Transitioning": "yellow"}.get(service.state, "red")
    console.print(f"[bold]{service.name}[/]: [{color}]{service.state}[/], model {service.model}")
    console.print(f"  scoring URI  {service.scoring_uri}")
    console.print(f"  swagger URI  {service.swagger_uri}")
    console.print(f"  Swagger UI   {service.docs_uri}")
    if service.auth_enabled:
        console.print(
            f"  keys         bankops services keys {service.name}   "
            "(send 'Authorization: Bearer <key>')"
        )
    else:
        console.print("  [yellow]authentication is OFF: anyone who can reach the port can score[/]")
    if service.restarts or service.last_exit_reason:
        console.print(
            f"  restarts     {service.restarts}"
            + (f"   last exit: {service.last_exit_reason}" if service.last_exit_reason else "")
        )
    for line in service.last_log_lines:
        console.print(f"  [dim]{line}[/]")


@handle_errors
def deploy(
    model: Annotated[str, typer.Argument(help="MODEL[:VERSION] from the registry.")],
    service: Annotated[str, typer.Option(help="Service name.")] = C.DEFAULT_SERVICE_NAME,
    no_auth: Annotated[
        bool, typer.Option("--no-auth", help="Serve without keys (not recommended).")
    ] = False,
    port: Annotated[
        int | None, typer.Option(help="Port on 127.0.0.1 (default: a free one).")
    ] = None,
    cors_origin: Annotated[
        list[str] | None,
        typer.Option(help="Browser origin allowed to call /score (repeat; '*' for any)."),
    ] = None,
    workers: Annotated[int, typer.Option(help="Server processes sharing the port.")] = 1,
    insights: Annotated[
        bool, typer.Option("--insights", help="Record every request (bankops insights …).")
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Deploy a registered model as an authenticated scoring service (or switch the model of
    an existing service without downtime)."""
    workspace = open_workspace()
    deployer = ModelDeployer(workspace)
    name, version = parse_ref(model)
    record = ModelRegistry(workspace).get(name, version)
    existing = {s.name for s in deployer.list()}
    result: WebService | None = None
    if service not in existing:
        try:
            result = deployer.begin_deploy(
                record,
                service,
                auth_enabled=not no_auth,
                port=port,
                cors_origins=cors_origin,
                workers=workers,
                insights_enabled=insights,
            ).result()
        except ServiceExistsError:  # created by someone else since we looked: update it
            result = None
    if result is None:
        result = deployer.update(service, model=record, cors_origins=cors_origin)
    if json_output:
        emit_json(result)
    else:
        describe(result)


@app.command("list")
@handle_errors
def list_command(json_output: JsonOption = False) -> None:
    """Every service with its state, model and scoring URI."""
    services = ModelDeployer(open_workspace()).list()
    if json_output:
        emit_json(_Services(services))
        return
    listing = CopyableTable(
        "service",
        "state",
        "model",
        "scoring URI",
        "auth",
        title=f"{len(services)} service(s)",
        copyable=("service", "model", "scoring URI"),
    )
    for s in services:
        listing.add_row(s.name, s.state, s.model, s.scoring_uri, "key" if s.auth_enabled else "OFF")
    listing.print(stdout())


@app.command("show")
@handle_errors
def show_command(name: ServiceArgument, json_output: JsonOption = False) -> None:
    """One service: state, URIs, model (and its last log lines when unhealthy)."""
    service = ModelDeployer(open_workspace()).get(name)
    if json_output:
        emit_json(service)
    else:
        describe(service)


@app.command("logs")
@handle_errors
def logs_command(
    name: ServiceArgument,
    lines: Annotated[int, typer.Option("--lines", "-n", help="How many lines.")] = 50,
    follow: Annotated[
        bool,
        typer.Option("--follow", "-f", help="Keep printing new lines as they come, until Ctrl-C."),
    ] = False,
    follow_seconds: Annotated[
        float | None,
        typer.Option(help="With --follow: stop after this many seconds (default: Ctrl-C)."),
    ] = None,
) -> None:
    """The end of the service's log: one line per request (method, path, status, time,
    request id, model, deployment) besides the server's own messages."""
    deployer = ModelDeployer(open_workspace())
    if not follow:
        for line in deployer.get_logs(name, lines):
            typer.echo(line)
        return
    try:
        for line in deployer.follow_logs(name, num_lines=lines, timeout=follow_seconds):
            typer.echo(line)
    except KeyboardInterrupt:  # the way to stop following: not an error
        return


@app.command("keys")
@handle_errors
def keys_command(name: ServiceArgument, json_output: JsonOption = False) -> None:
    """Print the service's two keys (either one authenticates)."""
    keys = ModelDeployer(open_workspace()).get_keys(name)
    plain = _Keys(
        primary_key=keys.primary_key.get_secret_value(),
        secondary_key=keys.secondary_key.get_secret_value(),
    )
    if json_output:
        emit_json(plain)
    else:
        stdout().print(f"primary    {plain.primary_key}\nsecondary  {plain.secondary_key}")


@app.command("regenerate-key")
@handle_errors
def regenerate_key_command(
    name: ServiceArgument,
    key: Annotated[str, typer.Argument(help="primary or secondary")],
) -> None:
    """Replace one key now; the other keeps working (rotate one at a time)."""
    if key not in ("primary", "secondary"):
        raise fail("KEY must be 'primary' or 'secondary'")
    ModelDeployer(open_workspace()).regenerate_key(name, key)  # type: ignore[arg-type]
    stdout().print(
        f"regenerated the {key} key of {name}; read it with bankops services keys {name}"
    )


@app.command("restart")
@handle_errors
def restart_command(name: ServiceArgument) -> None:
    """Start the service again (after a crash, say), on the same port (local backend:
    Azure ML web services are updated or redeployed instead)."""
    describe(ModelDeployer(open_workspace()).restart(name))


@app.command("delete")
@handle_errors
def delete_command(name: ServiceArgument) -> None:
    """Stop the service gracefully and remove it. Deleting what is gone is fine. Its
    recorded telemetry stays (until the retention period or a purge)."""
    ModelDeployer(open_workspace()).delete(name)
    stdout().print(
        f"deleted service {name}. Its recorded requests stay until the retention period; a "
        f"new service named {name} starts with fresh numbers. Read the old ones with: "
        f"bankops insights show {name} --all-deployments; delete them with: "
        f"bankops insights purge --service {name}",
        markup=False,
    )


@handle_errors
def serve(
    model: Annotated[str, typer.Argument(help="MODEL[:VERSION] from the registry.")],
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 5001,
    host: Annotated[str, typer.Option(help="Address to bind (0.0.0.0 in a container).")] = (
        C.SERVER_HOST
    ),
    key: Annotated[
        str | None,
        typer.Option(
            envvar="BANKOPS_SERVICE_KEY",
            help="The primary key (default: generated and kept in the workspace).",
        ),
    ] = None,
    no_auth: Annotated[bool, typer.Option("--no-auth", help="Serve without keys.")] = False,
) -> None:
    """Serve a model of the local workspace in the foreground (for containers and process
    managers); Ctrl-C or SIGTERM stops it gracefully."""
    from bankmarketing_ops.serving.config import (
        KEYS_FILE,
        ServiceConfig,
        new_deployment_id,
        new_keys,
        write_keys,
    )
    from bankmarketing_ops.serving.server import configure_server_logging
    from bankmarketing_ops.serving.server import serve as run_server

    workspace = open_local_workspace(
        "serve", "on Azure ML, deploy the model as a web service: bankops deploy MODEL"
    )
    name, version = parse_ref(model)
    record = ModelRegistry(workspace).get(name, version)
    folder = Path(workspace.info().location) / "foreground" / f"serve-{port}"
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    ServiceConfig(
        name=f"serve-{port}",
        model_ref=record.ref,
        model_dir=str(Path(record.path) / "model"),
        port=port,
        host=host,
        auth_enabled=not no_auth,
        created_at=now,
        updated_at=now,
        deployment_id=new_deployment_id(),
    ).write(folder)
    keys = new_keys() if not (folder / KEYS_FILE).exists() or key else None
    if keys is not None:
        if key:
            keys["primary"] = key
        write_keys(folder, keys)
    console = stdout()
    console.print(
        f"serving {record.ref} on http://{host}:{port}/score "
        f"(Swagger UI: http://{host}:{port}/docs)"
    )
    if not no_auth:
        console.print(f"keys: {folder / KEYS_FILE}")
    configure_server_logging()
    run_server(folder)

"""The root `bankops` command: global options and the command groups."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from bankmarketing_ops._version import __version__
from bankmarketing_ops.cli import (
    data,
    drift,
    endpoints,
    insights,
    models,
    pipelines,
    schema,
    services,
)
from bankmarketing_ops.cli._output import configure_logging
from bankmarketing_ops.cli._workspace import remember
from bankmarketing_ops.cli.quickstart import quickstart
from bankmarketing_ops.cli.train import train

app = typer.Typer(
    name="bankops",
    help="Operationalize the Bank Marketing classifier: data → AutoML → endpoint → monitoring.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_show_locals=False,  # locals may hold keys and tokens
)
app.command("quickstart")(quickstart)
app.add_typer(data.app, name="data")
app.command("train")(train)
app.add_typer(models.app, name="models")
app.command("deploy")(services.deploy)
app.add_typer(services.app, name="services")
app.command("serve")(services.serve)
app.add_typer(insights.app, name="insights")
app.add_typer(drift.app, name="drift")
app.add_typer(endpoints.app, name="endpoints")
app.add_typer(pipelines.app, name="pipelines")
app.add_typer(schema.app, name="schema")


class Backend(StrEnum):
    """Where commands run."""

    local = "local"
    azureml = "azureml"


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"bankops {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="More log output (-v, -vv).")
    ] = 0,
    backend: Annotated[
        Backend | None,
        typer.Option(
            help="Run on this machine or on Azure ML (default: BANKOPS_BACKEND, else local). "
            "Azure ML needs the azureml extra and signs in as BANKOPS_AZURE_AUTH says.",
            show_default=False,
        ),
    ] = None,
    azure_config: Annotated[
        Path | None,
        typer.Option(
            help="The config.json of the Azure ML workspace, or its folder (default: "
            "BANKOPS_AZURE_CONFIG, else searched in this folder and its parents).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """bankops: from raw data to a monitored, authenticated ML endpoint."""
    configure_logging(verbose)
    remember(backend=None if backend is None else backend.value, azure_config=azure_config)


def main() -> None:
    """Entry point of the `bankops` console script."""
    app()

"""`bankops quickstart`: run the whole product, as far as it exists, on the real data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from pydantic import BaseModel

from bankmarketing_ops import (
    AutoMLTrainer,
    DataValidationError,
    ModelVersion,
    TrainingRun,
    Workspace,
    data,
)
from bankmarketing_ops import _constants as C
from bankmarketing_ops.cli import render
from bankmarketing_ops.cli._output import (
    JsonOption,
    download_progress,
    emit_json,
    handle_errors,
    stdout,
)
from bankmarketing_ops.cli.train import train_and_register


class QuickstartReport(BaseModel):
    """What `quickstart --json` prints: one section per step that ran."""

    source: data.DataSource
    """Which data file was used, and why."""
    valid: bool
    """Whether the data passed validation (nothing runs after a failed validation)."""
    problems: data.ValidationReport | None = None
    """The validation report, when the data is invalid."""
    profile: data.DataProfile | None = None
    """The data profile, when the data is valid."""
    training: TrainingRun | None = None
    """The AutoML run (short budget)."""
    registered: ModelVersion | None = None
    """The model version the run registered."""


@handle_errors
def quickstart(
    data_path: Annotated[
        Path | None,
        typer.Option("--data", help="Use this data file (else BANKOPS_DATA, else download)."),
    ] = None,
    timeout_minutes: Annotated[
        float, typer.Option(help="AutoML search budget in minutes.")
    ] = C.QUICKSTART_BUDGET_MINUTES,
    model_name: Annotated[str, typer.Option(help="Register the model under this name.")] = (
        C.DEFAULT_MODEL_NAME
    ),
    json_output: JsonOption = False,
) -> None:
    """Run every step end to end: fetch → validate → profile → train → register."""
    console = stdout()
    with download_progress("downloading the data") as on_progress:
        source = data.locate(data_path, on_progress=on_progress)
    if not json_output:
        console.rule("[bold]1. data")
        console.print(f"using {source.path} ({source.origin})")
        console.rule("[bold]2. validate")
    try:
        frame = data.load(source.path)
    except DataValidationError as exc:
        if json_output:
            emit_json(QuickstartReport(source=source, valid=False, problems=exc.report))
        else:
            render.validation_report(console, exc.report)
        raise typer.Exit(1) from None
    profile = data.profile(frame)
    if not json_output:
        console.print(
            f"[green]✔ valid[/]  {profile.rows:,} rows, {profile.columns} columns "
            f"({profile.format} format)"
        )
        console.rule("[bold]3. profile")
        render.data_profile(console, profile)
        console.rule("[bold]4. train with AutoML and register")
    workspace = Workspace.from_settings()
    trainer = AutoMLTrainer(workspace, experiment_timeout_minutes=timeout_minutes)
    run, version = train_and_register(
        trainer, workspace, source.path, json_output=json_output, model_name=model_name
    )
    if json_output:
        emit_json(
            QuickstartReport(
                source=source, valid=True, profile=profile, training=run, registered=version
            )
        )

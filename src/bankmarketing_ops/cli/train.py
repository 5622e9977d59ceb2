"""`bankops train`: AutoML with a live view, then register the best model."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any, get_args

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.live import Live

from bankmarketing_ops import (
    AutoMLTrainer,
    ModelRegistry,
    ModelVersion,
    TrainingCanceledError,
    TrainingPoller,
    TrainingRun,
    Workspace,
    data,
)
from bankmarketing_ops import _constants as C
from bankmarketing_ops.cli import render_training
from bankmarketing_ops.cli._output import (
    JsonOption,
    download_progress,
    emit_json,
    handle_errors,
    stderr,
    stdout,
)
from bankmarketing_ops.cli._workspace import open_workspace
from bankmarketing_ops.ml.families import MODEL_FAMILIES
from bankmarketing_ops.ml.metrics import PrimaryMetric

_FAMILIES = ", ".join(MODEL_FAMILIES)


class TrainReport(BaseModel):
    """What `train --json` prints."""

    run: TrainingRun
    registered: ModelVersion | None


def follow(poller: TrainingPoller, console: Console) -> TrainingRun:
    """Show the run live until it ends; on Ctrl-C cancel it and show what it had."""
    try:
        with Live(console=console, transient=True, refresh_per_second=4) as live:
            while not poller.done():
                live.update(render_training.live_status(poller.status()))
                time.sleep(C.TRAINING_REFRESH_S)
        return poller.result()
    except KeyboardInterrupt:
        poller.cancel()
        deadline = time.monotonic() + C.CANCEL_GRACE_S
        while not poller.done() and time.monotonic() < deadline:
            time.sleep(0.2)
        partial = poller.partial_leaderboard()
        if partial:
            console.print(render_training.leaderboard(partial, metric="score"))
        raise TrainingCanceledError(
            f"training canceled after {len(partial)} iteration(s); the registry is unchanged"
        ) from None


@handle_errors
def train(
    data_path: Annotated[
        Path | None, typer.Option("--data", help="Data file (else BANKOPS_DATA, else download).")
    ] = None,
    primary_metric: Annotated[
        PrimaryMetric,
        typer.Option(
            metavar="METRIC",
            help=f"The metric the search maximises: {', '.join(get_args(PrimaryMetric))}.",
        ),
    ] = "AUC_weighted",
    timeout_minutes: Annotated[
        float, typer.Option(help="Search budget in minutes (fractions allowed).")
    ] = 2.0,
    max_concurrent_iterations: Annotated[int, typer.Option(help="Threads per iteration.")] = 1,
    cv: Annotated[
        int | None,
        typer.Option(
            help="Cross-validation folds (default: 10 under 1,000 training rows, else 3)."
        ),
    ] = None,
    allowed_models: Annotated[
        list[str] | None,
        typer.Option("--allowed-model", help=f"Search only these families: {_FAMILIES}."),
    ] = None,
    blocked_models: Annotated[
        list[str] | None,
        typer.Option("--blocked-model", help=f"Never search these families: {_FAMILIES}."),
    ] = None,
    drop_leaky: Annotated[
        bool, typer.Option("--drop-leaky", help="Drop `duration` (it leaks the target).")
    ] = False,
    ensemble: Annotated[bool, typer.Option(help="Try a voting ensemble of the best.")] = True,
    max_scoring_us: Annotated[
        float | None,
        typer.Option(
            help="Local backend: drop the slowest members until one row scores in this many µs."
        ),
    ] = None,
    max_trees: Annotated[
        int | None,
        typer.Option(
            help="Local backend: the model's members hold at most this many trees together "
            "[default: 600].",
            min=1,
        ),
    ] = None,
    no_tree_limit: Annotated[
        bool, typer.Option("--no-tree-limit", help="Local backend: no limit on the trees.")
    ] = False,
    seed: Annotated[int, typer.Option(help="Random seed (splits and search).")] = 0,
    model_name: Annotated[str, typer.Option(help="Register the best model under this name.")] = (
        C.DEFAULT_MODEL_NAME
    ),
    register: Annotated[bool, typer.Option(help="Register the best model.")] = True,
    json_output: JsonOption = False,
) -> None:
    """Search model families for the best classifier, compare it with a default LightGBM,
    save plots, and register it."""
    options: dict[str, Any] = {
        "primary_metric": primary_metric,
        "experiment_timeout_minutes": timeout_minutes,
        "max_concurrent_iterations": max_concurrent_iterations,
        "n_cross_validations": cv,
        "drop_leaky_columns": drop_leaky,
        "enable_voting_ensemble": ensemble,
        "random_seed": seed,
    }
    if max_scoring_us is not None:
        options["max_scoring_us_per_row"] = max_scoring_us
    if max_trees is not None or no_tree_limit:
        options["max_ensemble_trees"] = None if no_tree_limit else max_trees
    if allowed_models:
        options["allowed_models"] = tuple(allowed_models)
    if blocked_models:
        options["blocked_models"] = tuple(blocked_models)
    workspace = open_workspace()
    trainer = AutoMLTrainer(workspace, **options)
    with download_progress("downloading the data") as on_progress:
        source = data.locate(data_path, on_progress=on_progress)
    run, version = train_and_register(
        trainer,
        workspace,
        source.path,
        json_output=json_output,
        model_name=model_name if register else None,
    )
    if json_output:
        emit_json(TrainReport(run=run, registered=version))


def train_and_register(
    trainer: AutoMLTrainer,
    workspace: Workspace,
    path: str,
    *,
    json_output: bool,
    model_name: str | None,
) -> tuple[TrainingRun, ModelVersion | None]:
    """Train with a live view (on stderr for --json), print the outcome, register."""
    console = stdout()
    poller = trainer.begin_train(path)
    if not json_output:
        console.print(
            f"run {poller.run_id}: searching for "
            f"{trainer.config.experiment_timeout_minutes:g} min "
            f"({', '.join(trainer.config.families)}) …"
        )
    run = follow(poller, stderr() if json_output else console)
    version = None
    if model_name is not None:
        version = ModelRegistry(workspace).register_run(run, name=model_name)
    if not json_output:
        for part in render_training.run_summary(run):
            console.print(part)
        if version is not None:
            console.print(f"[green]✔ registered[/] [bold]{version.ref}[/] ({version.path})")
    return run, version

"""`bankops data …`: fetch, validate and profile the data file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bankmarketing_ops import data
from bankmarketing_ops.cli import render
from bankmarketing_ops.cli._output import (
    JsonOption,
    download_progress,
    emit_json,
    handle_errors,
    stdout,
)

app = typer.Typer(help="Fetch, validate and profile the Bank Marketing data.", no_args_is_help=True)

PathArgument = Annotated[
    Path, typer.Argument(help="A data file: Azure's comma-separated sample or UCI's ;-separated.")
]


@app.command("fetch")
@handle_errors
def fetch_command(
    force: Annotated[
        bool, typer.Option(help="Download even if a verified copy is cached.")
    ] = False,
    url: Annotated[str | None, typer.Option(help="Download from here (BANKOPS_DATA_URL).")] = None,
    sha256: Annotated[str | None, typer.Option(help="Expected sha256 of the file.")] = None,
    cache_dir: Annotated[
        Path | None, typer.Option(help="Where to keep the file (BANKOPS_CACHE_DIR).")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Download the public data file, verify its sha256 and cache it."""
    with download_progress("downloading") as on_progress:
        result = data.fetch(
            url=url, sha256=sha256, cache_dir=cache_dir, force=force, on_progress=on_progress
        )
    if json_output:
        emit_json(result)
        return
    how = "cached copy verified" if result.from_cache else "downloaded and verified"
    stdout().print(
        f"[green]✔[/] {how}: {result.path}\n  {result.size_bytes:,} bytes, sha256 {result.sha256}"
    )


@app.command("validate")
@handle_errors
def validate_command(
    path: PathArgument,
    no_target: Annotated[
        bool, typer.Option("--no-target", help="The file has no `y` column (scoring data).")
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Check a data file against the schema; list every problem with line, row and column.

    Exits 1 when the file is invalid.
    """
    report = data.validate(path, require_target=not no_target)
    if json_output:
        emit_json(report)
    else:
        render.validation_report(stdout(), report)
    if not report.valid:
        raise typer.Exit(1)


@app.command("profile")
@handle_errors
def profile_command(path: PathArgument, json_output: JsonOption = False) -> None:
    """Summarise a valid data file: rows, target balance, every column."""
    result = data.profile(path)
    if json_output:
        emit_json(result)
    else:
        render.data_profile(stdout(), result)

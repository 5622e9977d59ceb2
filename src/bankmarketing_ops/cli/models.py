"""`bankops models …`: list, show and delete registered model versions."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import RootModel

from bankmarketing_ops import ModelRegistry, ModelVersion
from bankmarketing_ops.cli import render_training
from bankmarketing_ops.cli._output import JsonOption, emit_json, fail, handle_errors, stdout
from bankmarketing_ops.cli._workspace import open_workspace

app = typer.Typer(help="List, show and delete registered models.", no_args_is_help=True)

RefArgument = Annotated[str, typer.Argument(help="NAME or NAME:VERSION (default: latest).")]


def parse_ref(ref: str) -> tuple[str, int | str]:
    """`name[:version]` → (name, version or "latest")."""
    name, _, version = ref.partition(":")
    if not version or version == "latest":
        return name, "latest"
    if not version.isdigit():
        raise fail(f"bad model reference {ref!r}: expected NAME or NAME:VERSION (a number)")
    return name, int(version)


class _Versions(RootModel[list[ModelVersion]]):
    pass


@app.command("list")
@handle_errors
def list_command(
    name: Annotated[str | None, typer.Option(help="Only versions of this model.")] = None,
    json_output: JsonOption = False,
) -> None:
    """Every registered version, with its test metrics."""
    versions = ModelRegistry(open_workspace()).list(name)
    if json_output:
        emit_json(_Versions(versions))
    else:
        render_training.versions_table(versions).print(stdout())


@app.command("show")
@handle_errors
def show_command(ref: RefArgument, json_output: JsonOption = False) -> None:
    """One version: its metrics beside the baseline, inputs, provenance and model card."""
    name, version = parse_ref(ref)
    record = ModelRegistry(open_workspace()).get(name, version)
    if json_output:
        emit_json(record)
        return
    from pathlib import Path

    from rich.markdown import Markdown

    card = Path(record.path) / "MODEL_CARD.md"
    if card.is_file():
        stdout().print(Markdown(card.read_text()))
    else:  # a registry that keeps no card beside the model (Azure ML: an asset URL)
        render_training.versions_table([record]).print(stdout())
    stdout().print(f"files: {record.path}")


@app.command("delete")
@handle_errors
def delete_command(
    ref: RefArgument,
    all_versions: Annotated[
        bool, typer.Option("--all", help="Delete every version of NAME.")
    ] = False,
) -> None:
    """Delete a version (or with --all every version). Deleting what is gone is fine."""
    name, version = parse_ref(ref)
    if ":" not in ref and not all_versions:
        raise fail(f"say which version ({name}:N) or pass --all to delete every version")
    ModelRegistry(open_workspace()).delete(name, None if all_versions else version)
    stdout().print(f"deleted {ref if not all_versions else name + ' (all versions)'}")

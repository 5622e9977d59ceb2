"""`bankops schema generate`: pydantic models from a Swagger 2.0 or OpenAPI 3 spec."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bankmarketing_ops.cli._output import handle_errors, stdout
from bankmarketing_ops.schema.generate import generate_models, load_spec

app = typer.Typer(help="Generate typed models from endpoint specs.", no_args_is_help=True)


@app.command("generate")
@handle_errors
def generate_command(
    spec: Annotated[str, typer.Argument(help="A swagger.json / openapi.json file or URL.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the module here (else stdout).")
    ] = None,
) -> None:
    """Turn a Swagger 2.0 or OpenAPI 3 spec into pydantic v2 models (dotted names → aliases)."""
    code = generate_models(load_spec(spec), source=spec)
    if output is None:
        typer.echo(code, nl=False)
        return
    output.write_text(code)
    stdout().print(f"wrote {output}")

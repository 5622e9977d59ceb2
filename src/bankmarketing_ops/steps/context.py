"""`StepContext`: what a pipeline step function is given."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from bankmarketing_ops._atomic import atomic_write_text
from bankmarketing_ops._exceptions import PipelineError
from bankmarketing_ops.workspace import Workspace

__all__ = ["StepContext"]

#: The file each output directory holds when a step writes it with `write_json`.
OUTPUT_FILE = "output.json"


@dataclass(frozen=True)
class StepContext:
    """The run's parameters, this step's inputs and outputs, the workspace and a logger."""

    run_id: str
    step_name: str
    parameters: Mapping[str, Any]
    """The run's resolved parameters (defaults filled in)."""
    inputs: Mapping[str, Path]
    """Directories of the earlier steps' outputs this step declared as inputs."""
    outputs: Mapping[str, Path]
    """Directories (created, empty) for the outputs this step declared."""
    workspace_root: Path
    log: logging.Logger
    """Logs here go to this step's log file (`bankops pipelines logs RUN --step NAME`)."""

    @property
    def workspace(self) -> Workspace:
        """The workspace the run belongs to."""
        return Workspace.local(self.workspace_root)

    def write_json(self, output: str, value: BaseModel | Mapping[str, Any]) -> Path:
        """Write `value` as `output.json` into the output `output`."""
        if output not in self.outputs:
            raise PipelineError(
                f"step {self.step_name} has no output {output!r} "
                f"(declared: {', '.join(self.outputs) or 'none'})"
            )
        text = (
            value.model_dump_json(indent=2)
            if isinstance(value, BaseModel)
            else json.dumps(value, indent=2)
        )
        path = self.outputs[output] / OUTPUT_FILE
        atomic_write_text(path, text)
        return path

    def read_json(self, name: str) -> Any:
        """Read the `output.json` an earlier step wrote into its output `name`."""
        if name not in self.inputs:
            raise PipelineError(
                f"step {self.step_name} has no input {name!r} "
                f"(declared: {', '.join(self.inputs) or 'none'})"
            )
        return json.loads((self.inputs[name] / OUTPUT_FILE).read_text())

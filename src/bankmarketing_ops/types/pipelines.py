"""Pipelines: their definition (typed, in code), what publishing returns, and their runs.

A pipeline is a list of steps run in order. Each step is a function named by its import
path (`"package.module:function"`), so that a separate process — the local pipeline
server's runner, or a compute node — can run it. Steps hand files on: a step declares the
outputs it writes and the inputs (outputs of earlier steps) it reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:
    from bankmarketing_ops._rules import PathRoots

__all__ = [
    "ParameterType",
    "Pipeline",
    "PipelineEndpoint",
    "PipelineParameter",
    "PipelineRun",
    "PipelineStep",
    "PublishedPipeline",
    "RunStatus",
    "StepRun",
    "StepStatus",
    "TriggerResult",
    "next_version",
]

ParameterType = Literal["str", "int", "float", "bool", "path"]
#: Azure's run states; `Queued` runs wait for a free runner slot.
RunStatus = Literal["NotStarted", "Queued", "Running", "Completed", "Failed", "Canceled"]
StepStatus = Literal["NotStarted", "Running", "Completed", "Failed", "Canceled", "Skipped"]
TERMINAL: frozenset[str] = frozenset({"Completed", "Failed", "Canceled"})

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
#: Azure ML's rule for experiment names; published pipeline names and versions follow it
#: too (they appear in URLs and in terminals).
EXPERIMENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,249}$")
PUBLISHED_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
_FUNCTION = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "path": (str,),
}


class PipelineParameter(BaseModel):
    """A value a caller may set per run (Azure's `PipelineParameter`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    """Its name in `ParameterAssignments`."""
    type: ParameterType
    """What JSON value it takes: strings, integers, numbers (integers accepted), booleans,
    or paths (a string naming a file on the machine that runs the pipeline; empty: none)."""
    default: str | int | float | bool | None = None
    """Used when a run does not set it; `None` makes the parameter required."""
    description: str = ""
    choices: tuple[str, ...] | None = None
    """For strings: the only values allowed."""
    pattern: str | None = None
    """For strings: a regular expression the whole value must match."""
    hint: str = ""
    """For `pattern`: what a valid value looks like, in words (said when one is refused)."""
    minimum: float | None = None
    """For numbers: the smallest value allowed."""
    maximum: float | None = None
    """For numbers: the largest value allowed."""
    roots: tuple[str, ...] = ()
    """For paths: absolute paths (directories, or files) a value may name besides the
    workspace, the data cache and `BANKOPS_DATA`. A path anywhere else is refused."""

    @model_validator(mode="after")
    def _check(self) -> PipelineParameter:
        if not _NAME.match(self.name):
            raise ValueError(f"parameter name {self.name!r} must be an identifier")
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"pattern of {self.name}: {exc}") from None
        relative = [root for root in self.roots if not Path(root).is_absolute()]
        if relative:
            raise ValueError(f"roots of {self.name} must be absolute paths: {relative}")
        if self.default is not None:
            problem = self.problem(self.default)
            if problem:
                raise ValueError(f"default of {self.name}: {problem}")
        return self

    def problem(self, value: object, *, paths: PathRoots | None = None) -> str | None:
        """Why `value` is not acceptable for this parameter, or None when it is.

        A path is checked against `paths` (the places allowed on the machine that runs
        the pipeline) when they are given, and only for its type otherwise.
        """
        allowed = _PYTHON_TYPES[self.type]
        # bool is an int in Python, never in JSON: refuse it where a number is asked for.
        if not isinstance(value, allowed) or (isinstance(value, bool) and self.type != "bool"):
            return f"expected {self.type}, got {type(value).__name__} {value!r}"
        if self.choices is not None and value not in self.choices:
            return f"must be one of {', '.join(self.choices)}; got {value!r}"
        if (
            self.pattern is not None
            and isinstance(value, str)
            and not re.fullmatch(self.pattern, value)
        ):
            return f"{value!r} is not valid: use {self.hint or 'a value matching ' + self.pattern}"
        if isinstance(value, int | float) and not isinstance(value, bool):
            if self.minimum is not None and not value >= self.minimum:
                return f"must be at least {self.minimum:g}; got {value!r}"
            if self.maximum is not None and not value <= self.maximum:
                return f"must be at most {self.maximum:g}; got {value!r}"
        if self.type == "path" and isinstance(value, str) and value and paths is not None:
            return paths.problem(value)
        return None

    def path_roots(self, workspace_root: Path) -> PathRoots:
        """The places this (path) parameter may name when a run in `workspace_root` uses it."""
        from bankmarketing_ops._rules import PathRoots

        return PathRoots.for_workspace(workspace_root, self.roots)


class PipelineStep(BaseModel):
    """One step: a function run with a `StepContext`, reading and writing named artifacts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    function: str
    """Import path `"package.module:function"`; the function takes one `StepContext`."""
    inputs: tuple[str, ...] = ()
    """Outputs of earlier steps this step reads."""
    outputs: tuple[str, ...] = ()
    """Artifacts this step writes (each a directory handed to later steps)."""
    description: str = ""

    @model_validator(mode="after")
    def _check(self) -> PipelineStep:
        if not _NAME.match(self.name):
            raise ValueError(f"step name {self.name!r} must be an identifier")
        for artifact in (*self.inputs, *self.outputs):
            if not _NAME.match(artifact):
                raise ValueError(
                    f"step {self.name}: input/output name {artifact!r} must be an identifier"
                )
        if not _FUNCTION.match(self.function):
            raise ValueError(
                f"step {self.name}: function must look like 'package.module:function', "
                f"got {self.function!r}"
            )
        return self


class Pipeline(BaseModel):
    """A pipeline definition: parameters and steps, checked when it is made.

    Example:
        >>> Pipeline(
        ...     name="hello",
        ...     parameters=[PipelineParameter(name="who", type="str", default="world")],
        ...     steps=[PipelineStep(name="greet", function="my_project.steps:greet")],
        ... ).step_names()
        ['greet']
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = ""
    parameters: tuple[PipelineParameter, ...] = ()
    steps: tuple[PipelineStep, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Pipeline:
        for kind, names in (
            ("parameter", [p.name for p in self.parameters]),
            ("step", [s.name for s in self.steps]),
        ):
            twice = {n for n in names if names.count(n) > 1}
            if twice:
                raise ValueError(f"{kind} names must be unique: {', '.join(sorted(twice))}")
        produced: dict[str, str] = {}
        for step in self.steps:
            for wanted in step.inputs:
                if wanted not in produced:
                    raise ValueError(
                        f"step {step.name} reads {wanted!r}, which no earlier step writes"
                    )
            for output in step.outputs:
                if output in produced:
                    raise ValueError(f"{output!r} is written by {produced[output]} and {step.name}")
                produced[output] = step.name
        return self

    def step_names(self) -> list[str]:
        """The steps' names, in run order."""
        return [step.name for step in self.steps]

    def resolve(
        self, assignments: dict[str, Any], *, workspace_root: Path | None = None
    ) -> dict[str, Any]:
        """The run's parameters: `assignments` checked against the declared ones, with the
        defaults filled in.

        With `workspace_root` (the machine that runs the pipeline is this one), path
        parameters must also name an existing file in an allowed place (`PathRoots`).

        Raises:
            PipelineParameterError: an unknown, ill-typed, out-of-range or missing
                parameter, or a path outside the allowed places (all named).
        """
        from bankmarketing_ops._exceptions import ParameterProblem, PipelineParameterError

        declared = {p.name: p for p in self.parameters}
        known = ", ".join(declared) or "none"
        problems = [
            ParameterProblem(name, f"unknown parameter (known: {known})")
            for name in assignments
            if name not in declared
        ]
        resolved: dict[str, Any] = {}
        for name, parameter in declared.items():
            if name in assignments:
                paths = (
                    parameter.path_roots(workspace_root)
                    if parameter.type == "path" and workspace_root is not None
                    else None
                )
                problem = parameter.problem(assignments[name], paths=paths)
                if problem:
                    problems.append(ParameterProblem(name, problem))
                resolved[name] = assignments[name]
            elif parameter.default is None:
                problems.append(ParameterProblem(name, "required, not set"))
            else:
                resolved[name] = parameter.default
        if problems:
            raise PipelineParameterError(problems)
        return resolved


class PublishedPipeline(BaseModel):
    """A pipeline frozen under an id, with a REST endpoint that starts runs of it."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    version: str
    description: str = ""
    enabled: bool
    """A disabled pipeline refuses new runs (403); its runs and history stay."""
    endpoint: str
    """`POST` here with a bearer token to start a run (Azure: `.../PipelineSubmit/<id>`)."""
    parameters: list[PipelineParameter]
    steps: list[str]
    created_at: str
    backend: Literal["local", "azureml"] = "local"


class PipelineEndpoint(BaseModel):
    """A stable, named endpoint that runs its default published pipeline (Azure's
    `PipelineEndpoint`): publish a new version, move the default, callers keep the URL."""

    model_config = ConfigDict(frozen=True)

    name: str
    default_pipeline_id: str
    default_version: str
    endpoint: str
    pipelines: list[str]
    """Ids of every published version under this name, oldest first."""
    updated_at: str


class StepRun(BaseModel):
    """One step of one run."""

    name: str
    status: StepStatus = "NotStarted"
    started_at: str | None = None
    finished_at: str | None = None
    error: str | None = None
    outputs: dict[str, str] = Field(default_factory=dict)
    """Each output's directory."""
    log_file: str | None = None


class PipelineRun(BaseModel):
    """A run of a pipeline: its parameters, state, steps and outputs."""

    id: str
    pipeline_id: str | None
    """The published pipeline it runs; None for a run submitted straight from code."""
    pipeline_name: str
    endpoint_name: str | None = None
    experiment_name: str
    status: RunStatus
    parameters: dict[str, Any]
    steps: list[StepRun]
    created_at: str
    started_at: str | None = None
    finished_at: str | None = None
    error: str | None = None
    """Why it failed: the failing step's error, or what ended its process."""
    run_dir: str | None = None

    @property
    def done(self) -> bool:
        """Completed, Failed or Canceled."""
        return self.status in TERMINAL

    def step(self, name: str) -> StepRun:
        """The step called `name`."""
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(name)


class TriggerResult(BaseModel):
    """What a pipeline endpoint answers to a `POST`, as Azure's does: `{"Id", "Status"}`."""

    model_config = ConfigDict(populate_by_name=True)

    id: str = Field(alias="Id")
    status: str | dict[str, Any] | None = Field(default=None, alias="Status")
    """A local server says `"Queued"`; Azure answers an object (`{"StatusCode": 0, ...}`)."""


def next_version(versions: Iterable[str]) -> str:
    """The version a pipeline published without one gets: one more than the highest
    numbered version of its name (names that are not numbers do not count)."""
    numbers = [int(v) for v in versions if v.isdigit()]
    return str(max(numbers, default=0) + 1)

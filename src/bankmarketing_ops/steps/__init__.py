"""Pipeline steps: the `StepContext` a step function receives, and the built-in steps.

A step is a plain function `def my_step(context: StepContext) -> None`, named in a
`PipelineStep` by its import path. It reads run parameters and earlier steps' outputs
from the context, writes its own outputs into the directories the context gives, and
logs through `context.log` (each step has its own log file). Raising fails the step and
stops the run with that error.
"""

from bankmarketing_ops.steps.context import StepContext

__all__ = ["StepContext"]

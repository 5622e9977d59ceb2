"""Step functions for the pipeline tests (the runner imports them by name, in its own
process: this module must stay importable as `tests.pipeline_steps` from the repo root)."""

from __future__ import annotations

import time

from bankmarketing_ops.steps import StepContext
from bankmarketing_ops.types.pipelines import Pipeline, PipelineParameter, PipelineStep


def produce(context: StepContext) -> None:
    context.log.info("producing %s", context.parameters["word"])
    context.write_json("greeting", {"text": f"hello {context.parameters['word']}"})


def nap(context: StepContext) -> None:
    seconds = float(context.parameters["seconds"])
    context.log.info("sleeping %.1f s", seconds)
    time.sleep(seconds)


def consume(context: StepContext) -> None:
    greeting = context.read_json("greeting")
    if context.parameters["fail"]:
        raise RuntimeError(f"asked to fail after reading {greeting['text']!r}")
    context.write_json("result", {"text": greeting["text"].upper(), "run": context.run_id})


def toy_pipeline(name: str = "toy") -> Pipeline:
    """produce → nap → consume, with a word, a nap length and a switch to fail."""
    return Pipeline(
        name=name,
        parameters=(
            PipelineParameter(name="word", type="str", default="world"),
            PipelineParameter(name="seconds", type="float", default=0.0, minimum=0),
            PipelineParameter(name="fail", type="bool", default=False),
        ),
        steps=(
            PipelineStep(name="produce", function=f"{__name__}:produce", outputs=("greeting",)),
            PipelineStep(name="nap", function=f"{__name__}:nap"),
            PipelineStep(
                name="consume",
                function=f"{__name__}:consume",
                inputs=("greeting",),
                outputs=("result",),
            ),
        ),
    )

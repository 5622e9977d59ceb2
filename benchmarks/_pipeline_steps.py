"""A step that does nothing, for `pipeline_overhead.py` (imported by the runner processes)."""

from __future__ import annotations

from bankmarketing_ops import StepContext


def noop(context: StepContext) -> None:
    context.log.info("nothing to do")

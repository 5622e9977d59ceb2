"""Run one pipeline run in this process (`python -m <this module> WORKSPACE RUN_ID`).

The dispatcher (the pipeline server, or `PipelinePublisher.submit`) starts one runner per
run, detached, so a run outlives the server that started it. The runner executes the
steps in order, each with its own log file and output directories, records every step's
state in the store as it goes, and stops at the first failure with that step's error.

Cancel (`cancel_requested` in the store, then SIGTERM to the runner's process group):
a SIGTERM during a step stops the step; one between steps (or before the first) is
honoured at the next step boundary. The runner starts with SIGTERM ignored (see
`dispatch.launch`) until this handler is in place; a cancel asked meanwhile is still seen
through the store's flag, so a runner canceled as it starts ends Canceled, not killed.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from bankmarketing_ops._exceptions import PipelineParameterError
from bankmarketing_ops._processes import process_started
from bankmarketing_ops.backends.local.pipelines.store import PipelineStore, now
from bankmarketing_ops.steps.context import StepContext
from bankmarketing_ops.types.pipelines import TERMINAL, PipelineStep, StepRun

__all__ = ["execute", "main"]

_log = logging.getLogger("bankmarketing_ops.pipelines.runner")
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _Canceled(BaseException):
    """Raised in the main thread by SIGTERM during a step: unwinds the step."""


class _CancelState:
    requested = False
    in_step = False


def _on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    _CancelState.requested = True
    if _CancelState.in_step:
        raise _Canceled


def execute(workspace_root: Path, run_id: str) -> int:
    """Run every step of `run_id`; 0 when the run completed, 1 otherwise."""
    store = PipelineStore(workspace_root / "pipelines")
    run = store.get_run(run_id)
    if run.status in TERMINAL:
        return 0 if run.status == "Completed" else 1
    pipeline = store.run_definition(run_id)
    if not store.start_run(run_id, pid=os.getpid(), started=process_started(os.getpid())):
        # Canceled (or finished by someone else) before this runner got going.
        store.finish_run(run_id, "Canceled", "canceled before it started")
        return 1
    try:  # the trigger checked them; a file may have gone since, or a place been dropped
        pipeline.resolve(run.parameters, workspace_root=workspace_root)
    except PipelineParameterError as exc:
        store.finish_run(run_id, "Failed", str(exc))
        return 1
    run_dir = workspace_root / "pipelines" / "runs" / run_id
    steps = list(run.steps)
    produced: dict[str, Path] = {}
    for index, spec in enumerate(pipeline.steps):
        if _CancelState.requested or store.cancel_requested(run_id):
            store.finish_run(run_id, "Canceled", f"canceled before step {spec.name}")
            return 1
        step_dir = run_dir / "steps" / spec.name
        step_dir.mkdir(parents=True, exist_ok=True)
        outputs = {name: step_dir / "outputs" / name for name in spec.outputs}
        for directory in outputs.values():
            directory.mkdir(parents=True, exist_ok=True)
        log_file = step_dir / "log.txt"
        steps[index] = StepRun(
            name=spec.name,
            status="Running",
            started_at=now(),
            outputs={name: str(path) for name, path in outputs.items()},
            log_file=str(log_file),
        )
        store.update_run(run_id, steps=steps)
        context = StepContext(
            run_id=run_id,
            step_name=spec.name,
            parameters=run.parameters,
            inputs={name: produced[name] for name in spec.inputs},
            outputs=outputs,
            workspace_root=workspace_root,
            log=logging.getLogger(f"bankmarketing_ops.pipelines.step.{spec.name}"),
        )
        try:
            _run_step(spec, context, log_file)
        except _Canceled:
            store.finish_run(run_id, "Canceled", f"canceled during step {spec.name}")
            return 1
        except Exception as exc:  # a step's failure is the run's outcome, not a crash
            error = f"{type(exc).__name__}: {exc}"
            steps[index] = steps[index].model_copy(
                update={"status": "Failed", "finished_at": now(), "error": error}
            )
            store.update_run(run_id, steps=steps)
            store.finish_run(run_id, "Failed", f"step {spec.name} failed: {error}")
            return 1
        steps[index] = steps[index].model_copy(update={"status": "Completed", "finished_at": now()})
        store.update_run(run_id, steps=steps)
        produced.update(outputs)
    store.finish_run(run_id, "Completed", None)
    return 0


def _run_step(spec: PipelineStep, context: StepContext, log_file: Path) -> None:
    """Call the step's function with every log record of this process going to its file."""
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(logging.Formatter(_FORMAT))
    root = logging.getLogger()
    root.addHandler(handler)
    started = time.perf_counter()
    try:
        _log.info("step %s started (%s)", spec.name, spec.function)
        function = _load(spec.function)
        _CancelState.in_step = True
        try:
            if _CancelState.requested:  # asked while the step was being prepared
                raise _Canceled
            function(context)
        finally:
            _CancelState.in_step = False
        _log.info("step %s completed in %.1f s", spec.name, time.perf_counter() - started)
    except _Canceled:
        _log.warning("step %s canceled after %.1f s", spec.name, time.perf_counter() - started)
        raise
    except Exception:
        _log.error("step %s failed:\n%s", spec.name, traceback.format_exc().rstrip())
        raise
    finally:
        root.removeHandler(handler)
        handler.close()


def _load(function: str) -> Callable[[StepContext], Any]:
    module_name, _, attribute = function.partition(":")
    try:
        target = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise ImportError(f"cannot import step function {function!r}: {exc}") from exc
    if not callable(target):
        raise TypeError(f"step function {function!r} is not callable")
    return target  # type: ignore[no-any-return]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspace", type=Path)
    parser.add_argument("run_id")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _on_sigterm)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format=_FORMAT)
    logging.getLogger("bankmarketing_ops").setLevel(logging.INFO)
    sys.exit(execute(args.workspace.resolve(), args.run_id))


if __name__ == "__main__":
    main()

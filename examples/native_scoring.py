"""Score in-process through native code: compile a registered model's trees, compare timings.

Run:  python examples/native_scoring.py --workspace .bankops --model bankmarketing:1
      python examples/native_scoring.py --synthetic      # trains a small model first

Needs a C compiler (gcc or clang, or $CC); without one the members keep their
libraries' predictors and the report says why.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

from bankmarketing_ops import AutoMLTrainer, BankOpsError, ModelRegistry, Workspace, data


def median_us(action: Callable[[], Any], runs: int = 300) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", help="workspace directory (default: a temporary one)")
    parser.add_argument("--model", default="bankmarketing", help="NAME[:VERSION] to load")
    parser.add_argument("--synthetic", action="store_true", help="train a small model first")
    args = parser.parse_args()

    workspace = Workspace.local(args.workspace or tempfile.mkdtemp(prefix="bankops-example-"))
    registry = ModelRegistry(workspace)
    try:
        if args.synthetic:
            run = AutoMLTrainer(workspace, experiment_timeout_minutes=0.1).train(
                data.synthetic(2_000, seed=0)
            )
            registry.register_run(run, name="bankmarketing")
        name, _, version = args.model.partition(":")
        libraries = registry.load_scorer(name, version or "latest")
        native = registry.load_scorer(name, version or "latest")
        report = native.compile_native()
    except BankOpsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

    members = native.model.manifest.members
    print(f"{len(report.compiled)} of {len(members)} members compiled in {report.seconds:.1f} s")
    for position, reason in sorted(report.skipped.items()):
        print(f"  member {position} ({members[position].family}) skipped: {reason}")

    row = [data.SCHEMA.example_row()]
    same = abs(native.predict_proba(row)[0] - libraries.predict_proba(row)[0])
    print(f"P(yes) differs by {same:.1e} between the two")
    print(
        f"one row: libraries {median_us(lambda: libraries.predict_proba(row)):.0f} µs, "
        f"native {median_us(lambda: native.predict_proba(row)):.0f} µs"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Per-row scoring time: the scorer, with and without native code, against the DataFrame path.

Run:  BANKOPS_DATA=path/to/bankmarketing_train.csv python benchmarks/scorer_latency.py \
          [--workspace DIR --model NAME[:VERSION]]

Without --model it trains a 2-minute AutoML model first (the documented default). For
1, 100 and 10,000 real records it reports the median time per row of
- `Scorer.predict_proba(records)` with the members' own libraries predicting: validation,
  encoding and each library's `predict`;
- the same after `Scorer.compile_native()`: the tree members compiled with TL2cgen and the
  C compiler (the compile time is printed; a second run takes them from the cache), and
- the DataFrame path a typical scoring script takes: `pd.DataFrame(records)`, cast the
  categoricals, then the same members' `predict` on the frame.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from _machine import print_machine

from bankmarketing_ops import AutoMLTrainer, ModelRegistry, Workspace, data
from bankmarketing_ops.ml.features import records_of


def median_seconds(action: Callable[[], Any], *, budget_s: float = 2.0, min_runs: int = 5) -> float:
    times: list[float] = []
    started = time.perf_counter()
    while len(times) < min_runs or time.perf_counter() - started < budget_s:
        begin = time.perf_counter()
        action()
        times.append(time.perf_counter() - begin)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workspace")
    parser.add_argument("--model")
    args = parser.parse_args()
    print_machine()
    frame = data.load(data.locate().path)
    if args.model:
        workspace = Workspace.local(args.workspace)
        name, _, version = args.model.partition(":")
    else:
        workspace = Workspace.local(tempfile.mkdtemp(prefix="bench-scorer-"))
        run = AutoMLTrainer(workspace, experiment_timeout_minutes=2).train(frame)
        ModelRegistry(workspace).register_run(run, name="bench")
        name, version = "bench", ""
    scorer = ModelRegistry(workspace).load_scorer(name, version or "latest")
    model = scorer.model
    print(
        f"model: {model.manifest.model_type} "
        f"({', '.join(m.family for m in model.manifest.members)})"
    )

    records = [dict(r) for r in records_of(frame.drop(columns=["y"]))]
    categorical = {
        f.name: pd.CategoricalDtype(list(f.categories))
        for f in scorer.features
        if f.kind == "categorical"
    }
    names = [f.name for f in scorer.features]

    def dataframe_path(batch: list[dict[str, Any]]) -> np.ndarray:
        df = pd.DataFrame(batch)[names].astype(categorical)
        return model.predict_proba_frame(df)

    native = ModelRegistry(workspace).load_scorer(name, version or "latest")
    report = native.compile_native()
    print(
        f"native: {len(report.compiled)} of {len(model.manifest.members)} members compiled in "
        f"{report.seconds:.1f} s ({report.cached} from the cache)"
    )

    print(
        f"{'rows':>6} {'libraries µs/row':>17} {'native µs/row':>14} "
        f"{'DataFrame µs/row':>17} {'native vs DataFrame':>20}"
    )
    for rows in (1, 100, 10_000):
        batch = records[:rows]
        libraries = median_seconds(lambda b=batch: scorer.predict_proba(b)) / rows
        compiled = median_seconds(lambda b=batch: native.predict_proba(b)) / rows
        theirs = median_seconds(lambda b=batch: dataframe_path(b)) / rows
        assert np.allclose(scorer.predict_proba(batch), dataframe_path(batch), atol=1e-9)
        assert np.allclose(native.predict_proba(batch), dataframe_path(batch), atol=1e-6)
        print(
            f"{rows:>6} {libraries * 1e6:>17.2f} {compiled * 1e6:>14.2f} "
            f"{theirs * 1e6:>17.2f} {theirs / compiled:>19.1f}×"
        )


if __name__ == "__main__":
    main()

"""Per-row scoring time: the compiled scorer against the usual DataFrame path.

Run:  BANKOPS_DATA=path/to/bankmarketing_train.csv python benchmarks/scorer_latency.py \
          [--workspace DIR --model NAME[:VERSION]]

Without --model it trains a 2-minute AutoML model first (the documented default). For
1, 100 and 10,000 real records it reports the median time per row of
- `Scorer.predict_proba(records)`: validation, encoding and native prediction, and
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

    print(f"{'rows':>6} {'scorer µs/row':>14} {'DataFrame µs/row':>17} {'speed-up':>9}")
    for rows in (1, 100, 10_000):
        batch = records[:rows]
        ours = median_seconds(lambda b=batch: scorer.predict_proba(b)) / rows
        theirs = median_seconds(lambda b=batch: dataframe_path(b)) / rows
        assert np.allclose(scorer.predict_proba(batch), dataframe_path(batch), atol=1e-9)
        print(f"{rows:>6} {ours * 1e6:>14.2f} {theirs * 1e6:>17.2f} {theirs / ours:>8.1f}×")


if __name__ == "__main__":
    main()

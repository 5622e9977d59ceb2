"""What checking a request costs: `Scorer.encode` (types, categories, ranges; no model).

Run:  BANKOPS_DATA=path/to/bankmarketing_train.csv python benchmarks/scorer_validation.py \
          [--workspace DIR --model NAME[:VERSION]]

Without --model it trains a 0.1-minute AutoML model on synthetic rows (only its list of
inputs matters here). For 1 and 10,000 real records it prints the best time per row
over many repetitions of `encode`: the per-request validation and encoding, without
the model's prediction. Run it with another checkout first on `PYTHONPATH` to compare
two versions of the scorer on one machine.
"""

from __future__ import annotations

import argparse
import tempfile
import timeit

from _machine import print_machine

import bankmarketing_ops
from bankmarketing_ops import AutoMLTrainer, ModelRegistry, Workspace, data
from bankmarketing_ops.ml.features import records_of


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workspace")
    parser.add_argument("--model")
    args = parser.parse_args()
    print_machine()
    print(f"scorer from {bankmarketing_ops.__file__}")
    if args.model:
        workspace = Workspace.local(args.workspace)
        name, _, version = args.model.partition(":")
    else:
        workspace = Workspace.local(tempfile.mkdtemp(prefix="bench-validation-"))
        trainer = AutoMLTrainer(workspace, experiment_timeout_minutes=0.1)
        ModelRegistry(workspace).register_run(trainer.train(data.synthetic(3_000)), name="b")
        name, version = "b", ""
    scorer = ModelRegistry(workspace).load_scorer(name, version or "latest")
    frame = data.load(data.locate().path)
    records = [dict(r) for r in records_of(frame.drop(columns=["y"]).head(10_000))]
    print(f"{'rows':>6} {'encode µs/row':>14}")
    for rows, number, repeat in ((1, 5_000, 30), (10_000, 2, 15)):
        batch = records[:rows]
        best = min(timeit.repeat(lambda b=batch: scorer.encode(b), number=number, repeat=repeat))
        print(f"{rows:>6} {best / number / rows * 1e6:>14.2f}")


if __name__ == "__main__":
    main()

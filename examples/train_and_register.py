"""Train with AutoML, register the best model, then score records with it.

Run:  BANKOPS_DATA=path/to/bankmarketing_train.csv python examples/train_and_register.py
      python examples/train_and_register.py --synthetic --minutes 0.2   # no file needed
"""

from __future__ import annotations

import argparse
import sys
import tempfile

from bankmarketing_ops import (
    AutoMLTrainer,
    BankOpsError,
    ModelRegistry,
    ScoringValidationError,
    Workspace,
    data,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=1.0, help="search budget")
    parser.add_argument("--synthetic", action="store_true", help="use 3,000 synthetic rows")
    parser.add_argument("--workspace", help="workspace directory (default: a temporary one)")
    args = parser.parse_args()

    workspace = Workspace.local(args.workspace or tempfile.mkdtemp(prefix="bankops-example-"))
    source = data.synthetic(3_000, seed=0) if args.synthetic else data.load(data.locate().path)
    try:
        trainer = AutoMLTrainer(
            workspace, experiment_timeout_minutes=args.minutes, primary_metric="AUC_weighted"
        )
        run = trainer.train(source)
    except BankOpsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

    print(f"{len(run.iterations)} iterations; best: {run.best.model_type}")
    for it in run.leaderboard(top=3):
        print(f"  {it.family:<20} {it.validation_score:.4f}")
    print(
        f"test AUC_weighted {run.metrics.AUC_weighted:.4f} "
        f"(default LightGBM {run.baseline_metrics.AUC_weighted:.4f})"
    )

    registry = ModelRegistry(workspace)
    version = registry.register_run(run, name="bankmarketing", tags={"source": "example"})
    print(f"registered {version.ref}; card: {version.path}/MODEL_CARD.md")

    scorer = registry.load_scorer("bankmarketing")
    example = data.SCHEMA.example_row()
    print("one record:", scorer.score([example]))
    try:
        scorer.score([dict(example, job="astronaut")])
    except ScoringValidationError as exc:
        print("refused:", exc)
    return 0


if __name__ == "__main__":
    sys.exit(main())

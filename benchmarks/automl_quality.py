"""AutoML quality against the default-LightGBM baseline, for several budgets.

Run:  BANKOPS_DATA=path/to/bankmarketing_train.csv python benchmarks/automl_quality.py [1 2 5]

Each budget runs in a fresh process (so its peak memory is its own) on the same
80/20 split (seed 0), and prints one row: test AUC_weighted of the best model and of
the baseline, the model chosen, iterations, wall time and peak RSS.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time

from _machine import print_machine


def one(budget: float) -> None:
    from bankmarketing_ops import AutoMLTrainer, Workspace, data

    workspace = Workspace.local(tempfile.mkdtemp(prefix="bench-ws-"))
    started = time.monotonic()
    run = AutoMLTrainer(workspace, experiment_timeout_minutes=budget).train(data.locate().path)
    print(
        json.dumps(
            {
                "budget_min": budget,
                "auc": run.metrics.AUC_weighted,
                "baseline_auc": run.baseline_metrics.AUC_weighted,
                "accuracy": run.metrics.accuracy,
                "baseline_accuracy": run.baseline_metrics.accuracy,
                "model": run.best.model_type,
                "members": [m.family for m in run.best.members],
                "iterations": len(run.iterations),
                "wall_s": time.monotonic() - started,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        one(float(sys.argv[2]))
        return
    budgets = [float(b) for b in sys.argv[1:]] or [1.0, 2.0, 5.0]
    print_machine()
    print(
        f"{'budget':>7} {'AUC_weighted':>12} {'baseline':>9} {'Δ':>8} {'accuracy':>9} "
        f"{'baseline':>9} {'iters':>6} {'wall s':>7} {'peak MB':>8}  model"
    )
    for budget in budgets:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(budget)],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{budget:>5g} m {r['auc']:>12.4f} {r['baseline_auc']:>9.4f} "
            f"{r['auc'] - r['baseline_auc']:>+8.4f} {r['accuracy']:>9.4f} "
            f"{r['baseline_accuracy']:>9.4f} {r['iterations']:>6} {r['wall_s']:>7.0f} "
            f"{r['peak_rss_mb']:>8.0f}  {r['model']} ({', '.join(r['members'])})",
            flush=True,
        )


if __name__ == "__main__":
    main()

"""AutoML quality against the default-LightGBM baseline.

Two modes:

    BANKOPS_DATA=path/to/bankmarketing_train.csv python benchmarks/automl_quality.py [1 2 5]
    BANKOPS_DATA=... python benchmarks/automl_quality.py --outer [--budget 2] [--seeds 5]
        [--families LightGBM,XGBoostClassifier,...]

Budgets mode: each budget runs on the same 80/20 split (seed 0) and prints the test
AUC_weighted of the best model and of the baseline, the model chosen, iterations, wall
time and peak RSS.

Outer mode (the honest estimate): for each seed, a stratified 20 % of the file is put
aside before anything else. AutoML runs on the other 80 % with the budget (its own test
split is 5 % of those rows, so it trains on almost all of them), a default
`LGBMClassifier` is trained on the same 80 %, and both are scored on the outer 20 %,
which neither the search nor the ensemble selection ever saw.

Every run is a fresh process, so its peak memory is its own.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _machine import print_machine

#: AutoML's own test split in outer mode: small, so it trains on nearly the same rows.
OUTER_MODE_TEST_SIZE = 0.05


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


def outer_one(seed: int, budget: float, families: list[str] | None) -> None:
    import numpy as np
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split

    from bankmarketing_ops import AutoMLTrainer, Workspace, data
    from bankmarketing_ops.ml.artifacts import load_model
    from bankmarketing_ops.ml.baseline import baseline_proba
    from bankmarketing_ops.ml.features import encode_frame, feature_specs, target_vector

    frame = data.load(data.locate().path)
    y = target_vector(frame)
    inner_rows, outer_rows = train_test_split(
        np.arange(len(frame)), test_size=0.2, stratify=y, random_state=seed
    )
    inner, outer = frame.iloc[np.sort(inner_rows)], frame.iloc[np.sort(outer_rows)]
    inner.attrs, outer.attrs = {}, {}
    workspace = Workspace.local(tempfile.mkdtemp(prefix="bench-ws-"))
    options: dict[str, object] = {"test_size": OUTER_MODE_TEST_SIZE, "random_seed": seed}
    if families:
        options["allowed_models"] = tuple(families)
    started = time.monotonic()
    run = AutoMLTrainer(workspace, experiment_timeout_minutes=budget, **options).train(inner)
    wall_s = time.monotonic() - started
    model = load_model(Path(run.model_dir))
    automl_auc = float(roc_auc_score(target_vector(outer), model.predict_proba_frame(outer)))
    features = feature_specs()
    baseline = baseline_proba(
        encode_frame(inner, features),
        target_vector(inner),
        encode_frame(outer, features),
        features,
        seed=seed,
    )
    print(
        json.dumps(
            {
                "seed": seed,
                "automl_auc": automl_auc,
                "baseline_auc": float(roc_auc_score(target_vector(outer), baseline)),
                "cv_score": run.best.validation_score,
                "folds": run.best.cv_folds,
                "model": run.best.model_type,
                "members": [f"{m.learner} {m.weight:.2f}" for m in run.best.members],
                "iterations": len(run.iterations),
                "wall_s": wall_s,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def _child(*args: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=True
    )
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def budgets_mode(budgets: list[float]) -> None:
    print(
        f"{'budget':>7} {'AUC_weighted':>12} {'baseline':>9} {'Δ':>8} {'accuracy':>9} "
        f"{'baseline':>9} {'iters':>6} {'wall s':>7} {'peak MB':>8}  model"
    )
    for budget in budgets:
        r = _child("--one", str(budget))
        print(
            f"{budget:>5g} m {r['auc']:>12.4f} {r['baseline_auc']:>9.4f} "
            f"{r['auc'] - r['baseline_auc']:>+8.4f} {r['accuracy']:>9.4f} "  # type: ignore[operator]
            f"{r['baseline_accuracy']:>9.4f} {r['iterations']:>6} {r['wall_s']:>7.0f} "
            f"{r['peak_rss_mb']:>8.0f}  {r['model']} ({', '.join(r['members'])})",  # type: ignore[arg-type]
            flush=True,
        )


def outer_mode(budget: float, seeds: int, families: str | None) -> None:
    print(f"outer mode: {seeds} stratified 20 % outer holdouts, AutoML budget {budget:g} min")
    print(
        f"{'seed':>4} {'AutoML':>7} {'LGBM':>7} {'Δ':>8} {'CV':>7} {'iters':>5} "
        f"{'wall s':>6} {'peak MB':>7}  model"
    )
    differences, peaks = [], []
    for seed in range(seeds):
        args = ["--outer-one", str(seed), str(budget)] + ([families] if families else [])
        r = _child(*args)
        difference = float(r["automl_auc"]) - float(r["baseline_auc"])  # type: ignore[arg-type]
        differences.append(difference)
        peaks.append(float(r["peak_rss_mb"]))  # type: ignore[arg-type]
        print(
            f"{seed:>4} {r['automl_auc']:>7.4f} {r['baseline_auc']:>7.4f} {difference:>+8.4f} "
            f"{r['cv_score']:>7.4f} {r['iterations']:>5} {r['wall_s']:>6.0f} "
            f"{r['peak_rss_mb']:>7.0f}  {r['model']} ({', '.join(r['members'])})",  # type: ignore[arg-type]
            flush=True,
        )
    wins = sum(d >= 0 for d in differences)
    mean = sum(differences) / len(differences)
    print(
        f"AutoML ≥ LightGBM on {wins} of {len(differences)} splits; mean Δ {mean:+.4f}; "
        f"peak RSS {max(peaks):.0f} MB"
    )


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        one(float(sys.argv[2]))
        return
    if len(sys.argv) >= 4 and sys.argv[1] == "--outer-one":
        families = sys.argv[4].split(",") if len(sys.argv) > 4 else None
        outer_one(int(sys.argv[2]), float(sys.argv[3]), families)
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("budgets", nargs="*", type=float, default=[1.0, 2.0, 5.0])
    parser.add_argument("--outer", action="store_true", help="the outer-split estimate")
    parser.add_argument("--budget", type=float, default=2.0, help="outer mode: minutes")
    parser.add_argument("--seeds", type=int, default=5, help="outer mode: splits")
    parser.add_argument("--families", help="outer mode: comma-separated allowed_models")
    args = parser.parse_args()
    print_machine()
    if args.outer:
        outer_mode(args.budget, args.seeds, args.families)
    else:
        budgets_mode(args.budgets)


if __name__ == "__main__":
    main()

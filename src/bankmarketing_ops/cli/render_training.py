"""Rich renderings of training runs and model versions (presentation only)."""

from __future__ import annotations

from rich.console import Group
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from bankmarketing_ops import Iteration, ModelVersion, TrainingRun, TrainingStatus
from bankmarketing_ops.cli._output import CopyableTable

_COMPARED = (
    "AUC_weighted",
    "accuracy",
    "average_precision_score_weighted",
    "f1_score_weighted",
    "precision_score_weighted",
    "recall_score_weighted",
    "balanced_accuracy",
    "norm_macro_recall",
    "matthews_correlation",
    "log_loss",
)


def live_status(status: TrainingStatus) -> Group:
    """The live view: budget used, iterations, best so far per family."""
    used = min(status.elapsed_s, status.budget_s)
    header = Text.assemble(
        (f"{status.phase:<11}", "bold"),
        f" {status.elapsed_s:5.0f} s of {status.budget_s:.0f} s budget · ",
        f"{status.iterations} iterations · best ",
        ("—" if status.best_score is None else f"{status.best_score:.4f}", "bold green"),
    )
    table = Table(box=None, padding=(0, 2), show_header=bool(status.best_by_family))
    table.add_column("family")
    table.add_column("best validation score", justify="right")
    for family, score in sorted(status.best_by_family.items(), key=lambda kv: -kv[1]):
        table.add_row(family, f"{score:.4f}")
    return Group(header, ProgressBar(total=status.budget_s, completed=used, width=60), table)


def leaderboard(iterations: list[Iteration], *, metric: str, top: int = 10) -> Table:
    table = Table(
        title=f"Leaderboard (top {min(top, len(iterations))} of {len(iterations)})",
        title_justify="left",
    )
    cross_validated = any(it.validation_std is not None for it in iterations)
    # cells read "mean ± std" over the folds; the header stays short for 80 columns
    scored = f"CV {metric}" if cross_validated else f"validation {metric}"
    for header in ("#", "iteration", "family", scored, "fit s"):
        table.add_column(header, justify="right" if header != "family" else "left")
    for rank, it in enumerate(iterations[:top], start=1):
        spread = "" if it.validation_std is None else f" ± {it.validation_std:.4f}"
        table.add_row(
            str(rank),
            str(it.iteration),
            f"{it.family} ({it.learner})",
            f"{it.validation_score:.4f}{spread}",
            f"{it.fit_time_s:.2f}",
        )
    return table


def metrics_comparison(run: TrainingRun) -> Table:
    if run.metrics_source == "test":
        title = f"Test split ({run.test_rows:,} rows)"
        ours_column = f"best: {run.best.model_type}"
    else:  # the model's rows are not the baseline's: say so in the table itself
        title = (
            f"Best model on its validation rows ({run.metrics.rows:,}); default LightGBM "
            f"on a test split ({run.test_rows:,} rows)"
        )
        ours_column = f"best: {run.best.model_type} (validation)"
    table = Table(title=title, title_justify="left")
    table.add_column("metric")
    table.add_column(ours_column, justify="right")
    table.add_column("default LightGBM", justify="right")
    table.add_column("Δ", justify="right")
    for name in _COMPARED:
        ours, base = run.metrics.value(name), run.baseline_metrics.value(name)
        better = (ours < base) if name == "log_loss" else (ours > base)
        delta = Text(f"{ours - base:+.4f}", style="green" if better else "red")
        table.add_row(name, f"{ours:.4f}", f"{base:.4f}", delta)
    return table


def run_summary(run: TrainingRun) -> list[object]:
    members = ", ".join(f"{m.family} ×{m.weight:.2f}" for m in run.best.members)
    parts: list[object] = [
        leaderboard(run.leaderboard(), metric=run.config.primary_metric),
        Text.assemble(
            ("best model: ", "bold"),
            f"{run.best.model_type} ({members}); "
            f"{_validated_on(run)} {run.best.validation_score:.4f} vs best single "
            f"{run.best.best_single_validation_score:.4f}",
        ),
        metrics_comparison(run),
    ]
    if run.leak_cost is not None:
        cost = run.leak_cost
        parts.append(
            Text(
                f"Dropping {', '.join(cost.dropped)} costs {cost.cost:.4f} {cost.metric} on the "
                f"baseline ({cost.with_leaky:.4f} → {cost.without_leaky:.4f}): the price of a "
                "model that can be used before the call.",
                style="yellow",
            )
        )
    elif "duration" in run.features:
        parts.append(
            Text(
                "Note: `duration` is known only after the call; these scores "
                "overstate a model used before it (--drop-leaky).",
                style="yellow",
            )
        )
    parts.append(Text(f"plots: {run.run_dir}/plots/ ({', '.join(run.plots)})"))
    return parts


def versions_table(versions: list[ModelVersion]) -> CopyableTable:
    listing = CopyableTable(
        "model",
        "type",
        "AUC_weighted",
        "accuracy",
        "origin",
        "created",
        "tags",
        title=f"{len(versions)} model version(s)",
        copyable=("model",),
        right=("AUC_weighted", "accuracy"),
    )
    for v in versions:
        m = v.metrics
        listing.add_row(
            v.ref,
            v.model_type,
            "—" if m is None else f"{m.AUC_weighted:.4f}",
            "—" if m is None else f"{m.accuracy:.4f}",
            v.training.origin,
            v.created_at,
            Text(", ".join(f"{k}={val}" for k, val in v.tags.items())),
        )
    return listing


def _validated_on(run: TrainingRun) -> str:
    folds = run.best.cv_folds
    return "validation" if folds is None else f"{folds}-fold out-of-fold"

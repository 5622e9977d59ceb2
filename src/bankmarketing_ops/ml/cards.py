"""The short model card (markdown) written beside every registered version."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bankmarketing_ops.data.schema import LEAKY_COLUMNS, SCHEMA

if TYPE_CHECKING:
    from bankmarketing_ops.types.registry import ModelVersion

__all__ = ["model_card"]

_SHOWN = (
    "AUC_weighted",
    "accuracy",
    "average_precision_score_weighted",
    "f1_score_weighted",
    "balanced_accuracy",
    "norm_macro_recall",
    "log_loss",
)


def model_card(version: ModelVersion) -> str:
    """Render the card: what the model is, what it was trained on, how good it is."""
    inputs = [f.name for f in version.input_schema]
    leaky = [c for c in LEAKY_COLUMNS if c in inputs]
    members = "\n".join(
        f"| {m.family} | {m.kind} | {m.weight:.3f} | `{m.file}` |" for m in version.members
    )
    lines = [
        f"# Model card: {version.ref}",
        "",
        f"{version.description or 'A classifier of term-deposit subscription.'}",
        "",
        "## Model",
        "",
        f"- Type: **{version.model_type}** (registered {version.created_at})",
        f"- Predicts: P({SCHEMA.target.name} = {SCHEMA.target.positive!r}); label "
        f"{SCHEMA.target.positive!r} when the probability is at least 0.5",
        f"- Inputs ({len(inputs)}): {', '.join(f'`{n}`' for n in inputs)}",
        "",
        "| member | format | weight | file |",
        "| --- | --- | --- | --- |",
        members,
        "",
        "## Training data",
        "",
        f"- Origin: {version.training.origin}"
        + (f" (run `{version.training.run_id}`)" if version.training.run_id else ""),
        f"- Source: `{version.training.data_source or 'unknown'}`",
        f"- sha256: `{version.training.data_sha256 or 'unknown'}`",
        f"- Rows: {version.training.train_rows or '?'} train / "
        f"{version.training.test_rows or '?'} test",
        "",
        "## Test metrics",
        "",
    ]
    if version.metrics is None:
        lines.append("Not measured.")
    else:
        lines += ["| metric | this model | default LightGBM |", "| --- | --- | --- |"]
        for name in _SHOWN:
            ours = version.metrics.value(name)
            base = version.baseline_metrics.value(name) if version.baseline_metrics else None
            lines.append(f"| {name} | {ours:.4f} | {'—' if base is None else f'{base:.4f}'} |")
    lines += ["", "## Limitations", ""]
    if leaky:
        lines.append(
            f"- Uses {', '.join(f'`{c}`' for c in leaky)}, known only after the call ends: "
            "the metrics overstate what the model can do before a call."
        )
    else:
        lines.append("- Trained without the leaky `duration` column.")
    lines += [
        "- Trained on Portuguese bank campaigns of 2008–2010; economic indicators drift.",
        "",
        "## Libraries",
        "",
        ", ".join(f"{k} {v}" for k, v in sorted(version.library_versions.items())),
        "",
    ]
    return "\n".join(lines)

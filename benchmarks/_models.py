"""The model a benchmark serves: the one asked for, or a small one trained on the spot."""

from __future__ import annotations

from bankmarketing_ops import AutoMLTrainer, ModelRegistry, Workspace, data


def model_or_small(workspace: Workspace, ref: str | None, *, name: str) -> str:
    """`ref` (NAME[:VERSION]) when given; else a 6-second AutoML run on 3,000 synthetic rows,
    registered under `name` (the same small model for every benchmark that needs one)."""
    if ref is not None:
        return ref
    trainer = AutoMLTrainer(workspace, experiment_timeout_minutes=0.1, random_seed=1)
    run = trainer.train(data.synthetic(3_000, seed=5))
    version = ModelRegistry(workspace).register_run(run, name=name)
    return f"{version.name}:{version.version}"

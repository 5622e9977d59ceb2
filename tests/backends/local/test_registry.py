"""The filesystem registry: atomic versions, numbering, idempotent deletes."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from bankmarketing_ops import (
    ConfigurationError,
    ModelArtifactError,
    ModelNotFoundError,
    ModelRegistry,
    TrainingRun,
    Workspace,
)


@pytest.fixture
def registry(tmp_path: Path) -> ModelRegistry:
    return ModelRegistry(Workspace.local(tmp_path / "ws"))


def test_versions_count_up_and_latest_is_the_highest(
    registry: ModelRegistry, trained_run: TrainingRun
) -> None:
    first = registry.register_run(trained_run, name="bank")
    second = registry.register_run(trained_run, name="bank", tags={"stage": "dev"})
    assert (first.version, second.version) == (1, 2)
    assert registry.get("bank").version == 2
    assert registry.get("bank", 1).ref == "bank:1"
    assert registry.get("bank").tags == {"stage": "dev"}
    assert [v.ref for v in registry.list()] == ["bank:1", "bank:2"]


def test_a_version_holds_everything_needed_to_reproduce_it(
    registry: ModelRegistry, trained_run: TrainingRun
) -> None:
    version = registry.register_run(trained_run, name="bank", description="first try")
    folder = Path(version.path)
    assert sorted(p.name for p in folder.iterdir()) == [
        "MODEL_CARD.md",
        "model",
        "plots",
        "reference.json",
        "version.json",
    ]
    assert version.metrics == trained_run.metrics
    assert version.metrics_source == "test"
    assert version.baseline_metrics == trained_run.baseline_metrics
    assert version.training.run_id == trained_run.run_id
    assert version.training.config == trained_run.config.model_dump(mode="json")
    assert version.training.data_sha256 == trained_run.data_sha256
    assert {"lightgbm", "flaml", "python"} <= set(version.library_versions)
    assert [f.name for f in version.input_schema] == trained_run.features
    card = (folder / "MODEL_CARD.md").read_text()
    assert "bank:1" in card
    assert "first try" in card
    assert "duration" in card


def test_a_crash_while_staging_leaves_no_version(tmp_path: Path, trained_run: TrainingRun) -> None:
    workspace = Workspace.local(tmp_path / "ws")
    backend = workspace.backend.registry

    def crash(staging: Path) -> object:
        shutil.copytree(trained_run.model_dir, staging / "model")
        raise KeyboardInterrupt  # as if Ctrl-C arrived mid-write

    with pytest.raises(KeyboardInterrupt):
        backend.register("bank", crash)  # type: ignore[arg-type]
    registry = ModelRegistry(workspace)
    assert registry.list() == []
    assert not any(p.name.startswith(".staging") for p in (tmp_path / "ws/models/bank").iterdir())


def test_a_model_that_cannot_be_loaded_is_never_published(
    tmp_path: Path, registry: ModelRegistry, trained_run: TrainingRun
) -> None:
    damaged = tmp_path / "damaged-model"
    shutil.copytree(trained_run.model_dir, damaged)
    for member in damaged.glob("member-*"):
        member.write_text("garbage")
    run = trained_run.model_copy(update={"model_dir": str(damaged)})
    with pytest.raises(ModelArtifactError, match="member-0"):
        registry.register_run(run, name="bank")
    assert registry.list() == []


def test_concurrent_registrations_get_distinct_versions(
    registry: ModelRegistry, trained_run: TrainingRun
) -> None:
    results: list[int] = []

    def register() -> None:
        results.append(registry.register_run(trained_run, name="bank").version)

    threads = [threading.Thread(target=register) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [1, 2, 3, 4]


def test_delete_is_idempotent(registry: ModelRegistry, trained_run: TrainingRun) -> None:
    registry.register_run(trained_run, name="bank")
    registry.register_run(trained_run, name="bank")
    registry.delete("bank", 1)
    registry.delete("bank", 1)  # again: nothing to do, no error
    assert [v.version for v in registry.list("bank")] == [2]
    registry.delete("bank")
    registry.delete("bank")
    registry.delete("never-registered")
    assert registry.list() == []


def test_update_changes_metadata_only(registry: ModelRegistry, trained_run: TrainingRun) -> None:
    version = registry.register_run(trained_run, name="bank", tags={"a": "1"})
    updated = registry.update("bank", 1, tags={"b": "2"}, description="promoted")
    assert updated.tags == {"b": "2"}
    assert registry.get("bank", 1).description == "promoted"
    assert updated.metrics == version.metrics
    assert "promoted" in (Path(version.path) / "MODEL_CARD.md").read_text()


def test_missing_models_and_versions_are_clear_errors(
    registry: ModelRegistry, trained_run: TrainingRun
) -> None:
    with pytest.raises(ModelNotFoundError, match="no model named 'bank'"):
        registry.get("bank")
    registry.register_run(trained_run, name="bank")
    with pytest.raises(ModelNotFoundError, match=r"no version 7 \(versions: 1\)"):
        registry.get("bank", 7)
    with pytest.raises(ModelNotFoundError, match="registered: bank"):
        registry.get("other")
    with pytest.raises(ConfigurationError, match="'latest'"):
        registry.get("bank", "newest")


@pytest.mark.parametrize("name", ["", "../escape", "a b", "x" * 65, ".hidden"])
def test_bad_names_are_refused(
    registry: ModelRegistry, trained_run: TrainingRun, name: str
) -> None:
    with pytest.raises(ConfigurationError, match="invalid model name"):
        registry.register_run(trained_run, name=name)


def test_version_numbers_are_never_reused(
    registry: ModelRegistry, trained_run: TrainingRun
) -> None:
    registry.register_run(trained_run, name="bank")
    registry.register_run(trained_run, name="bank")
    registry.delete("bank", 2)
    assert registry.register_run(trained_run, name="bank").version == 3
    registry.delete("bank")
    assert registry.register_run(trained_run, name="bank").version == 4

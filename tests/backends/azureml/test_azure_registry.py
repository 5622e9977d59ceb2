"""The Azure ML model registry: get/list, `Model.register` and `Run.register_model` replayed."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bankmarketing_ops import (
    ConfigurationError,
    ModelArtifactError,
    ModelNotFoundError,
    ModelRegistry,
    Workspace,
)
from bankmarketing_ops.backends.azureml.registry import (
    PROPERTY,
    decode_version,
)
from tests.backends.azureml import _cassette_builder as B
from tests.backends.azureml.conftest import assert_all_played


@pytest.mark.vcr
def test_get_and_list_versions(azure_workspace: Workspace, vcr: Any) -> None:
    registry = ModelRegistry(azure_workspace)
    latest = registry.get("bankmarketing-automl")
    assert latest.ref == "bankmarketing-automl:2"
    assert latest.model_type == "VotingEnsemble"
    assert latest.metrics is not None
    assert latest.metrics.AUC_weighted == pytest.approx(0.947)
    assert latest.baseline_metrics is not None
    assert latest.training.origin == "automl"
    assert [f.name for f in latest.input_schema] == B.FEATURES
    assert latest.properties == {"team": "marketing"}  # our own property is not shown
    assert latest.tags == {"stage": "test"}
    assert [v.ref for v in registry.list("bankmarketing-automl")] == [
        "bankmarketing-automl:1",
        "bankmarketing-automl:2",
    ]
    with pytest.raises(ModelNotFoundError):
        registry.get("no-such-model")
    assert_all_played(vcr)


def _sdk_model(**overrides: Any) -> SimpleNamespace:
    fields: dict[str, Any] = {
        "name": "m",
        "version": 3,
        "id": "m:3",
        "url": "aml://asset/m-3",
        "description": "d",
        "tags": {"a": "b"},
        "properties": {},
        "created_time": None,
        "run_id": None,
        "model_framework": "Custom",
    }
    fields.update(overrides)
    return SimpleNamespace(**fields)


def test_a_model_registered_elsewhere_still_reads() -> None:
    version = decode_version(_sdk_model(run_id="AutoML_1_5"))
    assert version.ref == "m:3"
    assert version.training.origin == "automl"
    assert version.model_type == "Custom"
    assert version.metrics is None


@pytest.mark.parametrize(
    "raw",
    [
        "{not json",  # edited by hand
        '{"model_type": "VotingEnsemble", "members": 3}',  # another layout
        "[1, 2]",  # not an object
    ],
)
def test_a_property_we_cannot_read_lists_the_model_anyway(raw: str) -> None:
    version = decode_version(_sdk_model(properties={PROPERTY: raw, "team": "x"}))
    assert version.ref == "m:3"
    assert version.metrics is None
    assert version.properties == {"team": "x", PROPERTY: raw}  # kept, not lost


@pytest.mark.vcr("test_get_and_list_versions.yaml")
def test_azure_automl_models_are_never_loaded_here(azure_workspace: Workspace) -> None:
    # the latest version (read from the cassette) comes from an Azure AutoML run
    with pytest.raises(ModelArtifactError, match="no pickle"):
        azure_workspace.backend.registry.model_dir("bankmarketing-automl")


@pytest.fixture
def fixed_upload_container(monkeypatch: pytest.MonkeyPatch) -> None:
    """`Model.register` uploads under `LocalUpload/<%y%m%dT%H%M%S>-<uuid4()[:8]>/`, a path
    made in `azureml.core.model` from `datetime.now()` and `uuid.uuid4()`. We pin those two
    names in that one module (not process-wide) so the upload requests have the fixed
    path of the cassette and every other path matches exactly, as in the other cassettes."""
    import datetime as dt
    import uuid

    import azureml.core.model as sdk_model

    class FixedDatetime(dt.datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return cls(2026, 11, 2, 10, 0, 0, tzinfo=tz)

    fixed = uuid.UUID(B.UPLOAD_UUID)
    monkeypatch.setattr(sdk_model, "datetime", FixedDatetime)
    monkeypatch.setattr(sdk_model, "uuid", SimpleNamespace(uuid4=lambda: fixed))


@pytest.mark.vcr
@pytest.mark.usefixtures("fixed_upload_container")
def test_register_uploads_and_registers(azure_workspace: Workspace, vcr: Any) -> None:
    """`Model.register` through the SDK's HTTP: artifact upload, asset, model POST."""
    own = B.bankops_property(1, origin="user")
    draft = decode_version(_sdk_model(properties={PROPERTY: own}, run_id=None))

    def stage(folder: Path) -> Any:
        (folder / "model").mkdir()
        (folder / "model" / "manifest.json").write_text('{"model_type": "VotingEnsemble"}')
        return draft.model_copy(update={"tags": {"stage": "test"}})

    version = azure_workspace.backend.registry.register(B.USER_MODEL, stage)
    assert version.ref == f"{B.USER_MODEL}:1"
    assert version.path == f"aml://asset/{B.ASSET_ID}"
    assert version.training.origin == "user"
    assert version.model_type == "VotingEnsemble"
    assert version.tags == {"stage": "test"}
    assert version.properties == {}
    assert_all_played(vcr)


@pytest.mark.vcr
def test_register_run_registers_the_best_childs_model(
    azure_workspace: Workspace, vcr: Any, tmp_path: Path
) -> None:
    """`Run.register_model` through the SDK's HTTP: the best child run read, its
    `outputs/model.pkl` found among its artifacts, an asset made of it, the model POST."""
    (tmp_path / "azureml_run.json").write_text(json.dumps({"best_child_run_id": B.BEST_RUN}))
    known = decode_version(_sdk_model(properties={PROPERTY: B.bankops_property(1)}))
    # a TrainingRun's fields register_run reads (the config's dump is left out of the
    # property, as in the cassette's answer)
    run = SimpleNamespace(
        run_id=B.PARENT_RUN,
        run_dir=str(tmp_path),
        best=SimpleNamespace(model_type="VotingEnsemble"),
        config=SimpleNamespace(drop_leaky_columns=False, model_dump=lambda **_: None),
        metrics=known.metrics,
        metrics_source=known.metrics_source,
        baseline_metrics=known.baseline_metrics,
        data_source=known.training.data_source,
        data_sha256=known.training.data_sha256,
        train_rows=known.training.train_rows,
        test_rows=known.training.test_rows,
        library_versions=known.library_versions,
    )
    version = azure_workspace.backend.registry.register_run(
        run,  # type: ignore[arg-type]
        name="bankmarketing-automl",
        description="best of the bank marketing AutoML run",
        tags={"stage": "test"},
        properties={"team": "marketing"},
        stage=lambda _folder: pytest.fail("an Azure run is registered from its own outputs"),
    )
    assert version.ref == "bankmarketing-automl:1"
    assert version.training.run_id == B.PARENT_RUN
    assert version.metrics == known.metrics
    assert version.metrics_source == "validation"
    assert version.training.origin == "automl"
    assert version.properties == {"team": "marketing"}
    assert_all_played(vcr)


@pytest.mark.vcr
def test_update_sends_every_value_given(azure_workspace: Workspace, vcr: Any) -> None:
    """Review finding: the SDK's `Model.update` skips falsy values, so `tags={}` or an
    empty description changed nothing, silently. The json-patch now holds every value
    given (checked in the cassette's request bodies); properties are only added."""
    registry = ModelRegistry(azure_workspace)
    cleared = registry.update("bankmarketing-automl", 2, tags={}, description="")
    assert (cleared.tags, cleared.description) == ({}, "")
    grown = registry.update(
        "bankmarketing-automl", 2, properties={"team": "marketing", "owner": "ops"}
    )
    assert grown.properties == {"team": "marketing", "owner": "ops"}
    assert grown.metrics is not None  # our own property is kept
    same = registry.update(
        "bankmarketing-automl", 2, properties={"team": "marketing", "owner": "ops"}
    )
    assert same.properties == grown.properties  # nothing new: no patch
    with pytest.raises(ConfigurationError, match=r"cannot be changed or removed once set \(team\)"):
        registry.update("bankmarketing-automl", 2, properties={"team": "sales", "owner": "ops"})
    assert_all_played(vcr)

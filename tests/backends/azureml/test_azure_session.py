"""Opening an Azure ML workspace: token auth replayed through the real SDK; the other
auth kinds and config.json checked against the SDK objects they build."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bankmarketing_ops import ConfigurationError, MissingExtraError, Workspace
from bankmarketing_ops.backends.azureml import session
from tests.backends.azureml import _cassette_builder as B
from tests.backends.azureml.conftest import assert_all_played


@pytest.mark.vcr
def test_workspace_azureml_with_a_token(azure_workspace: Workspace, vcr: Any) -> None:
    assert azure_workspace.kind == "azureml"
    assert "ws-bankops" in repr(azure_workspace)
    assert_all_played(vcr)


@pytest.mark.vcr
def test_info_names_the_workspace_resource(azure_workspace: Workspace, vcr: Any) -> None:
    info = azure_workspace.info()
    assert info.backend == "azureml"
    assert info.location == B.WS_PATH
    assert info.created_at.startswith("2026-11-01")
    assert_all_played(vcr)


def test_service_principal_auth_reads_the_three_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_TENANT_ID", B.TENANT)
    monkeypatch.setenv("AZURE_CLIENT_ID", "client-id")
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "not-a-real-secret")
    from azureml.core.authentication import ServicePrincipalAuthentication

    auth = session.make_auth("service_principal")
    assert isinstance(auth, ServicePrincipalAuthentication)
    assert auth._tenant_id == B.TENANT
    assert auth._service_principal_id == "client-id"


def test_service_principal_auth_names_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in session.SERVICE_PRINCIPAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AZURE_TENANT_ID", B.TENANT)
    with pytest.raises(ConfigurationError, match="AZURE_CLIENT_ID, AZURE_CLIENT_SECRET"):
        session.make_auth("service_principal")


def test_other_auth_kinds_build_the_sdk_objects(monkeypatch: pytest.MonkeyPatch) -> None:
    from azureml.core import authentication as a

    made: list[tuple[str, dict[str, Any]]] = []
    for name in ("InteractiveLoginAuthentication", "AzureCliAuthentication", "MsiAuthentication"):
        # these sign in as they are built: record the call instead
        monkeypatch.setattr(a, name, lambda _n=name, **kw: made.append((_n, kw)) or _n)
    assert session.make_auth("interactive", tenant_id=B.TENANT) == "InteractiveLoginAuthentication"
    assert session.make_auth("cli") == "AzureCliAuthentication"
    assert session.make_auth("msi") == "MsiAuthentication"
    assert made[0] == ("InteractiveLoginAuthentication", {"tenant_id": B.TENANT})
    assert isinstance(session.make_auth("token", token=B.fake_jwt()), a.ArmTokenAuthentication)
    ready = a.ArmTokenAuthentication(B.fake_jwt())
    assert session.make_auth(ready) is ready
    with pytest.raises(ConfigurationError, match=r"token="):
        session.make_auth("token")
    with pytest.raises(ConfigurationError, match="auth must be"):
        session.make_auth("password")


def test_monitor_credential_matches_the_auth_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    from azure import identity

    monkeypatch.setenv("AZURE_TENANT_ID", B.TENANT)
    monkeypatch.setenv("AZURE_CLIENT_ID", "client-id")
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "not-a-real-secret")
    assert isinstance(
        session.monitor_credential("service_principal"), identity.ClientSecretCredential
    )
    assert isinstance(session.monitor_credential("cli"), identity.AzureCliCredential)
    ready = session.make_auth("token", token=B.fake_jwt())
    assert isinstance(session.monitor_credential(ready), identity.DefaultAzureCredential)


def test_token_auth_needs_an_explicit_monitor_credential() -> None:
    """An ARM token cannot read Azure Monitor: no silent switch to another identity, and
    the refusal comes before any request (no cassette: the network is not touched)."""
    with pytest.raises(ConfigurationError, match=r"credential=.*StaticTokenCredential"):
        session.monitor_credential("token")
    with pytest.raises(ConfigurationError, match="credential="):
        Workspace.azureml(
            B.SUBSCRIPTION, B.RESOURCE_GROUP, B.WORKSPACE, auth="token", token=B.fake_jwt()
        )


def test_static_token_credential_hides_its_token() -> None:
    credential = session.StaticTokenCredential("secret-token", expires_on=123)
    assert credential.get_token("https://api.loganalytics.io/.default").token == "secret-token"
    assert "secret-token" not in repr(credential)


def _config(folder: Path, **values: Any) -> Path:
    document = {
        "subscription_id": B.SUBSCRIPTION,
        "resource_group": B.RESOURCE_GROUP,
        "workspace_name": B.WORKSPACE,
        **values,
    }
    path = folder / "config.json"
    path.write_text(json.dumps(document))
    return path


def test_read_config_finds_the_file_in_a_parent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _config(tmp_path)
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    assert session.read_config(None)["workspace_name"] == B.WORKSPACE
    assert session.read_config(tmp_path)["resource_group"] == B.RESOURCE_GROUP


def test_read_config_explains_a_bad_or_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"subscription_id": "x"}')
    with pytest.raises(ConfigurationError, match="resource_group"):
        session.read_config(bad)
    with pytest.raises(ConfigurationError, match=r"no Azure ML config\.json"):
        session.read_config(tmp_path / "nothing-here")


@pytest.mark.vcr("test_workspace_azureml_with_a_token.yaml")
def test_from_config_opens_the_workspace(tmp_path: Path) -> None:
    from bankmarketing_ops.backends.azureml import StaticTokenCredential

    ws = Workspace.from_config(
        _config(tmp_path),
        auth="token",
        token=B.fake_jwt(),
        credential=StaticTokenCredential("x"),
    )
    assert ws.kind == "azureml"


def test_without_the_extra_the_error_gives_the_install_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in [m for m in sys.modules if m == "azureml" or m.startswith("azureml.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "azureml", None)  # makes `import azureml...` fail
    with pytest.raises(MissingExtraError) as caught:
        Workspace.azureml("sub", "rg", "ws", auth="token", token="t", credential=object())
    assert "pip install 'bankmarketing_ops[azureml]'" in str(caught.value)
    assert "Python < 3.12" in str(caught.value)
    assert "azureml-train-automl-client" in str(caught.value)
    assert isinstance(caught.value, ConfigurationError)


def test_recording_scrubs_signatures_and_keys() -> None:
    from tests.backends.azureml.conftest import scrub, scrub_response

    url = "https://st.blob.core.windows.net/c/b?sv=2019-07-07&sig=REAL%2Bsecret&se=x"
    assert "REAL" not in scrub(url)
    recorded = scrub_response(
        {"body": {"string": b'{"primaryKey": "real-1", "secondaryKey":"real-2", "x": 1}'}}
    )
    assert b"real-" not in recorded["body"]["string"]
    assert b'"x": 1' in recorded["body"]["string"]


def test_a_recorded_datastore_read_keeps_no_storage_key(tmp_path: Path) -> None:
    """A datastore read that answers with the storage account's key, recorded by vcrpy
    with our hook (over a real loopback server): the caller gets the key, the cassette
    file does not, and the recorded answer keeps its shape for the SDK to parse."""
    import requests
    import vcr
    import yaml

    from tests.backends.azureml import _cassettes_pipelines as P
    from tests.backends.azureml.conftest import SCRUBBED, scrub_response
    from tests.http_server import Route, serve

    account_key = "c3RvcmFnZS1hY2NvdW50LWtleQ=="  # not a fake-… value: it must go
    credential = "DefaultEndpointsProtocol=https;AccountKey=" + account_key
    payload = P.datastore_payload(account_key=account_key, credential=credential)
    payload["credentials"] = {"credentialsType": "AccountKey", "secrets": {"key": account_key}}
    payload["tags"] = [{"key": "team", "value": "marketing"}]  # a tag, not a secret
    cassette = tmp_path / "datastore.yaml"
    recorder = vcr.VCR(record_mode="all", before_record_response=scrub_response)
    route = Route(json.dumps(payload).encode())
    with serve({"/default": route}) as server, recorder.use_cassette(str(cassette)):
        answer = requests.get(server.url("/default"), timeout=10).json()
    assert answer["azureStorageSection"]["accountKey"] == account_key  # live: untouched
    text = cassette.read_text()
    assert account_key not in text
    recorded = json.loads(yaml.safe_load(text)["interactions"][0]["response"]["body"]["string"])
    section = recorded["azureStorageSection"]
    assert (section["accountKey"], section["credential"]) == (SCRUBBED, SCRUBBED)
    assert section["credentialType"] == "AccountKey"
    assert recorded["credentials"] == {
        "credentialsType": SCRUBBED,
        "secrets": {"key": SCRUBBED},
    }
    assert recorded["tags"] == [{"key": "team", "value": "marketing"}]


def test_committed_cassettes_hold_only_the_known_fakes() -> None:
    import re

    pattern = re.compile(r'sig=([^&"\'\s]+)|"(?:primaryKey|secondaryKey)":\s*"([^"]*)"')
    found = {
        next(g for g in match.groups() if g is not None)
        for path in B.ROOT.glob("test_azure_*/*.yaml")
        for match in pattern.finditer(path.read_text())
    }
    assert found
    assert all(value.startswith("fake-") for value in found), found


def test_a_static_token_credential_expires_when_its_token_does() -> None:
    from bankmarketing_ops.backends.azureml import StaticTokenCredential

    assert StaticTokenCredential(B.fake_jwt()).get_token("scope").expires_on == 4102444800
    opaque = StaticTokenCredential("not-a-jwt").get_token("scope").expires_on
    assert 0 < opaque - time.time() <= 3600

"""Azure ML backend tests: cassettes replayed with the real SDK, and unit tests of mapping.

The cassettes under `tests/cassettes/test_azure_*/` were BUILT BY HAND (we cannot reach
Azure from where this project is built): `_cassette_builder.py` writes them from the
public Azure REST reference, in the request shapes the SDK sends. They replay with
`record_mode=none` (pytest-recording's default), so CI never touches the network.

Re-recording against a real workspace (it registers models, deploys, updates and deletes
a web service and reads telemetry; it needs the `[azureml]` extra, a signed-in identity,
and the names the tests use: model `bankmarketing-automl:1` from the AutoML best run
`AutoML_0f0e0d0c_1`, version 2 of it, and an attached AKS cluster `aks-bankops`;
see `_cassette_builder.py` and `_cassettes_deploy.py`):

    export AZUREML_SUBSCRIPTION_ID=... AZUREML_RESOURCE_GROUP=... AZUREML_WORKSPACE=...
    export AZUREML_ARM_TOKEN="$(az account get-access-token --query accessToken -o tsv)"
    export AZUREML_MONITOR_TOKEN="$(az account get-access-token \\
        --resource https://api.loganalytics.io --query accessToken -o tsv)"
    pytest tests/backends/azureml --record-mode=once --allowed-hosts='.*'

(delete the yaml files you want re-recorded first). `authorization` headers are filtered
out of what is written, and `scrub_response` replaces storage signatures, service keys,
storage account keys and credential blocks in the recorded bodies; still read the
recorded bodies before committing them.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests.backends.azureml import _cassette_builder as B
from tests.backends.azureml import _cassettes_pipelines as P

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes"


def _sdk_installed() -> bool:
    return importlib.util.find_spec("azureml.core") is not None


@pytest.fixture(autouse=True)
def _azureml_sdk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK installed (a failure on CI, a skip elsewhere), with a throw-away HOME (its
    discovery cache lives there), no retries, no sleeping in its pollers, no telemetry
    (`_no_sdk_telemetry`), and a working directory outside the repository."""
    if not _sdk_installed():
        if os.environ.get("CI"):
            pytest.fail("the [azureml] extra must be installed on CI (.ci/run installs it)")
        pytest.skip("the [azureml] extra is not installed")
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("AZUREML_DEFAULT_RETRIES", "0")
    monkeypatch.setattr(time, "sleep", lambda _seconds: None)
    # outside any git repository: inside one, the SDK adds the working directory's branch
    # and commit to what it creates (runs, services), which differ from machine to machine
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)


@pytest.fixture(scope="session", autouse=True)
def _no_sdk_telemetry() -> Iterator[None]:
    """The SDK sends usage telemetry from a background thread that outlives the test that
    started it. vcrpy makes every connection by undoing its patches process-wide for a
    moment (`vcr.patch.force_reset`, not thread-safe): a request the test's own thread
    makes in that moment escapes the cassette (seen as an occasional DNS failure while a
    later test opened its workspace). So the sender drops everything, for the whole
    session, and says it was sent (or it would queue the items and retry)."""
    if not _sdk_installed():
        yield
        return
    from azureml.telemetry import logging_handler

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            logging_handler, "_http_send", lambda *_args, **_kwargs: logging_handler.SUCCESS
        )
        yield


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    return str(CASSETTES / request.module.__name__.rsplit(".", 1)[-1])


@pytest.fixture(scope="module")
def vcr_config(pytestconfig: pytest.Config) -> dict[str, Any]:
    # vcrpy filters the cassette's requests as it loads them too: the Authorization
    # header is filtered only when recording (its secret is never written), so on replay
    # the `authorization` matcher sees what a hand-built cassette expects
    recording = pytestconfig.getoption("--record-mode") not in (None, "none")
    return {
        "filter_headers": ["authorization"] if recording else [],
        # A re-recording against a real workspace must not write its secrets: SAS
        # signatures in URLs and bodies, and the services' keys.
        "filter_query_parameters": ["sig"],
        "before_record_response": scrub_response,
        # the SDK's own telemetry goes here. It is kept out of a recording; on replay it is
        # not ignored but refused (in its own thread): vcrpy lets an ignored host through
        # by undoing its patches process-wide for a moment, and a request of the test
        # made in that moment escaped the cassette (seen as an occasional DNS failure)
        "ignore_hosts": ["dc.services.visualstudio.com"] if recording else [],
        "match_on": [
            "method",
            "scheme",
            "host",
            "port",
            "path",
            "query",
            "body_subset",
            "authorization",
        ],
        "decode_compressed_response": True,
    }


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    vcr.register_matcher("body_subset", body_subset)
    vcr.register_matcher("authorization", authorization)


def authorization(actual: Any, stored: Any) -> None:
    """vcrpy matcher: the Authorization header is what a hand-built cassette says ("" for
    none). Re-recorded cassettes hold none (filtered out), so nothing is checked there."""
    wanted = stored.headers.get("Authorization")
    if wanted is None:
        return
    sent = actual.headers.get("Authorization")
    if wanted == "":
        assert sent is None, "an Authorization header was sent; the cassette says none"
    else:
        assert sent == wanted, "the Authorization header is not the cassette's"


def _text(body: Any) -> str:
    if body is None:
        return ""
    if isinstance(body, bytes):
        return body.decode("utf-8", "replace")
    return body if isinstance(body, str) else str(body)


def _of_values(items: list[Any]) -> bool:
    """A list of plain values (model names, ids), which we configure whole; a list of
    objects is a collection the SDK adds entries of its own to (parameters, ports,
    json-patch operations such as the git commit of the working directory)."""
    return all(not isinstance(item, dict | list) for item in items)


def difference(actual: Any, expected: Any, where: str = "body") -> str | None:
    """Where `expected` is not in `actual` (None when it is).

    Objects: every key the cassette names, recursively (the SDK sends more than we
    configure). Lists of values: the same values in any order. Lists of objects: each
    object the cassette names among those sent (see `_of_values`). A JSON object inside a
    string field (AutoML's `amlSettingsJsonString`) is compared as an object. Scalars
    are equal and of the same kind (`True` is not `1`).
    """
    if isinstance(expected, str) and isinstance(actual, str) and expected.startswith("{"):
        try:
            return difference(json.loads(actual), json.loads(expected), where)
        except ValueError:
            pass
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"{where}: sent {str(actual)[:120]!r}, not an object"
        if not expected and actual:
            return f"{where}: sent {str(actual)[:120]!r}, the cassette says {{}}"
        for key, value in expected.items():
            if key not in actual:
                return f"{where}.{key}: not sent"
            found = difference(actual[key], value, f"{where}.{key}")
            if found:
                return found
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return f"{where}: sent {str(actual)[:120]!r}, not a list"
        if _of_values(expected) and len(actual) != len(expected):
            return f"{where}: sent {len(actual)} items, the cassette says {len(expected)}"
        unmatched = list(actual)
        for wanted in expected:
            match = next(
                (i for i, item in enumerate(unmatched) if not difference(item, wanted)), None
            )
            if match is None:
                return f"{where}: no item holds {str(wanted)[:200]}"
            del unmatched[match]  # one sent item answers one expected item
        return None
    if actual != expected or isinstance(actual, bool) != isinstance(expected, bool):
        return f"{where}: sent {str(actual)[:120]!r}, the cassette says {str(expected)[:120]!r}"
    return None


def contains(actual: Any, expected: Any) -> bool:
    """`expected` is in `actual` (see `difference`)."""
    return difference(actual, expected) is None


def body_subset(actual: Any, stored: Any) -> None:
    """vcrpy matcher: the request sends at least what the cassette's request says.

    A hand-built cassette writes the fields that matter (the deployment's auth switch, the
    model's id, the pipeline's parameters …); a re-recorded one holds the whole body. An
    empty cassette body matches any body.
    """
    expected = _text(stored.body)
    if not expected:
        return
    sent = _text(actual.body)
    try:
        wanted, got = json.loads(expected), json.loads(sent)
    except ValueError:
        assert sent == expected, f"request body {sent[:200]!r} is not {expected[:200]!r}"
        return
    found = difference(got, wanted)
    assert found is None, f"request {found}"


# vcrpy runs the hook on replay as well: the cassettes' own "fake-…" values pass through.
_SECRETS = (
    (re.compile(r"(sig=)(?!fake-)[^&\"'\s]+"), r"\1scrubbed"),
    (re.compile(r'("(?:primaryKey|secondaryKey)"\s*:\s*)"(?!fake-)[^"]*"'), r'\1"scrubbed"'),
)
#: JSON fields that hold a secret: a storage account's key (datastore reads answer with
#: `accountKey`, or `"key"` inside their credentials), SAS tokens, whole credential
#: blocks (a service principal's secret, a connection string).
_SECRET_FIELDS = frozenset(
    {"accountKey", "key", "sasToken", "credential", "credentials", "secrets", "clientSecret",
     "connectionString", "password"}
)  # fmt: skip
SCRUBBED = "scrubbed"


def _is_kept(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, str) and value.startswith("fake-"))


def _scrub_json(value: Any) -> Any:
    """Every string under a secret field replaced (the structure kept: the SDK still
    parses the answer on replay); other fields walked into."""
    if isinstance(value, list):
        return [_scrub_json(item) for item in value]
    if not isinstance(value, dict):
        return value
    # {"key": "stage", "value": "test"}: a tag's name, not a secret
    pair = set(value) == {"key", "value"}
    return {
        name: _scrub_json(item) if pair or name not in _SECRET_FIELDS else _scrub_secret(item)
        for name, item in value.items()
    }


def _scrub_secret(value: Any) -> Any:
    if isinstance(value, dict):
        return {name: _scrub_secret(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_scrub_secret(item) for item in value]
    if isinstance(value, str) and not _is_kept(value):
        return SCRUBBED
    return value  # null, numbers and booleans hold no secret ("credentialType" stays)


def scrub(text: str) -> str:
    """`text` with storage signatures, service and storage keys and credentials replaced."""
    try:
        document = json.loads(text)
    except ValueError:
        document = None
    if isinstance(document, dict | list):
        scrubbed = _scrub_json(document)
        if scrubbed != document:
            text = json.dumps(scrubbed)
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    """vcrpy's hook before a response is recorded (never called on replay)."""
    body = response.get("body", {}).get("string")
    if isinstance(body, bytes):
        response["body"]["string"] = scrub(body.decode("utf-8", "replace")).encode()
    elif isinstance(body, str):
        response["body"]["string"] = scrub(body)
    return response


def recording(request: pytest.FixtureRequest) -> bool:
    return request.config.getoption("--record-mode") not in (None, "none")


@pytest.fixture
def azure_workspace(request: pytest.FixtureRequest) -> Any:
    """A `Workspace.azureml(...)` on the fake workspace of the cassettes (token auth with an
    unsigned JWT), or on the real one named by the environment while recording."""
    from bankmarketing_ops import Workspace
    from bankmarketing_ops.backends.azureml import StaticTokenCredential

    if recording(request):
        return Workspace.azureml(
            os.environ["AZUREML_SUBSCRIPTION_ID"],
            os.environ["AZUREML_RESOURCE_GROUP"],
            os.environ["AZUREML_WORKSPACE"],
            auth="token",
            token=os.environ["AZUREML_ARM_TOKEN"],
            credential=StaticTokenCredential(os.environ["AZUREML_MONITOR_TOKEN"]),
        )
    return Workspace.azureml(
        B.SUBSCRIPTION,
        B.RESOURCE_GROUP,
        B.WORKSPACE,
        auth="token",
        token=B.fake_jwt(),
        credential=StaticTokenCredential(B.fake_jwt("https://api.loganalytics.io")),
    )


#: Answers the SDK caches for the whole process: an earlier test may have fetched them.
_CACHED = ("/metadata/endpoints", "/discovery")


def assert_all_played(cassette: Any) -> None:
    """Every interaction of `cassette` (pytest-recording's `vcr` fixture) was replayed,
    except the process-wide cached ones: the SDK really made each request we wrote."""
    left = [
        f"{request.method} {request.path}"
        for index, (request, _response) in enumerate(cassette.data)
        if not cassette.play_counts[index] and not request.path.endswith(_CACHED)
    ]
    assert not left, f"not replayed: {left}"


@pytest.fixture
def fixed_dependency_uploads(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`Model.deploy` uploads the entry script and a driver script the SDK writes around it
    (`azureml._model_management._util.upload_dependency`), each under `LocalUpload/
    <uuid4()[:8]>/`, the driver named by `tempfile.mkstemp`. The artifact name comes back
    as a key of the response, so it must be known: we pin `uuid` (a counter) and
    `tempfile.mkstemp` (a fixed file name) in that one SDK module, not process-wide, and
    keep exact path matching like the other cassettes."""
    import uuid

    import azureml.core  # noqa: F401  (imports _util without its circular-import error)
    from azureml._model_management import _util as sdk_util

    counter = iter(range(1, 100))
    driver_dir = tmp_path / "driver"
    driver_dir.mkdir()

    def mkstemp(suffix: str = "", **_kwargs: Any) -> tuple[int, str]:
        path = driver_dir / f"{B.DRIVER_STEM}{suffix}"
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC), str(path)

    monkeypatch.setattr(
        sdk_util, "uuid", SimpleNamespace(uuid4=lambda: uuid.UUID(int=next(counter) << 96))
    )
    monkeypatch.setattr(
        sdk_util, "tempfile", SimpleNamespace(mkstemp=mkstemp, mkdtemp=tempfile.mkdtemp)
    )


@pytest.fixture
def fixed_module_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK looks a step's module up by a hash of its definition (`Modules/Hash/<hash>`),
    and the AutoMLStep's definition lists model names in set order, which changes from
    process to process (string hashing is salted). We pin the hash in the one SDK module
    that computes it, after computing the real one; the content half (the step's source
    folder, empty: all zeros) is kept."""
    from azureml.pipeline.core import _module_builder

    real = _module_builder._ModuleBuilder.calculate_hash

    def calculate_hash(module_def: Any, content_path: Any = None) -> str:
        _definition, content = real(module_def, content_path).split("_")
        return f"{P.MODULE_HASH}_{content}"

    monkeypatch.setattr(_module_builder._ModuleBuilder, "calculate_hash", calculate_hash)

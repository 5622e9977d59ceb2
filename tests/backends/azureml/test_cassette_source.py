"""The builder is the one source of the hand-built Azure cassettes.

The committed YAML stays on disk (vcrpy replays it, and a user with a real workspace
re-records it with `--record-mode=once`), so the builder is checked against it rather
than replacing it: regenerating every cassette into a temporary folder takes about a
second, and any difference — an edited YAML, a builder change not written out, a
cassette the builder no longer makes, one no test replays — fails here. Regenerate with
`python -m tests.backends.azureml._cassette_builder`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.backends.azureml import _cassette_builder as B

#: Cassettes recorded (not built) against our own local scoring server by tests/client.
RECORDED = ("test_cassettes",)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    target = tmp_path_factory.mktemp("cassettes")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(B, "ROOT", target)
        written = B.write_all()
    return {path.relative_to(target).as_posix(): path.read_text("utf-8") for path in written}


def _committed() -> dict[str, str]:
    return {
        path.relative_to(B.ROOT).as_posix(): path.read_text("utf-8")
        for path in sorted(B.ROOT.rglob("*.yaml"))
        if path.relative_to(B.ROOT).parts[0] not in RECORDED
    }


def test_every_committed_cassette_is_what_the_builder_writes(built: dict[str, str]) -> None:
    committed = _committed()
    assert sorted(committed) == sorted(built), "regenerate the cassettes with the builder"
    changed = [name for name in built if built[name] != committed[name]]
    assert not changed, f"edited by hand or not regenerated: {changed}"


def test_every_built_cassette_is_replayed_by_a_test(built: dict[str, str]) -> None:
    tests_root = Path(__file__).parents[2]
    orphans = []
    for name in built:
        module, test = name.removesuffix(".yaml").split("/")
        # a cassette folder is named after the test module that replays it, wherever it is
        defined = {
            node.name
            for source in tests_root.rglob(f"{module}.py")
            for node in ast.walk(ast.parse(source.read_text("utf-8")))
            if isinstance(node, ast.FunctionDef)
        }
        if test not in defined:
            orphans.append(name)
    assert not orphans, f"no test of that name replays these cassettes: {orphans}"

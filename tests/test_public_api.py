from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

import bankmarketing_ops
from bankmarketing_ops import data


def test_all_is_sorted_and_importable() -> None:
    for module in (bankmarketing_ops, data):
        names = module.__all__
        style = [(0 if n.isupper() else 1 if n[0].isupper() else 2, n) for n in names]
        assert style == sorted(style)
        assert len(set(names)) == len(names)
        for name in names:
            assert hasattr(module, name), name


def test_every_public_name_has_a_docstring() -> None:
    for module in (bankmarketing_ops, data):
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isclass(obj) or inspect.isfunction(obj):
                assert inspect.getdoc(obj), name


def test_exceptions_share_one_root() -> None:
    for name in bankmarketing_ops.__all__:
        obj = getattr(bankmarketing_ops, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, bankmarketing_ops.BankOpsError), name


def test_importing_the_package_does_not_import_azureml_or_sklearn() -> None:
    code = (
        "import sys, bankmarketing_ops, bankmarketing_ops.cli;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('azureml', 'sklearn')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_python_dash_m_runs_the_cli() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "bankmarketing_ops", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == f"bankops {bankmarketing_ops.__version__}"


HEAVY = ("pandas", "sklearn", "flaml", "lightgbm", "xgboost", "matplotlib")


@pytest.mark.parametrize(
    "statement",
    ["from bankmarketing_ops import EndpointClient", "import bankmarketing_ops.client"],
)
def test_the_client_imports_light(statement: str) -> None:
    code = (
        f"import sys; {statement}; "
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_lazy_names_are_the_real_objects() -> None:
    from bankmarketing_ops.client.endpoint import EndpointClient

    assert bankmarketing_ops.EndpointClient is EndpointClient
    assert set(bankmarketing_ops.__all__) <= set(dir(bankmarketing_ops))
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = bankmarketing_ops.Nope  # type: ignore[attr-defined]

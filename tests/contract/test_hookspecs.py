"""The plugin contract documents itself and is tested hook by hook (STYLE §3 and §7).

No database: these read ``core/plugins/hookspecs.py``, ``core/plugins/api.py`` and the test files.
"""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

from core.plugins import api, hookspecs

TESTS = Path(__file__).resolve().parent.parent
HOOK_PREFIXES = ("register_", "on_", "provide_")


def _hookspecs() -> dict[str, object]:
    return {
        name: function
        for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(function, "stepping_stones_spec")
    }


SPECS = _hookspecs()


def test_there_are_hookspecs():
    assert len(SPECS) >= 10
    # Every public function in the module is a hookspec (a forgotten decorator is caught here).
    functions = {
        name
        for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
        if function.__module__ == hookspecs.__name__ and not name.startswith("_")
    }
    assert functions == set(SPECS)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_hookspec_docstring(name: str):
    function = SPECS[name]
    doc = inspect.getdoc(function)
    assert doc, f"{name}: no docstring"
    lines = doc.splitlines()
    summary = lines[0].strip()
    assert summary and summary.endswith("."), f"{name}: the summary line must be a sentence"
    assert len(lines) == 1 or not lines[1].strip(), f"{name}: a blank line after the summary"

    parameters = list(inspect.signature(function).parameters)
    documented = re.findall(r"^:param (\w+):", doc, flags=re.MULTILINE)
    assert documented == parameters, f"{name}: one :param: per argument, in order"
    assert re.search(r"^:returns: \S", doc, flags=re.MULTILINE), f"{name}: no :returns: line"
    gating = [line for line in lines if line.startswith("Tenant gating:")]
    assert len(gating) == 1, f"{name}: needs exactly one 'Tenant gating:' line"
    assert len(gating[0]) > len("Tenant gating: "), f"{name}: the gating line says nothing"


@pytest.mark.parametrize("name", sorted(SPECS))
def test_hookspec_name_and_shape(name: str):
    function = SPECS[name]
    assert name.startswith(HOOK_PREFIXES), f"{name}: must start with {HOOK_PREFIXES}"
    options = function.stepping_stones_spec
    returns = inspect.signature(function).return_annotation
    if name.startswith("register_"):
        assert str(returns).startswith("list["), f"{name}: register_* hooks return a list"
        assert not options.get("firstresult")
    elif name.startswith("on_"):
        assert str(returns) == "None", f"{name}: on_* hooks are notifications"
        assert not options.get("firstresult")
    else:
        assert options.get("firstresult"), f"{name}: provide_* hooks stop at the first answer"
        assert str(returns).endswith("| None"), f"{name}: provide_* hooks may answer None"
    # Full types: every argument is annotated.
    for parameter in inspect.signature(function).parameters.values():
        assert parameter.annotation is not inspect.Parameter.empty, f"{name}: {parameter.name}"
    # An empty body: a hookspec only documents.
    body = ast.parse(inspect.getsource(function)).body[0].body
    assert len(body) == 1 and isinstance(body[0], ast.Expr), f"{name}: body must be the docstring"


def _test_function_names() -> set[str]:
    names: set[str] = set()
    for path in TESTS.rglob("*.py"):
        names |= set(re.findall(r"^\s*(?:async\s+)?def (test_hook_\w+)\(", path.read_text(), re.M))
    return names


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_hook_has_a_test(name: str):
    assert f"test_hook_{name}" in _test_function_names(), f"write test_hook_{name} under tests/"


def test_no_test_for_a_hook_that_does_not_exist():
    """A renamed or removed hook leaves no orphan test behind pretending to cover it."""
    orphans = {n for n in _test_function_names() if n.removeprefix("test_hook_") not in SPECS}
    assert orphans == set()


def test_api_all_names_exist():
    assert len(api.__all__) == len(set(api.__all__)), "a name is listed twice"
    missing = [name for name in api.__all__ if not hasattr(api, name)]
    assert missing == []


def test_types_named_by_hookspecs_are_exported_by_the_plugin_api():
    """Every type a hook returns that lives in core.plugins.api is part of its public contract."""
    tree = ast.parse(Path(hookspecs.__file__).read_text())
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "core.plugins.api"
        for alias in node.names
    }
    assert imported, "hookspecs.py should name the plugin API's types"
    assert imported <= set(api.__all__)


def test_hookspecs_module_layout():
    source = Path(hookspecs.__file__).read_text()
    assert "from __future__ import annotations" in source
    assert hookspecs.hookspec.project_name == "stepping_stones"
    assert hookspecs.hookimpl.project_name == "stepping_stones"
    assert api.hookimpl is hookspecs.hookimpl

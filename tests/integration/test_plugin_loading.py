"""Loading plugins: misspelt hooks, unknown arguments, modules without INFO and duplicate names
fail loudly at start-up; ``PLUGINS_EXTRA`` loads a plugin once."""

from __future__ import annotations

import sys
import types

import pluggy
import pytest

import tests.plugins.canary as canary
from core.plugins.api import PluginInfo, hookimpl
from core.plugins.manager import PluginError, Plugins
from tests.integration.test_plugins import CANARY_DIR, _fresh_calls  # noqa: F401

# ---------------------------------------------------------------------------------------------
# Loading: misspelt hooks and modules without INFO fail loudly at start-up
# ---------------------------------------------------------------------------------------------


def test_check_pending_is_clean(app):
    app.extensions["stepping_stones.plugins"].pm.check_pending()


def _throwaway(name: str, **attrs: object) -> types.ModuleType:
    module = types.ModuleType(name)
    for key, value in attrs.items():
        setattr(module, key, value)
    return module


def _info(name: str) -> PluginInfo:
    return PluginInfo(name=name, title=name.title(), summary="A throwaway test plugin.")


def test_plugin_without_info_is_refused(monkeypatch: pytest.MonkeyPatch):
    @hookimpl
    def register_permissions():
        return []

    module = _throwaway("ss_throwaway_no_info", register_permissions=register_permissions)
    monkeypatch.setitem(sys.modules, module.__name__, module)
    with pytest.raises(PluginError, match="no INFO"):
        Plugins().load(extra=[module.__name__])


def test_misspelt_hook_fails_loudly(monkeypatch: pytest.MonkeyPatch):
    @hookimpl
    def register_navigaton(tenant, viewer):  # sic: the misspelling is the point
        return []

    module = _throwaway(
        "ss_throwaway_misspelt", INFO=_info("misspelt"), register_navigaton=register_navigaton
    )
    monkeypatch.setitem(sys.modules, module.__name__, module)
    with pytest.raises(pluggy.PluginValidationError, match="register_navigaton"):
        Plugins().load(extra=[module.__name__])


def test_impl_with_an_unknown_argument_fails_loudly():
    @hookimpl
    def register_navigation(tenant, visitor):  # the spec calls it viewer
        return []

    module = _throwaway(
        "ss_throwaway_args", INFO=_info("args"), register_navigation=register_navigation
    )
    with pytest.raises(pluggy.PluginValidationError, match="visitor"):
        Plugins()._register(module, source="test")


def test_two_plugins_with_one_name_are_refused():
    first = _throwaway("ss_throwaway_one", INFO=_info("twin"))
    second = _throwaway("ss_throwaway_two", INFO=_info("twin"))
    manager = Plugins()
    manager._register(first, source="test")
    manager._register(first, source="test")  # the same module twice is harmless
    with pytest.raises(PluginError, match="already installed"):
        manager._register(second, source="test")


def test_plugins_extra_loads_the_canary_once(app):
    manager = app.extensions["stepping_stones.plugins"]
    assert manager.info["canary"].name == "canary"
    assert manager.modules["canary"] is canary
    assert "canary" in manager.installed()

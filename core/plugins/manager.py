"""Finding plugins, and calling them per tenant.

Plugins are found through the entry-point group ``stepping_stones.plugins`` (how the built-ins and
a trust's own plugins are announced) plus ``PLUGINS_EXTRA`` import paths (a plugin under
development, or the test plugin). ``tenant_hooks(tenant)`` is the only way core calls a hook for
a tenant: a ``subset_hook_caller`` view without the plugins that tenant has not switched on.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pluggy
from flask import current_app

from core.plugins import hookspecs

if TYPE_CHECKING:
    from core.plugins.api import PluginInfo
    from core.tenancy.models import Tenant

ENTRY_POINT_GROUP = "stepping_stones.plugins"


class PluginError(RuntimeError):
    """A plugin is missing its INFO, named twice, or otherwise cannot be loaded."""


@dataclass
class _HookView:
    """``pm.hook`` for one set of enabled plugins (subset callers are cached per hook)."""

    pm: pluggy.PluginManager
    removed: frozenset[Any]
    _cache: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._cache:
            self._cache[name] = self.pm.subset_hook_caller(name, remove_plugins=self.removed)
        return self._cache[name]


class Plugins:
    """The plugin manager of one application, with each plugin's ``INFO`` by name."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager("stepping_stones")
        self.pm.add_hookspecs(hookspecs)
        self.info: dict[str, PluginInfo] = {}
        self.modules: dict[str, ModuleType] = {}
        self._views: dict[frozenset[str], _HookView] = {}

    # -- loading ---------------------------------------------------------------------------
    def load(self, extra: Iterable[str] = ()) -> None:
        from importlib.metadata import entry_points

        for ep in entry_points(group=ENTRY_POINT_GROUP):
            self._register(ep.load(), source=f"entry point {ep.name!r}", expected=ep.name)
        for path in extra:
            path = path.strip()
            if path:
                self._register(importlib.import_module(path), source=f"PLUGINS_EXTRA {path!r}")
        # A misspelt hook name fails loudly at start-up instead of silently never being called.
        self.pm.check_pending()

    def _register(self, module: ModuleType, *, source: str, expected: str | None = None) -> None:
        info = getattr(module, "INFO", None)
        if info is None:
            raise PluginError(f"{source}: the plugin module has no INFO = PluginInfo(...)")
        if expected and info.name != expected:
            raise PluginError(f"{source}: INFO.name is {info.name!r}, the entry point {expected!r}")
        if info.name in self.info:
            if self.modules[info.name] is module:
                return
            raise PluginError(f"{source}: a plugin called {info.name!r} is already installed")
        self.pm.register(module, name=info.name)
        self.info[info.name] = info
        self.modules[info.name] = module

    # -- calling ---------------------------------------------------------------------------
    @property
    def hook(self) -> Any:
        """Every installed plugin: for set-up hooks only, never for a tenant's data."""
        return self.pm.hook

    def for_enabled(self, enabled: Iterable[str]) -> _HookView:
        enabled_set = frozenset(enabled) & frozenset(self.info)
        view = self._views.get(enabled_set)
        if view is None:
            removed = frozenset(
                module for name, module in self.modules.items() if name not in enabled_set
            )
            view = self._views[enabled_set] = _HookView(self.pm, removed)
        return view

    def only(self, name: str) -> _HookView:
        """Hooks of one plugin (used for on_plugin_enabled / on_plugin_disabled)."""
        return self.for_enabled([name])

    def installed(self) -> frozenset[str]:
        return frozenset(self.info)


def plugins() -> Plugins:
    """The current application's plugins."""
    return current_app.extensions["stepping_stones.plugins"]


def tenant_hooks(tenant: Tenant) -> Any:
    """Hooks of the plugins ``tenant`` has switched on, and of no other."""
    return plugins().for_enabled(tenant.enabled_plugins)


def plugin_enabled(tenant: Tenant, name: str) -> bool:
    return name in tenant.enabled_plugins and name in plugins().info

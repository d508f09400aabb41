"""IPS supported employment (issue 8). See README.md."""

from __future__ import annotations

from pathlib import Path

from core.plugins.api import PluginInfo, hookimpl

INFO = PluginInfo(
    name="ips",
    title="IPS supported employment",
    summary="Individual Placement and Support: paid work, education and in-work support.",
    requires_core=">=0.1",
)


@hookimpl
def register_models():
    from .models import MODELS

    return list(MODELS)


@hookimpl
def register_migrations():
    return [str(Path(__file__).parent / "migrations" / "versions")]

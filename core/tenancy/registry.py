"""Tenants as code: ``tenants/<slug>.toml`` files, validated, then applied idempotently.

A file looks like::

    slug = "wessex-partnership"          # must equal the file name without .toml
    name = "Wessex Partnership NHS Foundation Trust"
    ods_code = "RW1"
    status = "active"                    # or "suspended"

    [plugins.ips]                        # a [plugins.<name>] table switches a plugin on;
    caseload_cap = 20                    # its keys are validated by the plugin's schema

    [[organisations]]
    key = "wessex-trust"                 # stable: sync matches organisations on it
    name = "Wessex Partnership NHS Foundation Trust"
    kind = "trust"
    ods_code = "RW1"
    # partner = false                    # default: false for kind "trust", true otherwise;
                                         # partner staff see only clients shared with them

    [[sso]]                              # partner single sign-on: see core/sso/config.py

``apply`` creates and updates tenants and organisations and suspends what left the files; it
never deletes. Every problem in every file is collected first and reported as
``<file>: <key>: <problem>``; with any problem nothing at all is applied.
"""

from __future__ import annotations

import importlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from marshmallow import ValidationError

SLUG = re.compile(r"^[a-z][a-z0-9-]{0,38}[a-z0-9]$")
KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
ODS = re.compile(r"^[A-Z0-9]{3,9}$")
#: Slugs that would collide with the application's own top-level paths.
RESERVED_SLUGS = frozenset(
    {
        "api",
        "static",
        "sign-in",
        "sign-out",
        "healthz",
        "readyz",
        "platform",
        "auth",
        "sso",
        "admin",
        "account",
        "docs",
        "assets",
        "favicon-ico",
        "robots-txt",
    }
)
TENANT_KEYS = {"slug", "name", "ods_code", "status", "plugins", "organisations", "sso"}
ORGANISATION_KEYS = {"key", "name", "kind", "ods_code", "active", "partner"}
STATUSES = {"active", "suspended"}


@dataclass
class OrganisationSpec:
    key: str
    name: str
    kind: str
    ods_code: str | None = None
    active: bool = True
    partner: bool = True


@dataclass
class TenantSpec:
    slug: str
    name: str
    source_file: str
    ods_code: str | None = None
    status: str = "active"
    plugins: dict[str, dict[str, Any]] = field(default_factory=dict)
    organisations: list[OrganisationSpec] = field(default_factory=list)
    #: Checked ``[[sso]]`` providers (core.sso.config.ProviderConfig.to_json), no secrets.
    sso: list[dict[str, Any]] = field(default_factory=list)


class TenantFileError(ValueError):
    """One or more tenant files are wrong; ``problems`` holds one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _settings_schema(info: Any) -> Any:
    if not getattr(info, "settings_schema", None):
        return None
    module_name, _, class_name = info.settings_schema.partition(":")
    return getattr(importlib.import_module(module_name), class_name)()


def _check_plugins(
    name: str, raw: Any, installed: dict[str, Any], problems: list[str]
) -> dict[str, dict[str, Any]]:
    if not isinstance(raw, dict):
        problems.append(f"{name}: plugins: must be a table of [plugins.<name>] tables")
        return {}
    enabled: dict[str, dict[str, Any]] = {}
    for plugin, settings in raw.items():
        where = f"{name}: plugins.{plugin}"
        if plugin not in installed:
            known = ", ".join(sorted(installed)) or "none"
            problems.append(f"{where}: unknown plugin (installed: {known})")
            continue
        if not isinstance(settings, dict):
            problems.append(f"{where}: must be a table of settings")
            continue
        settings = dict(settings)
        if settings.pop("enabled", True) is False:
            continue
        schema = _settings_schema(installed[plugin])
        if schema is None:
            if settings:
                problems.append(f"{where}: this plugin takes no settings ({', '.join(settings)})")
                continue
            enabled[plugin] = {}
            continue
        try:
            enabled[plugin] = schema.load(settings)
        except ValidationError as error:
            for key, messages in sorted(error.normalized_messages().items()):
                text = "; ".join(messages) if isinstance(messages, list) else str(messages)
                problems.append(f"{where}.{key}: {text}")
    return enabled


def _check_organisations(name: str, raw: Any, problems: list[str]) -> list[OrganisationSpec]:
    from core.accounts.models import ORGANISATION_KINDS, default_partner

    if not isinstance(raw, list):
        problems.append(f"{name}: organisations: must be an array of [[organisations]] tables")
        return []
    found: list[OrganisationSpec] = []
    seen: set[str] = set()
    for index, org in enumerate(raw):
        where = f"{name}: organisations[{index}]"
        if not isinstance(org, dict):
            problems.append(f"{where}: must be a table")
            continue
        for unknown in sorted(set(org) - ORGANISATION_KEYS):
            problems.append(f"{where}.{unknown}: unknown key")
        key, org_name, kind = org.get("key"), org.get("name"), org.get("kind")
        ods = org.get("ods_code")
        if not isinstance(key, str) or not KEY.match(key):
            problems.append(f"{where}.key: required; lower-case letters, digits and hyphens")
        elif key in seen:
            problems.append(f"{where}.key: {key!r} is used twice in this file")
        else:
            seen.add(key)
        if not isinstance(org_name, str) or not org_name.strip() or len(org_name) > 200:
            problems.append(f"{where}.name: required, at most 200 characters")
        if kind not in ORGANISATION_KINDS:
            problems.append(
                f"{where}.kind: {kind!r} is not one of {', '.join(sorted(ORGANISATION_KINDS))}"
            )
        if ods is not None and (not isinstance(ods, str) or not ODS.match(ods)):
            problems.append(f"{where}.ods_code: 3 to 9 upper-case letters or digits")
        if not isinstance(org.get("active", True), bool):
            problems.append(f"{where}.active: true or false")
        partner = org.get("partner", default_partner(str(kind)))
        if not isinstance(partner, bool):
            problems.append(f"{where}.partner: true or false")
        found.append(
            OrganisationSpec(
                key=str(key),
                name=str(org_name),
                kind=str(kind),
                ods_code=ods,
                active=bool(org.get("active", True)),
                partner=bool(partner),
            )
        )
    return found


def _check_sso(
    name: str,
    raw: Any,
    organisations: list[OrganisationSpec],
    plugins: dict[str, dict[str, Any]],
    problems: list[str],
) -> list[dict[str, Any]]:
    """The ``[[sso]]`` providers (core.sso.config); roles are checked against the catalogue."""
    from flask import has_app_context

    from core.sso.config import check_providers, tenant_role_table

    roles = tenant_role_table(set(plugins)) if has_app_context() else None
    orgs = {org.key: org.partner for org in organisations}
    return [p.to_json() for p in check_providers(name, raw, orgs, roles, problems)]


def parse_file(path: Path, installed: dict[str, Any], problems: list[str]) -> TenantSpec | None:
    """Read and check one tenant file; append each problem found to ``problems``."""
    name = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        problems.append(f"{name}: not valid TOML ({error})")
        return None
    except (OSError, UnicodeDecodeError) as error:
        problems.append(f"{name}: cannot be read ({error})")
        return None
    before = len(problems)
    for unknown in sorted(set(data) - TENANT_KEYS):
        problems.append(f"{name}: {unknown}: unknown key")
    slug = data.get("slug")
    if not isinstance(slug, str) or not SLUG.match(slug):
        problems.append(
            f"{name}: slug: required; 2-40 lower-case letters, digits and hyphens, "
            "starting with a letter"
        )
    elif slug in RESERVED_SLUGS:
        problems.append(f"{name}: slug: {slug!r} is reserved for the application's own pages")
    elif slug != path.stem:
        problems.append(f"{name}: slug: {slug!r} must match the file name ({path.stem}.toml)")
    tenant_name = data.get("name")
    if not isinstance(tenant_name, str) or not tenant_name.strip() or len(tenant_name) > 200:
        problems.append(f"{name}: name: required, at most 200 characters")
    ods = data.get("ods_code")
    if ods is not None and (not isinstance(ods, str) or not ODS.match(ods)):
        problems.append(f"{name}: ods_code: 3 to 9 upper-case letters or digits, like RW1")
    status = data.get("status", "active")
    if status not in STATUSES:
        problems.append(f"{name}: status: {status!r} is not active or suspended")
    plugins = _check_plugins(name, data.get("plugins", {}), installed, problems)
    organisations = _check_organisations(name, data.get("organisations", []), problems)
    sso = _check_sso(name, data.get("sso", []), organisations, plugins, problems)
    if len(problems) > before:
        return None
    return TenantSpec(
        slug=slug,
        name=tenant_name.strip(),
        source_file=path.name,
        ods_code=ods,
        status=status,
        plugins=plugins,
        organisations=organisations,
        sso=sso,
    )


def load_directory(directory: Path, installed: dict[str, Any]) -> list[TenantSpec]:
    """Every ``*.toml`` in ``directory``, checked; :class:`TenantFileError` on any problem."""
    problems: list[str] = []
    if not directory.is_dir():
        raise TenantFileError([f"{directory}: no such directory"])
    specs: list[TenantSpec] = []
    seen: dict[str, str] = {}
    for path in sorted(directory.glob("*.toml")):
        spec = parse_file(path, installed, problems)
        if spec is None:
            continue
        if spec.slug in seen:
            problems.append(f"{path}: slug: {spec.slug!r} is already used by {seen[spec.slug]}")
            continue
        seen[spec.slug] = str(path)
        specs.append(spec)
    if problems:
        raise TenantFileError(problems)
    return specs

"""The ``[[sso]]`` tables of a tenant file: checked at ``tenants sync``, read at sign-in.

A provider looks like::

    [[sso]]
    name = "jcp"                              # stable key, in the callback URL
    label = "Job Centre Plus"                 # on the button: "Sign in with Job Centre Plus"
    issuer = "https://login.example/tenant/v2.0"   # pinned exactly; discovery must agree
    client_id = "stepping-stones"
    client_secret_env = "SOUTHERN_HEALTH_JCP_SECRET"   # the NAME of an environment variable
    organisation = "jcp-southampton"          # an [[organisations]] key of this tenant
    scopes = ["openid", "profile", "email", "groups"]  # optional; openid is always sent
    acr_values = "AAL2_OR_AAL3_ANY"           # optional, sent with the request
    required_acr = ["AAL2_OR_AAL3_ANY"]       # optional: the ID token's acr must be one of these

    [[sso.roles]]                             # deny by default: no matching rule, no access
    claim = "groups"
    contains = "jcp-work-coach"               # or: equals = "…"
    role = "partner_advisor"

A ``client_secret`` key is refused: secrets never live in the repository.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,99}$")
CLAIM = re.compile(r"^[A-Za-z0-9_:.\-/]{1,100}$")
SCOPE = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]{1,100}$")
SSO_KEYS = {
    "name",
    "label",
    "issuer",
    "client_id",
    "client_secret_env",
    "organisation",
    "scopes",
    "acr_values",
    "required_acr",
    "roles",
}
RULE_KEYS = {"claim", "contains", "equals", "role"}
LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}
DEFAULT_SCOPES = ["openid", "profile", "email"]


@dataclass(frozen=True)
class RoleRule:
    """``claim`` contains (a list) or equals (a string) ``value`` → the person gets ``role``."""

    claim: str
    role: str
    contains: str | None = None
    equals: str | None = None

    def matches(self, claims: dict[str, Any]) -> bool:
        value = claims.get(self.claim)
        if self.equals is not None:
            return isinstance(value, str) and value == self.equals
        if isinstance(value, list):
            return self.contains in value
        return isinstance(value, str) and value == self.contains


@dataclass(frozen=True)
class ProviderConfig:
    """One identity provider of one tenant, as checked from its file."""

    name: str
    label: str
    issuer: str
    client_id: str
    client_secret_env: str
    organisation: str
    scopes: tuple[str, ...] = tuple(DEFAULT_SCOPES)
    roles: tuple[RoleRule, ...] = field(default_factory=tuple)
    acr_values: str | None = None
    required_acr: tuple[str, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        """What ``tenants sync`` stores in ``tenant.sso`` (no secret: only the variable name)."""
        data = asdict(self)
        data["scopes"] = list(self.scopes)
        data["required_acr"] = list(self.required_acr)
        data["roles"] = [
            {k: v for k, v in asdict(rule).items() if v is not None} for rule in self.roles
        ]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ProviderConfig:
        return cls(
            name=data["name"],
            label=data["label"],
            issuer=data["issuer"],
            client_id=data["client_id"],
            client_secret_env=data["client_secret_env"],
            organisation=data["organisation"],
            scopes=tuple(data.get("scopes") or DEFAULT_SCOPES),
            roles=tuple(RoleRule(**rule) for rule in data.get("roles") or []),
            acr_values=data.get("acr_values"),
            required_acr=tuple(data.get("required_acr") or []),
        )


def is_loopback_host(host: str) -> bool:
    """``localhost`` or a loopback IP literal (127.0.0.0/8, ::1)."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def issuer_problem(issuer: Any) -> str | None:
    """Why ``issuer`` can never be a provider's issuer, or None. The environment rule (https
    outside development and tests) is applied at sign-in, by :mod:`core.sso.discovery`."""
    if not isinstance(issuer, str) or not issuer or len(issuer) > 500:
        return "required, an https URL of at most 500 characters"
    parts = urlsplit(issuer)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "must be an https URL (http only for a loopback development provider)"
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        return "http is allowed only on loopback (127.0.0.1, ::1, localhost) for development"
    if parts.query or parts.fragment or parts.username or parts.password:
        return "must not contain a query, fragment or user name"
    return None


def _check_rules(where: str, raw: Any, problems: list[str]) -> list[RoleRule]:
    if not isinstance(raw, list) or not raw:
        problems.append(
            f"{where}.roles: at least one [[sso.roles]] rule is needed "
            "(claim, contains or equals, role); without one nobody could sign in"
        )
        return []
    rules = []
    for index, rule in enumerate(raw):
        at = f"{where}.roles[{index}]"
        if not isinstance(rule, dict):
            problems.append(f"{at}: must be a table")
            continue
        for unknown in sorted(set(rule) - RULE_KEYS):
            problems.append(f"{at}.{unknown}: unknown key")
        claim, role = rule.get("claim"), rule.get("role")
        if not isinstance(claim, str) or not CLAIM.match(claim):
            problems.append(f"{at}.claim: required, the name of a claim such as groups")
        if ("contains" in rule) == ("equals" in rule):
            problems.append(f"{at}: give exactly one of contains or equals")
        value = rule.get("contains", rule.get("equals"))
        if not isinstance(value, str) or not value or len(value) > 200:
            problems.append(f"{at}: the value to match must be a non-empty string")
        if not isinstance(role, str) or not role:
            problems.append(f"{at}.role: required, a role name such as partner_advisor")
        rules.append(
            RoleRule(
                claim=str(claim),
                role=str(role),
                contains=rule.get("contains"),
                equals=rule.get("equals"),
            )
        )
    return rules


def check_providers(
    name: str,
    raw: Any,
    organisations: dict[str, bool],
    roles: dict[str, tuple[bool, bool]] | None,
    problems: list[str],
) -> list[ProviderConfig]:
    """Check a tenant file's ``sso`` array; append one line per problem to ``problems``.

    :param organisations: the tenant's organisation keys and whether each is a partner.
    :param roles: role name → (available in this tenant, for partners); None skips role checks
        (no application context, e.g. a bare unit test of the file format).
    """
    if not isinstance(raw, list):
        problems.append(f"{name}: sso: must be an array of [[sso]] tables")
        return []
    found: list[ProviderConfig] = []
    seen: set[str] = set()
    for index, entry in enumerate(raw):
        where = f"{name}: sso[{index}]"
        if not isinstance(entry, dict):
            problems.append(f"{where}: must be a table")
            continue
        before = len(problems)
        if "client_secret" in entry:
            problems.append(
                f"{where}.client_secret: a secret must never be in a tenant file; put it in an "
                "environment variable and name that variable in client_secret_env"
            )
        for unknown in sorted(set(entry) - SSO_KEYS - {"client_secret"}):
            problems.append(f"{where}.{unknown}: unknown key")
        key = entry.get("name")
        if not isinstance(key, str) or not NAME.match(key):
            problems.append(f"{where}.name: required; lower-case letters, digits and hyphens")
        elif key in seen:
            problems.append(f"{where}.name: {key!r} is used twice in this file")
        else:
            seen.add(key)
        label = entry.get("label")
        if not isinstance(label, str) or not label.strip() or len(label) > 80:
            problems.append(f"{where}.label: required, at most 80 characters (the button text)")
        problem = issuer_problem(entry.get("issuer"))
        if problem:
            problems.append(f"{where}.issuer: {problem}")
        client_id = entry.get("client_id")
        if not isinstance(client_id, str) or not client_id.strip() or len(client_id) > 255:
            problems.append(f"{where}.client_id: required, at most 255 characters")
        secret_env = entry.get("client_secret_env")
        if not isinstance(secret_env, str) or not ENV_NAME.match(secret_env):
            problems.append(
                f"{where}.client_secret_env: required, the name of an environment variable "
                "(upper-case letters, digits and underscores) that holds the client secret"
            )
        org = entry.get("organisation")
        if org not in organisations:
            known = ", ".join(sorted(organisations)) or "none"
            problems.append(
                f"{where}.organisation: {org!r} is not an organisation of this tenant ({known})"
            )
        scopes = entry.get("scopes", DEFAULT_SCOPES)
        if not isinstance(scopes, list) or not all(
            isinstance(s, str) and SCOPE.match(s) for s in scopes
        ):
            problems.append(f"{where}.scopes: a list of scope names")
            scopes = []
        acr_values = entry.get("acr_values")
        if acr_values is not None and (not isinstance(acr_values, str) or not acr_values):
            problems.append(f"{where}.acr_values: a space-separated string such as AAL3_ANY")
        required_acr = entry.get("required_acr", [])
        if not isinstance(required_acr, list) or not all(
            isinstance(a, str) and a for a in required_acr
        ):
            problems.append(f"{where}.required_acr: a list of accepted acr values")
            required_acr = []
        rules = _check_rules(where, entry.get("roles"), problems)
        for index_rule, rule in enumerate(rules):
            at = f"{where}.roles[{index_rule}].role"
            if roles is None or not rule.role:
                continue
            if rule.role not in roles:
                problems.append(f"{at}: {rule.role!r} is not a role here ({', '.join(roles)})")
                continue
            available, for_partners = roles[rule.role]
            if not available:
                problems.append(f"{at}: {rule.role!r} belongs to a plugin this tenant has off")
            if organisations.get(org, True) and not for_partners:
                problems.append(
                    f"{at}: {rule.role!r} cannot be given to staff of {org!r}, a partner "
                    "organisation (only roles for partners, such as partner_advisor)"
                )
        if len(problems) > before:
            continue
        ordered = ["openid", *[s for s in scopes if s != "openid"]]
        found.append(
            ProviderConfig(
                name=key,
                label=label.strip(),
                issuer=entry["issuer"],
                client_id=client_id,
                client_secret_env=secret_env,
                organisation=org,
                scopes=tuple(ordered),
                roles=tuple(rules),
                acr_values=acr_values,
                required_acr=tuple(required_acr),
            )
        )
    return found


def tenant_role_table(enabled_plugins: set[str] | frozenset[str]) -> dict[str, tuple[bool, bool]]:
    """Role name → (available with these plugins, for partners), from the app's catalogue."""
    from core.accounts.permissions import CORE, catalogue

    return {
        name: (owner == CORE or owner in enabled_plugins, role.for_partners)
        for name, (owner, role) in catalogue().roles.items()
    }

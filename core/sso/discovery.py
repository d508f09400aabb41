"""Provider metadata: fetched under strict URL rules, pinned to the configured issuer, cached.

Issuer URLs are tenant-administrator input, so every URL we fetch — the discovery document and
every endpoint it names — passes :func:`check_url` (SECURITY A4): https only outside development
and tests, port 443, and no host resolving to a loopback, private, link-local or otherwise
non-public address; in development and tests plain http is allowed on loopback only. Discovery
is fetched with a short timeout, no redirects and a size cap, and refused unless its ``issuer``
equals the configured one exactly (authlib would otherwise trust the document's issuer).
Documents are cached per (tenant, provider) for ``SSO_DISCOVERY_TTL_SECONDS``; the cache key
includes the provider's configuration, so a tenant changing its file gets a fresh fetch.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import current_app

from core.sso.config import ProviderConfig, is_loopback_host

#: Signature algorithms we accept on ID tokens (SECURITY A2): never HS* (a public key is no
#: secret) and never ``none``.
ALLOWED_ALGS = ("RS256", "PS256", "ES256")
MAX_DOCUMENT_BYTES = 256 * 1024
ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri")
OPTIONAL_ENDPOINTS = ("userinfo_endpoint", "end_session_endpoint")
#: One message for every URL or network refusal, so the page is no reachability oracle.
UNREACHABLE = "The identity provider could not be reached, or its address is not allowed."

_cache: dict[tuple[uuid.UUID, str], tuple[str, float, dict[str, Any]]] = {}
_lock = threading.Lock()


class ProviderUnavailable(Exception):
    """The provider's metadata cannot be used; ``reason`` is for the audit log only."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def development() -> bool:
    return current_app.config["ENV"] in ("development", "test")


def _public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return ip.is_global and not ip.is_multicast


def check_url(url: str) -> None:
    """Raise :class:`ProviderUnavailable` unless ``url`` may be fetched in this environment.

    DNS is resolved here and every address checked; a name that re-resolves differently
    between this check and the connection (DNS rebinding) is not covered — see README.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host or parts.username or parts.password:
        raise ProviderUnavailable(f"not a usable URL: {url}")
    if parts.scheme == "http":
        if development() and is_loopback_host(host):
            return
        raise ProviderUnavailable(f"http is allowed on loopback in development only: {url}")
    if parts.scheme != "https":
        raise ProviderUnavailable(f"not https: {url}")
    if development() and is_loopback_host(host):
        return
    if parts.port not in (None, 443):
        raise ProviderUnavailable(f"only port 443: {url}")
    try:
        infos = socket.getaddrinfo(host, 443, type=socket.SOCK_STREAM)
    except OSError as error:
        raise ProviderUnavailable(f"cannot resolve {host}: {error}") from error
    if not infos or not all(_public_address(str(info[4][0])) for info in infos):
        raise ProviderUnavailable(f"{host} resolves to a non-public address")


def timeout() -> float:
    return float(current_app.config.get("SSO_HTTP_TIMEOUT_SECONDS", 3))


def _fetch_json(url: str) -> dict[str, Any]:
    check_url(url)
    try:
        with requests.get(
            url,
            timeout=timeout(),
            allow_redirects=False,
            stream=True,
            headers={"Accept": "application/json"},
        ) as response:
            if response.status_code != 200:
                raise ProviderUnavailable(f"{url} answered {response.status_code}")
            body = response.raw.read(MAX_DOCUMENT_BYTES + 1, decode_content=True)
    except requests.RequestException as error:
        raise ProviderUnavailable(f"{url}: {type(error).__name__}") from error
    if len(body) > MAX_DOCUMENT_BYTES:
        raise ProviderUnavailable(f"{url}: document larger than 256 KiB")
    try:
        document = json.loads(body)
    except ValueError as error:
        raise ProviderUnavailable(f"{url}: not JSON") from error
    if not isinstance(document, dict):
        raise ProviderUnavailable(f"{url}: not a JSON object")
    return document


def _checked(provider: ProviderConfig, document: dict[str, Any]) -> dict[str, Any]:
    if document.get("issuer") != provider.issuer:
        raise ProviderUnavailable(
            f"issuer mismatch: configured {provider.issuer!r}, "
            f"discovery says {document.get('issuer')!r}"
        )
    metadata: dict[str, Any] = {"issuer": provider.issuer}
    for key in ENDPOINTS + OPTIONAL_ENDPOINTS:
        value = document.get(key)
        if value is None and key in OPTIONAL_ENDPOINTS:
            continue
        if not isinstance(value, str):
            raise ProviderUnavailable(f"discovery has no {key}")
        check_url(value)
        metadata[key] = value
    advertised = document.get("id_token_signing_alg_values_supported") or ["RS256"]
    algs = [alg for alg in ALLOWED_ALGS if alg in advertised]
    if not algs:
        raise ProviderUnavailable(f"no allowed ID token algorithm in {advertised}")
    # authlib passes this list to the JWS registry: it is our allowlist, not the provider's.
    metadata["id_token_signing_alg_values_supported"] = algs
    methods = document.get("code_challenge_methods_supported")
    if methods is not None and "S256" not in methods:
        raise ProviderUnavailable("the provider does not support PKCE S256")
    return metadata


def fingerprint(provider: ProviderConfig) -> str:
    return json.dumps(provider.to_json(), sort_keys=True)


def load(tenant_id: uuid.UUID, provider: ProviderConfig) -> dict[str, Any]:
    """The checked metadata of ``provider`` for ``tenant_id``, from the cache when fresh."""
    key = (tenant_id, provider.name)
    ttl = float(current_app.config.get("SSO_DISCOVERY_TTL_SECONDS", 3600))
    stamp = fingerprint(provider)
    cached = _cache.get(key)
    if cached and cached[0] == stamp and time.monotonic() - cached[1] < ttl:
        return cached[2]
    url = provider.issuer.rstrip("/") + "/.well-known/openid-configuration"
    metadata = _checked(provider, _fetch_json(url))
    with _lock:
        _cache[key] = (stamp, time.monotonic(), metadata)
    return metadata


def forget(tenant_id: uuid.UUID | None = None) -> None:
    """Drop cached metadata (of one tenant, or all): tests, and after a key rotation."""
    with _lock:
        for key in [k for k in _cache if tenant_id is None or k[0] == tenant_id]:
            del _cache[key]

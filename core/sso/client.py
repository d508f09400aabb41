"""One authlib Flask client per (tenant, provider), built from checked, pinned metadata.

Why not ``authlib.integrations.flask_client.OAuth.register``: the registry caches a client by
name for the life of the process and loads ``server_metadata_url`` itself (no timeout, no issuer
pinning, no refresh). We build ``FlaskOAuth2App`` directly instead, keep the authlib parts that
matter (PKCE S256, state and nonce in the Flask session, ID token checks) and feed it metadata
from :mod:`core.sso.discovery`. Clients are keyed by tenant and provider and rebuilt whenever
that provider's configuration, secret or metadata changes, so one tenant's change never affects
another's. The integration name (``sso:<tenant id>:<provider>``) also namespaces the state kept
in the session, so a callback can only complete a flow started for the same tenant and provider.
"""

from __future__ import annotations

import hashlib
import os
import threading
import uuid
from typing import Any

from authlib.integrations.flask_client import FlaskIntegration, FlaskOAuth2App

from core.sso import discovery
from core.sso.config import ProviderConfig

_clients: dict[tuple[uuid.UUID, str], tuple[str, FlaskOAuth2App]] = {}
_lock = threading.Lock()


class MissingSecret(Exception):
    """The environment variable named by ``client_secret_env`` is not set."""


def client_name(tenant_id: uuid.UUID, provider: ProviderConfig) -> str:
    return f"sso:{tenant_id}:{provider.name}"


def secret_of(provider: ProviderConfig) -> str:
    secret = os.environ.get(provider.client_secret_env, "")
    if not secret:
        raise MissingSecret(provider.client_secret_env)
    return secret


def get(tenant_id: uuid.UUID, provider: ProviderConfig) -> FlaskOAuth2App:
    """The client for ``provider`` of ``tenant_id`` (discovery loaded, checked and cached)."""
    secret = secret_of(provider)
    metadata = discovery.load(tenant_id, provider)
    stamp = hashlib.sha256(
        "\0".join(
            [discovery.fingerprint(provider), secret, repr(sorted(metadata.items()))]
        ).encode()
    ).hexdigest()
    key = (tenant_id, provider.name)
    cached = _clients.get(key)
    if cached and cached[0] == stamp:
        return cached[1]
    name = client_name(tenant_id, provider)
    client_kwargs: dict[str, Any] = {
        "scope": " ".join(provider.scopes),
        "code_challenge_method": "S256",
        "token_endpoint_auth_method": "client_secret_basic",
        "default_timeout": discovery.timeout(),
    }
    app = FlaskOAuth2App(
        FlaskIntegration(name),
        name=name,
        client_id=provider.client_id,
        client_secret=secret,
        client_kwargs=client_kwargs,
        **metadata,
    )
    with _lock:
        _clients[key] = (stamp, app)
    return app


def claims_options(provider: ProviderConfig) -> dict[str, dict[str, Any]]:
    """What the ID token must say (SECURITY A1, A2): our issuer, our audience, and the
    assurance the tenant asks for. authlib checks ``exp``/``iat`` with the leeway, and the
    nonce; it would otherwise take the issuer from the discovery document."""
    options: dict[str, dict[str, Any]] = {
        "iss": {"essential": True, "value": provider.issuer},
        "aud": {"essential": True, "value": provider.client_id},
        "sub": {"essential": True},
        "exp": {"essential": True},
        "iat": {"essential": True},
    }
    if provider.required_acr:
        options["acr"] = {"essential": True, "values": list(provider.required_acr)}
    return options


def forget(tenant_id: uuid.UUID | None = None) -> None:
    """Drop cached clients (of one tenant, or all)."""
    with _lock:
        for key in [k for k in _clients if tenant_id is None or k[0] == tenant_id]:
            del _clients[key]
    discovery.forget(tenant_id)

"""Partner SSO routes. Public (the person is not signed in yet), but always for one tenant.

They live under the reserved top-level ``/sso/`` (a slug no tenant may take), not under
``/<tenant>/``: that space is the signed-in tenant UI, where no route may be public. They read
only the tenant's provider settings and never show tenant data.

* ``GET /sso/<slug>/<provider>/start``: redirect to the provider (authorization code flow,
  PKCE S256, state, nonce). A plain link, not a form: the CSP ``form-action 'self'`` would stop
  a form submission from redirecting to another origin.
* ``GET /sso/<slug>/<provider>/callback``: verify and sign in, or refuse with a page saying
  what to do; every outcome is audited in the tenant.

The sign-in page shows a tenant's buttons when it is opened as ``/sign-in?tenant=<slug>`` (the
address to give partners) or with ``next`` inside a tenant (``/sign-in?next=/<slug>/…``, where
the redirect for a signed-out visitor lands).
"""

from __future__ import annotations

from typing import Any

import requests
import sqlalchemy as sa
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from joserfc.errors import JoseError

from core import access_limits
from core.accounts.permissions import public
from core.audit.service import record_now
from core.extensions import db
from core.request_ids import request_id
from core.sso import client as clients
from core.sso.config import ProviderConfig
from core.sso.discovery import ProviderUnavailable
from core.sso.services import SignInRefused, refusal_details, sign_in
from core.tenancy.blueprints import SLUG_PATTERN, _find_tenant
from core.tenancy.context import activate_tenant
from core.tenancy.models import Tenant
from core.web import sessions
from core.web.safety import safe_next

bp = Blueprint("sso", __name__, url_prefix="/sso/<tenant_slug>")

#: Session keys: the flow in progress, and how the current person signed in (for sign-out).
FLOW = "sso_flow"
SIGNED_IN = "sso"


@bp.url_value_preprocessor
def _enter_tenant(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    slug = (values or {}).pop("tenant_slug", "")
    activate_tenant(_find_tenant(slug))  # unknown or suspended: 404


@bp.url_defaults
def _keep_tenant(_endpoint: str, values: dict[str, Any]) -> None:
    if "tenant_slug" not in values and g.get("tenant") is not None:
        values["tenant_slug"] = g.tenant.slug


def providers_of(tenant: Tenant) -> list[ProviderConfig]:
    return [ProviderConfig.from_json(p) for p in tenant.sso or []]


def _provider(name: str) -> ProviderConfig:
    for provider in providers_of(g.tenant):
        if provider.name == name:
            return provider
    abort(404)


@bp.route("/<provider>/start")
@public
def start(provider: str):
    config = _provider(provider)
    try:
        oauth = clients.get(g.tenant.id, config)
        redirect_uri = url_for("sso.callback", provider=config.name, _external=True)
        extra = {"acr_values": config.acr_values} if config.acr_values else {}
        authorization = oauth.create_authorization_url(redirect_uri, **extra)
    except clients.MissingSecret as error:
        return _refuse(config, SignInRefused("not_configured", f"{error} is not set"))
    except ProviderUnavailable as error:
        return _refuse(config, SignInRefused("unavailable", error.reason))
    except requests.RequestException as error:
        return _refuse(config, SignInRefused("unavailable", type(error).__name__))
    oauth.save_authorize_data(redirect_uri=redirect_uri, **authorization)
    session[FLOW] = {
        "state": authorization["state"],
        "tenant": g.tenant.slug,
        "provider": config.name,
        "next": safe_next(request.args.get("next")),
    }
    return redirect(authorization["url"])


@bp.route("/<provider>/callback")
@public
def callback(provider: str):
    config = _provider(provider)
    access_limits.check_sso_callback()
    flow = session.pop(FLOW, None) or {}
    state = request.args.get("state")
    try:
        if (
            not state
            or flow.get("state") != state
            or flow.get("tenant") != g.tenant.slug
            or flow.get("provider") != config.name
        ):
            # Not our flow, or one started for another tenant or provider (mix-up defence).
            raise SignInRefused("state_mismatch", "state or flow does not match the session")
        if request.args.get("error"):  # e.g. access_denied: the provider said no
            raise SignInRefused("provider_error", request.args.get("error", "")[:100])
        returned_issuer = request.args.get("iss")
        if returned_issuer is not None and returned_issuer != config.issuer:
            raise SignInRefused("mix_up", f"iss parameter {returned_issuer!r}")  # RFC 9207
        claims, id_token = _verified_claims(config)
        outcome = sign_in(config, claims)
    except SignInRefused as error:
        return _refuse(config, error)
    next_url = flow.get("next")
    sessions.sign_in(outcome.user, "sso")  # a new session id (no fixation)
    session[SIGNED_IN] = {"tenant": g.tenant.slug, "provider": config.name, "id_token": id_token}
    return redirect(next_url or url_for("tenant.home", tenant=g.tenant.slug))


def _verified_claims(config: ProviderConfig) -> tuple[dict[str, Any], str]:
    """Exchange the code and verify the ID token; add userinfo claims (CIS2 puts roles there)."""
    try:
        oauth = clients.get(g.tenant.id, config)
        token = oauth.authorize_access_token(
            claims_options=clients.claims_options(config),
            leeway=min(int(current_app.config.get("SSO_CLOCK_LEEWAY_SECONDS", 60)), 120),
        )
    except clients.MissingSecret as error:
        raise SignInRefused("not_configured", f"{error} is not set") from error
    except ProviderUnavailable as error:
        raise SignInRefused("unavailable", error.reason) from error
    except MismatchingStateError as error:
        raise SignInRefused("state_mismatch", "authlib: no state data") from error
    except OAuthError as error:
        # e.g. invalid_grant (a replayed or expired code), invalid_client (unknown client)
        raise SignInRefused("token_refused", f"{error.error}: {error.description}") from error
    except JoseError as error:
        # signature, algorithm, iss, aud, exp, iat, nonce, acr
        raise SignInRefused("invalid_token", f"{type(error).__name__}: {error}") from error
    except requests.RequestException as error:
        raise SignInRefused("unavailable", type(error).__name__) from error
    except (ValueError, KeyError) as error:
        raise SignInRefused("invalid_token", f"{type(error).__name__}: {error}") from error
    claims = token.get("userinfo")
    if not claims or "id_token" not in token:
        raise SignInRefused("invalid_token", "no ID token in the token response")
    claims = dict(claims)
    if oauth.server_metadata.get("userinfo_endpoint") and token.get("access_token"):
        try:
            extra = dict(oauth.userinfo(token=token))
        except (requests.RequestException, OAuthError, ValueError) as error:
            raise SignInRefused("unavailable", f"userinfo: {error}") from error
        if extra.get("sub") != claims.get("sub"):
            raise SignInRefused("invalid_token", "userinfo sub differs from the ID token")
        # The verified ID token wins; userinfo only adds claims it lacks.
        claims = {**extra, **claims}
    return claims, token["id_token"]


def _refuse(config: ProviderConfig | None, error: SignInRefused) -> tuple[str, int]:
    db.session.rollback()
    name = config.name if config else ""
    current_app.logger.info("SSO sign-in refused (%s): %s %s", name, error.reason, error.detail)
    record_now(
        "sso.sign_in.refused",
        outcome="refused",
        object_type="sso_provider",
        object_id=name,
        details=refusal_details(name, error),
    )
    if error.reason not in ("unavailable", "not_configured"):  # our fault, not theirs
        access_limits.count_sso_refusal()
    status = {
        "no_role": 403,
        "membership_inactive": 403,
        "user_inactive": 403,
        "organisation_inactive": 403,
        "unavailable": 503,
        "not_configured": 503,
    }.get(error.reason, 400)
    page = render_template(
        "sso/refused.html",
        message=error.message(config),
        retry_url=url_for("web.sign_in", tenant=g.tenant.slug),
        reason=error.reason,
        request_ref=request_id(),
    )
    return page, status


def end_session_url(signed_in: dict[str, Any]) -> str | None:
    """The provider's end-session URL for RP-initiated sign-out, or None if it has none.

    Called by the sign-out view after it has cleared the local session either way.
    """
    slug = signed_in.get("tenant")
    if not isinstance(slug, str) or not SLUG_PATTERN.match(slug):
        return None
    tenant = db.session.execute(sa.select(Tenant).where(Tenant.slug == slug)).scalar_one_or_none()
    if tenant is None:
        return None
    config = next((p for p in providers_of(tenant) if p.name == signed_in.get("provider")), None)
    if config is None:
        return None
    try:
        oauth = clients.get(tenant.id, config)
        if not oauth.server_metadata.get("end_session_endpoint"):
            return None
        return oauth.create_logout_url(
            post_logout_redirect_uri=url_for("web.sign_in", tenant=slug, _external=True),
            id_token_hint=signed_in.get("id_token"),
            client_id=config.client_id,
        )["url"]
    except (clients.MissingSecret, ProviderUnavailable, requests.RequestException):
        current_app.logger.warning("SSO sign-out: provider %s unavailable", config.name)
        return None


def signed_out_page(url: str) -> str:
    """A page that sends the browser on to the provider to end that session too."""
    return render_template("sso/signing_out.html", end_session_url=url)


@bp.app_context_processor
def _sign_in_buttons() -> dict[str, Any]:
    """``sso_providers`` for the sign-in page: the buttons of the tenant it was opened for."""
    if request.endpoint != "web.sign_in":
        return {}
    slug = request.args.get("tenant")
    next_url = safe_next(request.args.get("next"))
    if not slug and next_url:
        slug = next_url.strip("/").split("/", 1)[0]
    if not slug or not SLUG_PATTERN.match(slug):
        return {}
    tenant = db.session.execute(sa.select(Tenant).where(Tenant.slug == slug)).scalar_one_or_none()
    if tenant is None or not tenant.is_active or not tenant.sso:
        return {}
    return {
        "sso_tenant_name": tenant.name,
        "sso_providers": [
            {
                "label": p.label,
                "url": url_for("sso.start", tenant_slug=slug, provider=p.name, next=next_url),
            }
            for p in providers_of(tenant)
        ],
    }

"""Accounts API: who am I, organisations, memberships and personal tokens of one tenant."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import g
from flask.views import MethodView
from flask_smorest import abort

from core import audit
from core.accounts import services, tokens
from core.accounts.models import ApiToken, Membership, Organisation
from core.accounts.permissions import requires
from core.accounts.schemas import (
    IssuedTokenSchema,
    MembershipCreateSchema,
    MembershipSchema,
    MembershipUpdateSchema,
    MeSchema,
    OrganisationSchema,
    TokenCreateSchema,
    TokenSchema,
)
from core.api.etag import require_if_match, with_etag
from core.api.pagination import paginate
from core.extensions import db
from core.tenancy.blueprints import tenant_api_blueprint

blp = tenant_api_blueprint(
    "accounts_api", __name__, description="The signed-in membership, organisations, people, tokens"
)


@blp.route("/me")
class Me(MethodView):
    @requires("tenant.read")
    @blp.response(200, MeSchema)
    def get(self):
        """The tenant, your membership and what it lets you do."""
        tenant = g.tenant
        return {
            "tenant": {
                "slug": tenant.slug,
                "name": tenant.name,
                "ods_code": tenant.ods_code,
                "plugins": sorted(tenant.enabled_plugins),
            },
            "membership": g.membership,
            "permissions": sorted(g.get("permissions") or []),
        }


@blp.route("/organisations")
class Organisations(MethodView):
    @requires("organisations.read")
    @blp.response(200, OrganisationSchema(many=True))
    @paginate(blp)
    def get(self):
        """The trust and its partner organisations in this tenant."""
        return sa.select(Organisation).order_by(Organisation.name, Organisation.id)


@blp.route("/organisations/<organisation_id>")
class OrganisationById(MethodView):
    @requires("organisations.read")
    @blp.response(200, OrganisationSchema)
    def get(self, organisation_id: str):
        """One organisation."""
        return services.find_organisation(_uuid(organisation_id))


@blp.route("/memberships")
class Memberships(MethodView):
    @requires("memberships.read")
    @blp.response(200, MembershipSchema(many=True))
    @paginate(blp)
    def get(self):
        """People working in this tenant, with their organisation and roles."""
        return sa.select(Membership).order_by(Membership.created_at, Membership.id)

    @requires("memberships.write")
    @blp.arguments(MembershipCreateSchema)
    @blp.response(201, MembershipSchema)
    def post(self, data):
        """Add a person to the tenant (an existing account with that email is reused)."""
        membership = services.add_member(**data)
        return with_etag(membership, 201)


@blp.route("/memberships/<membership_id>")
class MembershipById(MethodView):
    @requires("memberships.read")
    @blp.response(200, MembershipSchema)
    def get(self, membership_id: str):
        """One membership; its ETag is needed to change it."""
        membership = services.find_membership(_uuid(membership_id))
        return with_etag(membership)

    @requires("memberships.write")
    @blp.arguments(MembershipUpdateSchema)
    @blp.response(200, MembershipSchema)
    def patch(self, data, membership_id: str):
        """Change organisation, roles or active flag. Needs ``If-Match``."""
        membership = services.find_membership(_uuid(membership_id))
        require_if_match(membership)
        membership = services.update_member(membership, data)
        return with_etag(membership)


@blp.route("/tokens")
class Tokens(MethodView):
    @requires("tokens.manage")
    @blp.response(200, TokenSchema(many=True))
    def get(self):
        """Your personal access tokens in this tenant (never their secrets)."""
        return db.session.execute(
            sa.select(ApiToken)
            .where(ApiToken.membership_id == g.membership.id)
            .order_by(ApiToken.created_at.desc())
        ).scalars()

    @requires("tokens.manage")
    @blp.arguments(TokenCreateSchema)
    @blp.response(201, IssuedTokenSchema)
    def post(self, data):
        """Create a token. The response holds its secret: the only time it is shown."""
        token, secret = tokens.issue(g.membership, data["name"], data["days"])
        audit.record("api_token.create", object_type="api_token", object_id=token.id)
        # The response schema dumps the result: hand it the row's fields, not a dumped dict
        # (dumping twice fails on the already-serialised datetimes).
        result = {name: getattr(token, name) for name in TokenSchema().fields}
        result["token"] = secret
        return result


@blp.route("/tokens/<token_id>")
class TokenById(MethodView):
    @requires("tokens.manage")
    @blp.response(204)
    def delete(self, token_id: str):
        """Revoke one of your tokens; it stops working at once."""
        token, revoked_now = tokens.revoke(_uuid(token_id), g.membership)
        if token is None:
            abort(404, message="No such token.")
        if revoked_now:  # revoking twice is harmless and recorded once
            audit.record("api_token.revoke", object_type="api_token", object_id=token.id)


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        abort(404, message="Not found.")
        raise  # unreachable; abort raises

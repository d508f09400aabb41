"""Personal API tokens for your membership in this tenant: create (shown once), revoke."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, g, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange

from core import audit
from core.accounts import tokens
from core.accounts.models import ApiToken
from core.accounts.permissions import requires
from core.extensions import db
from core.tenancy.blueprints import tenant_ui_blueprint
from core.tenancy.scoping import tenant_uuid

bp = tenant_ui_blueprint("tokens", __name__, url_prefix="/account/tokens")


class TokenForm(FlaskForm):
    name = StringField(
        "Name of the token",
        validators=[
            DataRequired("Enter a name, so you can tell your tokens apart"),
            Length(max=100, message="Name must be 100 characters or fewer"),
        ],
    )
    days = IntegerField(
        "Days until it expires",
        default=90,
        validators=[
            DataRequired("Enter how many days the token lasts, from 1 to 365"),
            NumberRange(1, 365, "A token lasts between 1 and 365 days"),
        ],
    )


class RevokeForm(FlaskForm):
    pass


def _my_tokens() -> list[ApiToken]:
    return list(
        db.session.execute(
            sa.select(ApiToken)
            .where(ApiToken.membership_id == g.membership.id)
            .order_by(ApiToken.created_at.desc())
        ).scalars()
    )


@bp.route("/", methods=["GET", "POST"])
@requires("tokens.manage")
def index():
    form, secret = TokenForm(), None
    if form.validate_on_submit():
        token, secret = tokens.issue(g.membership, form.name.data.strip(), form.days.data)
        audit.record("api_token.create", object_type="api_token", object_id=token.id)
        db.session.commit()
        form = TokenForm(formdata=None)
    return render_template(
        "account/tokens.html",
        form=form,
        secret=secret,
        tokens=_my_tokens(),
        revoke_form=RevokeForm(),
        page_title="API tokens",
        form_has_errors=bool(form.errors),
        breadcrumbs=[{"text": g.tenant.name, "href": url_for("tenant.home")}],
    )


@bp.route("/<token_id>/revoke", methods=["POST"])
@requires("tokens.manage")
def revoke(token_id: str):
    form = RevokeForm()
    if not form.validate_on_submit():
        return redirect(url_for("tokens.index"))
    token, revoked_now = tokens.revoke(tenant_uuid(token_id), g.membership)
    if token is None:
        from flask import abort

        abort(404)
    if revoked_now:
        audit.record("api_token.revoke", object_type="api_token", object_id=token.id)
        flash(f"The token “{token.name}” has been revoked. It stops working at once.")
    return redirect(url_for("tokens.index"))

"""Admin pages for the people of a tenant: list, add, change, sign out everywhere.

Writes go through ``core.accounts.services`` (which checks the rules and audits); its
messages appear in the NHS error summary with what was typed kept. A membership is checked on
every request, so deactivating one ends that person's access to this tenant at once.
"""

from __future__ import annotations

import math
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, g, redirect, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm.exc import StaleDataError
from wtforms import (
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Length, Regexp

from core import audit
from core.accounts import services, sessions
from core.accounts.models import Membership, User
from core.accounts.permissions import catalogue, requires
from core.errors import Conflict, InvalidInput, NotFound
from core.extensions import db
from core.tenancy.scoping import tenant_uuid
from core.web.admin import bp, organisations, page, role_title, tenant_roles
from core.web.forms import EMAIL_SHAPE

PAGE_SIZE = 25


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class FilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    organisation = SelectField("Organisation", choices=[("", "All organisations")], default="")
    role = SelectField("Role", choices=[("", "All roles")], default="")
    status = SelectField(
        "Status",
        choices=[("", "Active and inactive"), ("active", "Active"), ("inactive", "Inactive")],
        default="",
    )


class PersonForm(FlaskForm):
    email = StringField(
        "Email address",
        filters=[_strip],
        validators=[
            DataRequired("Enter their email address"),
            Regexp(
                EMAIL_SHAPE,
                message="Enter an email address in the correct format, like name@example.nhs.uk",
            ),
            Length(max=320, message="Email address must be 320 characters or fewer"),
        ],
    )
    display_name = StringField(
        "Full name",
        filters=[_strip],
        validators=[
            DataRequired("Enter their full name"),
            Length(max=200, message="Full name must be 200 characters or fewer"),
        ],
    )
    organisation_id = SelectField("Organisation", choices=[], validate_choice=False)
    roles = SelectMultipleField("Roles", choices=[], validate_choice=False)


class ChangeForm(FlaskForm):
    organisation_id = SelectField("Organisation", choices=[], validate_choice=False)
    roles = SelectMultipleField("Roles", choices=[], validate_choice=False)
    active = RadioField(
        "Can they use Stepping Stones here?",
        choices=[("active", "Yes, active"), ("inactive", "No, inactive")],
        validate_choice=False,
    )
    version = HiddenField()


class SignOutForm(FlaskForm):
    pass


def _posted(form: FlaskForm) -> bool:
    """A POST with a good CSRF token; field problems are collected afterwards, all together."""
    if request.method != "POST":
        return False
    form.validate()
    return "csrf_token" not in form.errors


def _load(membership_id: str) -> Membership:
    """A membership of this tenant; anything else (another tenant's, malformed) is 404."""
    wanted = tenant_uuid(membership_id)
    if wanted is None:
        abort(404)
    try:
        return services.find_membership(wanted)
    except NotFound:
        abort(404)


def _organisation_choices(include: Membership | None = None) -> list[tuple[str, str]]:
    orgs = organisations(active_only=True)
    if include is not None and include.organisation_id not in {o.id for o in orgs}:
        orgs.append(include.organisation)  # its current one, though no longer active
    return [("", "Choose an organisation")] + [
        (str(o.id), f"{o.name} (partner)" if o.partner else o.name) for o in orgs
    ]


def _role_choices() -> list[tuple[str, str]]:
    return [(role.name, role.title) for role in tenant_roles()]


def _role_hints() -> dict[str, str]:
    return {
        role.name: (role.description + (" For partner organisations." if role.for_partners else ""))
        for role in tenant_roles()
    }


def _apply(form: FlaskForm, errors: dict[str, list[str]], fallback: str) -> None:
    """Put the service's messages on the form's fields (unknown fields go on ``fallback``)."""
    for name, messages in errors.items():
        field = form[name] if name in form else form[fallback]
        if not field.errors:
            field.errors = list(messages)[:1]


def _render(template: str, form: FlaskForm, **context: Any):
    return page(
        template,
        "admin.people",
        form=form,
        role_hints=_role_hints(),
        form_has_errors=any(f.errors for f in form),
        **context,
    )


def _roles_filter(role: str) -> Any:
    if db.engine.dialect.name == "postgresql":
        return sa.type_coerce(Membership.roles, JSONB).contains([role])
    return sa.cast(Membership.roles, sa.String).like(f'%"{role}"%')


@bp.route("/people")
@requires("memberships.read")
def people():
    form = FilterForm(request.args)
    form.organisation.choices = [("", "All organisations")] + [
        (str(o.id), o.name) for o in organisations()
    ]
    form.role.choices = [("", "All roles"), *_role_choices()]
    form.validate()
    stmt = sa.select(Membership).join(User, User.id == Membership.user_id)
    organisation = tenant_uuid(form.organisation.data) if form.organisation.data else None
    if organisation is not None:
        stmt = stmt.where(Membership.organisation_id == organisation)
    if form.role.data:
        stmt = stmt.where(_roles_filter(form.role.data))
    if form.status.data:
        stmt = stmt.where(Membership.active.is_(form.status.data == "active"))
    total = db.session.execute(sa.select(sa.func.count()).select_from(stmt.subquery())).scalar_one()
    pages = max(1, math.ceil(total / PAGE_SIZE))
    number = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    rows = (
        db.session.execute(
            stmt.order_by(sa.func.lower(User.display_name), User.email, Membership.id)
            .limit(PAGE_SIZE)
            .offset((number - 1) * PAGE_SIZE)
        )
        .unique()
        .scalars()
        .all()
    )
    args = {k: v for k, v in request.args.items() if k != "page"}
    return page(
        "admin/people.html",
        "admin.people",
        form=form,
        memberships=rows,
        total=total,
        page=number,
        pages=pages,
        page_url=lambda p: url_for("admin.people", **args, page=p),
        filtered=bool(organisation or form.role.data or form.status.data),
        role_title=role_title,
        page_title="People",
    )


@bp.route("/people/new", methods=["GET", "POST"])
@requires("memberships.write")
def add_person():
    form = PersonForm()
    form.organisation_id.choices = _organisation_choices()
    form.roles.choices = _role_choices()
    if _posted(form):
        organisation = tenant_uuid(form.organisation_id.data) if form.organisation_id.data else None
        if organisation is None:
            form.organisation_id.errors = ["Choose the organisation they work for"]
        if not form.roles.data:
            form.roles.errors = ["Choose at least one role"]
        if not any(f.errors for f in form):
            try:
                membership = services.add_member(
                    form.email.data, form.display_name.data, organisation, form.roles.data
                )
                db.session.commit()
                flash(f"{membership.user.display_name} has been added.")
                return redirect(url_for("admin.person", membership_id=membership.id))
            except InvalidInput as error:
                db.session.rollback()
                _apply(form, error.field_errors, "email")
            except Conflict as error:
                db.session.rollback()
                form.email.errors = [error.detail]
    return _render(
        "admin/person_form.html",
        form,
        editing=None,
        page_title="Add a person",
        breadcrumbs=_crumbs(),
    )


def _crumbs() -> list[dict[str, str]]:
    return [
        {"text": g.tenant.name, "href": url_for("tenant.home")},
        {"text": "People", "href": url_for("admin.people")},
    ]


@bp.route("/people/<membership_id>")
@requires("memberships.read")
def person(membership_id: str):
    membership = _load(membership_id)
    return page(
        "admin/person.html",
        "admin.people",
        membership=membership,
        role_title=role_title,
        sign_out_form=SignOutForm(),
        page_title=membership.user.display_name,
        breadcrumbs=_crumbs(),
    )


STALE = (
    "Someone else changed this person’s membership while you were editing it. Check the "
    "details below, then make your changes again."
)


@bp.route("/people/<membership_id>/change", methods=["GET", "POST"])
@requires("memberships.write")
def change_person(membership_id: str):
    membership = _load(membership_id)
    form = ChangeForm()
    form.organisation_id.choices = _organisation_choices(include=membership)
    form.roles.choices = _role_choices()
    if request.method == "GET":
        form.organisation_id.data = str(membership.organisation_id)
        form.roles.data = list(membership.roles or [])
        form.active.data = "active" if membership.active else "inactive"
        form.version.data = str(membership.version)
    if _posted(form):
        if form.version.data != str(membership.version):
            flash(STALE)
            return redirect(url_for("admin.change_person", membership_id=membership.id))
        changes = _changes(membership, form)
        if not any(f.errors for f in form):
            if not changes:
                flash("Nothing was changed.")
                return redirect(url_for("admin.person", membership_id=membership.id))
            try:
                services.update_member(membership, changes)
                db.session.commit()
                flash(_changed_message(membership, changes))
                return redirect(url_for("admin.person", membership_id=membership.id))
            except InvalidInput as error:
                db.session.rollback()
                _apply(form, error.field_errors, "roles")
            except StaleDataError:
                db.session.rollback()
                flash(STALE)
                return redirect(url_for("admin.change_person", membership_id=membership.id))
    return _render(
        "admin/person_form.html",
        form,
        editing=membership,
        page_title=f"Change {membership.user.display_name}’s membership",
        breadcrumbs=[
            *_crumbs(),
            {
                "text": membership.user.display_name,
                "href": url_for("admin.person", membership_id=membership.id),
            },
        ],
    )


def _changes(membership: Membership, form: ChangeForm) -> dict[str, Any]:
    """What the form changes, with the rules the service cannot know (about yourself)."""
    changes: dict[str, Any] = {}
    organisation = tenant_uuid(form.organisation_id.data) if form.organisation_id.data else None
    if organisation is None:
        form.organisation_id.errors = ["Choose the organisation they work for"]
    elif organisation != membership.organisation_id:
        changes["organisation_id"] = organisation
    roles = sorted(set(form.roles.data or []))
    if not roles:
        form.roles.errors = ["Choose at least one role"]
    elif roles != sorted(membership.roles or []):
        changes["roles"] = roles
    if form.active.data not in ("active", "inactive"):
        form.active.errors = ["Choose whether they can use Stepping Stones here"]
    elif (form.active.data == "active") != membership.active:
        changes["active"] = form.active.data == "active"
    if membership.id == g.membership.id:
        if changes.get("active") is False:
            form.active.errors = [
                "You cannot deactivate your own membership. Ask another administrator"
            ]
        if "roles" in changes and "memberships.write" not in catalogue().permissions_of(
            roles, g.tenant
        ):
            form.roles.errors = [
                "You cannot take away your own permission to manage people. Ask another "
                "administrator"
            ]
    return changes


def _changed_message(membership: Membership, changes: dict[str, Any]) -> str:
    name = membership.user.display_name
    if changes.get("active") is False:
        return (
            f"{name}’s membership has been deactivated. Their access to {g.tenant.name} has ended."
        )
    if changes.get("active") is True:
        return f"{name}’s membership is active again."
    return f"{name}’s membership has been updated."


@bp.route("/people/<membership_id>/sign-out-everywhere", methods=["POST"])
@requires("memberships.write")
def sign_out_person(membership_id: str):
    """End every session of this person, on every device and in every tenant."""
    membership = _load(membership_id)
    form = SignOutForm()
    if membership.user_id == g.membership.user_id:
        # Not from here: it would end this very session mid-task. Your account page does it.
        flash("To sign yourself out everywhere, use your account page.")
    elif form.validate_on_submit():
        db.session.execute(
            sa.update(User)
            .where(User.id == membership.user_id)
            .values(session_epoch=User.session_epoch + 1)
        )
        sessions.revoke_all(membership.user_id)
        audit.record(
            "user.sign_out_everywhere",
            object_type="user",
            object_id=membership.user_id,
            details={"membership_id": str(membership.id), "by_administrator": True},
        )
        db.session.commit()
        flash(
            f"{membership.user.display_name} has been signed out everywhere. They need to sign "
            "in again."
        )
    return redirect(url_for("admin.person", membership_id=membership.id))

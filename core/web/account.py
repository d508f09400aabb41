"""Your account: change password, API tokens, sign out everywhere."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from core import audit
from core.accounts import sessions
from core.accounts.passwords import hash_password, password_problem, verify_password
from core.accounts.permissions import public
from core.extensions import db
from core.web import sessions as web_sessions

bp = Blueprint("account", __name__, url_prefix="/account")


class PasswordForm(FlaskForm):
    current = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password")]
    )
    new = PasswordField(
        "New password",
        validators=[DataRequired("Enter a new password"), Length(max=1024)],
    )
    confirm = PasswordField(
        "Confirm new password",
        validators=[
            DataRequired("Confirm your new password"),
            EqualTo("new", "The new passwords do not match"),
        ],
    )


@bp.route("/")
@public
@login_required
def home():
    from core.accounts.membership import tenants_of

    return render_template(
        "account/home.html", tenants=tenants_of(current_user.id), page_title="Your account"
    )


@bp.route("/password", methods=["GET", "POST"])
@public
@login_required
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current.data or ""):
            form.current.errors = ["Your current password is not correct"]
        elif problem := password_problem(form.new.data or ""):
            form.new.errors = [problem]
        else:
            current_user.password_hash = hash_password(form.new.data)
            current_user.session_epoch += 1  # every other session ends
            sessions.revoke_all(current_user.id)
            audit.record("user.password_change", object_type="user", object_id=current_user.id)
            db.session.commit()
            web_sessions.sign_out()
            flash("Your password has been changed. Sign in with your new password.")
            return redirect(url_for("web.sign_in"))
    return render_template(
        "account/password.html",
        form=form,
        page_title="Change your password",
        form_has_errors=bool(form.errors),
    )


@bp.route("/sign-out-everywhere", methods=["POST"])
@public
@login_required
def sign_out_everywhere():
    """End every session of this person, on every device, in every tenant."""
    current_user.session_epoch += 1
    sessions.revoke_all(current_user.id)
    audit.record("user.sign_out_everywhere", object_type="user", object_id=current_user.id)
    db.session.commit()
    web_sessions.sign_out()
    flash("You have been signed out on every device.")
    return redirect(url_for("web.sign_in"))

"""Core pages outside any tenant: sign in, sign out, choose a tenant."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required

from core.accounts.membership import tenants_of
from core.accounts.permissions import public
from core.accounts.signin import SignInResult, check_credentials
from core.extensions import db
from core.web import sessions
from core.web.forms import SignInForm
from core.web.safety import safe_next

bp = Blueprint("web", __name__)


@bp.route("/")
@public
def home():
    """Signed out: the sign-in page. One tenant: straight there. Several: choose one."""
    if not current_user.is_authenticated:
        return redirect(url_for("web.sign_in"))
    tenants = tenants_of(current_user.id)
    if len(tenants) == 1 and not current_user.is_platform_operator:
        return redirect(url_for("tenant.home", tenant=tenants[0].slug))
    return render_template("web/choose_tenant.html", tenants=tenants)


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in():
    form = SignInForm()
    next_url = safe_next(request.args.get("next"))
    if form.validate_on_submit():
        result, user = check_credentials(
            form.email.data or "", form.password.data or "", request.remote_addr or "unknown"
        )
        db.session.commit()
        if result is SignInResult.OK and user is not None:
            sessions.sign_in(user, "password")  # a new session id (no fixation)
            return redirect(next_url or url_for("web.home"))
        if result is SignInResult.THROTTLED:
            minutes = current_app.config["SIGN_IN_FAILURE_WINDOW_SECONDS"] // 60
            form.email.errors = [
                f"Too many attempts to sign in. Wait {minutes} minutes, then try again."
            ]
            return render_template("web/sign_in.html", form=form), 429
        form.email.errors = ["Enter a correct email address and password"]
        form.password.data = ""
        return render_template("web/sign_in.html", form=form), 200
    return render_template("web/sign_in.html", form=form)


@bp.route("/sign-out", methods=["POST"])
@public
@login_required
def sign_out():
    signed_in_by_sso = session.get("sso")
    sessions.sign_out()  # the server-side session is revoked: a copied cookie is anonymous
    flash("You have signed out.")
    if signed_in_by_sso:  # RP-initiated sign-out at the partner's provider too (issue 6)
        from core.sso.views import end_session_url, signed_out_page

        url = end_session_url(signed_in_by_sso)
        if url:
            return signed_out_page(url)
    return redirect(url_for("web.sign_in"))


@bp.route("/keep-alive", methods=["POST"])
@public
@login_required
def keep_alive():
    """The "Stay signed in" button: any signed-in request resets the idle clock."""
    return {"status": "ok"}

"""The platform operator's view: which tenants exist, their status and plugins. Nothing more.

Platform operators run the installation (tenant files, sync, migrations). They have no
membership in any tenant, so every tenant page, and therefore every client record, is closed
to them like to any other non-member (404).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from core.extensions import db
from core.plugins.manager import plugins
from core.tenancy.models import Tenant

bp = Blueprint("platform", __name__, url_prefix="/platform")

PERMISSION = "platform.tenants.read"


def platform_operator(view: Callable[..., Any]) -> Callable[..., Any]:
    """Only people flagged as platform operators (``flask users create-admin
    --platform-operator``); anyone else gets 404, as for a page that does not exist."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not getattr(current_user, "is_platform_operator", False):
            abort(404)
        return view(*args, **kwargs)

    wrapper.required_permission = PERMISSION  # type: ignore[attr-defined]
    return wrapper


@bp.route("/tenants")
@login_required
@platform_operator
def tenants():
    rows = db.session.execute(sa.select(Tenant).order_by(Tenant.slug)).scalars().all()
    return render_template(
        "platform/tenants.html", tenants=rows, installed=plugins().info, page_title="Tenants"
    )

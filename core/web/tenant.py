"""The tenant's home page (``/<tenant>/``): my caseload, recent activity, the services."""

from __future__ import annotations

import sqlalchemy as sa
from flask import g, render_template

from core.accounts.permissions import has_permission, requires
from core.clients.access import is_partner_viewer, visible_clients
from core.clients.models import Client, Contact
from core.extensions import db
from core.tenancy.blueprints import tenant_ui_blueprint
from core.web.layout import plugin_navigation

bp = tenant_ui_blueprint("tenant", __name__)


@bp.route("/")
@requires("tenant.read")
def home():
    caseload, recent, shared_count = [], [], None
    if has_permission("clients.read"):
        if is_partner_viewer():
            shared_count = db.session.execute(
                sa.select(sa.func.count()).select_from(visible_clients().subquery())
            ).scalar_one()
        else:
            caseload = list(
                db.session.execute(
                    visible_clients()
                    .where(
                        Client.key_worker_membership_id == g.membership.id,
                        Client.status == "open",
                    )
                    .order_by(Client.family_name, Client.given_name)
                    .limit(50)
                ).scalars()
            )
        recent = db.session.execute(
            sa.select(Contact, Client)
            .join(
                Client,
                sa.and_(Client.tenant_id == Contact.tenant_id, Client.id == Contact.client_id),
            )
            .where(Contact.staff_membership_id == g.membership.id)
            .order_by(Contact.occurred_at.desc())
            .limit(5)
        ).all()
    access_requests = _access_request_counts() if has_permission("clients.subject_access") else None
    return render_template(
        "web/tenant_home.html",
        access_requests=access_requests,
        services=plugin_navigation(),
        caseload=caseload,
        recent=recent,
        shared_count=shared_count,
        page_title=g.tenant.name,
    )


def _access_request_counts() -> dict[str, int]:
    """Open and overdue subject access requests, for whoever answers them."""
    from core.clients.access_requests import listing

    counts = {}
    for status in ("open", "overdue"):
        stmt = listing(status).order_by(None).subquery()
        counts[status] = db.session.execute(
            sa.select(sa.func.count()).select_from(stmt)
        ).scalar_one()
    return counts

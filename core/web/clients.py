"""Client pages: find a client, and the client record (summary, consent, sharing, timeline,
plugins' panels). Forms that change the record live in ``core.web.client_forms``."""

from __future__ import annotations

import math

import sqlalchemy as sa
from flask import abort, g, render_template, request, url_for
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from core import access_limits, audit
from core.accounts.models import Membership, Organisation
from core.accounts.permissions import requires
from core.clients import services, sharing, timeline
from core.clients.access import is_partner_viewer
from core.clients.search import search_statement
from core.errors import NotFound
from core.extensions import db
from core.plugins.manager import tenant_hooks
from core.tenancy.blueprints import tenant_ui_blueprint
from core.tenancy.scoping import tenant_uuid

bp = tenant_ui_blueprint("clients", __name__, url_prefix="/clients")

PAGE_SIZE = 25


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField("Name, NHS number or local ID", validators=[Optional(), Length(max=100)])
    status = SelectField(
        "Status",
        choices=[("", "Open and closed"), ("open", "Open"), ("closed", "Closed")],
        default="open",
    )
    key_worker = SelectField("Key worker", choices=[("", "Anyone")], default="")


def staff_choices() -> list[tuple[str, str]]:
    """Trust staff who can be key workers, for select boxes."""
    rows = db.session.execute(
        sa.select(Membership)
        .join(
            Organisation,
            sa.and_(
                Organisation.tenant_id == Membership.tenant_id,
                Organisation.id == Membership.organisation_id,
            ),
        )
        .where(Membership.active.is_(True), Organisation.partner.is_(False))
    ).scalars()
    return sorted(((str(m.id), m.user.display_name) for m in rows), key=lambda c: c[1])


def load_client(client_id: str, *, audit_read: bool = False):
    try:
        return services.find_client(tenant_uuid(client_id), audit_read=audit_read)
    except NotFound:
        abort(404)


def list_filters(form: SearchForm, partner: bool) -> dict:
    """The search filters a list page shows, from its form: the CSV download uses the same,
    so "Download this list" gives the rows on the screen (open clients only by default)."""
    if not partner:
        form.key_worker.choices = [("", "Anyone"), ("me", "Me"), *staff_choices()]
    form.validate()
    filters = {"q": (form.q.data or "").strip() or None}
    if request.args.get("status") is None:
        filters["status"] = "open"
    elif form.status.data in ("open", "closed"):
        filters["status"] = form.status.data
    key_worker = form.key_worker.data if not partner else ""
    if key_worker == "me":
        filters["key_worker_membership_id"] = g.membership.id
    elif key_worker:
        filters["key_worker_membership_id"] = tenant_uuid(key_worker)
    if form.q.errors:
        form.q.errors = [f"{form.q.label.text} must be 100 characters or fewer"]
        filters["q"] = filters["q"][:100]
    if form.key_worker.errors:  # a hand-edited address: do not filter by an unknown person
        filters.pop("key_worker_membership_id", None)
    for field in (form.status, form.key_worker):
        if field.errors:
            field.errors = [f"Choose a {field.label.text.lower()} from the list"]
    return {k: v for k, v in filters.items() if v}


@bp.route("/")
@requires("clients.read")
def list():
    form = SearchForm(request.args)
    partner = is_partner_viewer()
    filters = list_filters(form, partner)
    if filters.get("q"):
        access_limits.check("search")
    stmt = search_statement(**filters)
    total = db.session.execute(
        sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
    ).scalar_one()
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    rows = db.session.execute(stmt.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).scalars().all()
    audit.record(
        "client.search" if filters.get("q") else "client.list",
        object_type="client",
        details={k: str(v) for k, v in filters.items()},
    )
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "clients/list.html",
        form=form,
        clients=rows,
        total=total,
        page=page,
        pages=pages,
        page_url=lambda p: url_for("clients.list", **args, page=p),
        partner=partner,
        searched=bool(filters.get("q")),
        form_has_errors=any(f.errors for f in form),
        page_title="Clients",
    )


@bp.route("/<client_id>")
@requires("clients.read")
def record(client_id: str):
    client = load_client(client_id, audit_read=True)
    partner = is_partner_viewer()
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    entries, total = timeline.entries(client, page=page, page_size=20)
    last = max(1, math.ceil(total / 20))
    if page > last:  # a page past the end (an old link, a typed number): show the last one
        page = last
        entries, total = timeline.entries(client, page=page, page_size=20)
    org_names = {str(o.id): o.name for o in db.session.execute(sa.select(Organisation)).scalars()}
    # Names only of the people this page mentions, not every member of the tenant.
    mentioned = {client.key_worker_membership_id} | {
        tenant_uuid(e.details.get("staff_membership_id") or e.details.get("author_membership_id"))
        for e in entries
    }
    people = {
        str(m.id): m.user.display_name
        for m in db.session.execute(
            sa.select(Membership).where(Membership.id.in_(mentioned - {None}))
        ).scalars()
    }
    panels = []
    if not partner:
        for batch in tenant_hooks(g.tenant).register_client_panels(
            tenant=g.tenant, client_id=client.id, viewer=g.membership
        ):
            panels.extend(batch)
    consents = sharing.consents_of(client)
    shares = sharing.shares_of(client, g.membership.organisation_id if partner else None)
    if partner:
        allowed = {s.consent_id for s in shares}
        consents = [c for c in consents if c.id in allowed]
    return render_template(
        "clients/record.html",
        client=client,
        partner=partner,
        consents=consents,
        shares=shares,
        entries=entries,
        total=total,
        page=page,
        pages=last,
        org_names=org_names,
        people=people,
        panels=[
            (panel.title, _render_panel(panel, client))
            for panel in sorted(panels, key=lambda p: (p.order, p.title))
        ],
        page_title=f"{client.given_name} {client.family_name}",
        breadcrumbs=[{"text": "Clients", "href": url_for("clients.list")}],
    )


def _render_panel(panel, client) -> Markup:
    """A plugin's panel: its own template, already autoescaped by Jinja, so safe to embed."""
    html = render_template(panel.template, client=client, panel=panel, **panel.context)
    return Markup(html)  # noqa: S704 - rendered by an autoescaping Jinja template

"""IPS pages: employers and their contacts, starts, in-work support, retention.

This module has the employer pages and the weekly employer-contact figures; the client's work
page and its forms are in ``work_client_views`` (same blueprint).
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import g, redirect, render_template, request, url_for

from core.plugins.api import (
    Client,
    db,
    has_permission,
    member_names,
    requires,
    tenant_ui_blueprint,
    visible_clients_clause,
)

from . import codes
from . import work_services as services
from .common import client_names, form_saved, found, save_form
from .models import IpsOutcome
from .referral_services import clients_with_referrals
from .work_figures import WEEKLY_TARGET, weekly_contacts
from .work_forms import EmployerContactForm, EmployerForm
from .work_view_helpers import form_data, keep_specialist_field, render_form

bp = tenant_ui_blueprint("ips_work", __name__, url_prefix="/ips", template_folder="templates")

READ, WRITE, EMPLOYERS = "ips.read", "ips.write", "ips.employers"
PAGE_SIZE = 25


@bp.get("/employers")
@requires(EMPLOYERS)
def employers():
    """The team's employers by name, with a search by name."""
    q = (request.args.get("q") or "").strip()[:100]
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    stmt = services.employers_statement(q)
    total = db.session.execute(
        sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
    ).scalar_one()
    rows = db.session.execute(stmt.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).scalars()
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render_template(
        "ips/work/employers.html",
        employers=list(rows),
        q=q,
        total=total,
        page=min(page, pages),
        pages=pages,
        page_url=lambda n: url_for("ips_work.employers", q=q or None, page=n),
        page_title="Employers",
    )


@bp.route("/employers/new", methods=["GET", "POST"])
@requires(EMPLOYERS)
def add_employer():
    form = EmployerForm()
    added = save_form(form, lambda: services.create_employer(form_data(form)))
    if added is not None:
        return redirect(url_for("ips_work.employer", employer_id=added.id))
    return render_form(
        form,
        heading="Add an employer",
        button="Save employer",
        back_url=url_for("ips_work.employers"),
        back_text="Back to employers",
    )


@bp.get("/employers/<employer_id>")
@requires(EMPLOYERS)
def employer(employer_id: str):
    """An employer with the contacts the team had with them and the starts with them."""
    employer = found(services.find_employer, employer_id)
    contacts = list(
        db.session.execute(services.employer_contacts_statement(employer_id=employer.id)).scalars()
    )
    starts = []
    if has_permission(READ):
        starts = list(
            db.session.execute(
                sa.select(IpsOutcome)
                .where(
                    IpsOutcome.employer_id == employer.id,
                    sa.exists().where(
                        Client.tenant_id == IpsOutcome.tenant_id,
                        Client.id == IpsOutcome.client_id,
                        visible_clients_clause(g.membership),
                    ),
                )
                .order_by(IpsOutcome.started_on.desc(), IpsOutcome.id)
            ).scalars()
        )
    clients = client_names({c.client_id for c in contacts} | {s.client_id for s in starts})
    people = member_names({c.specialist_id for c in contacts})
    return render_template(
        "ips/work/employer.html",
        employer=employer,
        contacts=contacts,
        starts=starts,
        clients=clients,
        people=people,
        codes=codes,
        can_read_clients=has_permission(READ),
        page_title=employer.name,
    )


@bp.route("/employers/<employer_id>/edit", methods=["GET", "POST"])
@requires(EMPLOYERS)
def edit_employer(employer_id: str):
    employer = found(services.find_employer, employer_id)
    form = EmployerForm(obj=employer)
    if form_saved(form, lambda: services.update_employer(employer, form_data(form))):
        return redirect(url_for("ips_work.employer", employer_id=employer.id))
    return render_form(
        form,
        heading="Change employer details",
        caption=employer.name,
        button="Save changes",
        back_url=url_for("ips_work.employer", employer_id=employer.id),
        back_text=f"Back to {employer.name}",
    )


def contact_form(*, client: Client | None = None, employer_fixed: bool) -> EmployerContactForm:
    """The employer-contact form: the employer is chosen unless fixed by the page; the client
    is chosen (among visible IPS clients) unless the contact is logged from the client's page."""
    form = EmployerContactForm()
    if employer_fixed:
        del form.employer_id
    else:
        form.employer_id.choices = [("", "Choose an employer")] + [
            (str(e.id), e.name) for e in services.all_employers()
        ]
    if client is not None:
        del form.client_id
        if request.method == "GET":
            form.purpose.data = "client_specific"
    else:
        form.client_id.choices = [("", "Not about one client")] + [
            (str(cid), name) for cid, name in clients_with_referrals()
        ]
        wanted = request.args.get("client_id")
        if request.method == "GET" and wanted in {v for v, _ in form.client_id.choices}:
            form.client_id.data = wanted
            form.purpose.data = "client_specific"
    keep_specialist_field(form)
    if request.method == "GET" and not form.contacted_on.data:
        form.contacted_on.data = date.today()
    return form


@bp.route("/employers/<employer_id>/contacts/new", methods=["GET", "POST"])
@requires(EMPLOYERS)
def log_contact(employer_id: str):
    """Log a contact with this employer (job development, about a client, in-work support)."""
    employer = found(services.find_employer, employer_id)
    form = contact_form(employer_fixed=True)
    if form_saved(form, lambda: services.log_employer_contact(employer, form_data(form))):
        return redirect(url_for("ips_work.employer", employer_id=employer.id))
    return render_form(
        form,
        heading="Log an employer contact",
        caption=employer.name,
        button="Save contact",
        back_url=url_for("ips_work.employer", employer_id=employer.id),
        back_text=f"Back to {employer.name}",
        hints={"client_id": "Needed when the contact was about a job for a client."},
    )


@bp.get("/employer-contacts/weekly")
@requires(EMPLOYERS)
def weekly():
    """Employer contacts per specialist per week for the last 8 weeks (IPS: about 6 a week)."""
    weeks, rows = weekly_contacts(services.specialist_names())
    return render_template(
        "ips/work/weekly.html",
        weeks=weeks,
        rows=rows,
        target=WEEKLY_TARGET,
        page_title="Employer contacts per week",
    )


from . import work_client_views  # noqa: E402,F401  (its routes live on this blueprint)

"""IPS REST API: employers and their contacts, starts, in-work support, retention.

Errors are problem+json through core's handlers: unknown or invisible objects 404 (never 403),
bad input 422 with a pointer per field, nothing saved. Every write is audited (in the services).
Partners get nothing here: every route needs ``ips.read`` or ``ips.employers``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask.views import MethodView

from core.plugins.api import (
    audit,
    db,
    guarded_update,
    requires,
    tenant_api_blueprint,
    with_etag,
)

from . import work_outcome_services as outcomes
from . import work_services as services
from .common import (
    about_visible_client,
    find_visible_client,
    paginated,
    problems,
)
from .models import IpsOutcome, IpsRetentionCase, IpsSupportContact
from .work_client import client_work
from .work_figures import WEEKLY_TARGET, weekly_contacts
from .work_schemas import (
    ClientWorkSchema,
    EmployerContactQuerySchema,
    EmployerContactSchema,
    EmployerContactUpdateSchema,
    EmployerQuerySchema,
    EmployerSchema,
    EmployerUpdateSchema,
    OutcomeQuerySchema,
    OutcomeSchema,
    OutcomeUpdateSchema,
    RetentionCaseSchema,
    RetentionCaseUpdateSchema,
    RetentionQuerySchema,
    SupportContactSchema,
    SupportContactUpdateSchema,
    WeeklyContactsSchema,
    WeeklyQuerySchema,
)

blp = tenant_api_blueprint(
    "ips_work_api",
    __name__,
    url_prefix="/ips",
    description="IPS employers, starts, in-work support and retention",
)

READ, WRITE, EMPLOYERS = "ips.read", "ips.write", "ips.employers"


# --------------------------------------------------------------------------- employers


@blp.route("/employers")
class Employers(MethodView):
    @requires(EMPLOYERS)
    @blp.arguments(EmployerQuerySchema, location="query")
    @blp.response(200, EmployerSchema(many=True))
    @paginated(blp)
    def get(self, query):
        """Employers of the IPS team by name; ``q`` searches the name."""
        return services.employers_statement(query.get("q"))

    @requires(EMPLOYERS)
    @blp.arguments(EmployerSchema)
    @blp.response(201, EmployerSchema)
    @problems
    def post(self, data):
        """Add an employer the team works with."""
        return services.create_employer(data)


@blp.route("/employers/<employer_id>")
class EmployerById(MethodView):
    @requires(EMPLOYERS)
    @blp.response(200, EmployerSchema)
    @problems
    def get(self, employer_id: str):
        return with_etag(services.find_employer(employer_id))

    @requires(EMPLOYERS)
    @blp.arguments(EmployerUpdateSchema(partial=True))
    @blp.response(200, EmployerSchema)
    @problems
    def patch(self, data, employer_id: str):
        """Change an employer's details."""
        employer = services.find_employer(employer_id)
        return guarded_update(employer, lambda row: services.update_employer(row, data))


@blp.route("/employers/<employer_id>/contacts")
class EmployerContacts(MethodView):
    @requires(EMPLOYERS)
    @blp.response(200, EmployerContactSchema(many=True))
    @paginated(blp)
    @problems
    def get(self, employer_id: str):
        """Contacts with this employer, newest first."""
        employer = services.find_employer(employer_id)
        return services.employer_contacts_statement(employer_id=employer.id)

    @requires(EMPLOYERS)
    @blp.arguments(EmployerContactSchema)
    @blp.response(201, EmployerContactSchema)
    @problems
    def post(self, data, employer_id: str):
        """Log a contact with this employer (by you, or by a specialist of your team)."""
        return services.log_employer_contact(services.find_employer(employer_id), data)


@blp.route("/employer-contacts")
class AllEmployerContacts(MethodView):
    @requires(EMPLOYERS)
    @blp.arguments(EmployerContactQuerySchema, location="query")
    @blp.response(200, EmployerContactSchema(many=True))
    @paginated(blp)
    def get(self, query):
        """Employer contacts, filtered by employer, specialist, client or dates."""
        return services.employer_contacts_statement(**query)


@blp.route("/employer-contacts/weekly")
class WeeklyEmployerContacts(MethodView):
    @requires(EMPLOYERS)
    @blp.arguments(WeeklyQuerySchema, location="query")
    @blp.response(200, WeeklyContactsSchema)
    def get(self, query):
        """Employer contacts per specialist per week (IPS: about 6 a week)."""
        weeks, rows = weekly_contacts(services.specialist_names(), weeks=query["weeks"])
        return {"target_per_week": WEEKLY_TARGET, "weeks": weeks, "specialists": rows}


@blp.route("/employer-contacts/<employer_contact_id>")
class EmployerContactById(MethodView):
    @requires(EMPLOYERS)
    @blp.response(200, EmployerContactSchema)
    @problems
    def get(self, employer_contact_id: str):
        return with_etag(services.find_employer_contact(employer_contact_id))

    @requires(EMPLOYERS)
    @blp.arguments(EmployerContactUpdateSchema(partial=True))
    @blp.response(200, EmployerContactSchema)
    @problems
    def patch(self, data, employer_contact_id: str):
        contact = services.find_employer_contact(employer_contact_id)
        return guarded_update(contact, lambda row: services.update_employer_contact(row, data))


# --------------------------------------------------------------------------- one client


@blp.route("/clients/<client_id>/work")
class ClientWork(MethodView):
    @requires(READ)
    @blp.response(200, ClientWorkSchema)
    @problems
    def get(self, client_id: str):
        """The client's starts, support, retention, employer contacts and rapid job search."""
        return client_work(find_visible_client(client_id))


def _action(model: type, verb: str) -> str:
    return f"ips.{model.__tablename__.removeprefix('ips_')}.{verb}"


def _client_rows(model: type, client_id: str) -> list[Any]:
    """A list of one client's records: a read of the client's details, so audited."""
    client = find_visible_client(client_id)
    rows = list(db.session.execute(outcomes.of_client(model, client.id)).scalars())
    audit(_action(model, "list"), object_type="client", object_id=client.id)
    return rows


def _read(row: Any) -> Any:
    """One record of a client, audited as a read of that client's details."""
    audit(_action(type(row), "read"), object_type=row.__tablename__, object_id=row.id)
    return row


@blp.route("/clients/<client_id>/outcomes")
class ClientOutcomes(MethodView):
    @requires(READ)
    @blp.response(200, OutcomeSchema(many=True))
    @problems
    def get(self, client_id: str):
        """The client's starts, newest first."""
        return _client_rows(IpsOutcome, client_id)

    @requires(WRITE)
    @blp.arguments(OutcomeSchema)
    @blp.response(201, OutcomeSchema)
    @problems
    def post(self, data, client_id: str):
        """Record a start: a paid job (moves the episode to in work), education or training,
        voluntary work or work experience."""
        return outcomes.record_outcome(find_visible_client(client_id), data)


@blp.route("/clients/<client_id>/support-contacts")
class ClientSupport(MethodView):
    @requires(READ)
    @blp.response(200, SupportContactSchema(many=True))
    @problems
    def get(self, client_id: str):
        return _client_rows(IpsSupportContact, client_id)

    @requires(WRITE)
    @blp.arguments(SupportContactSchema)
    @blp.response(201, SupportContactSchema)
    @problems
    def post(self, data, client_id: str):
        """Record in-work support, optionally about one job or course."""
        return outcomes.record_support(find_visible_client(client_id), data)


@blp.route("/clients/<client_id>/retention-cases")
class ClientRetention(MethodView):
    @requires(READ)
    @blp.response(200, RetentionCaseSchema(many=True))
    @problems
    def get(self, client_id: str):
        return _client_rows(IpsRetentionCase, client_id)

    @requires(WRITE)
    @blp.arguments(RetentionCaseSchema)
    @blp.response(201, RetentionCaseSchema)
    @problems
    def post(self, data, client_id: str):
        """Open an employment retention case (a job at risk)."""
        return outcomes.open_retention_case(find_visible_client(client_id), data)


# --------------------------------------------------------------------------- by id, lists


@blp.route("/outcomes")
class Outcomes(MethodView):
    @requires(READ)
    @blp.arguments(OutcomeQuerySchema, location="query")
    @blp.response(200, OutcomeSchema(many=True))
    @paginated(blp)
    def get(self, query):
        """Starts of the clients you may see, newest first, with filters."""
        stmt = sa.select(IpsOutcome).where(about_visible_client(IpsOutcome))
        for name in ("client_id", "specialist_id", "employer_id", "kind"):
            if query.get(name) is not None:
                stmt = stmt.where(getattr(IpsOutcome, name) == query[name])
        if query.get("started_from"):
            stmt = stmt.where(IpsOutcome.started_on >= query["started_from"])
        if query.get("started_to"):
            stmt = stmt.where(IpsOutcome.started_on <= query["started_to"])
        if query.get("current") is not None:
            ended = IpsOutcome.ended_on.is_(None)
            stmt = stmt.where(ended if query["current"] else sa.not_(ended))
        return stmt.order_by(IpsOutcome.started_on.desc(), IpsOutcome.id)


@blp.route("/outcomes/<outcome_id>")
class OutcomeById(MethodView):
    @requires(READ)
    @blp.response(200, OutcomeSchema)
    @problems
    def get(self, outcome_id: str):
        return with_etag(_read(outcomes.find_outcome(outcome_id)))

    @requires(WRITE)
    @blp.arguments(OutcomeUpdateSchema(partial=True))
    @blp.response(200, OutcomeSchema)
    @problems
    def patch(self, data, outcome_id: str):
        """Change a start or record its end (ending the last job: back to job search)."""
        outcome = outcomes.find_outcome(outcome_id)
        return guarded_update(outcome, lambda row: outcomes.update_outcome(row, data))


@blp.route("/support-contacts/<support_contact_id>")
class SupportContactById(MethodView):
    @requires(READ)
    @blp.response(200, SupportContactSchema)
    @problems
    def get(self, support_contact_id: str):
        return with_etag(_read(outcomes.find_support_contact(support_contact_id)))

    @requires(WRITE)
    @blp.arguments(SupportContactUpdateSchema(partial=True))
    @blp.response(200, SupportContactSchema)
    @problems
    def patch(self, data, support_contact_id: str):
        contact = outcomes.find_support_contact(support_contact_id)
        return guarded_update(contact, lambda row: outcomes.update_support(row, data))


@blp.route("/retention-cases")
class RetentionCases(MethodView):
    @requires(READ)
    @blp.arguments(RetentionQuerySchema, location="query")
    @blp.response(200, RetentionCaseSchema(many=True))
    @paginated(blp)
    def get(self, query):
        """Retention cases of the clients you may see, newest first."""
        stmt = sa.select(IpsRetentionCase).where(about_visible_client(IpsRetentionCase))
        if query.get("open") is not None:
            still_open = IpsRetentionCase.closed_on.is_(None)
            stmt = stmt.where(still_open if query["open"] else sa.not_(still_open))
        return stmt.order_by(IpsRetentionCase.opened_on.desc(), IpsRetentionCase.id)


@blp.route("/retention-cases/<retention_case_id>")
class RetentionCaseById(MethodView):
    @requires(READ)
    @blp.response(200, RetentionCaseSchema)
    @problems
    def get(self, retention_case_id: str):
        return with_etag(_read(outcomes.find_retention_case(retention_case_id)))

    @requires(WRITE)
    @blp.arguments(RetentionCaseUpdateSchema(partial=True))
    @blp.response(200, RetentionCaseSchema)
    @problems
    def patch(self, data, retention_case_id: str):
        """Change a case, or close it as retained or not retained."""
        case = outcomes.find_retention_case(retention_case_id)
        return guarded_update(case, lambda row: outcomes.update_retention_case(row, data))

"""Art. 18 in Step Out: a client whose processing is restricted is in no figure of
``step-out-crisis/3``, gets no review marked due by the daily job and has no crisis use imported,
from the moment of restriction until it is lifted — whoever runs them, the information
governance role included."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa

from core.extensions import db
from core.plugins.api import Client
from core.tenancy.context import tenant_context
from plugins.step_out.crisis_import import RESTRICTED_ROW
from plugins.step_out.jobs import mark_reviews_due
from plugins.step_out.models import StepOutCrisisEvent, StepOutReferral, StepOutReview
from tests.restriction import lift, restrict

NHS = "9990000042"
AS_OF = "2027-03-01"


@pytest.fixture
def person(app, world):
    """Moved in 2026-01-10 (eligible by 2027-03-01, 12 months elapsed), one crisis contact
    before and two after, sustained; a 1-month review due 2026-02-10, not done."""
    with app.app_context(), tenant_context(world.a.tenant_id):
        someone = Client(
            nhs_number=NHS, given_name="Sky", family_name="Restricted-Later",
            date_of_birth=date(1982, 2, 2),
        )  # fmt: skip
        db.session.add(someone)
        db.session.flush()
        referral = StepOutReferral(
            client_id=someone.id, referred_on=date(2025, 11, 1), ward="W", referrer="R",
            status="moved_in", move_in_date=date(2026, 1, 10),
            clinically_ready_date=date(2025, 12, 1), discharge_date=date(2026, 1, 10),
        )  # fmt: skip
        db.session.add(referral)
        db.session.flush()
        for day in (date(2025, 12, 1), date(2026, 2, 1), date(2026, 7, 9)):
            db.session.add(
                StepOutCrisisEvent(client_id=someone.id, kind="crisis_contact", occurred_on=day)
            )
        db.session.add(StepOutReview(referral_id=referral.id, months=1, due_on=date(2026, 2, 10)))
        db.session.commit()
        return someone.id


def _figures(client, world) -> dict:
    response = client.get(
        f"/api/v1/tenant-a/reports/step-out-crisis?period_end={AS_OF}", headers=world.a.auth()
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["definition_version"] == "step-out-crisis/3"
    keys = ("clients", "eligible", "contacts_before", "contacts_after", "eligible_12")
    return {r["key"]: r["value"] for r in response.json["rows"] if r["key"] in keys}


def _per_client(client, world) -> set[str]:
    response = client.get(
        f"/api/v1/tenant-a/step-out/outcomes?as_of={AS_OF}", headers=world.a.auth()
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return {row["client_id"] for row in response.json}


@pytest.mark.hazard("HAZ-006")
def test_a_restricted_client_is_in_no_crisis_figure_until_lifted(client, world, person):
    counted = _figures(client, world)
    assert str(person) in _per_client(client, world)

    restrict(client, world.a, person)
    assert _figures(client, world) == {
        **counted,
        "clients": counted["clients"] - 1,
        "eligible": counted["eligible"] - 1,
        "contacts_before": counted["contacts_before"] - 1,
        "contacts_after": counted["contacts_after"] - 2,
        "eligible_12": counted["eligible_12"] - 1,
    }
    assert str(person) not in _per_client(client, world)

    lift(client, world.a, person)
    assert _figures(client, world) == counted
    assert str(person) in _per_client(client, world)


def test_review_reminders_skip_a_restricted_client_until_lifted(app, client, world, person):
    def run_job() -> bool:
        """Run the daily job in the tenant; is the person's review now marked due?"""
        with app.app_context(), tenant_context(world.a.tenant_id):
            mark_reviews_due(as_of="2026-03-01")
            db.session.commit()
            marked = db.session.execute(
                sa.select(StepOutReview.marked_due_at)
                .join(StepOutReferral, StepOutReferral.id == StepOutReview.referral_id)
                .where(StepOutReferral.client_id == person)
            ).scalar_one()
            return marked is not None

    restrict(client, world.a, person)
    assert run_job() is False
    lift(client, world.a, person)
    assert run_job() is True


def test_crisis_import_adds_nothing_to_a_restricted_client_until_lifted(
    app, client, world, person, admin_engine
):
    body = f"nhs_number,kind,date\n{NHS},admission,2026-03-03\n".encode()

    def upload() -> dict:
        response = client.post(
            "/api/v1/tenant-a/step-out/crisis-imports",
            data={"file": (io.BytesIO(body), "crisis.csv")},
            headers=world.a.auth(),
            content_type="multipart/form-data",
        )
        assert response.status_code == 202, response.get_data(as_text=True)
        job = client.get(response.headers["Location"], headers=world.a.auth()).json
        assert job["status"] == "succeeded", job
        problems = client.get(response.headers["Location"] + "/result", headers=world.a.auth())
        return {**job["result"], "report": problems.data.decode().splitlines()}

    def admissions() -> int:
        with admin_engine.connect() as conn:
            return conn.execute(
                sa.text(
                    "SELECT count(*) FROM step_out_crisis_event "
                    "WHERE client_id = :c AND kind = 'admission'"
                ),
                {"c": person},
            ).scalar_one()

    restrict(client, world.a, person)
    refused = upload()
    assert (refused["added"], refused["with_problems"]) == (0, 1)
    assert refused["report"] == ["row,column,problem", f"2,nhs_number,{RESTRICTED_ROW}"]
    assert "Restricted-Later" not in "\n".join(refused["report"])  # never whose record it is
    assert admissions() == 0

    lift(client, world.a, person)
    assert upload()["added"] == 1
    assert admissions() == 1

"""Retention pages (information governance): records due for appraisal and the decision form."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from tests.factories import PASSWORD
from tests.form_dates import nhs_dates


def _sign_in(client, world, person: str):
    response = client.post("/sign-in", data={"email": world.a.emails[person], "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def admin(client, world):
    return _sign_in(client, world, "admin")


def _page(world) -> str:
    return f"/{world.a.slug}/retention/{world.a.ids['retention_appraisal'][0]}"


def test_the_list_shows_records_due_with_a_link_to_decide(admin, world):
    response = admin.get(f"/{world.a.slug}/retention/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Records due for appraisal" in page
    assert "Jo Unshared" in page and _page(world) in page
    assert "3 January 2025" in page  # due since


def test_a_decision_without_its_fields_uses_the_nhs_error_summary(admin, world):
    response = admin.post(_page(world), data={"decision": "keep"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "nhsuk-error-summary" in page
    assert "Enter the date to review the record again" in page
    assert "Enter the reason for the decision" in page


def test_keeping_records_the_decision_once(admin, world, admin_engine):
    review_on = date.today() + timedelta(days=400)
    response = admin.post(
        _page(world),
        data={
            "decision": "keep",
            "reason": "Open complaint",
            **nhs_dates({"review_on": review_on}),
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "The decision has been recorded." in response.get_data(as_text=True)
    with admin_engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT decision, review_on, reason FROM retention_appraisal WHERE id = :i"),
            {"i": world.a.ids["retention_appraisal"][0]},
        ).one()
    assert tuple(row) == ("keep", review_on, "Open complaint")
    shown = admin.get(_page(world)).get_data(as_text=True)
    assert "Open complaint" in shown and "<form" not in shown.split("<h1>")[1]


def test_only_information_governance_and_only_their_tenant(client, world):
    _sign_in(client, world, "practitioner")
    assert client.get(f"/{world.a.slug}/retention/").status_code == 403
    client.post("/sign-out")
    _sign_in(client, world, "admin")
    theirs = world.b.ids["retention_appraisal"][0]
    assert client.get(f"/{world.a.slug}/retention/{theirs}").status_code == 404

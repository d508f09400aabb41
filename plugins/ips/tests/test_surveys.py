"""Client satisfaction surveys: validation, and the summary figures on a hand-built set."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import sqlalchemy as sa

from core.audit.models import AuditEvent
from core.extensions import db
from core.tenancy.context import tenant_context
from plugins.ips.models import IpsSurvey
from plugins.ips.surveys_questions import KEYS, check_answers
from plugins.ips.surveys_services import summarise
from tests.form_dates import nhs_dates, post_form
from tests.security.harness import sign_in

API = "/api/v1/tenant-a/ips"


def answers(value: int = 4, **changes) -> dict[str, int]:
    return dict.fromkeys(KEYS, value) | changes


def problems(response) -> dict[str, str]:
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    return {e["pointer"]: e["detail"] for e in response.json["errors"]}


def test_summary_figures_on_a_hand_built_set():
    surveys = [
        SimpleNamespace(answers=answers(5, listened=1)),
        SimpleNamespace(answers=answers(4, listened=2)),
        SimpleNamespace(answers=answers(4, listened=5, helpful=2)),
        SimpleNamespace(answers={"helpful": 3, "retired_question": 5, "benefits": 9}),
    ]
    result = summarise(surveys, date(2026, 1, 1), date(2026, 12, 31))
    assert result.responses == 4
    by_key = {q.question.key: q for q in result.questions}
    listened = by_key["listened"]
    assert listened.answered == 3
    assert listened.mean == round(8 / 3, 2) == 2.67
    assert listened.distribution == {1: 1, 2: 1, 3: 0, 4: 0, 5: 1}
    helpful = by_key["helpful"]
    assert helpful.answered == 4
    assert helpful.mean == 3.5  # 5 + 4 + 2 + 3
    assert helpful.distribution == {1: 0, 2: 1, 3: 1, 4: 1, 5: 1}
    assert by_key["benefits"].answered == 3  # the 9 is left out
    assert by_key["respect"].mean == round(13 / 3, 2)


def test_summary_of_no_surveys_has_no_means():
    result = summarise([], date(2026, 1, 1), date(2026, 1, 31))
    assert result.responses == 0
    assert all(q.mean is None and q.answered == 0 for q in result.questions)


def test_check_answers():
    assert check_answers(answers()) == {}
    errors = check_answers(answers(listened=0, helpful=6) | {"extra": 3})
    assert set(errors) == {"answers.listened", "answers.helpful", "answers.extra"}
    missing = answers()
    del missing["respect"]
    assert set(check_answers(missing)) == {"answers.respect"}


def test_record_a_survey_and_read_it_back(app, world, client):
    a = world.a
    client_id, referral_id = a.ids["client"][0], a.ids["ips_referral"][0]
    body = {
        "completed_on": "2026-03-10",
        "answers": answers(5),
        "comments": "Helped me find a job I like",
        "referral_id": str(referral_id),
    }
    created = post_form(client, f"{API}/clients/{client_id}/surveys", json=body, headers=a.auth())
    assert created.status_code == 201, created.json
    survey_id = created.json["id"]
    read = client.get(f"{API}/surveys/{survey_id}", headers=a.auth())
    assert read.json["answers"] == answers(5)
    with app.app_context(), tenant_context(a.tenant_id):
        actions = db.session.execute(
            sa.select(AuditEvent.action).where(AuditEvent.object_id == survey_id)
        ).scalars()
        assert sorted(actions) == ["ips.survey.create", "ips.survey.read"]


def test_bad_answers_are_422_per_field_and_nothing_is_saved(app, world, client):
    a = world.a
    url = f"{API}/clients/{a.ids['client'][0]}/surveys"
    bad = answers(listened=6, helpful=0)
    del bad["respect"]
    errors = problems(
        post_form(
            client, url, json={"completed_on": "2026-03-10", "answers": bad}, headers=a.auth()
        )
    )
    assert {"#/answers/listened", "#/answers/helpful", "#/answers/respect"} <= set(errors)
    future = (date.today() + timedelta(days=1)).isoformat()
    errors = problems(
        post_form(
            client, url, json={"completed_on": future, "answers": answers()}, headers=a.auth()
        )
    )
    assert "#/completed_on" in errors
    # A referral of another client (the unshared one has none; use a random id) is refused.
    errors = problems(
        post_form(
            client,
            url,
            json={
                "completed_on": "2026-03-10",
                "answers": answers(),
                "referral_id": str(a.ids["ips_survey"][0]),
            },
            headers=a.auth(),
        )
    )
    assert "#/referral_id" in errors
    with app.app_context(), tenant_context(a.tenant_id):
        count = db.session.execute(sa.select(sa.func.count()).select_from(IpsSurvey)).scalar_one()
    assert count == 1  # only the world's


def test_summary_api_counts_the_period_and_visible_clients_only(app, world, client):
    a = world.a
    url = f"{API}/clients/{a.ids['client'][0]}/surveys"
    for day, value in (("2026-02-01", 2), ("2026-02-15", 4), ("2025-01-01", 1)):
        response = post_form(
            client, url, json={"completed_on": day, "answers": answers(value)}, headers=a.auth()
        )
        assert response.status_code == 201
    summary = client.get(
        f"{API}/survey-summary?start=2026-02-01&end=2026-02-28", headers=a.auth()
    ).json
    assert summary["responses"] == 2
    listened = next(q for q in summary["questions"] if q["key"] == "listened")
    assert listened["mean"] == 3.0
    assert listened["distribution"] == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 0}
    listed = client.get(f"{API}/surveys?start=2026-02-01&end=2026-03-31", headers=a.auth())
    assert len(listed.json) == 3  # the two above and the world's of 5 March


def test_partner_without_ips_read_cannot_see_surveys(app, world, client):
    a = world.a
    assert client.get(f"{API}/surveys", headers=a.auth("partner")).status_code == 403


def test_ui_summary_and_recording(app, world, client):
    a = world.a
    sign_in(client, a.emails["admin"])
    page = client.get(
        "/tenant-a/ips/surveys",
        query_string=nhs_dates({"start": "2026-01-01", "end": "2026-12-31"}),
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "1</strong> response" in text
    assert f"/tenant-a/clients/{a.ids['client'][0]}" in text
    # No period chosen: every response so far (the world's is from 5 March 2026).
    everything = client.get("/tenant-a/ips/surveys").get_data(as_text=True)
    assert "1</strong> response from 5 March 2026" in everything
    backwards = client.get(
        "/tenant-a/ips/surveys",
        query_string=nhs_dates({"start": "2026-05-01", "end": "2026-01-01"}),
    )
    assert "The end must be on or after the start." in backwards.get_data(as_text=True)
    form = client.get("/tenant-a/ips/surveys/new").get_data(as_text=True)
    assert "Sam Taylor" in form and "Jo Unshared" not in form  # only clients with a referral
    missing = post_form(
        client,
        "/tenant-a/ips/surveys/new",
        data={"client_id": str(a.ids["client"][0]), "completed_on": "2026-03-10"},
    )
    assert missing.status_code == 200
    assert 'href="#q_listened"' in missing.get_data(as_text=True)
    data = {"client_id": str(a.ids["client"][0]), "completed_on": "2026-03-10"}
    data |= {f"q_{key}": "4" for key in KEYS}
    saved = post_form(client, "/tenant-a/ips/surveys/new", data=data)
    assert saved.status_code == 302
    shown = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "4 – Agree" in shown

"""Fidelity reviews through the API and pages: recording, per-item validation, incomplete
reviews, the action plan (overdue ones flagged) and the trend."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from core.audit.models import AuditEvent
from core.extensions import db
from core.tenancy.context import tenant_context
from plugins.ips.models import IpsFidelityReview, IpsFidelityScore
from plugins.ips.tests.etags import fresh
from plugins.ips.tests.test_fidelity_scoring import scores_totalling
from tests.form_dates import post_form
from tests.security.harness import sign_in

API = "/api/v1/tenant-a/ips"


def problems(response) -> dict[str, str]:
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    return {e["pointer"]: e["detail"] for e in response.json["errors"]}


def review_body(total: int | None = None, **changes):
    scores = scores_totalling(total) if total else {}
    return {
        "reviewed_on": "2026-04-01",
        "reviewer_type": "internal",
        "reviewers": "Ann Baker and Raj Patel",
        "summary": "Strong employer engagement",
        "scores": [{"item": n, "score": s, "evidence": f"Evidence {n}"} for n, s in scores.items()],
    } | changes


def _count(app, world, model) -> int:
    with app.app_context(), tenant_context(world.a.tenant_id):
        return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def test_complete_review_gets_total_band_and_sections(app, world, client):
    a = world.a
    response = post_form(client, f"{API}/fidelity-reviews", json=review_body(100), headers=a.auth())
    assert response.status_code == 201, response.json
    review = response.json
    assert (review["total"], review["complete"], review["band"]) == (100, True, "good")
    assert sum(s["subtotal"] for s in review["sections"]) == 100
    assert [s["items"] for s in review["sections"]] == [3, 8, 14]
    assert review["scores"][0]["title"] == "Caseload size"
    with app.app_context(), tenant_context(a.tenant_id):
        action = db.session.execute(
            sa.select(AuditEvent.action).where(AuditEvent.object_id == review["id"])
        ).scalar_one()
    assert action == "ips.fidelity_review.create"


def test_review_missing_items_is_incomplete_until_scored(app, world, client):
    a = world.a
    body = review_body(99)
    body["scores"] = body["scores"][:20]
    created = post_form(client, f"{API}/fidelity-reviews", json=body, headers=a.auth()).json
    assert created["complete"] is False and created["band"] is None
    assert created["missing_items"] == [21, 22, 23, 24, 25]
    rest = [{"item": n, "score": 5} for n in range(21, 26)]
    url = f"{API}/fidelity-reviews/{created['id']}"
    updated = client.patch(url, json={"scores": rest}, headers=fresh(client, url, a.auth()))
    assert updated.status_code == 200
    assert updated.json["complete"] is True
    assert updated.json["items_scored"] == 25
    assert updated.json["band"] == band_of(updated.json["total"])


def band_of(total: int) -> str:
    return "exemplary" if total >= 115 else "good" if total >= 100 else "fair"


def test_scores_out_of_range_and_item_26_are_refused_per_item(app, world, client):
    a = world.a
    before = (_count(app, world, IpsFidelityReview), _count(app, world, IpsFidelityScore))
    for bad, pointer in (
        ({"item": 3, "score": 0}, "#/scores/1/score"),
        ({"item": 3, "score": 6}, "#/scores/1/score"),
        ({"item": 26, "score": 3}, "#/scores/1/item"),
    ):
        body = review_body(scores=[{"item": 1, "score": 4}, bad])
        errors = problems(post_form(client, f"{API}/fidelity-reviews", json=body, headers=a.auth()))
        assert list(errors) == [pointer]
    twice = review_body(scores=[{"item": 2, "score": 4}, {"item": 2, "score": 5}])
    errors = problems(post_form(client, f"{API}/fidelity-reviews", json=twice, headers=a.auth()))
    assert "scored twice" in errors["#/scores/1/item"]
    after = (_count(app, world, IpsFidelityReview), _count(app, world, IpsFidelityScore))
    assert after == before


def test_bad_review_details_are_refused(app, world, client):
    a = world.a
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    errors = problems(
        post_form(
            client,
            f"{API}/fidelity-reviews",
            json=review_body(reviewed_on=tomorrow, reviewer_type="friend"),
            headers=a.auth(),
        )
    )
    assert "#/reviewer_type" in errors
    errors = problems(
        post_form(
            client,
            f"{API}/fidelity-reviews",
            json=review_body(reviewed_on=tomorrow),
            headers=a.auth(),
        )
    )
    assert "#/reviewed_on" in errors


def test_action_plan_flags_overdue_actions(app, world, client):
    a = world.a
    review_id = a.ids["ips_fidelity_review"][0]
    url = f"{API}/fidelity-reviews/{review_id}/actions"
    past = (date.today() - timedelta(days=3)).isoformat()
    future = (date.today() + timedelta(days=30)).isoformat()
    late = post_form(client,
        url, json={"description": "Weekly employer visits", "owner": "Team leader",
                   "due_on": past, "item": 17}, headers=a.auth(),
    )  # fmt: skip
    assert late.status_code == 201 and late.json["overdue"] is True
    ahead = post_form(
        client,
        url,
        json={"description": "Benefits training", "owner": "Welfare adviser", "due_on": future},
        headers=a.auth(),
    )
    assert ahead.json["overdue"] is False
    action_url = f"{API}/fidelity-actions/{late.json['id']}"
    done = client.patch(
        action_url,
        json={"done_on": date.today().isoformat()},
        headers=fresh(client, action_url, a.auth()),
    )
    assert done.status_code == 200 and done.json["overdue"] is False
    bad = post_form(
        client,
        url,
        json={"description": "x", "owner": "y", "due_on": future, "item": 26},
        headers=a.auth(),
    )
    assert "#/item" in problems(bad)
    plan = client.get(url, headers=a.auth()).json
    assert len(plan) == 3  # the world's, and the two above


def test_trend_is_oldest_first_with_incomplete_ones_unbanded(app, world, client):
    a = world.a
    for day, total in (("2025-06-01", 80), ("2025-12-01", 116)):
        post_form(
            client,
            f"{API}/fidelity-reviews",
            json=review_body(total, reviewed_on=day),
            headers=a.auth(),
        )
    partial = review_body(scores=[{"item": 1, "score": 5}], reviewed_on="2026-05-01")
    post_form(client, f"{API}/fidelity-reviews", json=partial, headers=a.auth())
    trend = client.get(f"{API}/fidelity-trend", headers=a.auth()).json
    assert [(t["reviewed_on"], t["total"], t["band"]) for t in trend] == [
        ("2025-06-01", 80, "fair"),
        ("2025-12-01", 116, "exemplary"),
        ("2026-03-01", 100, "good"),  # the world's: 25 items scored 4
        ("2026-05-01", 5, None),
    ]
    listed = client.get(f"{API}/fidelity-reviews?page_size=2", headers=a.auth())
    assert [r["reviewed_on"] for r in listed.json] == ["2026-05-01", "2026-03-01"]


def test_reading_needs_ips_read_or_fidelity_and_writing_needs_fidelity(app, world, client):
    a = world.a
    # The employment specialist has ips.read but not ips.fidelity; the work coach neither.
    assert client.get(f"{API}/fidelity-reviews", headers=a.auth("practitioner")).status_code == 200
    refused = post_form(
        client, f"{API}/fidelity-reviews", json=review_body(), headers=a.auth("practitioner")
    )
    assert refused.status_code == 403
    assert client.get(f"{API}/fidelity-trend", headers=a.auth("partner")).status_code == 403


def test_ui_review_page_shows_band_sections_and_overdue_action(app, world, client):
    a = world.a
    sign_in(client, a.emails["admin"])
    review_id = a.ids["ips_fidelity_review"][0]
    text = client.get(f"/tenant-a/ips/fidelity/{review_id}").get_data(as_text=True)
    assert "Good fidelity" in text and "Total 100 of 125" in text
    # The world's action was due on 1 June 2026 and is not done.
    assert ("Overdue" in text) == (date.today() > date(2026, 6, 1))
    listing = client.get("/tenant-a/ips/fidelity").get_data(as_text=True)
    assert "<svg" in listing and "Fidelity over time" in listing


def test_ui_form_refuses_bad_score_with_a_link_to_the_item(app, world, client):
    sign_in(client, world.a.emails["admin"])
    data = {"reviewed_on": "2026-04-01", "reviewer_type": "external", "reviewers": "Ann",
            "item_7": "9"}  # fmt: skip
    page = post_form(client, "/tenant-a/ips/fidelity/new", data=data)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "There is a problem" in text and 'href="#item_7"' in text
    assert "Score item 7 from 1 to 5" in text
    data["item_7"] = "3"
    saved = post_form(client, "/tenant-a/ips/fidelity/new", data=data)
    assert saved.status_code == 302
    shown = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Incomplete" in shown and "1 of 25 items scored" in shown


def test_ui_edit_can_unscore_an_item(app, world, client):
    a = world.a
    sign_in(client, a.emails["admin"])
    review_id = a.ids["ips_fidelity_review"][0]
    data = {"reviewed_on": "2026-03-01", "reviewer_type": "external", "reviewers": "IPS Grow"}
    data |= {f"item_{n}": "4" for n in range(1, 25)}  # item 25 cleared
    saved = post_form(client, f"/tenant-a/ips/fidelity/{review_id}/edit", data=data)
    assert saved.status_code == 302
    review = client.get(f"{API}/fidelity-reviews/{review_id}", headers=a.auth()).json
    assert review["missing_items"] == [25] and review["band"] is None

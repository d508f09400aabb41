"""The crisis-use CSV import: upload (API and page), the job, its error report, re-import."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.security.harness import sign_in

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "crisis-events.csv"
TOMORROW = (date.today() + timedelta(days=1)).isoformat()
ROWS = [
    "9990000018,crisis_contact,2026-01-10,Evening call",  # row 2: added
    "999 000 0018,admission,2026-02-01,",  # row 3: added (spaces in the number are fine)
    "9990000018,crisis_contact,2026-01-10,Same day again",  # row 4: already there (row 2)
    "1234,visit,10/01/2026,",  # row 5: three problems
    f"9990000050,admission,{TOMORROW},",  # row 6: future date
    "9990001234,crisis_contact,2026-01-11,",  # row 7: nobody has this NHS number
    "",  # a blank line is ignored
]
CSV = "NHS Number,kind,date,notes,ward\n" + "\n".join(ROWS) + "\n"


def _upload(client, world, body: bytes, name: str = "crisis.csv", headers=None):
    return client.post(
        f"/api/v1/{world.a.slug}/step-out/crisis-imports",
        data={"file": (io.BytesIO(body), name)},
        headers=headers or world.a.auth(),
        content_type="multipart/form-data",
    )


def _events(admin_engine, tenant_id):
    with admin_engine.connect() as conn:
        return conn.execute(
            sa.text(
                "SELECT c.nhs_number, e.kind, e.occurred_on, e.source, e.notes "
                "FROM step_out_crisis_event e JOIN client c ON c.id = e.client_id "
                "WHERE e.tenant_id = :t ORDER BY e.occurred_on, e.kind"
            ),
            {"t": tenant_id},
        ).all()


@pytest.mark.hazard("HAZ-007")
@pytest.mark.hazard("HAZ-008")
def test_upload_imports_rows_reports_problems_and_reimport_adds_nothing(
    app, world, client, admin_engine
):
    response = _upload(client, world, CSV.encode())
    assert response.status_code == 202, response.get_data(as_text=True)
    assert response.json["kind"] == "step_out.crisis_import"
    job_url = response.headers["Location"]
    assert job_url.endswith(f"/jobs/{response.json['id']}")
    job = client.get(job_url, headers=world.a.auth()).json
    assert job["status"] == "succeeded", job
    assert job["result"] == {
        "rows": 6,
        "added": 2,
        "already_there": 1,
        "with_problems": 3,
        "problems": 6,
    }
    assert job["message"] == (
        "2 added, 1 already there, 3 rows with problems. First: row 5, nhs_number: Enter a "
        "10-digit NHS number; row 5, kind: Must be crisis_contact or admission; row 5, date: "
        "Must be a date written YYYY-MM-DD."
    )
    report = client.get(job_url + "/result", headers=world.a.auth())
    assert report.data.decode().splitlines() == [
        "row,column,problem",
        "1,ward,Unknown column; it was ignored.",
        "5,nhs_number,Enter a 10-digit NHS number.",
        "5,kind,Must be crisis_contact or admission.",
        "5,date,Must be a date written YYYY-MM-DD.",
        "6,date,Must not be in the future.",
        "7,nhs_number,No client has this NHS number.",
    ]
    imported = [e for e in _events(admin_engine, world.a.tenant_id) if e.source == "import"]
    assert [(e.kind, e.occurred_on, e.notes) for e in imported] == [
        ("crisis_contact", date(2026, 1, 10), "Evening call"),
        ("admission", date(2026, 2, 1), None),
    ]
    before = _events(admin_engine, world.a.tenant_id)
    again = _upload(client, world, CSV.encode())
    result = client.get(again.headers["Location"], headers=world.a.auth()).json["result"]
    assert result["added"] == 0 and result["already_there"] == 3
    assert _events(admin_engine, world.a.tenant_id) == before
    # Tenant B's client has the same NHS number: nothing of A's file reached B.
    assert all(e.source != "import" for e in _events(admin_engine, world.b.tenant_id))
    with admin_engine.connect() as conn:
        audited = conn.execute(
            sa.text(
                "SELECT details FROM audit_event WHERE tenant_id = :t "
                "AND action = 'step_out.crisis_import' ORDER BY at"
            ),
            {"t": world.a.tenant_id},
        ).scalars()
        assert [d["added"] for d in audited] == [2, 0]


def test_an_event_recorded_by_hand_is_not_imported_again(app, world, client, admin_engine):
    by_hand = client.post(
        f"/api/v1/tenant-a/step-out/clients/{world.a.ids['client'][0]}/crisis-events",
        json={"kind": "admission", "occurred_on": "2026-03-03"},
        headers=world.a.auth(),
    )
    assert by_hand.status_code == 201
    response = _upload(client, world, b"nhs_number,kind,date\n9990000018,admission,2026-03-03\n")
    job = client.get(response.headers["Location"], headers=world.a.auth()).json
    assert job["result"]["added"] == 0 and job["result"]["already_there"] == 1


def test_the_example_file_imports_cleanly_for_demo_people(app, world, client):
    text = EXAMPLE.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "nhs_number,kind,date,notes"
    response = _upload(client, world, text.encode(), name="crisis-events.csv")
    job = client.get(response.headers["Location"], headers=world.a.auth()).json
    assert job["status"] == "succeeded"
    # The example names the demo people, who are not in the test world: every row is reported.
    assert job["result"]["rows"] == len(text.splitlines()) - 1
    assert job["result"]["with_problems"] == job["result"]["rows"]


def test_bad_files_are_refused_with_a_pointer_and_start_no_job(app, world, client, admin_engine):
    cases = [
        (b"nhs_number,kind,date\n", "crisis.txt", "must be a CSV"),
        (b"", "crisis.csv", "empty"),
        (b"nhs_number,when\n9990000018,2026-01-01\n", "crisis.csv", "missing: kind, date"),
        ("nhs_number,kind,date\n".encode("utf-16"), "crisis.csv", "UTF-8"),
    ]
    for body, name, words in cases:
        response = _upload(client, world, body, name)
        assert response.status_code == 422, (name, response.get_data(as_text=True))
        assert response.mimetype == "application/problem+json"
        assert response.json["errors"][0]["pointer"] == "#/file"
        assert words in response.json["errors"][0]["detail"]
    missing = client.post(
        "/api/v1/tenant-a/step-out/crisis-imports",
        data={},
        headers=world.a.auth(),
        content_type="multipart/form-data",
    )
    assert missing.status_code == 422
    with admin_engine.connect() as conn:
        runs = conn.execute(
            sa.text("SELECT count(*) FROM job_run WHERE kind = 'step_out.crisis_import'")
        ).scalar()
    assert runs == 0


def test_partners_and_practitioners_may_not_import(app, world, client):
    response = _upload(client, world, CSV.encode(), headers=world.a.auth("partner"))
    assert response.status_code == 403
    response = _upload(client, world, CSV.encode(), headers=world.a.auth("practitioner"))
    assert response.status_code == 403


def test_upload_page_shows_errors_then_starts_the_job(app, world, client):
    sign_in(client, world.a.emails["admin"])
    caseload = client.get("/tenant-a/step-out/").get_data(as_text=True)
    assert "/tenant-a/step-out/crisis-imports/new" in caseload
    page = client.get("/tenant-a/step-out/crisis-imports/new")
    assert page.status_code == 200
    assert "nhs_number" in page.get_data(as_text=True)
    empty = client.post("/tenant-a/step-out/crisis-imports/new", data={})
    text = empty.get_data(as_text=True)
    assert empty.status_code == 200
    assert "There is a problem" in text and 'href="#file"' in text
    posted = client.post(
        "/tenant-a/step-out/crisis-imports/new",
        data={"file": (io.BytesIO(CSV.encode()), "crisis.csv")},
        content_type="multipart/form-data",
    )
    assert posted.status_code == 302
    assert "/tenant-a/jobs/" in posted.headers["Location"]
    job_page = client.get(posted.headers["Location"]).get_data(as_text=True)
    assert "Import crisis contacts and admissions" in job_page
    assert "crisis-import-problems.csv" in job_page


def test_error_report_makes_every_unknown_column_name_inert_for_spreadsheets(app, world, client):
    """The report repeats the file's own unknown column names: each must not run as a formula,
    including one starting with NUL (core's ``safe_cell``, SECURITY S6)."""
    hostile = ["=1+2", "+1", "@sum(a1)", "\0=cmd|'/c_calc'!a0"]
    header = ",".join(["NHS Number", "kind", "date", *hostile])
    response = _upload(
        client, world, (header + "\n9990000018,crisis_contact,2026-01-10\n").encode()
    )
    assert response.status_code == 202, response.get_data(as_text=True)
    job_url = response.headers["Location"]
    assert client.get(job_url, headers=world.a.auth()).json["status"] == "succeeded"
    report = client.get(job_url + "/result", headers=world.a.auth()).data.decode()
    rows = list(csv.reader(io.StringIO(report)))
    assert [row[1] for row in rows[1:]] == ["'" + name for name in hostile]

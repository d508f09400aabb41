"""Bulk client import (exact error report, idempotent re-import, .xlsx) and the caseload report."""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa

from tests.factories import World

HEADER = "nhs_number,local_id,given_name,family_name,date_of_birth,postcode,favourite_colour\n"
ROWS = [
    "9434765919,L-1,Ada,Lovelace,1990-12-10,SO16 7AB,blue",  # valid
    "9434765918,L-2,Bad,Check,1990-01-01,,red",  # modulus 11 fails
    ",L-3,,Hopper,2999-01-01,NOTAPOSTCODE,",  # no given name, future date, bad postcode
    "9434765870,L-4,=cmd,Smith,1980-05-05,,",  # valid; formula-looking name is data
    "9434765919,L-9,Ada,Again,1990-12-10,,",  # same NHS number as row 2: skipped
]


def _upload(client, world, body: bytes, name="clients.csv", mode="skip"):
    return client.post(
        f"/api/v1/{world.a.slug}/imports/clients",
        data={"file": (io.BytesIO(body), name), "mode": mode},
        headers=world.a.auth(),
        content_type="multipart/form-data",
    )


def _clients(admin_engine, tenant_id):
    with admin_engine.connect() as conn:
        return conn.execute(
            sa.text(
                "SELECT nhs_number, local_id, given_name FROM client WHERE tenant_id = :t "
                "AND restricted_at IS NULL ORDER BY local_id"  # the world's restricted client aside
            ),
            {"t": tenant_id},
        ).all()


@pytest.mark.hazard("HAZ-007")
def test_import_error_report_is_exact_and_reimport_is_idempotent(app, world, client, admin_engine):
    body = (HEADER + "\n".join(ROWS) + "\n").encode()
    response = _upload(client, world, body)
    assert response.status_code == 202, response.json
    job = client.get(f"/api/v1/{world.a.slug}/jobs/{response.json['id']}", headers=world.a.auth())
    assert job.json["status"] == "succeeded", job.json
    assert job.json["result"] == {
        "rows": 5,
        "created": 2,
        "updated": 0,
        "skipped": 1,
        "invalid": 2,
        "problems": 5,
    }
    report = client.get(
        f"/api/v1/{world.a.slug}/jobs/{response.json['id']}/result", headers=world.a.auth()
    )
    assert report.data.decode().splitlines() == [
        "row,column,problem",
        "1,favourite_colour,Unknown column; it was ignored.",
        "3,nhs_number,This is not a valid NHS number: its check digit does not match",
        "4,given_name,Missing data for required field.",
        "4,date_of_birth,Date must be today or in the past",
        '4,postcode,"Enter a real postcode, like SO16 7AB"',
    ]
    before = _clients(admin_engine, world.a.tenant_id)
    assert [r.local_id for r in before] == ["L-1", "L-4", "LOCAL-1", None]
    assert {r.given_name for r in before} >= {"Ada", "=cmd"}
    again = _upload(client, world, body)
    result = client.get(
        f"/api/v1/{world.a.slug}/jobs/{again.json['id']}", headers=world.a.auth()
    ).json["result"]
    assert result["created"] == 0 and result["skipped"] == 3
    assert _clients(admin_engine, world.a.tenant_id) == before
    assert _clients(admin_engine, world.b.tenant_id) != before  # nothing went to tenant B


def test_xlsx_import_and_update_mode(app, world: World, client, admin_engine):
    from datetime import datetime

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["NHS number", "Local ID", "Given name", "Family name", "Date of birth"])
    sheet.append([9434765919, "X-1", "Grace", "Hopper", datetime(1966, 12, 9)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    first = _upload(client, world, buffer.getvalue(), name="clients.xlsx")
    job = client.get(f"/api/v1/{world.a.slug}/jobs/{first.json['id']}", headers=world.a.auth())
    assert job.json["result"]["created"] == 1, job.json
    sheet["C2"] = "Gracie"
    buffer = io.BytesIO()
    workbook.save(buffer)
    second = _upload(client, world, buffer.getvalue(), name="clients.xlsx", mode="update")
    job = client.get(f"/api/v1/{world.a.slug}/jobs/{second.json['id']}", headers=world.a.auth())
    assert job.json["result"]["updated"] == 1
    names = [r.given_name for r in _clients(admin_engine, world.a.tenant_id) if r.local_id == "X-1"]
    assert names == ["Gracie"]


def test_copy_path_keeps_rows_in_the_jobs_tenant(app, world: World, client, admin_engine):
    """The COPY batch path: a tenant_id column in the file is ignored, every client and its
    audit event land in the job's tenant, and a staged row of another tenant is refused by RLS."""
    import uuid
    from datetime import date

    import pytest

    from core.columns import utcnow
    from core.imports import clients as imports
    from core.imports import inserts
    from tests.jobs.conftest import inside

    body = (
        "tenant_id,nhs_number,local_id,given_name,family_name,date_of_birth\n"
        f"{world.b.tenant_id},9434765919,C-1,Ada,Lovelace,1990-12-10\n"
        f"{world.b.tenant_id},,C-2,Grace,Hopper,1966-12-09\n"
    ).encode()
    response = _upload(client, world, body)
    job = client.get(f"/api/v1/{world.a.slug}/jobs/{response.json['id']}", headers=world.a.auth())
    assert job.json["result"]["created"] == 2, job.json
    with admin_engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT tenant_id, id FROM client WHERE local_id IN ('C-1', 'C-2')")
        ).all()
        assert {r.tenant_id for r in rows} == {world.a.tenant_id}
        events = conn.execute(
            sa.text(
                "SELECT tenant_id, object_id FROM audit_event WHERE action = 'client.create' "
                "AND details->>'import_job' IS NOT NULL"
            )
        ).all()
    assert {e.object_id for e in events} == {str(r.id) for r in rows}
    assert {e.tenant_id for e in events} == {world.a.tenant_id}

    with inside(app, world.a):
        assert inserts.can_copy()
        now = utcnow()
        record = {
            **{c: None for c in imports.COLUMNS},
            "given_name": "Mallory",
            "family_name": "Elsewhere",
            "date_of_birth": date(1980, 1, 1),
            "id": uuid.uuid4(),
            "tenant_id": world.b.tenant_id,  # as if a bug let another tenant's id through
            "status": "open",
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        with pytest.raises(sa.exc.ProgrammingError, match="row-level security"):
            inserts._copy_created([record])
        from core.extensions import db

        db.session.rollback()
    with admin_engine.connect() as conn:
        assert not conn.execute(
            sa.text("SELECT 1 FROM client WHERE family_name = 'Elsewhere'")
        ).first()


def _seed_caseload(app, world):
    """Tenant A: 3 more clients for the practitioner, 2 for the admin, 1 closed, 1 unassigned."""
    from datetime import date

    from core.clients.models import Client
    from core.extensions import db
    from tests.jobs.conftest import inside

    practitioner, admin = world.a.memberships["practitioner"], world.a.memberships["admin"]
    with inside(app, world.a):
        for i, (worker, status) in enumerate(
            [(practitioner, "open")] * 3 + [(admin, "open")] * 2 + [(admin, "closed")]
        ):
            db.session.add(
                Client(
                    given_name=f"G{i}",
                    family_name=f"F{i}",
                    date_of_birth=date(1980, 1, 1),
                    key_worker_membership_id=worker,
                    status=status,
                    closed_on=date(2026, 1, 1) if status == "closed" else None,
                )
            )


def test_caseload_report_matches_hand_count_and_exports(app, world: World, client):
    _seed_caseload(app, world)
    response = client.get(f"/api/v1/{world.a.slug}/reports/caseload", headers=world.a.auth())
    assert response.status_code == 200, response.json
    figures = {(r["organisation"], r["key_worker"]): r["clients"] for r in response.json["rows"]}
    # By hand: practitioner 1 (seed Sam) + 3; admin 2 open (1 closed); unassigned 1 (seed Jo).
    assert figures == {
        ("Home Trust", "Practitioner of tenant-a"): 4,
        ("Home Trust", "Admin of tenant-a"): 2,
        ("No key worker", "No key worker"): 1,
    }
    assert response.json["definition_version"] == "caseload/2"
    b = client.get(f"/api/v1/{world.b.slug}/reports/caseload", headers=world.b.auth())
    assert sum(r["clients"] for r in b.json["rows"]) == 2  # B's own two, never A's


def test_report_page_chart_csv_excel(app, world: World, client):
    from openpyxl import load_workbook

    from tests.factories import PASSWORD

    _seed_caseload(app, world)
    client.post("/sign-in", data={"email": world.a.emails["admin"], "password": PASSWORD})
    page = client.get(f"/{world.a.slug}/reports/caseload?run=1")
    assert page.status_code == 200
    assert b'role="img"' in page.data and b'<title id="chart-title">' in page.data
    assert b"nhsuk-table" in page.data
    csv_text = client.get(f"/{world.a.slug}/reports/caseload?format=csv").data.decode()
    assert csv_text.splitlines()[0] == "Organisation,Key worker,Clients,definition_version"
    workbook = load_workbook(
        io.BytesIO(client.get(f"/{world.a.slug}/reports/caseload?format=xlsx").data)
    )
    assert workbook.sheetnames == ["Report", "About this report"]
    about = {r[0]: r[1] for r in workbook["About this report"].iter_rows(values_only=True) if r}
    assert about["Definition version"] == "caseload/2"


def test_drilldown_respects_need_to_know(app, world: World, client):
    from core.accounts import tokens
    from core.extensions import db
    from tests.factories import make_membership, make_user
    from tests.jobs.conftest import inside

    _seed_caseload(app, world)
    practitioner = world.a.memberships["practitioner"]
    drill = json.dumps({"key_worker": str(practitioner)})
    full = client.get(
        f"/api/v1/{world.a.slug}/reports/caseload/drilldown",
        query_string={"drill": drill},
        headers=world.a.auth(),
    )
    assert full.status_code == 200
    assert len(full.json) == 4
    # A member of the partner organisation with reporting rights sees only the shared client.
    with app.app_context():
        user_id = make_user("partner-reports@a.example")
    with inside(app, world.a):
        jcp = world.a.ids["organisation"][1]
        membership = make_membership(user_id, jcp, ["practitioner"])
        _token, secret = tokens.issue(membership, "t", 30)
        db.session.flush()
    limited = client.get(
        f"/api/v1/{world.a.slug}/reports/caseload/drilldown",
        query_string={"drill": drill},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert limited.status_code == 200
    assert [c["family_name"] for c in limited.json] == ["Taylor"]
    assert "postcode" not in limited.json[0]  # partner field allowlist

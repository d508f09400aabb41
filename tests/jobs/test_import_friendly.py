"""Bulk client import of the files trusts really have: EPR exports and team spreadsheets.

UK dates, other column names, code labels, Windows-1252 and semicolon-delimited CSV. Each file
is written to disk, uploaded, and run through the real job (PostgreSQL), as in
``test_import_reports.py``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.factories import World


def _run(client, world: World, path: Path) -> dict:
    """Upload ``path`` to tenant A's import and return the finished job."""
    with path.open("rb") as handle:
        response = client.post(
            f"/api/v1/{world.a.slug}/imports/clients",
            data={"file": (handle, path.name), "mode": "skip"},
            headers=world.a.auth(),
            content_type="multipart/form-data",
        )
    assert response.status_code == 202, response.json
    job = client.get(f"/api/v1/{world.a.slug}/jobs/{response.json['id']}", headers=world.a.auth())
    return job.json


def _report(client, world: World, job: dict) -> list[str]:
    response = client.get(f"/api/v1/{world.a.slug}/jobs/{job['id']}/result", headers=world.a.auth())
    return response.data.decode().splitlines()


def _imported(admin_engine, world: World, prefix: str) -> dict[str, sa.Row]:
    """Tenant A's clients whose local id starts with ``prefix``, by local id."""
    with admin_engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT * FROM client WHERE tenant_id = :t AND local_id LIKE :p"),
            {"t": world.a.tenant_id, "p": prefix + "%"},
        ).all()
    return {row.local_id: row for row in rows}


@pytest.mark.hazard("HAZ-008")
def test_import_reads_uk_dates_day_first_and_refuses_two_digit_years(
    app, world: World, client, admin_engine, tmp_path
):
    path = tmp_path / "dates.csv"
    path.write_text(
        "local_id,given_name,family_name,date_of_birth\n"
        "D-1,Ann,Slash,15/03/1984\n"
        "D-2,Bea,Short,5/3/1984\n"
        "D-3,Cat,Dash,15-03-1984\n"
        "D-4,Dee,Dot,15.03.1984\n"
        "D-5,Eve,Iso,1984-03-15\n"
        "D-6,Fay,Midnight,03/04/1984 00:00:00\n"  # day first: 3 April, never 4 March
        "D-7,Gus,Century,15/03/84\n"
        "D-8,Hal,American,03/15/1984\n"
        "D-9,Ivy,Future,15/03/2999\n",
        encoding="utf-8",
    )
    job = _run(client, world, path)
    assert job["status"] == "succeeded", job
    assert job["result"]["created"] == 6 and job["result"]["invalid"] == 3, job["result"]
    births = {k: r.date_of_birth for k, r in _imported(admin_engine, world, "D-").items()}
    assert births == {
        "D-1": date(1984, 3, 15),
        "D-2": date(1984, 3, 5),
        "D-3": date(1984, 3, 15),
        "D-4": date(1984, 3, 15),
        "D-5": date(1984, 3, 15),
        "D-6": date(1984, 4, 3),
    }
    assert _report(client, world, job)[1:] == [
        '8,date_of_birth,"Write the year in full, as DD/MM/YYYY, like 15/03/1984"',
        '9,date_of_birth,"Enter a real date as DD/MM/YYYY, like 15/03/1984 (or as YYYY-MM-DD)"',
        "10,date_of_birth,Date must be today or in the past",  # the API's rule still holds
    ]


@pytest.mark.hazard("HAZ-008")
def test_xlsx_text_dates_are_read_day_first_and_real_dates_still_work(
    app, world: World, client, admin_engine, tmp_path
):
    from datetime import datetime

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Local ID", "Forename", "Surname", "DOB"])
    sheet.append(["X-1", "Grace", "Hopper", datetime(1966, 12, 9)])
    sheet.append(["X-2", "Mary", "Seacole", "23/11/1905"])
    path = tmp_path / "team.xlsx"
    workbook.save(path)
    job = _run(client, world, path)
    assert job["result"]["created"] == 2, job
    births = {k: r.date_of_birth for k, r in _imported(admin_engine, world, "X-").items()}
    assert births == {"X-1": date(1966, 12, 9), "X-2": date(1905, 11, 23)}


def test_import_takes_epr_column_names(app, world: World, client, admin_engine, tmp_path):
    path = tmp_path / "rio-export.csv"
    path.write_text(
        "NHS No.,RiO ID,Forename,Surname,Known As,Date of Birth,Gender,Ethnic Origin,"
        "Address Line 1,Address 2,Town/City,Post Code,Mobile,E-mail Address,Ward\n"
        "943 476 5919,R-1,Ada,Lovelace,Addie,10/12/1990,2,A,1 High St,Flat 2,Southampton,"
        "so16 7ab,07700 900982,ada@example.org,Willow\n"
        "9434765870,R-2,,Babbage,,01/01/1980,,,,,,,,,\n",
        encoding="utf-8",
    )
    job = _run(client, world, path)
    assert job["result"]["created"] == 1, job
    ada = _imported(admin_engine, world, "R-")["R-1"]
    assert (ada.nhs_number, ada.given_name, ada.family_name) == ("9434765919", "Ada", "Lovelace")
    assert (ada.preferred_name, ada.date_of_birth) == ("Addie", date(1990, 12, 10))
    assert (ada.gender_identity, ada.ethnic_category) == ("2", "A")
    assert (ada.address_line_1, ada.address_line_2, ada.town, ada.postcode) == (
        "1 High St",
        "Flat 2",
        "Southampton",
        "SO16 7AB",
    )
    assert (ada.phone, ada.email) == ("07700 900982", "ada@example.org")
    # Problems name the column as the file does; a column that feeds nothing is reported.
    assert _report(client, world, job)[1:] == [
        "1,Ward,Unknown column; it was ignored.",
        "3,Forename,Missing data for required field.",
    ]


def test_two_columns_for_one_field_fail_the_file_naming_both(
    app, world: World, client, admin_engine, tmp_path
):
    path = tmp_path / "twice.csv"
    path.write_text(
        "Forename,Surname,First name,DOB,Local id\nAda,Lovelace,Augusta,10/12/1990,T-1\n",
        encoding="utf-8",
    )
    job = _run(client, world, path)
    assert job["status"] == "failed", job
    assert '"Forename"' in job["error"] and '"First name"' in job["error"], job["error"]
    assert "given_name" in job["error"]
    assert _imported(admin_engine, world, "T-") == {}


def test_gender_and_ethnicity_by_label_or_code(app, world: World, client, admin_engine, tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text(
        "local_id,given_name,family_name,date_of_birth,gender_identity,ethnic_category\n"
        "L-1,Al,One,1980-01-01,Male,White - British\n"
        "L-2,Bo,Two,1980-01-01,female,british\n"
        "L-3,Cy,Three,1980-01-01,3,Asian or Asian British - Indian\n"
        "L-4,Di,Four,1980-01-01,Not stated,Not known\n"
        "L-5,Ed,Five,1980-01-01,Mail,Martian\n",
        encoding="utf-8",
    )
    job = _run(client, world, path)
    assert job["result"]["created"] == 4, job
    codes = {
        k: (r.gender_identity, r.ethnic_category)
        for k, r in _imported(admin_engine, world, "L-").items()
    }
    assert codes == {"L-1": ("1", "A"), "L-2": ("2", "A"), "L-3": ("3", "H"), "L-4": ("Z", "99")}
    assert _report(client, world, job)[1:] == [
        "6,gender_identity,'Mail' is not on the Gender identity list (MHSDS v6)",
        "6,ethnic_category,'Martian' is not on the Ethnic category list "
        "(NHS Data Dictionary 2001 census categories)",
    ]


def test_windows_1252_csv_is_read_and_utf8_with_bom_still_is(
    app, world: World, client, admin_engine, tmp_path
):
    # The only non-UTF-8 bytes come after 200 KB of blank lines: the encoding is decided for
    # the whole file, not from its first block.
    padding = "\r\n" * 100_000
    cp1252 = tmp_path / "excel.csv"
    cp1252.write_bytes(
        (
            "local_id,given_name,family_name,date_of_birth\r\n"
            "W-1,Ada,Lovelace,10/12/1990\r\n" + padding + "W-2,Zoë,Seán-Ó,01/02/1970\r\n"
        ).encode("cp1252")
    )
    job = _run(client, world, cp1252)
    assert job["status"] == "succeeded", job
    assert job["result"]["created"] == 2, job["result"]
    bom = tmp_path / "bom.csv"
    bom.write_bytes(
        "\ufefflocal_id,given_name,family_name,date_of_birth\r\nW-3,Chloë,Brontë,1970-03-01\r\n".encode()
    )
    assert _run(client, world, bom)["result"]["created"] == 1
    names = {
        k: (r.given_name, r.family_name) for k, r in _imported(admin_engine, world, "W-").items()
    }
    assert names == {
        "W-1": ("Ada", "Lovelace"),
        "W-2": ("Zoë", "Seán-Ó"),
        "W-3": ("Chloë", "Brontë"),
    }


def test_semicolon_and_tab_delimited_csv(app, world: World, client, admin_engine, tmp_path):
    semicolons = tmp_path / "europe.csv"
    semicolons.write_text(
        "Local ID;Forename;Surname;DOB;Address 1\n"
        'S-1;Ada;Lovelace;10/12/1990;"12 High St, Flat 2"\n'
        "S-2;Grace;Hopper;09/12/1966;3 Low Rd, Unit 4\n",
        encoding="utf-8",
    )
    job = _run(client, world, semicolons)
    assert job["result"] == {
        "rows": 2,
        "created": 2,
        "updated": 0,
        "skipped": 0,
        "invalid": 0,
        "problems": 0,
    }, job
    tabs = tmp_path / "tabs.csv"
    tabs.write_text("Local ID\tForename\tSurname\tDOB\nS-3\tMary\tSeacole\t23/11/1905\n")
    assert _run(client, world, tabs)["result"]["created"] == 1
    addresses = {k: r.address_line_1 for k, r in _imported(admin_engine, world, "S-").items()}
    assert addresses == {"S-1": "12 High St, Flat 2", "S-2": "3 Low Rd, Unit 4", "S-3": None}


def test_import_page_says_what_files_it_takes(app, world: World, client):
    from tests.factories import PASSWORD

    client.post("/sign-in", data={"email": world.a.emails["admin"], "password": PASSWORD})
    page = client.get(f"/{world.a.slug}/imports/clients")
    assert page.status_code == 200
    text = page.data.decode()
    assert "Forename, Surname, DOB" in text and "15/03/1984" in text and "semicolons" in text

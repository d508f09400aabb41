"""Finding clients (typo-tolerant names, NHS number, date of birth, local id, status), paging,
the streaming CSV export and the subject access export."""

from __future__ import annotations

import csv
import io
import json

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from core.clients.export import csv_rows, safe_cell


def base(tenant) -> str:
    return f"/api/v1/{tenant.slug}/clients"


def ids(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [c["id"] for c in response.json]


def search(client, tenant, role="practitioner", **query):
    return client.get(base(tenant), query_string=query, headers=tenant.auth(role))


def create(client, tenant, **data):
    body = {"given_name": "Pat", "family_name": "Example", "date_of_birth": "1970-01-01", **data}
    response = client.post(base(tenant), json=body, headers=tenant.auth("practitioner"))
    assert response.status_code == 201, response.json
    return response.json


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


# --- search ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "q", ["Tayler", "taylor", "sam taylor", "SAM TAYLOR", "Sam Tailor", "  sam   taylor "]
)
def test_name_search_is_typo_tolerant(client, world, q):
    assert ids(search(client, world.a, q=q)) == [str(world.a.ids["client"][0])]


def test_name_search_does_not_match_unrelated_names(client, world):
    assert ids(search(client, world.a, q="Zebedee Quux")) == []


def test_best_match_first(client, world):
    create(client, world.a, given_name="Sam", family_name="Tayloresque")
    found = search(client, world.a, q="sam taylor").json
    assert found[0]["family_name"] == "Taylor"


def test_preferred_name_search(client, world):
    made = create(client, world.a, given_name="Alexandra", family_name="Ng", preferred_name="Lexi")
    assert made["id"] in ids(search(client, world.a, q="lexi"))


@pytest.mark.parametrize("q", ["9990000018", "999 000 0018", "999-000-0018", " 999 000 0018 "])
def test_nhs_number_in_q(client, world, q):
    assert ids(search(client, world.a, q=q)) == [str(world.a.ids["client"][0])]


@pytest.mark.parametrize("value", ["9990000018", "999 000 0018", "999-000-0018"])
def test_nhs_number_filter_accepts_spaces_and_dashes(client, world, value):
    assert ids(search(client, world.a, nhs_number=value)) == [str(world.a.ids["client"][0])]


def test_nhs_number_filter_refuses_invalid_number(client, world):
    response = search(client, world.a, nhs_number="9990000019")
    assert response.status_code == 422
    assert response.json["errors"][0]["pointer"] == "#/nhs_number"
    assert "check digit" in response.json["errors"][0]["detail"]


def test_valid_nhs_number_of_nobody_finds_nothing(client, world):
    # checksum-valid, in the test range, held by no client of this tenant
    assert ids(search(client, world.a, q="9990001006")) == []


def test_number_held_only_in_another_tenant_is_not_found(client, world):
    """No existence leak: a checksum-valid number of another tenant's client finds nothing."""
    create(client, world.b, nhs_number="999 000 1006", given_name="Only", family_name="InB")
    assert ids(search(client, world.b, q="9990001006")) != []
    assert ids(search(client, world.a, q="9990001006")) == []
    assert ids(search(client, world.a, nhs_number="9990001006")) == []
    duplicates = client.get(
        f"{base(world.a)}/duplicates",
        query_string={"nhs_number": "9990001006"},
        headers=world.a.auth("practitioner"),
    )
    assert duplicates.status_code == 200
    assert duplicates.json == []
    # and tenant A may create its own client with that number
    create(client, world.a, nhs_number="9990001006", given_name="Only", family_name="InA")


def test_date_of_birth_filter(client, world):
    assert ids(search(client, world.a, date_of_birth="1985-06-15")) == [
        str(world.a.ids["client"][0])
    ]
    assert ids(search(client, world.a, date_of_birth="1979-01-02")) == [
        str(world.a.ids["client"][1])
    ]
    assert ids(search(client, world.a, date_of_birth="2001-01-01")) == []
    assert search(client, world.a, date_of_birth="2023-02-30").status_code == 422


def test_local_id_filter_and_q(client, world):
    assert ids(search(client, world.a, local_id="LOCAL-1")) == [str(world.a.ids["client"][0])]
    assert ids(search(client, world.a, q="LOCAL-1")) == [str(world.a.ids["client"][0])]
    assert ids(search(client, world.a, local_id="LOCAL-2")) == []


def test_filters_combine(client, world):
    assert ids(search(client, world.a, q="taylor", date_of_birth="1985-06-15")) == [
        str(world.a.ids["client"][0])
    ]
    assert ids(search(client, world.a, q="taylor", date_of_birth="1979-01-02")) == []


def test_status_filter(client, world):
    jo = world.a.ids["client"][1]
    auth = world.a.auth("practitioner")
    etag = client.get(f"{base(world.a)}/{jo}", headers=auth).headers["ETag"]
    closed = client.post(
        f"{base(world.a)}/{jo}/close",
        json={"reason": "moved_away"},
        headers={**auth, "If-Match": etag},
    )
    assert closed.status_code == 200
    assert ids(search(client, world.a, status="closed")) == [str(jo)]
    assert ids(search(client, world.a, status="open")) == [str(world.a.ids["client"][0])]
    assert len(ids(search(client, world.a))) == 2
    assert search(client, world.a, status="archived").status_code == 422


def test_key_worker_filter(client, world):
    assert ids(
        search(client, world.a, key_worker_membership_id=str(world.a.memberships["practitioner"]))
    ) == [str(world.a.ids["client"][0])]


def test_pagination_header_and_pages(client, world):
    for n in range(7):
        create(client, world.a, given_name=f"Person{n}", family_name=f"Paged{n}")
    first = search(client, world.a, page=1, page_size=4)
    assert first.status_code == 200
    header = json.loads(first.headers["X-Pagination"])
    assert header["total"] == 9
    assert header["total_pages"] == 3
    assert header["page"] == 1
    pages = [ids(search(client, world.a, page=p, page_size=4)) for p in (1, 2, 3)]
    assert [len(p) for p in pages] == [4, 4, 1]
    walked = [i for p in pages for i in p]
    assert len(set(walked)) == 9
    assert set(walked) == set(ids(search(client, world.a, page_size=100)))
    assert search(client, world.a, page_size=101).status_code == 422
    assert search(client, world.a, page=0).status_code == 422


@pytest.mark.parametrize("page_size", [2, 3, 100])
def test_name_search_counts_its_matches_with_the_page(client, world, page_size):
    """A name search returns its total with the page (one query); past the end it counts apart."""
    for n in range(5):
        create(client, world.a, given_name=f"Morgan{n}", family_name="Quillfeather")
    create(client, world.b, given_name="Morgan", family_name="Quillfeather")  # not counted
    seen, page = [], 1
    while True:
        response = search(client, world.a, q="quillfeather", page=page, page_size=page_size)
        header = json.loads(response.headers["X-Pagination"])
        assert header["total"] == 5
        if not ids(response):
            break
        seen += ids(response)
        page += 1
    assert len(set(seen)) == 5
    assert page == -(-5 // page_size) + 1  # one page past the end: empty, total still right
    nothing = search(client, world.a, q="zzyzxqwv")
    assert ids(nothing) == [] and json.loads(nothing.headers["X-Pagination"])["total"] == 0


def test_search_never_shows_another_tenants_identical_client(client, world):
    theirs = {str(i) for t in (world.b, world.c) for i in t.ids["client"]}
    for query in (
        {"q": "sam taylor"},
        {"q": "9990000018"},
        {"nhs_number": "9990000018"},
        {"local_id": "LOCAL-1"},
        {"date_of_birth": "1985-06-15"},
        {},
    ):
        found = ids(search(client, world.a, **query))
        assert found, query
        assert not set(found) & theirs, query
        assert set(found) <= {str(i) for i in world.a.ids["client"]}


def test_search_query_is_bounded(client, world):
    assert search(client, world.a, q="").status_code == 422
    blank = search(client, world.a, q="   ")  # spaces alone would match everyone
    assert blank.status_code == 422
    assert blank.json["errors"] == [
        {"pointer": "#/q", "detail": "Enter a name, NHS number or local ID to search for"}
    ]
    assert search(client, world.a, q="x" * 101).status_code == 422


def test_search_with_like_wildcards_is_literal(client, world):
    assert ids(search(client, world.a, q="%")) == []
    assert ids(search(client, world.a, q="_")) == []


# --- CSV export ----------------------------------------------------------------------------


def test_csv_export_streams_with_header_row(client, world):
    from core.clients.api import FULL_FIELDS

    response = client.get(f"{base(world.a)}/export.csv", headers=world.a.auth("practitioner"))
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.is_streamed
    assert "attachment" in response.headers["Content-Disposition"]
    assert "tenant-a-clients.csv" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0] == list(FULL_FIELDS)
    assert "nhs_number" in rows[0] and "postcode" in rows[0]
    by_id = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert set(by_id) == {str(i) for i in world.a.ids["client"]}
    sam = by_id[str(world.a.ids["client"][0])]
    assert sam["nhs_number"] == "9990000018"
    assert sam["postcode"] == "SO16 7AB"
    assert sam["date_of_birth"] == "1985-06-15"


def test_csv_export_uses_the_list_filters(client, world):
    response = client.get(
        f"{base(world.a)}/export.csv", query_string={"q": "tayler"}, headers=world.a.auth("admin")
    )
    rows = read_csv(response)
    assert [r[0] for r in rows[1:]] == [str(world.a.ids["client"][0])]
    bad = client.get(
        f"{base(world.a)}/export.csv", query_string={"status": "x"}, headers=world.a.auth("admin")
    )
    assert bad.status_code == 422


def test_csv_export_never_contains_another_tenants_rows(client, world):
    response = client.get(f"{base(world.a)}/export.csv", headers=world.a.auth("practitioner"))
    text = response.get_data(as_text=True)
    for other in (world.b, world.c):
        for client_id in other.ids["client"]:
            assert str(client_id) not in text
    assert len(read_csv(response)) == 1 + len(world.a.ids["client"])


def test_csv_export_needs_permission(client, world, admin_engine):
    # A Caldicott Guardian reads records but has no bulk export.
    with admin_engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE membership SET roles = '[\"caldicott_guardian\"]' WHERE id = :id"),
            {"id": world.a.memberships["practitioner"]},
        )
    response = client.get(f"{base(world.a)}/export.csv", headers=world.a.auth("practitioner"))
    assert response.status_code == 403


@pytest.mark.parametrize(
    "name",
    ['=HYPERLINK("http://evil.example","click")', "+441632960001", "-2+3", "@SUM(A1)"],
)
def test_csv_export_is_formula_injection_safe(client, world, name):
    made = create(client, world.a, given_name=name, family_name="Formula")
    response = client.get(f"{base(world.a)}/export.csv", headers=world.a.auth("practitioner"))
    rows = read_csv(response)
    column = rows[0].index("given_name")
    row = next(r for r in rows[1:] if r[0] == made["id"])
    # the stored value is unchanged; only the exported cell is defused
    assert made["given_name"] == name.strip()
    assert row[column] == "'" + name.strip()
    assert row[column].startswith("'")


_DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "\0")


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_safe_cell_never_starts_with_a_formula_character_and_round_trips(text):
    cell = safe_cell(text)
    assert not cell.startswith(_DANGEROUS)
    assert cell == text or (cell == "'" + text and text.startswith(_DANGEROUS))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30),
        min_size=1,
        max_size=5,
    )
)
def test_csv_rows_round_trip_and_never_start_with_a_formula(values):
    text = "".join(csv_rows([f"c{i}" for i in range(len(values))], [values]))
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == 2
    for written, original in zip(rows[1], values, strict=True):
        assert not written.startswith(_DANGEROUS)
        assert written in (original, "'" + original)


# --- subject access export -----------------------------------------------------------------


def test_subject_access_export_has_every_section(client, world):
    sam = world.a.ids["client"][0]
    client.get(f"{base(world.a)}/{sam}", headers=world.a.auth("practitioner"))
    response = client.get(f"{base(world.a)}/{sam}/export", headers=world.a.auth("admin"))
    assert response.status_code == 200, response.json
    body = response.json
    assert {"client", "consents", "shares", "contacts", "notes", "access_log", "plugins"} <= set(
        body
    )
    assert body["client"]["id"] == str(sam)
    assert body["client"]["nhs_number"] == "9990000018"
    assert [c["id"] for c in body["consents"]] == [str(world.a.ids["client_consent"][0])]
    assert [s["id"] for s in body["shares"]] == [str(world.a.ids["client_share"][0])]
    assert [c["id"] for c in body["contacts"]] == [str(world.a.ids["client_contact"][0])]
    assert [n["id"] for n in body["notes"]] == [str(world.a.ids["client_note"][0])]
    assert body["notes"][0]["text"] == "First meeting went well."
    actions = [e["action"] for e in body["access_log"]]
    assert "client.read" in actions
    assert all(e["by"] for e in body["access_log"])
    canary = [s for s in body["plugins"] if s["source"] == "canary"]
    assert canary == [{"title": "Canary", "source": "canary", "records": [{"client_id": str(sam)}]}]
    # every enabled plugin contributes its section (tenant-a runs canary, step_out and ips)
    assert {s["source"] for s in body["plugins"]} == {"canary", "step_out", "ips"}


def test_subject_access_export_has_no_plugin_section_without_the_plugin(client, world):
    sam = world.c.ids["client"][0]
    response = client.get(f"{base(world.c)}/{sam}/export", headers=world.c.auth("admin"))
    assert response.status_code == 200
    assert response.json["plugins"] == []
    assert response.json["client"]["id"] == str(sam)


def test_subject_access_export_holds_nothing_of_another_client_or_tenant(client, world):
    sam = world.a.ids["client"][0]
    body = client.get(f"{base(world.a)}/{sam}/export", headers=world.a.auth("admin")).get_data(
        as_text=True
    )
    forbidden = [world.a.ids["client"][1]] + [
        i
        for t in (world.b, world.c)
        for k in ("client", "client_note", "client_contact")
        for i in t.ids[k]
    ]
    for other in forbidden:
        assert str(other) not in body


def test_subject_access_needs_its_own_permission(client, world):
    sam = world.a.ids["client"][0]
    url = f"{base(world.a)}/{sam}/export"
    assert client.get(url, headers=world.a.auth("practitioner")).status_code == 403
    assert client.get(url, headers=world.a.auth("partner")).status_code == 403
    assert client.get(url, headers=world.a.auth("admin")).status_code == 200


def test_subject_access_of_another_tenants_client_is_404(client, world):
    response = client.get(
        f"{base(world.a)}/{world.b.ids['client'][0]}/export", headers=world.a.auth("admin")
    )
    assert response.status_code == 404
    assert (
        client.get(f"{base(world.a)}/nope/export", headers=world.a.auth("admin")).status_code == 404
    )

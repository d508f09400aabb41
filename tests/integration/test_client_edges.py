"""Edge cases of the client-records API, as a trust's IT team and a Caldicott Guardian would try
them (issue 4): odd NHS numbers and postcodes, control characters, blank optional fields,
ETag races, the exact instant a share expires, timeline totals, and the words of each problem.

The fixture client "Sam Taylor" (``ids["client"][0]``) is shared with the Job Centre Plus office
under a consent; "Jo Unshared" (``ids["client"][1]``) is not. Complements test_client_bad_input,
test_client_consent_sharing, test_client_timeline and test_client_search_export.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

GOOD = {"given_name": "Alex", "family_name": "Morgan", "date_of_birth": "1990-04-01"}
TABLES = ("client", "client_consent", "client_share", "client_contact", "client_note")


def base(tenant) -> str:
    return f"/api/v1/{tenant.slug}/clients"


def row_counts(admin_engine, tenant) -> dict[str, int]:
    with admin_engine.connect() as conn:
        return {
            table: conn.execute(
                sa.text(f"SELECT count(*) FROM {table} WHERE tenant_id = :t"),
                {"t": tenant.tenant_id},
            ).scalar_one()
            for table in TABLES
        }


def stored_client(admin_engine, client_id) -> dict:
    with admin_engine.connect() as conn:
        return dict(
            conn.execute(sa.text("SELECT * FROM client WHERE id = :id"), {"id": client_id})
            .mappings()
            .one()
        )


def success_events(admin_engine, tenant) -> int:
    with admin_engine.connect() as conn:
        return conn.execute(
            sa.text(
                "SELECT count(*) FROM audit_event WHERE tenant_id = :t AND outcome = 'success'"
            ),
            {"t": tenant.tenant_id},
        ).scalar_one()


def problem_errors(response, status: int = 422) -> dict[str, str]:
    """The per-field messages of a problem+json answer, by pointer."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == "application/problem+json"
    return {e["pointer"]: e["detail"] for e in response.json.get("errors", [])}


def create(client, tenant, **data):
    return client.post(base(tenant), json={**GOOD, **data}, headers=tenant.auth("practitioner"))


@pytest.fixture
def sam(client, world):
    """URL and current ETag of Sam's record in tenant A."""
    url = f"{base(world.a)}/{world.a.ids['client'][0]}"
    return url, client.get(url, headers=world.a.auth("practitioner")).headers["ETag"]


# --- NHS numbers as people type them -------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "943 476 5919",
        "943-476-5919",
        "  9434765919  ",
        "943\u00a0476\u00a05919",
        "943 - 476 - 5919",
    ],
)
def test_nhs_number_typed_with_spaces_or_dashes_is_stored_as_digits(client, world, typed):
    response = create(client, world.a, nhs_number=typed)
    assert response.status_code == 201, response.json
    assert response.json["nhs_number"] == "9434765919"


@pytest.mark.parametrize(
    ("typed", "phrase"),
    [
        ("943.476.5919", "only numbers"),  # other separators are not guessed at
        ("943/476/5919", "only numbers"),
        ("９４３４７６５９１９", "only numbers"),  # full-width digits
        ("9990000020", "check digit"),  # the check digit computes to 10: never issued
        ("94347659190", "10 digits"),
        ("- -", "Enter an NHS number"),
    ],
)
def test_nhs_number_refusals_name_the_problem(client, world, admin_engine, typed, phrase):
    before = row_counts(admin_engine, world.a)
    errors = problem_errors(create(client, world.a, nhs_number=typed))
    assert phrase in errors["#/nhs_number"]
    assert row_counts(admin_engine, world.a) == before


# --- control characters (NUL made PostgreSQL fail the request with a 500) --------------------


def _nul_requests(world) -> dict[str, tuple[str, str, dict | None, dict | None, str]]:
    """case → (method, url, JSON body, query string, the field holding the NUL)."""
    url = f"{base(world.a)}/{world.a.ids['client'][0]}"
    now = datetime.now(UTC).isoformat()
    consent, share = world.a.ids["client_consent"][0], world.a.ids["client_share"][0]
    consent_body = {"purpose": "housing_referral", "given_on": "2026-01-05", "method": "verbal"}
    duplicate = {"family_name": "Taylor", "date_of_birth": "1985-06-15"}
    return {
        "create given_name": ("post", base(world.a), {**GOOD, "given_name": "Al\x00ex"}, None,
                              "given_name"),
        "create local_id": ("post", base(world.a), {**GOOD, "local_id": "L\x001"}, None,
                            "local_id"),
        "create address": ("post", base(world.a), {**GOOD, "address_line_1": "1 High St\x00"},
                           None, "address_line_1"),
        "note text": ("post", f"{url}/notes", {"text": "seen\x00today"}, None, "text"),
        "contact summary": ("post", f"{url}/contacts",
                            {"occurred_at": now, "method": "phone", "summary": "call\x00"}, None,
                            "summary"),
        "consent notes": ("post", f"{url}/consents", {**consent_body, "notes": "\x00"}, None,
                          "notes"),
        "withdraw reason": ("post", f"{url}/consents/{consent}/withdraw", {"reason": "\x00"},
                            None, "reason"),
        "share end reason": ("post", f"{url}/shares/{share}/end", {"reason": "\x00"}, None,
                             "reason"),
        "search q": ("get", base(world.a), None, {"q": "Sam\x00"}, "q"),
        "search local_id": ("get", base(world.a), None, {"local_id": "\x00"}, "local_id"),
        "export q": ("get", f"{base(world.a)}/export.csv", None, {"q": "\x00"}, "q"),
        "duplicates name": ("get", f"{base(world.a)}/duplicates", None,
                            {**duplicate, "given_name": "Sam\x00"}, "given_name"),
    }  # fmt: skip


NUL_CASES = [
    "create given_name",
    "create local_id",
    "create address",
    "note text",
    "contact summary",
    "consent notes",
    "withdraw reason",
    "share end reason",
    "search q",
    "search local_id",
    "export q",
    "duplicates name",
]


@pytest.mark.parametrize("case", NUL_CASES)
def test_nul_character_is_422_naming_the_field_and_nothing_is_written(
    client, world, admin_engine, case
):
    method, url, body, query, field = _nul_requests(world)[case]
    before = (row_counts(admin_engine, world.a), success_events(admin_engine, world.a))
    response = getattr(client, method)(
        url, json=body, query_string=query, headers=world.a.auth("practitioner")
    )
    errors = problem_errors(response)
    assert list(errors) == [f"#/{field}"]
    assert "control character" in errors[f"#/{field}"]
    assert (row_counts(admin_engine, world.a), success_events(admin_engine, world.a)) == before


def test_nul_in_an_update_changes_nothing(client, world, admin_engine, sam):
    url, etag = sam
    before = stored_client(admin_engine, world.a.ids["client"][0])
    response = client.patch(
        url, json={"town": "Totton\x00"}, headers={**world.a.auth("practitioner"), "If-Match": etag}
    )
    assert list(problem_errors(response)) == ["#/town"]
    assert stored_client(admin_engine, world.a.ids["client"][0]) == before


@pytest.mark.parametrize(
    "name", ["Al\nex", "Al\rex", "Al\tex", "Al\x07ex", "\x1b[31mAlex", "Alex\x00 "]
)
def test_one_line_fields_refuse_line_breaks_and_escape_codes(client, world, admin_engine, name):
    """A name with a line break or an escape sequence breaks letters, CSV files and matching."""
    before = row_counts(admin_engine, world.a)
    errors = problem_errors(create(client, world.a, given_name=name))
    assert list(errors) == ["#/given_name"]
    assert row_counts(admin_engine, world.a) == before


def test_whitespace_around_a_name_pasted_from_a_spreadsheet_is_trimmed(client, world):
    response = create(client, world.a, given_name="\tAlex\r\n", family_name=" Morgan\t")
    assert response.status_code == 201, response.json
    assert (response.json["given_name"], response.json["family_name"]) == ("Alex", "Morgan")


def test_free_text_keeps_its_line_breaks(client, world):
    text = "Met at the job centre.\nNext: CV review.\n\tBring ID."
    response = client.post(
        f"{base(world.a)}/{world.a.ids['client'][0]}/notes",
        json={"text": text},
        headers=world.a.auth("practitioner"),
    )
    assert response.status_code == 201, response.json
    assert response.json["details"]["text"] == text


def test_names_in_other_scripts_are_kept(client, world):
    response = create(client, world.a, given_name="Zoë", family_name="Ó Briain-Nguyễn")
    assert response.status_code == 201, response.json
    assert response.json["family_name"] == "Ó Briain-Nguyễn"


# --- optional fields: missing, null and blank mean the same ----------------------------------


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_blank_optional_fields_are_stored_as_empty(client, world, blank):
    optional = ("nhs_number", "local_id", "preferred_name", "gender_identity", "ethnic_category")
    optional += ("address_line_1", "town", "postcode", "phone", "email")
    response = create(client, world.a, **dict.fromkeys(optional, blank))
    if blank == "   ":  # codes are exact: spaces around a code are not a code
        errors = problem_errors(response)
        assert set(errors) == {"#/gender_identity", "#/ethnic_category"}
        return
    assert response.status_code == 201, response.json
    assert all(response.json[field] is None for field in optional), response.json


def test_email_is_trimmed_like_every_other_field(client, world):
    response = create(client, world.a, email="  alex.morgan@example.org ")
    assert response.status_code == 201, response.json
    assert response.json["email"] == "alex.morgan@example.org"


def test_blank_email_clears_it_on_update(client, world, sam):
    url, etag = sam
    auth = {**world.a.auth("practitioner"), "If-Match": etag}
    given = client.patch(url, json={"email": "sam@example.org"}, headers=auth)
    assert given.status_code == 200
    cleared = client.patch(
        url, json={"email": ""}, headers={**auth, "If-Match": given.headers["ETag"]}
    )
    assert cleared.status_code == 200, cleared.json
    assert cleared.json["email"] is None


@pytest.mark.parametrize("phone", ["-------", "((( )))", "+ - - - - - -", "01 23 45"])
def test_phone_without_enough_digits_is_refused(client, world, admin_engine, phone):
    before = row_counts(admin_engine, world.a)
    errors = problem_errors(create(client, world.a, phone=phone))
    assert "phone number" in errors["#/phone"]
    assert row_counts(admin_engine, world.a) == before


@pytest.mark.parametrize("phone", ["023 8059 5000", "+44 (0)7700 900982", "07700-900-982"])
def test_real_phone_numbers_are_accepted(client, world, phone):
    assert create(client, world.a, phone=phone).status_code == 201


# --- postcodes and dates -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("gir0aa", "GIR 0AA"),
        ("ec1a1bb", "EC1A 1BB"),
        (" w1a 1aa ", "W1A 1AA"),
        ("zz993wz", "ZZ99 3WZ"),
    ],
)
def test_postcode_forms_are_normalised(client, world, typed, stored):
    response = create(client, world.a, postcode=typed)
    assert response.status_code == 201, response.json
    assert response.json["postcode"] == stored


@pytest.mark.parametrize("typed", ["BFPO 1234", "SO16 7ABX", "SO167AB1", "QO16 7AB", "SO16 7AC"])
def test_postcode_that_is_not_one_is_refused(client, world, typed):
    assert "#/postcode" in problem_errors(create(client, world.a, postcode=typed))


@pytest.mark.parametrize(
    ("typed", "phrase"),
    [
        ("0001-01-01", "1900"),
        ("2024-02-30", "real date"),
        ("1990-04-01T00:00:00", "YYYY-MM-DD"),
        (" 1990-04-01", "YYYY-MM-DD"),
        ((date.today() + timedelta(days=1)).isoformat(), "past"),
    ],
)
def test_impossible_birth_dates_are_refused(client, world, typed, phrase):
    errors = problem_errors(create(client, world.a, date_of_birth=typed))
    assert phrase in errors["#/date_of_birth"]


def test_born_today_and_on_29_february_are_real_dates(client, world):
    assert create(client, world.a, date_of_birth=date.today().isoformat()).status_code == 201
    leap = create(client, world.a, given_name="Leap", date_of_birth="2000-02-29")
    assert leap.status_code == 201


# --- ETag and If-Match ---------------------------------------------------------------------


def test_if_match_star_and_a_list_holding_the_current_tag_are_accepted(client, world, sam):
    url, _etag = sam
    auth = world.a.auth("practitioner")
    star = client.patch(url, json={"town": "Totton"}, headers={**auth, "If-Match": "*"})
    assert star.status_code == 200
    listed = client.patch(
        url,
        json={"town": "Romsey"},
        headers={**auth, "If-Match": f'"someone-else", {star.headers["ETag"]}'},
    )
    assert listed.status_code == 200
    assert listed.json["town"] == "Romsey"


@pytest.mark.parametrize("header", ["garbage", "W/{etag}", "{bare}", '"{id}-999"'])
def test_malformed_weak_or_unknown_if_match_is_412_and_changes_nothing(
    client, world, admin_engine, sam, header
):
    url, etag = sam
    value = header.format(etag=etag, bare=etag.strip('"'), id=world.a.ids["client"][0])
    before = stored_client(admin_engine, world.a.ids["client"][0])
    response = client.patch(
        url, json={"town": "X"}, headers={**world.a.auth("practitioner"), "If-Match": value}
    )
    problem_errors(response, 412)
    assert stored_client(admin_engine, world.a.ids["client"][0]) == before


def test_412_and_428_say_what_to_do_in_our_words(client, world, sam):
    """Not werkzeug's "failed positive evaluation" or its advice to use If-Unmodified-Since,
    which this API does not support."""
    from core.api.etag import MISSING_MESSAGE, STALE_MESSAGE

    url, _etag = sam
    auth = world.a.auth("practitioner")
    missing = client.patch(url, json={"town": "X"}, headers=auth)
    problem_errors(missing, 428)
    assert missing.json["detail"] == MISSING_MESSAGE
    stale = client.patch(url, json={"town": "X"}, headers={**auth, "If-Match": '"old-1"'})
    problem_errors(stale, 412)
    assert stale.json["detail"] == STALE_MESSAGE


def test_partner_refusal_says_why(client, world, app):
    from core.accounts.models import Membership
    from core.extensions import db
    from core.tenancy.context import tenant_context

    with app.app_context(), tenant_context(world.a.tenant_id):
        db.session.get(Membership, world.a.memberships["partner"]).roles = [
            "partner_advisor",
            "practitioner",
        ]
    response = client.post(
        f"{base(world.a)}/{world.a.ids['client'][0]}/consents",
        json={"purpose": "jcp_joint_caseload", "given_on": "2026-01-10", "method": "verbal"},
        headers=world.a.auth("partner"),
    )
    problem_errors(response, 403)
    assert response.json["detail"] == "Partner staff cannot change consent or sharing."


@pytest.mark.hazard("HAZ-005")
@pytest.mark.parametrize("action", ["update", "close", "reopen"])
def test_a_change_racing_another_is_412_not_a_server_error(
    client, world, admin_engine, monkeypatch, action
):
    """Two people save the same record at once: both pass the If-Match check, the second
    write finds the version moved on. It must be told so (412), with nothing written."""
    from core.api import etag
    from core.clients import api as clients_api

    jo = world.a.ids["client"][1]
    url = f"{base(world.a)}/{jo}"
    auth = world.a.auth("practitioner")
    if action == "reopen":
        tag = client.get(url, headers=auth).headers["ETag"]
        closed = client.post(
            f"{url}/close", json={"reason": "other"}, headers={**auth, "If-Match": tag}
        )
        assert closed.status_code == 200
    tag = client.get(url, headers=auth).headers["ETag"]
    checked = etag.require_if_match

    def check_then_lose_the_race(row):
        checked(row)
        with admin_engine.begin() as conn:  # the other person's save lands now
            conn.execute(
                sa.text("UPDATE client SET town = 'Theirs', version = version + 1 WHERE id = :id"),
                {"id": jo},
            )

    monkeypatch.setattr(clients_api, "require_if_match", check_then_lose_the_race)
    request = {
        "update": lambda h: client.patch(url, json={"town": "Mine"}, headers=h),
        "close": lambda h: client.post(f"{url}/close", json={"reason": "other"}, headers=h),
        "reopen": lambda h: client.post(f"{url}/reopen", headers=h),
    }[action]
    before_events = success_events(admin_engine, world.a)
    response = request({**auth, "If-Match": tag})
    problem_errors(response, 412)
    stored = stored_client(admin_engine, jo)
    assert stored["town"] == "Theirs"
    assert stored["status"] == ("closed" if action == "reopen" else "open")
    assert success_events(admin_engine, world.a) == before_events


# --- sharing: organisations and the instant of expiry ----------------------------------------


def test_share_with_an_inactive_partner_organisation_is_422(client, world, admin_engine, app):
    from tests.integration.test_client_consent_sharing import add_organisation

    org = add_organisation(app, world.a, "jcp-old", "job_centre_plus", "Closed Job Centre")
    with admin_engine.begin() as conn:
        conn.execute(sa.text("UPDATE organisation SET active = false WHERE id = :id"), {"id": org})
    before = row_counts(admin_engine, world.a)
    response = client.post(
        f"{base(world.a)}/{world.a.ids['client'][0]}/shares",
        json={"organisation_id": str(org), "consent_id": str(world.a.ids["client_consent"][0])},
        headers=world.a.auth("practitioner"),
    )
    assert list(problem_errors(response)) == ["#/organisation_id"]
    assert row_counts(admin_engine, world.a) == before


def test_access_ends_at_the_instant_of_expiry_for_every_read(
    client, world, admin_engine, monkeypatch
):
    """At ``expires_at`` exactly the share is over (read, list, search, timeline, writes)."""
    from core.clients import access

    sam = world.a.ids["client"][0]
    expires = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
    with admin_engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE client_share SET expires_at = :e WHERE id = :id"),
            {"e": expires, "id": world.a.ids["client_share"][0]},
        )
    partner = world.a.auth("partner")
    url = f"{base(world.a)}/{sam}"

    def visible() -> list[bool]:
        return [
            client.get(url, headers=partner).status_code == 200,
            bool(client.get(base(world.a), headers=partner).json),
            bool(client.get(base(world.a), query_string={"q": "taylor"}, headers=partner).json),
            client.get(f"{url}/timeline", headers=partner).status_code == 200,
        ]

    monkeypatch.setattr(access, "utcnow", lambda: expires - timedelta(microseconds=1))
    assert visible() == [True] * 4
    monkeypatch.setattr(access, "utcnow", lambda: expires)
    assert visible() == [False] * 4
    note = client.post(f"{url}/notes", json={"text": "after expiry"}, headers=partner)
    assert note.status_code == 404


def test_share_expiring_now_is_refused(client, world):
    jo = world.a.ids["client"][1]
    consent = client.post(
        f"{base(world.a)}/{jo}/consents",
        json={"purpose": "jcp_joint_caseload", "given_on": "2026-01-10", "method": "verbal"},
        headers=world.a.auth("practitioner"),
    ).json
    response = client.post(
        f"{base(world.a)}/{jo}/shares",
        json={
            "organisation_id": str(world.a.ids["organisation"][1]),
            "consent_id": consent["id"],
            "expires_at": datetime.now(UTC).isoformat(),
        },
        headers=world.a.auth("practitioner"),
    )
    assert list(problem_errors(response)) == ["#/expires_at"]


# --- timeline ------------------------------------------------------------------------------


def test_timeline_total_does_not_depend_on_the_page_size(client, world):
    """Tenant A runs plugins that add entries; the total must count them all on every page,
    or a client following ``total`` stops before the end."""
    url = f"{base(world.a)}/{world.a.ids['client'][0]}/timeline"
    auth = world.a.auth("practitioner")
    everything = client.get(url, query_string={"page_size": 100}, headers=auth).json
    assert len(everything["entries"]) == everything["total"] > 3
    for page_size in (1, 2, 3):
        body = client.get(url, query_string={"page_size": page_size}, headers=auth).json
        assert body["total"] == everything["total"], page_size
    walked = []
    for page in range(1, everything["total"] + 1):
        body = client.get(url, query_string={"page": page, "page_size": 1}, headers=auth).json
        walked += [(e["kind"], e["source"], e["id"], e["summary"]) for e in body["entries"]]
    # (the canary's entry is stamped "now" at each request, so times are not compared)
    assert walked == [
        (e["kind"], e["source"], e["id"], e["summary"]) for e in everything["entries"]
    ]


@pytest.mark.parametrize(
    "query", [{"page_size": 1000}, {"page": -1}, {"page_size": "ten"}, {"page": 10001}]
)
def test_timeline_paging_out_of_bounds_is_422_naming_the_parameter(client, world, query):
    response = client.get(
        f"{base(world.a)}/{world.a.ids['client'][0]}/timeline",
        query_string=query,
        headers=world.a.auth("practitioner"),
    )
    assert list(problem_errors(response)) == [f"#/{next(iter(query))}"]

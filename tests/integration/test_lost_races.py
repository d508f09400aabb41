"""Two requests racing for the same unique value: the loser gets 409, not a server error.

Both requests check that the NHS number is free before writing it; when another transaction
writes it between our check and our INSERT, PostgreSQL's unique index makes our INSERT wait for
that transaction and then refuse. The race is made real here: an admin connection holds an
uncommitted row with the number, the API request blocks on the index, the admin commits.
"""

from __future__ import annotations

import threading
import time
import uuid

import sqlalchemy as sa

NHS_NUMBER = "9990001006"
NEW = {
    "nhs_number": NHS_NUMBER,
    "given_name": "Alex",
    "family_name": "Morgan",
    "date_of_birth": "1990-04-01",
}


def _hold_row_with_number(conn: sa.Connection, template_id: uuid.UUID) -> uuid.UUID:
    """Copy an existing client of the same tenant with our NHS number; leave it uncommitted."""
    columns = conn.execute(
        sa.text(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name = 'client' ORDER BY ordinal_position"
        )
    ).scalars()
    new_id = uuid.uuid4()
    chosen = {"id": ":new_id", "nhs_number": ":nhs", "local_id": "NULL"}
    names = list(columns)
    values = ", ".join(chosen.get(name, name) for name in names)
    conn.execute(
        sa.text(
            f"INSERT INTO client ({', '.join(names)}) SELECT {values} FROM client WHERE id = :t"
        ),
        {"new_id": new_id, "nhs": NHS_NUMBER, "t": template_id},
    )
    return new_id


def _wait_until_blocked(admin: sa.Engine, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    with admin.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND query ILIKE 'INSERT INTO client%'"
                )
            ).scalar_one()
            if waiting:
                return
            conn.rollback()  # pg_stat_activity is a snapshot per transaction
            time.sleep(0.05)
    raise AssertionError("the API request never waited on the unique index")


def test_a_lost_race_for_an_nhs_number_is_409_and_saves_nothing(client, world, admin_engine):
    answers: list = []
    base = f"/api/v1/{world.a.slug}/clients"
    auth = world.a.auth("practitioner")
    with admin_engine.connect() as holder:
        rival = _hold_row_with_number(holder, world.a.ids["client"][0])
        request = threading.Thread(
            target=lambda: answers.append(client.post(base, json=NEW, headers=auth))
        )
        request.start()
        try:
            _wait_until_blocked(admin_engine)
        finally:
            holder.commit()
            request.join(30)
    (response,) = answers
    assert response.status_code == 409, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert "Nothing was saved" in response.json["detail"]
    assert "duplicate key" not in response.get_data(as_text=True)  # not the database's words
    with admin_engine.connect() as conn:
        ids = conn.execute(
            sa.text("SELECT id FROM client WHERE nhs_number = :n"), {"n": NHS_NUMBER}
        ).scalars()
        assert list(ids) == [rival]


def test_the_next_request_after_a_lost_race_works(client, world, admin_engine):
    """The 409 rolled back cleanly: the same app goes on answering (no broken session)."""
    test_a_lost_race_for_an_nhs_number_is_409_and_saves_nothing(client, world, admin_engine)
    again = client.get(f"/api/v1/{world.a.slug}/clients?q=Morgan", headers=world.a.auth())
    assert again.status_code == 200

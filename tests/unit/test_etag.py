"""The one optimistic-concurrency helper core and plugins share (``core/api/etag.py``).

No database: rows are transient ORM objects (no session, so nothing to flush) and the request
is a bare Flask test request.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from werkzeug.exceptions import HTTPException

from core.api import etag
from core.plugins import api as plugin_api

ROW_ID = uuid.UUID("00000000-0000-0000-0000-000000000001")
#: 2024-05-01 12:00:00.000007 UTC, in microseconds since 1970.
MICROS = 1_714_564_800_000_007
STAMP = datetime(2024, 5, 1, 12, 0, 0, 7, tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class Counted(Base):
    """Versioned the way core's clients and memberships are, under another attribute name."""

    __tablename__ = "counted"
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    revision: Mapped[int] = mapped_column(sa.Integer)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    __mapper_args__ = {"version_id_col": revision}


class Stamped(Base):
    """No version counter (as plugin tables): a column merely called ``version`` is data."""

    __tablename__ = "stamped"
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    version: Mapped[str] = mapped_column(sa.String)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


def stamped(at: datetime = STAMP) -> Stamped:
    return Stamped(id=ROW_ID, version="v2 form", updated_at=at)


@pytest.fixture
def request_with():
    app = Flask(__name__)
    return lambda if_match=None: app.test_request_context(
        headers={} if if_match is None else {"If-Match": if_match}
    )


def refusal(call, *args) -> tuple[int, str]:
    with pytest.raises(HTTPException) as raised:
        call(*args)
    return raised.value.code, raised.value.data["message"]


def test_etag_uses_the_orm_version_counter_whatever_its_name():
    assert etag.etag_for(Counted(id=ROW_ID, revision=3, updated_at=STAMP)) == f'"{ROW_ID}-3"'


def test_etag_without_version_counter_is_id_and_updated_at_micros():
    assert etag.etag_for(stamped()) == f'"{ROW_ID}-{MICROS}"'


@pytest.mark.parametrize(
    "at",
    [
        STAMP.astimezone(timezone(timedelta(hours=1))),  # PostgreSQL in Europe/London summer
        STAMP.replace(tzinfo=None),  # SQLite: naive UTC
    ],
    ids=["aware-bst", "naive-utc"],
)
def test_etag_is_the_same_for_the_same_instant_however_it_is_read(at):
    assert etag.etag_for(stamped(at)) == etag.etag_for(stamped()) == f'"{ROW_ID}-{MICROS}"'


def test_require_if_match_refuses_missing_then_stale_and_accepts_current(request_with):
    row = stamped()
    with request_with():
        assert refusal(etag.require_if_match, row) == (428, etag.MISSING_MESSAGE)
    with request_with('"someone-else"'):
        assert refusal(etag.require_if_match, row) == (412, etag.STALE_MESSAGE)
    for header in [etag.etag_for(row), f'"other", {etag.etag_for(row)}', "*"]:
        with request_with(header):
            etag.require_if_match(row)  # no refusal


def test_refusal_messages_keep_their_wording():
    """Clients and tests read these; the texts are part of the API."""
    assert etag.MISSING_MESSAGE == (
        "Send If-Match with the ETag you last read, so no change is lost."
    )
    assert etag.STALE_MESSAGE == (
        "Someone changed this since you read it. Read it again, then retry."
    )


def test_with_etag_answers_the_row_or_a_body_with_the_rows_tag():
    row = stamped()
    tag = {"ETag": f'"{ROW_ID}-{MICROS}"'}
    assert etag.with_etag(row) == (row, 200, tag)
    assert etag.with_etag(row, 201, body={"id": "x"}) == ({"id": "x"}, 201, tag)


def test_guarded_update_applies_the_change_and_answers_the_new_tag(request_with):
    row = stamped()
    with request_with(etag.etag_for(row)):
        body, status, headers = etag.guarded_update(row, lambda r: {"changed": r.id})
    assert (body, status) == ({"changed": ROW_ID}, 200)
    assert row.updated_at > STAMP  # touched, although the change altered no column of the row
    assert headers == {"ETag": etag.etag_for(row)} != {"ETag": f'"{ROW_ID}-{MICROS}"'}


def test_guarded_update_answers_the_row_when_the_change_returns_nothing(request_with):
    row = stamped()
    with request_with("*"):
        assert etag.guarded_update(row, lambda r: None)[0] is row


def test_guarded_update_changes_nothing_on_a_stale_read(request_with):
    row, changed = stamped(), []
    with request_with('"stale"'):
        assert refusal(etag.guarded_update, row, changed.append)[0] == 412
    assert changed == [] and row.updated_at == STAMP


def test_plugin_api_exports_the_one_helper():
    """Plugins import these only through ``core.plugins.api``; they are core's, not copies."""
    for name in ["etag_for", "require_if_match", "with_etag", "touch", "guarded_update"]:
        assert name in plugin_api.__all__
        assert getattr(plugin_api, name) is getattr(etag, name)

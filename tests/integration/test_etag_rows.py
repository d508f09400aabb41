"""``core/api/etag.py`` on real PostgreSQL rows: a change not yet flushed already moves the
ETag, and a time read back in another session time zone tags the same instant alike."""

from __future__ import annotations

import sqlalchemy as sa

from core.accounts.models import Organisation
from core.api.etag import etag_for
from core.clients.models import Client
from core.extensions import db
from core.tenancy.context import tenant_context


def test_versioned_row_tag_counts_a_change_not_yet_flushed(app, world):
    with app.app_context(), tenant_context(world.a.tenant_id, commit=False):
        client = db.session.get(Client, world.a.ids["client"][0])
        before = etag_for(client)
        assert before == f'"{client.id}-{client.version}"'
        client.preferred_name = "Not yet flushed"
        assert etag_for(client) == f'"{client.id}-{client.version}"' != before


def test_timestamped_row_tag_moves_on_change_and_survives_the_round_trip(app, world):
    org_id = world.a.ids["organisation"][0]
    with app.app_context(), tenant_context(world.a.tenant_id):
        org = db.session.get(Organisation, org_id)
        before = etag_for(org)
        org.name = "Renamed, not yet flushed"
        after = etag_for(org)
        assert after != before
    with app.app_context(), tenant_context(world.a.tenant_id, commit=False):
        # A session in another zone hands back aware times in it (+01:00 in summer).
        db.session.execute(sa.text("SET LOCAL TIME ZONE 'Europe/London'"))
        org = db.session.get(Organisation, org_id)
        assert org.updated_at.utcoffset() is not None
        assert etag_for(org) == after

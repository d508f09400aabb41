"""API for what hangs off a client record: consent, shares, contacts, notes, the timeline."""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields, validate

from core.accounts.permissions import requires
from core.clients import sharing, timeline
from core.clients.access import is_partner_viewer
from core.clients.api import load_client, parse_id
from core.clients.schemas import (
    ConsentInputSchema,
    ConsentSchema,
    ConsentWithdrawSchema,
    ContactInputSchema,
    NoteInputSchema,
    ShareEndSchema,
    ShareInputSchema,
    ShareSchema,
    TimelineEntrySchema,
)
from core.tenancy.blueprints import tenant_api_blueprint

blp = tenant_api_blueprint(
    "client_record_api",
    __name__,
    url_prefix="/clients/<client_id>",
    description="Consent, sharing and the timeline of one client",
)


class TimelinePageSchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10000))
    page_size = fields.Integer(load_default=25, validate=validate.Range(min=1, max=100))


class TimelineSchema(Schema):
    entries = fields.List(fields.Nested(TimelineEntrySchema))
    page = fields.Integer()
    page_size = fields.Integer()
    total = fields.Integer()


def _trust_staff_only() -> None:
    """Consent and shares are the trust's business; partners see only their own share."""
    if is_partner_viewer():
        abort(403, message="Partner staff cannot change consent or sharing.")


@blp.route("/consents")
class Consents(MethodView):
    @requires("clients.read")
    @blp.response(200, ConsentSchema(many=True))
    def get(self, client_id: str):
        """The client's consents, withdrawn ones included (they are history)."""
        client = load_client(client_id)
        if is_partner_viewer():
            shared = {s.consent_id for s in sharing.shares_of(client, g.membership.organisation_id)}
            return [c for c in sharing.consents_of(client) if c.id in shared]
        return sharing.consents_of(client)

    @requires("consent.write")
    @blp.arguments(ConsentInputSchema)
    @blp.response(201, ConsentSchema)
    def post(self, data, client_id: str):
        """Record consent for a purpose."""
        _trust_staff_only()
        return sharing.give_consent(load_client(client_id, audit_read=False), data)


@blp.route("/consents/<consent_id>/withdraw")
class ConsentWithdraw(MethodView):
    @requires("consent.write")
    @blp.arguments(ConsentWithdrawSchema)
    @blp.response(200, ConsentSchema)
    def post(self, data, client_id: str, consent_id: str):
        """Withdraw consent: every share under it stops at once; the consent stays as history."""
        _trust_staff_only()
        client = load_client(client_id, audit_read=False)
        consent = sharing.find_consent(client, parse_id(consent_id))
        return sharing.withdraw_consent(consent, data.get("reason"))


@blp.route("/shares")
class Shares(MethodView):
    @requires("clients.read")
    @blp.response(200, ShareSchema(many=True))
    def get(self, client_id: str):
        """Who the client is shared with (partners: only their own organisation's shares)."""
        client = load_client(client_id)
        org = g.membership.organisation_id if is_partner_viewer() else None
        return sharing.shares_of(client, org)

    @requires("shares.write")
    @blp.arguments(ShareInputSchema)
    @blp.response(201, ShareSchema)
    def post(self, data, client_id: str):
        """Share the client with a partner organisation under a live consent."""
        _trust_staff_only()
        client = load_client(client_id, audit_read=False)
        return sharing.share_with(
            client, data["organisation_id"], data["consent_id"], data.get("expires_at")
        )


@blp.route("/shares/<share_id>/end")
class ShareEnd(MethodView):
    @requires("shares.write")
    @blp.arguments(ShareEndSchema)
    @blp.response(200, ShareSchema)
    def post(self, data, client_id: str, share_id: str):
        """Stop sharing: the partner loses access at once."""
        _trust_staff_only()
        client = load_client(client_id, audit_read=False)
        return sharing.end_share(sharing.find_share(client, parse_id(share_id)), data.get("reason"))


@blp.route("/timeline")
class Timeline(MethodView):
    @requires("clients.read")
    @blp.arguments(TimelinePageSchema, location="query")
    @blp.response(200, TimelineSchema)
    def get(self, query, client_id: str):
        """Contacts, notes and plugins' events, newest first."""
        client = load_client(client_id)
        entries, total = timeline.entries(client, page=query["page"], page_size=query["page_size"])
        return {
            "entries": entries,
            "page": query["page"],
            "page_size": query["page_size"],
            "total": total,
        }


@blp.route("/contacts")
class Contacts(MethodView):
    @requires("timeline.write")
    @blp.arguments(ContactInputSchema)
    @blp.response(201, TimelineEntrySchema)
    def post(self, data, client_id: str):
        """Record a contact (face to face, phone, video, text, email)."""
        contact = timeline.record_contact(load_client(client_id, audit_read=False), data)
        return {
            "id": str(contact.id),
            "at": contact.occurred_at,
            "kind": "contact",
            "summary": contact.summary or "",
            "source": "core",
            "details": {},
        }


@blp.route("/notes")
class Notes(MethodView):
    @requires("timeline.write")
    @blp.arguments(NoteInputSchema)
    @blp.response(201, TimelineEntrySchema)
    def post(self, data, client_id: str):
        """Write a note. Notes cannot be changed: correct one by writing a new note that
        names it in ``corrects_note_id``."""
        note = timeline.write_note(
            load_client(client_id, audit_read=False), data["text"], data.get("corrects_note_id")
        )
        return {
            "id": str(note.id),
            "at": note.written_at,
            "kind": "note",
            "summary": "Correction" if note.corrects_note_id else "Note",
            "source": "core",
            "details": {"text": note.text},
        }

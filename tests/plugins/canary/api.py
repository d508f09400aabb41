import uuid

import sqlalchemy as sa
from flask import g
from flask.views import MethodView
from flask_smorest import abort

from core.plugins.api import db, requires, tenant_api_blueprint

from .models import CanaryNote
from .schemas import NoteSchema

blp = tenant_api_blueprint("canary_api", __name__, url_prefix="/canary/notes")


def _note(note_id: str) -> CanaryNote:
    try:
        wanted = uuid.UUID(note_id)
    except ValueError:
        abort(404)
    note = db.session.execute(
        sa.select(CanaryNote).where(CanaryNote.id == wanted)
    ).scalar_one_or_none()
    if note is None:
        abort(404)
    return note


@blp.route("")
class Notes(MethodView):
    @requires("canary.notes.read")
    @blp.response(200, NoteSchema(many=True))
    def get(self):
        """Canary notes."""
        return db.session.execute(sa.select(CanaryNote).order_by(CanaryNote.text)).scalars()

    @requires("canary.notes.write")
    @blp.arguments(NoteSchema)
    @blp.response(201, NoteSchema)
    def post(self, data):
        """Add a note."""
        note = CanaryNote(text=data["text"], author_membership_id=g.membership.id)
        db.session.add(note)
        db.session.flush()
        return note


@blp.route("/<note_id>")
class NoteById(MethodView):
    @requires("canary.notes.read")
    @blp.response(200, NoteSchema)
    def get(self, note_id: str):
        """One note."""
        return _note(note_id)

    @requires("canary.notes.write")
    @blp.arguments(NoteSchema)
    @blp.response(200, NoteSchema)
    def put(self, data, note_id: str):
        """Replace a note's text."""
        note = _note(note_id)
        note.text = data["text"]
        db.session.flush()
        return note

    @requires("canary.notes.write")
    @blp.response(204)
    def delete(self, note_id: str):
        """Delete a note."""
        db.session.delete(_note(note_id))
        db.session.flush()

import sqlalchemy as sa

from core.plugins.api import db

from .models import CanaryNote


def count_notes(**_parameters) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(CanaryNote)).scalar_one()


def seed_welcome_note(settings) -> str:
    text = f"{settings.get('greeting', 'hello')} from the canary"
    exists = db.session.execute(sa.select(CanaryNote).where(CanaryNote.text == text)).first()
    if exists is None:
        db.session.add(CanaryNote(text=text))
        db.session.flush()
    return "canary welcome note"

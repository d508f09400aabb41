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


def slow_notes(label: str = "slow", steps: int = 5, pause: float = 0.2, **_parameters) -> dict:
    """A job with a side effect (one note per step) committed together with its completion."""
    import time

    from core.plugins.api import job_progress

    for step in range(steps):
        db.session.add(CanaryNote(text=f"{label}:{step}"))
        db.session.flush()
        job_progress(100 * (step + 1) / steps, f"step {step + 1} of {steps}")
        time.sleep(pause)
    return {"notes": steps}


def whoami(**_parameters) -> dict:
    """What the job sees: the RLS tenant setting and how many notes are visible."""
    setting = db.session.execute(
        sa.text("SELECT current_setting('app.current_tenant', true)")
    ).scalar_one()
    raw = db.session.execute(sa.text("SELECT count(*) FROM canary_note")).scalar_one()
    return {"setting": setting, "notes": count_notes(), "raw_notes": raw}


def poison(**_parameters) -> None:
    """Always fails with a bug (not a transient problem)."""
    raise ValueError("secret detail that must not reach the page")

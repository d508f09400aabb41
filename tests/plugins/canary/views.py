import sqlalchemy as sa
from flask import render_template

from core.plugins.api import requires, tenant_ui_blueprint

from .models import CanaryNote

bp = tenant_ui_blueprint("canary", __name__, url_prefix="/canary", template_folder="templates")


@bp.route("/")
@requires("canary.notes.read")
def notes():
    from core.plugins.api import db

    rows = db.session.execute(sa.select(CanaryNote).order_by(CanaryNote.text)).scalars().all()
    return render_template("canary/notes.html", notes=rows)

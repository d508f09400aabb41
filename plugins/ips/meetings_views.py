"""IPS pages: joint caseload meetings with Job Centre Plus — the list, one meeting, and the
forms to record a meeting, the clients discussed and the actions agreed."""

from __future__ import annotations

from flask import redirect, render_template, url_for

from core.plugins.api import db, has_permission, requires, tenant_ui_blueprint

from . import MEETINGS, PARTNER_READ
from . import meetings_recording as recording
from . import meetings_services as services
from .common import found, requires_any, save_form
from .meetings_forms import DiscussedClientForm, MeetingActionForm, MeetingForm

bp = tenant_ui_blueprint("ips_meetings", __name__, url_prefix="/ips", template_folder="templates")


@bp.get("/meetings")
@requires_any(MEETINGS, PARTNER_READ)
def meetings():
    """Meetings the viewer may see, newest first."""
    return render_template(
        "ips/meetings/meetings.html",
        meetings=list(db.session.execute(services.meetings_query()).scalars()),
        offices=services.office_names(),
        can_write=has_permission(MEETINGS),
        page_title="Joint caseload meetings with Job Centre Plus",
    )


@bp.get("/meetings/<meeting_id>")
@requires_any(MEETINGS, PARTNER_READ)
def meeting(meeting_id: str):
    """One meeting: attendees, notes, the clients discussed the viewer may see, the actions."""
    item = found(services.find_meeting, meeting_id)
    return render_template(
        "ips/meetings/meeting.html",
        meeting=item,
        office=services.office_names().get(item.organisation_id, ""),
        discussed=services.discussed(item),
        actions=services.actions_of(item),
        is_overdue=services.is_overdue,
        can_write=has_permission(MEETINGS),
        can_open_clients=has_permission("clients.read"),
        page_title=f"Joint meeting of {item.held_on:%-d %B %Y}",
    )


@bp.route("/meetings/new", methods=["GET", "POST"])
@requires(MEETINGS)
def new_meeting():
    """Record a meeting with a Job Centre Plus office (clients and actions are added next)."""
    form = MeetingForm()
    form.organisation_id.choices = [("", "Choose an office")] + [
        (str(o.id), o.name) for o in services.job_centres()
    ]
    created = save_form(
        form,
        lambda: recording.create_meeting(
            services.find_office(form.organisation_id.data), form.values()
        ),
    )
    if created is not None:
        return redirect(url_for("ips_meetings.meeting", meeting_id=created.id))
    return _form(form, "Record a joint meeting", url_for("ips_meetings.meetings"))


@bp.route("/meetings/<meeting_id>/edit", methods=["GET", "POST"])
@requires(MEETINGS)
def edit_meeting(meeting_id: str):
    """Change the date, attendees or notes of a meeting."""
    item = found(services.find_meeting, meeting_id)
    form = MeetingForm(obj=item)
    del form.organisation_id
    if not form.is_submitted():
        form.attendees.data = "\n".join(item.attendees or [])
    back = url_for("ips_meetings.meeting", meeting_id=item.id)
    if save_form(form, lambda: recording.update_meeting(item, form.values())):
        return redirect(back)
    return _form(form, "Change the joint meeting", back)


@bp.route("/meetings/<meeting_id>/clients/new", methods=["GET", "POST"])
@requires(MEETINGS)
def add_client(meeting_id: str):
    """Record a client discussed: only clients shared with the meeting's office are offered."""
    item = found(services.find_meeting, meeting_id)
    already = {row.client_id for row, _name in services.discussed(item)}
    form = DiscussedClientForm()
    form.client_id.choices = [("", "Choose a client")] + [
        (str(c.id), f"{c.given_name} {c.family_name}")
        for c in services.shareable_clients(item.organisation_id)
        if c.id not in already
    ]
    back = url_for("ips_meetings.meeting", meeting_id=item.id)
    if save_form(
        form,
        lambda: recording.add_client(item, {k: form[k].data for k in ("client_id", "discussion")}),
    ):
        return redirect(back)
    return _form(
        form, "Record a client discussed", back, empty_choice=len(form.client_id.choices) == 1
    )


@bp.route("/meetings/<meeting_id>/actions/new", methods=["GET", "POST"])
@requires(MEETINGS)
def add_action(meeting_id: str):
    """Add an action agreed at the meeting."""
    item = found(services.find_meeting, meeting_id)
    form = MeetingActionForm()
    _client_choices(form, item)
    back = url_for("ips_meetings.meeting", meeting_id=item.id)
    if save_form(form, lambda: recording.add_action(item, form.values())):
        return redirect(back)
    return _form(form, "Add an action", back)


@bp.route("/meetings/actions/<meeting_action_id>/edit", methods=["GET", "POST"])
@requires(MEETINGS)
def edit_action(meeting_action_id: str):
    """Change an action, or record that it is done."""
    action = found(services.find_action, meeting_action_id)
    item = services.find_meeting(action.meeting_id)
    form = MeetingActionForm(obj=action)
    _client_choices(form, item)
    if not form.is_submitted():
        form.client_id.data = str(action.client_id) if action.client_id else ""
    back = url_for("ips_meetings.meeting", meeting_id=item.id)
    if save_form(form, lambda: recording.update_action(action, form.values())):
        return redirect(back)
    return _form(form, "Change an action", back)


def _client_choices(form: MeetingActionForm, item) -> None:
    form.client_id.choices = [("", "Not about one client")] + [
        (str(row.client_id), name) for row, name in services.discussed(item)
    ]


def _form(form, heading: str, back: str, empty_choice: bool = False):
    return render_template(
        "ips/meetings/form.html",
        form=form,
        heading=heading,
        cancel=back,
        empty_choice=empty_choice,
        page_title=heading,
        form_has_errors=bool(form.errors),
    )

"""IPS pages: caseloads, referrals, vocational profile and plan, benefits advice, and the Job
Centre Plus summary of shared clients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import g, redirect, render_template, request, url_for
from werkzeug.exceptions import NotFound

from core.plugins.api import (
    db,
    has_permission,
    is_partner_viewer,
    member_names,
    requires,
    tenant_ui_blueprint,
)

from . import codes
from . import referral_caseload as team
from . import referral_profile as profiles
from . import referral_services as services
from .common import find_visible_client, form_saved, found, specialists
from .partner_view import read_summary, requires_summary_access
from .referral_forms import (
    AcceptForm,
    AdviceForm,
    CloseForm,
    ProfileForm,
    ReferralForm,
    StatusForm,
    with_specialists,
)

bp = tenant_ui_blueprint("ips", __name__, url_prefix="/ips", template_folder="templates")
READ, WRITE = "ips.read", "ips.write"
REFERRAL_FIELDS = ("source", "referrer", "referred_on", "employment_status", "specialist_id")


def _data(form: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {n: (form[n].data if form[n].data != "" else None) for n in names}


def _save(form: Any, action: Callable[[], Any]) -> bool:
    """Run ``action`` and commit; rule breaks become inline errors, nothing is half-written."""
    try:
        return form_saved(form, action, in_summary=True)
    except services.IpsOpenEpisode as error:
        db.session.rollback()
        day = error.open_referral.referred_on.strftime("%-d %B %Y")
        form.form_errors.append(
            {
                "text": f"This client already has an open IPS referral (referred {day}): "
                "go to it, or close it before referring again",
                "href": url_for("ips.referral", referral_id=error.open_referral.id),
            }
        )
        return False


def _is_team_leader() -> bool:
    return "ips_team_leader" in (g.membership.roles or ()) or has_permission("ips.fidelity")


@bp.get("/")
@requires(READ)
def caseload():
    """My caseload (specialists), every specialist's size (team leaders), and the referrals
    waiting for acceptance and profiles due for review (everyone in the team)."""
    me = g.membership.id
    loads = team.caseloads()
    mine = team.caseload_of(me) if any(c.specialist_id == me for c in loads) else []
    waiting = team.waiting()
    due = team.profiles_due(None if _is_team_leader() else me)
    names = team.client_names(mine + waiting + [r for r, _ in due])
    return render_template(
        "ips/referral/caseload.html",
        loads=loads,
        my_load=next((c for c in loads if c.specialist_id == me), None),
        mine=mine,
        waiting=waiting,
        due=due,
        names=names,
        people=member_names({r.specialist_id for r in waiting}),
        team_leader=_is_team_leader(),
        cap=team.caseload_cap(),
        codes=codes,
        page_title="IPS caseload",
    )


@bp.get("/specialists/<specialist_id>")
@requires(READ)
def specialist(specialist_id: str):
    """One specialist's active clients (the team leader opens each from the caseload page)."""
    load = next((c for c in team.caseloads() if str(c.specialist_id) == specialist_id), None)
    if load is None:
        raise NotFound()
    referrals = team.caseload_of(load.specialist_id)
    return render_template(
        "ips/referral/specialist.html",
        load=load,
        referrals=referrals,
        names=team.client_names(referrals),
        codes=codes,
        page_title=f"Caseload of {load.name}",
    )


@bp.route("/clients/<client_id>/refer", methods=["GET", "POST"])
@requires(WRITE)
def refer(client_id: str):
    """Refer a client (from their record)."""
    client = found(lambda: find_visible_client(client_id))
    form = with_specialists(ReferralForm(), specialists())
    if _save(form, lambda: services.create_referral(client, _data(form, REFERRAL_FIELDS))):
        open_one = services.open_referral_of(client.id)
        return redirect(url_for("ips.referral", referral_id=open_one.id))
    return _form(form, REFERRAL_FIELDS, client, "Refer to IPS", "Save referral")


@bp.get("/referrals/<referral_id>")
@requires(READ)
def referral(referral_id: str):
    """One episode: its journey, profile and plan, benefits advice, and what can be done next."""
    item = found(lambda: services.read_referral(referral_id, part="page"))
    client = find_visible_client(item.client_id)
    return render_template(
        "ips/referral/referral.html",
        referral=item,
        client=client,
        profile=profiles.profile_of(item),
        advice=profiles.advice_of(item),
        specialist=member_names({item.specialist_id}).get(item.specialist_id),
        next_statuses=services.TRANSITIONS[item.status],
        status_form=StatusForm(),
        can_write=has_permission(WRITE),
        codes=codes,
        page_title=f"IPS referral of {client.given_name} {client.family_name}",
    )


@bp.route("/referrals/<referral_id>/edit", methods=["GET", "POST"])
@requires(WRITE)
def edit(referral_id: str):
    """Correct the referral or reassign the specialist."""
    item = found(lambda: services.find_referral(referral_id))
    form = with_specialists(ReferralForm(obj=item), specialists())
    if request.method == "GET":
        form.specialist_id.data = str(item.specialist_id) if item.specialist_id else ""
    if _save(form, lambda: services.update_referral(item, _data(form, REFERRAL_FIELDS))):
        return redirect(url_for("ips.referral", referral_id=item.id))
    return _form(form, REFERRAL_FIELDS, _client_of(item), "Change the referral", "Save changes")


@bp.route("/referrals/<referral_id>/accept", methods=["GET", "POST"])
@requires(WRITE)
def accept(referral_id: str):
    """Accept onto a specialist's caseload."""
    item = found(lambda: services.find_referral(referral_id))
    form = with_specialists(AcceptForm(), specialists(), "Choose the specialist")
    if request.method == "GET" and item.specialist_id:
        form.specialist_id.data = str(item.specialist_id)
    names = ("accepted_on", "specialist_id")
    if _save(form, lambda: services.accept(item, _data(form, names))):
        return redirect(url_for("ips.referral", referral_id=item.id))
    return _form(form, names, _client_of(item), "Accept the referral", "Accept")


@bp.post("/referrals/<referral_id>/status")
@requires(WRITE)
def status(referral_id: str):
    """Move an accepted episode to job search or in work."""
    item = found(lambda: services.find_referral(referral_id))
    form = StatusForm()
    if _save(form, lambda: services.move_to(item, form.status.data)):
        return redirect(url_for("ips.referral", referral_id=item.id))
    return _form(form, ("status",), _client_of(item), "Change the stage", "Save")


@bp.route("/referrals/<referral_id>/close", methods=["GET", "POST"])
@requires(WRITE)
def close(referral_id: str):
    """Close the episode, saying why (there is no "not ready for work")."""
    item = found(lambda: services.find_referral(referral_id))
    form = CloseForm()
    names = ("closed_on", "close_reason")
    if _save(form, lambda: services.close(item, _data(form, names))):
        return redirect(url_for("ips.referral", referral_id=item.id))
    return _form(form, names, _client_of(item), "Close the IPS episode", "Close episode")


@bp.route("/referrals/<referral_id>/profile", methods=["GET", "POST"])
@requires(WRITE)
def profile(referral_id: str):
    """Write the vocational profile and plan."""
    item = found(lambda: services.read_referral(referral_id, part="profile"))
    form = ProfileForm(obj=profiles.profile_of(item))
    names = profiles.PROFILE_FIELDS
    if _save(form, lambda: profiles.save_profile(item, _data(form, names))):
        return redirect(url_for("ips.referral", referral_id=item.id))
    return _form(form, names, _client_of(item), "Vocational profile and plan", "Save profile")


@bp.route("/referrals/<referral_id>/benefits-advice/new", methods=["GET", "POST"])
@requires(WRITE)
def add_advice(referral_id: str):
    """Record benefits advice with the better-off calculation's result."""
    item = found(lambda: services.find_referral(referral_id))
    form = AdviceForm()
    names = ("given_on", "given_by", "better_off_weekly", "hours_per_week", "notes")
    if _save(form, lambda: profiles.add_advice(item, _data(form, names))):
        return redirect(url_for("ips.referral", referral_id=item.id))
    return _form(form, names, _client_of(item), "Record benefits advice", "Save advice")


@bp.get("/shared-clients")
@requires_summary_access
def partner_clients():
    """Job Centre Plus: the clients shared with your organisation who are known to IPS."""
    referrals = services.referral_list()
    latest: dict[Any, Any] = {}
    for r in referrals:
        latest.setdefault(r.client_id, r)
    return render_template(
        "ips/referral/partner_clients.html",
        referrals=list(latest.values()),
        names=team.client_names(list(latest.values())),
        codes=codes,
        page_title="IPS: shared clients",
    )


@bp.get("/clients/<client_id>/summary")
@requires_summary_access
def client_summary(client_id: str):
    """The IPS summary Job Centre Plus may see: status, dates, specialist and starts."""
    client, episodes = found(lambda: read_summary(client_id))
    return render_template(
        "ips/referral/summary.html",
        client=client,
        episodes=episodes,
        partner=is_partner_viewer(),
        codes=codes,
        page_title=f"IPS summary of {client.given_name} {client.family_name}",
    )


def _client_of(item: Any) -> Any:
    return found(lambda: find_visible_client(item.client_id))


def _form(form: Any, names: tuple[str, ...], client: Any, heading: str, button: str):
    return render_template(
        "ips/referral/form.html",
        form=form,
        fields=names,
        client=client,
        heading=heading,
        button=button,
        page_title=heading,
        form_has_errors=bool(form.errors) or bool(form.form_errors),
    )

"""IPS pages: fidelity reviews — the list with the trend chart, one review with its scores and
action plan, and the forms to record a review and its actions."""

from __future__ import annotations

from datetime import date

from flask import redirect, render_template, url_for

from core.plugins.api import has_permission, requires, tenant_ui_blueprint

from . import FIDELITY, READ, codes
from . import fidelity_services as services
from .common import found, requires_any, save_form
from .fidelity_chart import trend_chart
from .fidelity_forms import ActionForm, ReviewForm, evidence_field, score_field
from .fidelity_scale import ITEMS, SECTIONS

bp = tenant_ui_blueprint("ips_fidelity", __name__, url_prefix="/ips", template_folder="templates")


@bp.context_processor
def _labels() -> dict:
    return {"reviewer_label": lambda code: codes.label(codes.REVIEWER_TYPES, code)}


@bp.get("/fidelity")
@requires_any(READ, FIDELITY)
def reviews():
    """Every review with its total and band, and the trend as a chart and a table."""
    history = services.trend()
    return render_template(
        "ips/fidelity/reviews.html",
        reviews=list(reversed(history)),
        history=history,
        chart=trend_chart(history),
        can_write=has_permission(FIDELITY),
        page_title="IPS fidelity reviews",
    )


@bp.get("/fidelity/<fidelity_review_id>")
@requires_any(READ, FIDELITY)
def review(fidelity_review_id: str):
    """One review: band, section subtotals, every item's score and evidence, the action plan."""
    item = services.scored(found(services.find_review, fidelity_review_id))
    actions = services.actions_of(item.review)
    today = date.today()
    return render_template(
        "ips/fidelity/review.html",
        review=item,
        items=ITEMS,
        sections=SECTIONS,
        actions=actions,
        overdue={a.id for a in actions if services.is_overdue(a, today)},
        can_write=has_permission(FIDELITY),
        page_title=f"Fidelity review of {item.reviewed_on:%-d %B %Y}",
    )


def _review_form(form: ReviewForm, heading: str, cancel: str):
    return render_template(
        "ips/fidelity/review_form.html",
        form=form,
        heading=heading,
        items=ITEMS,
        sections=SECTIONS,
        score_field=score_field,
        evidence_field=evidence_field,
        cancel=cancel,
        page_title=heading,
        form_has_errors=bool(form.errors),
    )


_DETAILS = ("reviewed_on", "reviewer_type", "reviewers", "summary")


@bp.route("/fidelity/new", methods=["GET", "POST"])
@requires(FIDELITY)
def new_review():
    """Record a review; items can be scored now or later (it stays incomplete until all are)."""
    form = ReviewForm()
    created = save_form(
        form, lambda: services.create_review(_review_data(form)), _score_aliases(form)
    )
    if created is not None:
        return redirect(url_for("ips_fidelity.review", fidelity_review_id=created.id))
    return _review_form(form, "Record a fidelity review", url_for("ips_fidelity.reviews"))


@bp.route("/fidelity/<fidelity_review_id>/edit", methods=["GET", "POST"])
@requires(FIDELITY)
def edit_review(fidelity_review_id: str):
    """Change a review's details and scores."""
    review = found(services.find_review, fidelity_review_id)
    form = ReviewForm(obj=review)
    if not form.is_submitted():
        form.fill_scores(services.scored(review).scores)

    def change():
        return services.update_review(review, _review_data(form), replace_scores=True)

    if save_form(form, change, _score_aliases(form)):
        return redirect(url_for("ips_fidelity.review", fidelity_review_id=review.id))
    back = url_for("ips_fidelity.review", fidelity_review_id=review.id)
    return _review_form(form, "Change the fidelity review", back)


def _review_data(form: ReviewForm) -> dict:
    """The review's details and item scores as the service takes them."""
    return {k: form[k].data for k in _DETAILS} | {"scores": form.scores()}


def _score_aliases(form: ReviewForm) -> dict[str, str]:
    """Service errors ``scores.<i>.score`` belong to the i-th scored item's field."""
    aliases = {}
    for index, entry in enumerate(form.scores()):
        aliases[f"scores.{index}.score"] = score_field(entry["item"])
        aliases[f"scores.{index}.item"] = score_field(entry["item"])
    return aliases


@bp.route("/fidelity/<fidelity_review_id>/actions/new", methods=["GET", "POST"])
@requires(FIDELITY)
def new_action(fidelity_review_id: str):
    """Add an action to the review's plan."""
    review = found(services.find_review, fidelity_review_id)
    form = ActionForm()
    back = url_for("ips_fidelity.review", fidelity_review_id=review.id)
    if save_form(form, lambda: services.add_action(review, form.values())):
        return redirect(back)
    return _action_form(form, "Add an action to the plan", back)


@bp.route("/fidelity/actions/<fidelity_action_id>/edit", methods=["GET", "POST"])
@requires(FIDELITY)
def edit_action(fidelity_action_id: str):
    """Change an action, or record that it is done."""
    action = found(services.find_action, fidelity_action_id)
    form = ActionForm(obj=action)
    if not form.is_submitted():
        form.item.data = str(action.item) if action.item else ""
    back = url_for("ips_fidelity.review", fidelity_review_id=action.review_id)
    if save_form(form, lambda: services.update_action(action, form.values())):
        return redirect(back)
    return _action_form(form, "Change an action", back)


def _action_form(form: ActionForm, heading: str, back: str):
    return render_template(
        "ips/fidelity/action_form.html",
        form=form,
        heading=heading,
        cancel=back,
        page_title=heading,
        form_has_errors=bool(form.errors),
    )

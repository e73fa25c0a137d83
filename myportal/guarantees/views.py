"""Views of guarantees: the operator's guarantees and coverage (/garanzie), back office (/admin/garanzie)."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import dates
from ..extensions import db
from ..formatting import ITALIAN, money
from ..forms import form_values, refusals
from ..pages import acting_user, paginate
from ..security.access import admin_required, get_owned_or_404, operator_required
from . import bp
from .forms import AdminFilterForm, ExposureForm, GuaranteeForm, StateForm
from .models import GUARANTEE_STATES, Guarantee
from .services import (
    all_guarantees,
    change_guarantee_state,
    coverage_summary,
    exposure_history,
    find_operator,
    operator_guarantees,
    record_exposure,
    record_guarantee,
)


@bp.context_processor
def _helpers():
    return {"states": GUARANTEE_STATES}


# --- operator's side ----------------------------------------------------------------------------------------


@bp.route("/garanzie")
@operator_required
def index():
    summary = coverage_summary(current_user.operator_id)
    page = paginate(operator_guarantees(current_user.operator_id))
    return render_template("guarantees/list.html", summary=summary, page=page, today=dates.today())


@bp.route("/garanzie/<int:guarantee_id>")
@operator_required
def detail(guarantee_id):
    guarantee = get_owned_or_404(Guarantee, guarantee_id)
    return render_template("guarantees/detail.html", guarantee=guarantee)


# --- administrators' side -----------------------------------------------------------------------------------


@bp.route("/admin/garanzie")
@admin_required
def admin_index():
    form = AdminFilterForm(request.args)
    form.validate()
    filters = {}
    if form.vat.data and not form.vat.errors:
        filters["vat"] = form.vat.data
    if form.state.data in GUARANTEE_STATES:
        filters["state"] = form.state.data
    page = paginate(all_guarantees(filters.get("vat"), filters.get("state")))
    operator = find_operator(vat_number=filters["vat"]) if "vat" in filters else None
    summary = coverage_summary(operator.id) if operator else None
    return render_template(
        "guarantees/admin_list.html",
        form=form,
        page=page,
        filters=filters,
        operator=operator,
        summary=summary,
    )


@bp.route("/admin/garanzie/nuova", methods=["GET", "POST"])
@admin_required
def admin_new():
    form = GuaranteeForm() if request.method == "POST" else GuaranteeForm(operator_vat=request.args.get("vat", ""))
    if form.validate_on_submit():
        with refusals(form) as outcome:
            guarantee = record_guarantee(acting_user(), **form_values(form))
        if not outcome.refused:
            flash(f"Garanzia {guarantee.reference} registrata per {guarantee.operator.name}.", "success")
            return redirect(url_for("guarantees.admin_detail", guarantee_id=guarantee.id))
    return render_template("guarantees/admin_new.html", form=form)


def _guarantee_or_404(guarantee_id: int) -> Guarantee:
    guarantee = db.get_or_404(Guarantee, guarantee_id)
    return guarantee


def _render_admin_detail(guarantee, state_form=None):
    return render_template(
        "guarantees/admin_detail.html",
        guarantee=guarantee,
        state_form=state_form or StateForm(formdata=None, state=guarantee.state),
    )


@bp.route("/admin/garanzie/<int:guarantee_id>")
@admin_required
def admin_detail(guarantee_id):
    return _render_admin_detail(_guarantee_or_404(guarantee_id))


@bp.route("/admin/garanzie/<int:guarantee_id>/stato", methods=["POST"])
@admin_required
def admin_state(guarantee_id):
    guarantee = _guarantee_or_404(guarantee_id)
    form = StateForm()
    if form.validate_on_submit():
        with refusals(form) as outcome:
            change_guarantee_state(acting_user(), guarantee, form.state.data)
        if not outcome.refused:
            flash(f"Stato della garanzia {guarantee.reference}: {guarantee.state_label}.", "success")
            return redirect(url_for("guarantees.admin_detail", guarantee_id=guarantee.id))
    return _render_admin_detail(guarantee, form)


@bp.route("/admin/garanzie/esposizione", methods=["GET", "POST"])
@admin_required
def admin_exposure():
    form = (
        ExposureForm()
        if request.method == "POST"
        else ExposureForm(operator_vat=request.args.get("vat", ""), as_of=dates.today())
    )
    if form.validate_on_submit():
        with refusals(form) as outcome:
            exposure = record_exposure(acting_user(), **form_values(form))
        if not outcome.refused:
            flash(
                f"Esposizione di {exposure.operator.name} al {exposure.as_of.strftime('%d/%m/%Y')} "
                f"registrata: "
                f"{money(exposure.amount, locale=ITALIAN)}.",
                "success",
            )
            return redirect(url_for("guarantees.admin_index", vat=exposure.operator.vat_number))
    operator = None
    if not form.operator_vat.errors and form.operator_vat.data:
        operator = find_operator(vat_number=form.operator_vat.data)
    history = exposure_history(operator.id) if operator else []
    return render_template("guarantees/admin_exposure.html", form=form, operator=operator, history=history)

"""Views of EIC: the operator's requests and codes (/eic), the administrators' queue and register (/admin/eic)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..downloads import CSV, send_download
from ..extensions import db
from ..forms import ActionForm, RejectForm, refusals
from ..pages import acting_user, paginate
from ..security.access import admin_required, get_owned_or_404, operator_required
from . import bp
from .forms import EicRequestForm
from .models import FUNCTIONS, OBJECT_TYPES, STATE_LABELS, EicRequest
from .services import (
    QUEUE_FILTERS,
    approve_request,
    ensure_open,
    operator_codes,
    operator_requests,
    register,
    register_csv,
    reject_request,
    request_eic,
    request_queue,
)

# --- operator's side ------------------------------------------------------------------------------


@bp.route("/eic")
@operator_required
def index():
    codes = paginate(operator_codes(current_user.operator_id), "page")
    requests = paginate(operator_requests(current_user.operator_id), "rpage")
    return render_template("eic/index.html", codes=codes, requests=requests)


@bp.route("/eic/nuova", methods=["GET", "POST"])
@operator_required
def new():
    form = EicRequestForm()
    if form.validate_on_submit():
        with refusals(form) as outcome:
            eic_request = request_eic(acting_user(), **form.request_data())
        if not outcome.refused:
            flash(
                f"Richiesta di codice EIC per {eic_request.display_name} inviata: riceverai un'e-mail "
                "quando sarà esaminata.",
                "success",
            )
            return redirect(url_for("eic.request_detail", request_id=eic_request.id))
    return render_template("eic/new.html", form=form, functions=FUNCTIONS, object_types=OBJECT_TYPES)


@bp.route("/eic/richieste/<int:request_id>")
@operator_required
def request_detail(request_id):
    eic_request = get_owned_or_404(EicRequest, request_id)
    return render_template("eic/detail.html", eic_request=eic_request)


# --- administrators' side -------------------------------------------------------------------------


@bp.route("/admin/eic")
@admin_required
def admin_queue():
    state = request.args.get("state", "richiesta")
    if state not in QUEUE_FILTERS:
        state = "richiesta"
    page = paginate(request_queue(state))
    return render_template("eic/admin_queue.html", page=page, state=state, states=QUEUE_FILTERS, labels=STATE_LABELS)


def _render_admin_detail(eic_request, reject_form=None):
    return render_template(
        "eic/admin_detail.html",
        eic_request=eic_request,
        approve_form=ActionForm(formdata=None),
        reject_form=reject_form or RejectForm(formdata=None),
    )


@bp.route("/admin/eic/richieste/<int:request_id>")
@admin_required
def admin_detail(request_id):
    return _render_admin_detail(db.get_or_404(EicRequest, request_id))


@bp.route("/admin/eic/richieste/<int:request_id>/approva", methods=["POST"])
@admin_required
def approve(request_id):
    eic_request = db.get_or_404(EicRequest, request_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    with refusals(category="error") as outcome:
        record = approve_request(eic_request, acting_user())
    if outcome.refused:
        return redirect(url_for("eic.admin_detail", request_id=request_id))
    flash(f"Richiesta approvata: assegnato il codice EIC {record.code}; il richiedente è stato avvisato.", "success")
    return redirect(url_for("eic.admin_queue"))


@bp.route("/admin/eic/richieste/<int:request_id>/respingi", methods=["POST"])
@admin_required
def reject(request_id):
    eic_request = db.get_or_404(EicRequest, request_id)
    form = RejectForm()
    with refusals(category="warning") as outcome:
        ensure_open(eic_request)
    if outcome.refused:
        return redirect(url_for("eic.admin_detail", request_id=request_id))
    if not form.validate_on_submit():
        return _render_admin_detail(eic_request, form)
    reject_request(eic_request, acting_user(), form.reason.data)
    flash("Richiesta respinta: il richiedente è stato avvisato via e-mail con il motivo.", "success")
    return redirect(url_for("eic.admin_queue"))


@bp.route("/admin/eic/registro")
@admin_required
def admin_register():
    return render_template("eic/admin_register.html", page=paginate(register()))


@bp.route("/admin/eic/registro.csv")
@admin_required
def admin_register_csv():
    return send_download(register_csv(), CSV, "registro-eic.csv")

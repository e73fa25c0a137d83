"""Views of auctions: procedures and enrolment for operators (/aste), the back office (/admin/aste)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..downloads import CSV, send_download, send_stored_file
from ..extensions import db
from ..forms import ActionForm, RejectForm, refusals
from ..models import utcnow
from ..pages import acting_user, paginate
from ..security.access import admin_required, get_owned_or_404, operator_required
from . import bp
from .forms import AuctionForm, EnrolmentFilterForm, enrolment_form
from .models import ENROLMENT_STATES, Auction, Enrolment, EnrolmentDocument
from .services import (
    PROCEDURE_FIELDS,
    AuctionRow,
    admitted_csv,
    all_auctions,
    approve_enrolment,
    auction_enrolments,
    closed_auctions,
    coverage_problem,
    create_auction,
    current_auctions,
    delivery_text,
    enrol,
    enrolments_by_auction,
    find_enrolment,
    pending_counts,
    reject_enrolment,
    rome_text,
    set_published,
    update_auction,
    window_problem,
    withdraw,
)


@bp.context_processor
def _helpers():
    return {"rome": rome_text, "delivery": delivery_text}


def _send_document(document: EnrolmentDocument):
    return send_stored_file(document.data, document.content_type, document.filename)


# --- operator's side ----------------------------------------------------------------------------------------


@bp.route("/aste")
@operator_required
def index():
    now = utcnow()
    open_rows, upcoming = current_auctions(current_user.operator_id, now)
    page = paginate(closed_auctions(now))
    enrolments = enrolments_by_auction(current_user.operator_id, page.items)
    closed_rows = [AuctionRow(auction, enrolments.get(auction.id)) for auction in page.items]
    return render_template(
        "auctions/list.html", open_rows=open_rows, upcoming=upcoming, page=page, closed_rows=closed_rows
    )


def _published_or_404(auction_id: int) -> Auction:
    auction = db.session.get(Auction, auction_id)
    if auction is None or not auction.published:
        abort(404)
    return auction


@bp.route("/aste/<int:auction_id>")
@operator_required
def detail(auction_id):
    auction = _published_or_404(auction_id)
    return _render_detail(auction, find_enrolment(auction.id, current_user.operator_id))


@bp.route("/aste/iscrizioni/<int:enrolment_id>")
@operator_required
def enrolment(enrolment_id):
    """The operator's own enrolment by id (another operator's: 404, audited)."""
    found = get_owned_or_404(Enrolment, enrolment_id)
    return _render_detail(_published_or_404(found.auction_id), found)


def _render_detail(auction: Auction, enrolment: Enrolment | None):
    now = utcnow()
    problem = window_problem(auction, now)
    can_enrol = enrolment is None or enrolment.state == "ritirata"
    if problem is None and can_enrol:
        problem = coverage_problem(auction, current_user.operator_id)
    return render_template(
        "auctions/detail.html",
        auction=auction,
        enrolment=enrolment,
        problem=problem,
        can_enrol=can_enrol,
        action_form=ActionForm(formdata=None),
    )


@bp.route("/aste/<int:auction_id>/iscrizione", methods=["GET", "POST"])
@operator_required
def enrol_page(auction_id):
    auction = _published_or_404(auction_id)
    existing = find_enrolment(auction.id, current_user.operator_id)
    if request.method == "GET" and existing is not None and existing.state != "ritirata":
        flash("Risulti già iscritto a questa procedura.", "info")
        return redirect(url_for("auctions.detail", auction_id=auction.id))
    form = enrolment_form(auction)
    problem = window_problem(auction, utcnow())
    if request.method == "POST":
        if form.validate_on_submit():
            with refusals(form) as outcome:
                enrolment, created = enrol(
                    auction,
                    acting_user(),
                    accepted=[bool(field.data) for field in form.declaration_fields],
                    documents=[getattr(field, "checked", None) for field in form.document_fields],
                )
            if not outcome.refused:
                if created:
                    flash(
                        f"Iscrizione alla procedura {auction.code} inviata: riceverai un'e-mail quando sarà valutata.",
                        "success",
                    )
                else:
                    flash("Risulti già iscritto a questa procedura: ecco la tua iscrizione.", "info")
                return redirect(url_for("auctions.detail", auction_id=enrolment.auction_id))
        elif problem and not form.csrf_token.errors:
            form.form_errors.append(problem)
        return render_template("auctions/enrol.html", auction=auction, form=form, problem=None)
    if problem is None:
        problem = coverage_problem(auction, current_user.operator_id)
    return render_template("auctions/enrol.html", auction=auction, form=form, problem=problem)


@bp.route("/aste/<int:auction_id>/ritiro", methods=["POST"])
@operator_required
def withdraw_enrolment(auction_id):
    auction = _published_or_404(auction_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    enrolment = find_enrolment(auction.id, current_user.operator_id)
    if enrolment is None:
        abort(404)
    with refusals(category="warning") as outcome:
        withdraw(enrolment, acting_user())
    if not outcome.refused:
        flash(f"Iscrizione alla procedura {auction.code} ritirata.", "success")
    return redirect(url_for("auctions.detail", auction_id=auction.id))


@bp.route("/aste/documenti/<int:document_id>")
@operator_required
def document(document_id):
    return _send_document(get_owned_or_404(EnrolmentDocument, document_id))


# --- administrators' side -----------------------------------------------------------------------------------


def _auction_or_404(auction_id: int) -> Auction:
    auction = db.get_or_404(Auction, auction_id)
    return auction


def _enrolment_or_404(enrolment_id: int) -> Enrolment:
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    return enrolment


@bp.route("/admin/aste")
@admin_required
def admin_index():
    page = paginate(all_auctions())
    return render_template("auctions/admin_list.html", page=page, pending=pending_counts(page.items))


def _procedure_data(form) -> dict:
    return {name: form[name].data for name in PROCEDURE_FIELDS}


@bp.route("/admin/aste/nuova", methods=["GET", "POST"])
@admin_required
def admin_new():
    form = AuctionForm()
    if form.validate_on_submit():
        with refusals(form) as outcome:
            auction = create_auction(acting_user(), **_procedure_data(form))
        if not outcome.refused:
            flash(f"Procedura {auction.code} creata: pubblicala quando è pronta.", "success")
            return redirect(url_for("auctions.admin_detail", auction_id=auction.id))
    return render_template("auctions/admin_form.html", form=form, auction=None)


@bp.route("/admin/aste/<int:auction_id>/modifica", methods=["GET", "POST"])
@admin_required
def admin_edit(auction_id):
    auction = _auction_or_404(auction_id)
    form = AuctionForm(obj=auction) if request.method == "GET" else AuctionForm()
    if form.validate_on_submit():
        with refusals(form) as outcome:
            update_auction(acting_user(), auction, **_procedure_data(form))
        if not outcome.refused:
            flash(f"Procedura {auction.code} aggiornata.", "success")
            return redirect(url_for("auctions.admin_detail", auction_id=auction.id))
    return render_template("auctions/admin_form.html", form=form, auction=auction)


@bp.route("/admin/aste/<int:auction_id>/pubblica", methods=["POST"])
@admin_required
def admin_publish(auction_id):
    return _set_published(auction_id, True)


@bp.route("/admin/aste/<int:auction_id>/ritira-pubblicazione", methods=["POST"])
@admin_required
def admin_unpublish(auction_id):
    return _set_published(auction_id, False)


def _set_published(auction_id: int, published: bool):
    auction = _auction_or_404(auction_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    set_published(acting_user(), auction, published)
    flash(f"Procedura {auction.code} {'pubblicata' if published else 'non più pubblicata'}.", "success")
    return redirect(url_for("auctions.admin_detail", auction_id=auction.id))


@bp.route("/admin/aste/<int:auction_id>")
@admin_required
def admin_detail(auction_id):
    auction = _auction_or_404(auction_id)
    form = EnrolmentFilterForm(request.args)
    filters = {"state": form.state.data} if form.state.data in ENROLMENT_STATES else {}
    page = paginate(auction_enrolments(auction.id, filters.get("state")))
    return render_template(
        "auctions/admin_detail.html",
        auction=auction,
        form=form,
        filters=filters,
        page=page,
        action_form=ActionForm(formdata=None),
    )


@bp.route("/admin/aste/<int:auction_id>/ammessi.csv")
@admin_required
def admin_export(auction_id):
    auction = _auction_or_404(auction_id)
    body = admitted_csv(acting_user(), auction)
    return send_download(body, CSV, f"ammessi-{auction.code}.csv")


@bp.route("/admin/aste/iscrizioni/<int:enrolment_id>")
@admin_required
def admin_enrolment(enrolment_id):
    enrolment = _enrolment_or_404(enrolment_id)
    return render_template(
        "auctions/admin_enrolment.html",
        enrolment=enrolment,
        auction=enrolment.auction,
        action_form=ActionForm(formdata=None),
        reject_form=RejectForm(formdata=None),
    )


@bp.route("/admin/aste/iscrizioni/<int:enrolment_id>/approva", methods=["POST"])
@admin_required
def admin_approve(enrolment_id):
    enrolment = _enrolment_or_404(enrolment_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    with refusals(category="warning") as outcome:
        approve_enrolment(acting_user(), enrolment)
    if not outcome.refused:
        flash(f"Iscrizione di {enrolment.operator.name} approvata.", "success")
    return redirect(url_for("auctions.admin_enrolment", enrolment_id=enrolment_id))


@bp.route("/admin/aste/iscrizioni/<int:enrolment_id>/respingi", methods=["POST"])
@admin_required
def admin_reject(enrolment_id):
    enrolment = _enrolment_or_404(enrolment_id)
    form = RejectForm()
    if form.validate_on_submit():
        with refusals(form) as outcome:
            reject_enrolment(acting_user(), enrolment, form.reason.data)
        if not outcome.refused:
            flash(f"Iscrizione di {enrolment.operator.name} respinta.", "success")
            return redirect(url_for("auctions.admin_enrolment", enrolment_id=enrolment_id))
        if outcome.error.field is None:  # the state does not allow it: said on the enrolment's page
            flash(str(outcome.error), "warning")
            return redirect(url_for("auctions.admin_enrolment", enrolment_id=enrolment_id))
    return render_template(
        "auctions/admin_enrolment.html",
        enrolment=enrolment,
        auction=enrolment.auction,
        action_form=ActionForm(formdata=None),
        reject_form=form,
    )


@bp.route("/admin/aste/documenti/<int:document_id>")
@admin_required
def admin_document(document_id):
    document = db.get_or_404(EnrolmentDocument, document_id)
    return _send_document(document)

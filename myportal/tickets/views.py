"""Views of tickets: the operator's side (/ticket) and the support desk's (/assistenza/ticket)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..downloads import send_stored_file
from ..extensions import db
from ..forms import ActionForm, form_values, refusals
from ..pages import acting_user, paginate
from ..security.access import get_owned_or_404, operator_required, staff_required
from . import bp
from .forms import (
    ReplyForm,
    StaffFilterForm,
    StaffReplyForm,
    StateForm,
    TicketFilterForm,
    TicketForm,
)
from .models import CATEGORIES, STATES, Ticket, TicketAttachment
from .services import (
    attachment_viewed,
    close_ticket,
    load_conversation,
    open_ticket,
    operator_tickets,
    reply_as_operator,
    reply_as_staff,
    set_ticket_state,
    staff_tickets,
)


def _filters(form) -> dict:
    """The valid, non-empty filters of a GET form, carried over to the pager's links."""
    return {
        name: field.data for name, field in form._fields.items() if field.data and field.data in dict(field.choices)
    }


def _checked(form):
    return getattr(form.attachment, "checked", None)


def _send_attachment(attachment: TicketAttachment):
    return send_stored_file(attachment.data, attachment.content_type, attachment.filename)


# --- operator's side ------------------------------------------------------------------------------


@bp.route("/ticket")
@operator_required
def index():
    form = TicketFilterForm(request.args)
    filters = _filters(form)
    page = paginate(operator_tickets(current_user.operator_id, filters.get("state")))
    return render_template("tickets/list.html", page=page, form=form, filters=filters)


def _prefill() -> dict:
    """Values for a new ticket from the query string (e.g. the "Richiedi modifica dati" button)."""
    data = {}
    category = request.args.get("category", "")
    if category in CATEGORIES:
        data["category"] = category
    if request.args.get("subject"):
        data["subject"] = request.args["subject"][:200]
    if request.args.get("message"):
        data["body"] = request.args["message"][:5000]
    return data


@bp.route("/ticket/nuovo", methods=["GET", "POST"])
@operator_required
def new():
    form = TicketForm() if request.method == "POST" else TicketForm(data=_prefill())
    if form.validate_on_submit():
        with refusals(form) as outcome:
            ticket = open_ticket(acting_user(), **form_values(form, attachment=_checked(form)))
        if not outcome.refused:
            flash(
                f"Ticket n. {ticket.id} aperto: riceverai un'e-mail a ogni risposta dell'assistenza.",
                "success",
            )
            return redirect(url_for("tickets.detail", ticket_id=ticket.id))
    return render_template("tickets/new.html", form=form)


def _render_detail(ticket, reply_form=None):
    return render_template(
        "tickets/detail.html",
        ticket=ticket,
        conversation=load_conversation(ticket),
        form=reply_form or ReplyForm(formdata=None),
        close_form=ActionForm(formdata=None),
    )


@bp.route("/ticket/<int:ticket_id>", methods=["GET", "POST"])
@operator_required
def detail(ticket_id):
    ticket = get_owned_or_404(Ticket, ticket_id)
    form = ReplyForm()
    if form.validate_on_submit():
        reply_as_operator(ticket, acting_user(), form.body.data, _checked(form))
        flash("Risposta inviata all'assistenza.", "success")
        return redirect(url_for("tickets.detail", ticket_id=ticket.id))
    return _render_detail(ticket, form)


@bp.route("/ticket/<int:ticket_id>/chiudi", methods=["POST"])
@operator_required
def close(ticket_id):
    ticket = get_owned_or_404(Ticket, ticket_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    with refusals(category="warning") as outcome:
        close_ticket(ticket, acting_user())
    if not outcome.refused:
        flash(f"Ticket n. {ticket.id} chiuso.", "success")
    return redirect(url_for("tickets.detail", ticket_id=ticket.id))


@bp.route("/ticket/allegati/<int:attachment_id>")
@operator_required
def attachment(attachment_id):
    return _send_attachment(get_owned_or_404(TicketAttachment, attachment_id))


# --- support desk's side --------------------------------------------------------------------------


@bp.route("/assistenza/ticket")
@staff_required
def staff_index():
    form = StaffFilterForm(request.args)
    filters = _filters(form)
    page = paginate(staff_tickets(filters.get("state"), filters.get("category")))
    return render_template("tickets/staff_list.html", page=page, form=form, filters=filters)


def _render_staff_detail(ticket, reply_form=None, state_form=None):
    return render_template(
        "tickets/staff_detail.html",
        ticket=ticket,
        conversation=load_conversation(ticket),
        form=reply_form or StaffReplyForm(formdata=None),
        state_form=state_form or StateForm(formdata=None, new_state=ticket.state),
        states=STATES,
    )


@bp.route("/assistenza/ticket/<int:ticket_id>", methods=["GET", "POST"])
@staff_required
def staff_detail(ticket_id):
    ticket = db.get_or_404(Ticket, ticket_id)
    if request.method == "GET":
        return _render_staff_detail(ticket)
    form = StaffReplyForm()
    if form.validate_on_submit():
        with refusals(form) as outcome:
            reply_as_staff(ticket, acting_user(), form.body.data, _checked(form), state=form.state.data)
        if not outcome.refused:
            flash("Risposta inviata all'operatore.", "success")
            return redirect(url_for("tickets.staff_detail", ticket_id=ticket.id))
    return _render_staff_detail(ticket, reply_form=form)


@bp.route("/assistenza/ticket/<int:ticket_id>/stato", methods=["POST"])
@staff_required
def staff_state(ticket_id):
    ticket = db.get_or_404(Ticket, ticket_id)
    form = StateForm()
    if form.validate_on_submit():
        with refusals(form) as outcome:
            set_ticket_state(ticket, acting_user(), form.new_state.data)
        if not outcome.refused:
            flash(f"Stato del ticket n. {ticket.id}: {ticket.state_label}.", "success")
            return redirect(url_for("tickets.staff_detail", ticket_id=ticket.id))
    return _render_staff_detail(ticket, state_form=form)


@bp.route("/assistenza/ticket/allegati/<int:attachment_id>")
@staff_required
def staff_attachment(attachment_id):
    attachment = db.get_or_404(TicketAttachment, attachment_id)
    attachment_viewed(attachment, acting_user())
    return _send_attachment(attachment)

"""Views of the back office: registration queue, users, audit log, outbox."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from ..auth import mfa
from ..extensions import db
from ..forms import ActionForm, RejectForm, refusals
from ..notifications.models import OutboxMessage
from ..operators.models import User
from ..pages import paginate
from ..registration.forms import BackOfficeJoinForm
from ..registration.joins import JOIN_QUEUE_FILTERS, decide_join, join_queue
from ..registration.models import (
    JOIN_STATE_LABELS,
    REQUEST_STATE_LABELS,
    SECRET_QUESTIONS,
    JoinRequest,
    RegistrationRequest,
)
from ..registration.services import (
    approve_registration,
    reject_registration,
    request_more_information,
    username_conflict,
)
from . import bp
from .forms import AuditFilterForm, InformationForm, OutboxFilterForm, UserFilterForm
from .services import (
    OPEN_STATES,
    QUEUE_FILTERS,
    audit_event_names,
    audit_events,
    disable_user,
    enable_user,
    ensure_open,
    operators_by_id,
    outbox_messages,
    registration_queue,
    unlock_user,
    user_list,
)

USER_LIST_ARGS = ("q", "role", "state", "locked", "page")


def _filters(form) -> dict:
    """The non-empty filters of a GET form, to carry over to the pager's links."""
    return {name: f.raw_data[0] for name, f in form._fields.items() if f.raw_data and f.raw_data[0]}


def _admin() -> User:
    return current_user._get_current_object()


# --- registration queue ---------------------------------------------------------------------------


def _queue_page(template: str, queue, filters, labels):
    """A queue filtered by ``?state=`` (pending unless one of ``filters``), a page of it."""
    state = request.args.get("state", "pending")
    if state not in filters:
        state = "pending"
    return render_template(template, page=paginate(queue(state)), state=state, states=filters, labels=labels)


@bp.route("/richieste")
def requests():
    return _queue_page("admin/requests.html", registration_queue, QUEUE_FILTERS, REQUEST_STATE_LABELS)


def _render_request(registration, *, approve_form=None, reject_form=None, info_form=None):
    return render_template(
        "admin/request_detail.html",
        registration=registration,
        question=SECRET_QUESTIONS.get(registration.secret_question, registration.secret_question),
        is_open=registration.status in OPEN_STATES,
        username_conflict=username_conflict(registration),
        approve_form=approve_form or ActionForm(formdata=None),
        reject_form=reject_form or RejectForm(formdata=None),
        info_form=info_form or InformationForm(formdata=None),
    )


@bp.route("/richieste/<int:request_id>")
def request_detail(request_id):
    return _render_request(db.get_or_404(RegistrationRequest, request_id))


def _decide(registration, form, form_name: str, action, confirmation, *args):
    """Run ``action`` for a valid ``form``; a refusal about a field is shown on the form, any other is flashed.
    ``confirmation`` is the message of success, or makes it from what ``action`` returned."""
    with refusals(category="warning") as outcome:
        ensure_open(registration)
    if outcome.refused:
        return redirect(url_for("admin.request_detail", request_id=registration.id))
    if not form.validate_on_submit():
        return _render_request(registration, **{form_name: form})
    with refusals(form) as outcome:
        result = action(registration, _admin(), *args)
    if not outcome.refused:
        flash(confirmation(result) if callable(confirmation) else confirmation, "success")
        return redirect(url_for("admin.requests"))
    if outcome.error.field in form:
        return _render_request(registration, **{form_name: form})
    flash(str(outcome.error), "error")
    return redirect(url_for("admin.request_detail", request_id=registration.id))


def _approval_message(registration, result) -> str:
    if isinstance(result, JoinRequest):  # the operator already has active users
        return gettext(
            "Richiesta di %(name)s approvata: l'azienda usa già il portale, quindi ora decidono i suoi "
            "amministratori aziendali (oppure tu, da «Richieste di adesione»).",
            name=registration.display_name,
        )
    return f"Richiesta di {registration.display_name} approvata: all'utente è stata inviata l'e-mail di attivazione."


@bp.route("/richieste/<int:request_id>/approva", methods=["POST"])
def approve(request_id):
    registration = db.get_or_404(RegistrationRequest, request_id)
    return _decide(
        registration,
        ActionForm(),
        "approve_form",
        approve_registration,
        lambda result: _approval_message(registration, result),
    )


@bp.route("/richieste/<int:request_id>/respingi", methods=["POST"])
def reject(request_id):
    registration = db.get_or_404(RegistrationRequest, request_id)
    form = RejectForm()
    return _decide(
        registration,
        form,
        "reject_form",
        reject_registration,
        f"Richiesta di {registration.display_name} respinta: il richiedente è stato avvisato via e-mail.",
        form.reason.data or "",
    )


@bp.route("/richieste/<int:request_id>/informazioni", methods=["POST"])
def request_information(request_id):
    registration = db.get_or_404(RegistrationRequest, request_id)
    form = InformationForm()
    return _decide(
        registration,
        form,
        "info_form",
        request_more_information,
        f"Richiesta di informazioni inviata via e-mail a {registration.email}.",
        form.message.data or "",
    )


# --- requests to join ----------------------------------------------------------------------------


@bp.route("/adesioni")
def joins():
    return _queue_page("admin/joins.html", join_queue, JOIN_QUEUE_FILTERS, JOIN_STATE_LABELS)


@bp.route("/adesioni/<int:join_id>", methods=["GET", "POST"])
def join_detail(join_id):
    """A request to join, decided in the company's place (e.g. its administrator has left); audited."""
    join = db.get_or_404(JoinRequest, join_id)
    form = BackOfficeJoinForm()
    if form.validate_on_submit():
        with refusals(form) as outcome:
            decide_join(join, _admin(), form.decision.data, form.note.data, via="back_office")
        if not outcome.refused:
            flash(
                gettext("Richiesta di adesione approvata: il richiedente riceverà il link di attivazione.")
                if join.status == "approved"
                else gettext("Richiesta di adesione rifiutata: il richiedente è stato avvisato via e-mail."),
                "success",
            )
            return redirect(url_for("admin.joins"))
    return render_template("admin/join_detail.html", join=join, form=form)


# --- users ----------------------------------------------------------------------------------------


@bp.route("/utenti")
def users():
    form = UserFilterForm(formdata=request.args)
    form.validate()
    data = form.valid_data()
    statement = user_list(
        search=data.get("q") or "",
        role=data.get("role") or "",
        state=data.get("state") or "",
        locked=data.get("locked") or "",
    )
    return render_template(
        "admin/users.html",
        form=form,
        page=paginate(statement),
        filters=_filters(form),
        action_form=ActionForm(formdata=None),
    )


def _user_action(user_id: int, action, confirmation: str):
    user = db.get_or_404(User, user_id)
    back = url_for("admin.users", **{k: v for k, v in request.args.items() if k in USER_LIST_ARGS})
    if not ActionForm().validate_on_submit():
        abort(400)
    with refusals(category="error") as outcome:
        action(user, _admin())
    if not outcome.refused:
        flash(confirmation.format(username=user.username), "success")
    return redirect(back)


@bp.route("/utenti/<int:user_id>/disabilita", methods=["POST"])
def disable(user_id):
    return _user_action(
        user_id, disable_user, "Utente {username} disabilitato: tutte le sue sessioni sono state chiuse."
    )


@bp.route("/utenti/<int:user_id>/abilita", methods=["POST"])
def enable(user_id):
    return _user_action(user_id, enable_user, "Utente {username} riabilitato.")


@bp.route("/utenti/<int:user_id>/sblocca", methods=["POST"])
def unlock(user_id):
    return _user_action(user_id, unlock_user, "Utente {username} sbloccato: può accedere di nuovo.")


@bp.route("/utenti/<int:user_id>/azzera-verifica", methods=["POST"])
def reset_mfa(user_id):
    return _user_action(
        user_id,
        mfa.reset_mfa,
        "Verifica in due passaggi di {username} azzerata: al prossimo accesso potrà configurarla di nuovo.",
    )


# --- audit log ------------------------------------------------------------------------------------


@bp.route("/registro")
def audit_log():
    form = AuditFilterForm(formdata=request.args)
    form.validate()
    data = form.valid_data()
    page = paginate(
        audit_events(
            username=(data.get("username") or "").strip(),
            **form.operator_filter(),
            event=data.get("event") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
    )
    return render_template(
        "admin/audit_log.html",
        form=form,
        page=page,
        filters=_filters(form),
        operators=operators_by_id(event.operator_id for event in page.items),
        event_names=audit_event_names(),
    )


# --- outbox ---------------------------------------------------------------------------------------


@bp.route("/posta")
def outbox():
    form = OutboxFilterForm(formdata=request.args)
    form.validate()
    page = paginate(outbox_messages(form.valid_data().get("recipient") or ""))
    return render_template(
        "admin/outbox.html",
        form=form,
        page=page,
        filters=_filters(form),
        mail_server=current_app.config["MAIL_SERVER"],
    )


@bp.route("/posta/<int:message_id>")
def outbox_message(message_id):
    message = db.get_or_404(OutboxMessage, message_id)
    return render_template("admin/outbox_message.html", message=message)

"""Views of privacy: the legal pages (public), the accessibility feedback, I miei dati with its download,
the closure request, and the back office's queue of closures."""

from flask import current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from ..extensions import db, limiter
from ..forms import ActionForm, refusals
from ..pages import acting_user, paginate
from ..security.access import admin_required, operator_required
from ..security.audit import audit
from . import bp
from .export import export_file, export_filename, includes_company
from .forms import CloseAccountForm, ClosureRequestForm, RejectClosureForm
from .models import CLOSURE_STATES, ClosureRequest
from .services import (
    acknowledge_current_notice,
    close_account,
    closure_queue,
    ensure_open,
    last_company_admin,
    latest_acknowledgement,
    notice_version,
    open_closure,
    reject_closure,
    request_closure,
    withdraw_closure,
)
from .texts import TEXTS, render_text


def _legal_page(name: str, **context):
    return render_template("privacy/legal_page.html", name=name, title=TEXTS[name], body=render_text(name), **context)


# --- the legal pages --------------------------------------------------------------------------------------


@bp.route("/privacy")
def notice():
    return _legal_page("informativa")


@bp.route("/note-legali")
def legal_notes():
    return _legal_page("note_legali")


@bp.route("/cookie")
def cookies():
    return _legal_page("cookie")


@bp.route("/accessibilita")
def accessibility():
    return _legal_page("accessibilita")


@bp.route("/accessibilita/segnalazione")
def accessibility_feedback():
    """An operator's report opens a ticket (the ticket form, prefilled); anyone else reads how to log in first,
    or how to reach the back office by e-mail or telephone when logging in is the barrier."""
    if current_user.is_authenticated and current_user.operator_id is not None:
        return redirect(
            url_for(
                "tickets.new",
                category="accesso",
                subject=gettext("Segnalazione di accessibilità"),
                message=gettext(
                    "Pagina (indirizzo o nome):\n\nCosa non ha funzionato:\n\n"
                    "Browser e tecnologia assistiva usati (per esempio lettore di schermo, ingranditore):\n"
                ),
            )
        )
    return render_template(
        "privacy/feedback.html",
        login_url=url_for("auth.login", next=url_for("privacy.accessibility_feedback")),
        email=current_app.config["ACCESSIBILITY_EMAIL"],
    )


# --- I miei dati --------------------------------------------------------------------------------------------


@bp.route("/i-miei-dati", methods=["GET", "POST"])
@login_required
def my_data():
    user = acting_user()
    form = ActionForm()
    if form.validate_on_submit():
        with refusals(category="info") as outcome:
            acknowledge_current_notice(user)
        if not outcome.refused:
            flash(gettext("Presa visione dell'informativa registrata."), "success")
        return redirect(url_for("privacy.my_data"))
    latest = latest_acknowledgement(user)
    return render_template(
        "privacy/my_data.html",
        user=user,
        latest=latest,
        current_version=notice_version(),
        company=includes_company(user),
        closure=open_closure(user) if user.operator_id is not None else None,
        form=ActionForm(formdata=None),
    )


@bp.route("/i-miei-dati/scarica")
@login_required
def my_data_zip():
    user = acting_user()
    handle, counts = export_file(user)
    audit(
        "privacy.data_exported",
        user,
        user=user,
        company=includes_company(user),
        rows=sum(counts.values()),
    )
    response = send_file(handle, mimetype="application/zip", as_attachment=True, download_name=export_filename(user))
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- closure of the account -----------------------------------------------------------------------------------


def _closure_limit() -> str:
    return current_app.config["CLOSURE_RATE_LIMIT"]


@bp.route("/i-miei-dati/chiusura-account", methods=["GET", "POST"])
@operator_required
@limiter.limit(_closure_limit, methods=["POST"])
def closure():
    user = acting_user()
    pending = open_closure(user)
    form = ClosureRequestForm()
    if pending is None and form.validate_on_submit():
        with refusals(form) as outcome:
            request_closure(user, password=form.password.data, reason=form.reason.data)
        if not outcome.refused:
            flash(
                gettext("Richiesta inviata: il back office la esaminerà e riceverai l'esito per e-mail."),
                "success",
            )
            return redirect(url_for("privacy.closure"))
    return render_template(
        "privacy/closure.html",
        form=form,
        pending=pending,
        last_admin=last_company_admin(user),
        withdraw_form=ActionForm(formdata=None),
    )


@bp.route("/i-miei-dati/chiusura-account/ritira", methods=["POST"])
@operator_required
def withdraw():
    form = ActionForm()
    if form.validate_on_submit():
        with refusals(category="info") as outcome:
            withdraw_closure(acting_user())
        if not outcome.refused:
            flash(gettext("Richiesta di chiusura ritirata: il tuo account resta attivo."), "success")
    return redirect(url_for("privacy.closure"))


# --- the back office's queue -------------------------------------------------------------------------------


@bp.route("/admin/chiusure-account")
@admin_required
def admin_closures():
    state = request.args.get("state", "in_attesa")
    if state not in CLOSURE_STATES and state != "all":
        state = "in_attesa"
    page = paginate(closure_queue(None if state == "all" else state))
    return render_template("privacy/admin_closures.html", page=page, state=state, states=CLOSURE_STATES)


def _render_closure(closure: ClosureRequest, close_form=None, reject_form=None):
    return render_template(
        "privacy/admin_closure.html",
        closure=closure,
        last_admin=closure.is_open and last_company_admin(closure.user),
        close_form=close_form or CloseAccountForm(formdata=None),
        reject_form=reject_form or RejectClosureForm(formdata=None),
    )


@bp.route("/admin/chiusure-account/<int:closure_id>")
@admin_required
def admin_closure(closure_id):
    return _render_closure(db.get_or_404(ClosureRequest, closure_id))


def _decide(closure_id: int, form, form_name: str, action, done: str):
    closure = db.get_or_404(ClosureRequest, closure_id)
    with refusals(category="warning") as outcome:
        ensure_open(closure)
    if outcome.refused:
        return redirect(url_for("privacy.admin_closure", closure_id=closure.id))
    if not form.validate_on_submit():
        return _render_closure(closure, **{form_name: form})
    with refusals(form) as outcome:
        action(closure, acting_user())
    if outcome.refused:
        return _render_closure(closure, **{form_name: form})
    flash(done, "success")
    return redirect(url_for("privacy.admin_closures"))


@bp.route("/admin/chiusure-account/<int:closure_id>/chiudi", methods=["POST"])
@admin_required
def admin_close(closure_id):
    form = CloseAccountForm()
    return _decide(
        closure_id,
        form,
        "close_form",
        lambda closure, admin: close_account(closure, admin, form.note.data),
        gettext("Account chiuso: i dati personali sono stati cancellati o resi anonimi."),
    )


@bp.route("/admin/chiusure-account/<int:closure_id>/respingi", methods=["POST"])
@admin_required
def admin_reject(closure_id):
    form = RejectClosureForm()
    return _decide(
        closure_id,
        form,
        "reject_form",
        lambda closure, admin: reject_closure(closure, admin, form.reason.data),
        gettext("Richiesta respinta: l'utente è stato avvisato per e-mail."),
    )

"""Home page, company data (Dati anagrafici) and company users."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from ..forms import ActionForm, form_values, refusals
from ..home.figures import home_figures
from ..home.tiles import feature_tiles
from ..pages import acting_user, paginate
from ..registration.forms import JoinDecisionForm
from ..registration.joins import decide_join, pending_joins
from ..registration.models import JoinRequest
from ..security.access import get_owned_or_404, operator_admin_required, operator_required
from . import bp
from .forms import COMPANY_ROLES, ContactForm, EmailChangeForm, InviteForm, RoleForm
from .models import User
from .services import (
    AccountError,
    change_colleague_role,
    change_request_prefill,
    confirm_email_change,
    disable_colleague,
    enable_colleague,
    invite_colleague,
    mask_email,
    pending_email_change,
    request_email_change,
    resend_invitation,
    update_contact_details,
)
from .services import (
    company_users as company_users_statement,
)


@bp.route("/")
def home():
    if not current_user.is_authenticated:
        return render_template("operators/landing.html")
    user = acting_user()
    figures = home_figures(user)
    return render_template(
        "operators/home.html", user=user, figures=figures, feature_tiles=feature_tiles(user, figures)
    )


# --- Dati anagrafici ------------------------------------------------------------------------------


def _render_profile(contact_form=None, email_form=None):
    user = acting_user()
    if contact_form is None:
        contact_form = ContactForm(formdata=None, data={"phone": user.phone, "mobile": user.mobile, "fax": user.fax})
    return render_template(
        "operators/profile.html",
        operator=user.operator,
        user=user,
        contact_form=contact_form,
        email_form=email_form or EmailChangeForm(formdata=None),
        change_request=change_request_prefill(user),
    )


@bp.route("/dati-anagrafici", methods=["GET", "POST"])
@operator_required
def profile():
    if request.method == "GET":
        return _render_profile()
    form = ContactForm()
    if not form.validate_on_submit():
        return _render_profile(contact_form=form)
    changed = update_contact_details(acting_user(), phone=form.phone.data, mobile=form.mobile.data, fax=form.fax.data)
    flash(
        "Recapiti aggiornati." if changed else "Nessuna modifica da salvare.",
        "success" if changed else "info",
    )
    return redirect(url_for("operators.profile"))


@bp.route("/dati-anagrafici/email", methods=["POST"])
@operator_required
def change_email():
    form = EmailChangeForm()
    if form.validate_on_submit():
        with refusals(form) as outcome:
            request_email_change(acting_user(), form.email.data)
        if not outcome.refused:
            return render_template(
                "operators/email_sent.html",
                new_email=form.email.data,
                masked_old=mask_email(current_user.email),
            )
    return _render_profile(email_form=form)


@bp.route("/conferma-email/<token>", methods=["GET", "POST"])
def confirm_email(token):
    try:
        pending, user = pending_email_change(token)
    except AccountError as error:
        return render_template("operators/email_link_invalid.html", message=str(error)), 404
    form = ActionForm()
    if form.validate_on_submit():
        confirm_email_change(token)
        flash(f"Indirizzo e-mail aggiornato: ora è {user.email}.", "success")
        if current_user.is_authenticated:
            return redirect(url_for("operators.profile") if current_user.operator_id else url_for("operators.home"))
        return redirect(url_for("auth.login"))
    return render_template("operators/email_confirm.html", form=form, pending=pending, user=user)


# --- Utenti aziendali -----------------------------------------------------------------------------


@bp.route("/utenti-aziendali")
@operator_admin_required
def company_users():
    page = paginate(company_users_statement(current_user.operator_id))
    return render_template(
        "operators/company_users.html",
        operator=current_user.operator,
        page=page,
        roles=COMPANY_ROLES,
        joins=pending_joins(current_user.operator_id),
    )


@bp.route("/utenti-aziendali/adesioni/<int:join_id>", methods=["GET", "POST"])
@operator_admin_required
def join_request(join_id):
    """A request to join the company: who asks and how they proved it; approve or refuse."""
    join = get_owned_or_404(JoinRequest, join_id)
    form = JoinDecisionForm()
    if form.validate_on_submit():
        with refusals(form) as outcome:
            decide_join(join, acting_user(), form.decision.data, form.note.data, via="company")
        if not outcome.refused:
            if join.status == "approved":
                flash(
                    gettext(
                        "Richiesta approvata: %(username)s riceverà a %(email)s il link per scegliere la password.",
                        username=join.username,
                        email=join.email,
                    ),
                    "success",
                )
            else:
                flash(gettext("Richiesta rifiutata: il richiedente è stato avvisato via e-mail."), "success")
            return redirect(url_for("operators.company_users"))
    return render_template("operators/join_request.html", join=join, form=form)


@bp.route("/utenti-aziendali/invita", methods=["GET", "POST"])
@operator_admin_required
def invite():
    form = InviteForm()
    if form.validate_on_submit():
        with refusals(form) as outcome:
            user = invite_colleague(acting_user(), **form_values(form))
        if not outcome.refused:
            flash(
                f"Invito inviato a {user.email}: {user.username} sceglierà la password dal link ricevuto.",
                "success",
            )
            return redirect(url_for("operators.company_users"))
    return render_template("operators/invite.html", form=form)


def _colleague_action(user_id: int, action, done: str, form_class=ActionForm):
    """Run ``action(admin, user[, value])`` on a colleague of the same operator, then back to the list."""
    user = get_owned_or_404(User, user_id)
    form = form_class()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(errors), "error")
        return redirect(url_for("operators.company_users"))
    with refusals(category="error") as outcome:
        if form_class is RoleForm:
            action(acting_user(), user, form.role.data)
        else:
            action(acting_user(), user)
    if not outcome.refused:
        flash(done.format(user=user), "success")
    return redirect(url_for("operators.company_users", page=request.args.get("page", type=int)))


@bp.route("/utenti-aziendali/<int:user_id>/disabilita", methods=["POST"])
@operator_admin_required
def disable_user(user_id):
    return _colleague_action(
        user_id, disable_colleague, "Utente {user.username} disabilitato: le sue sessioni sono state chiuse."
    )


@bp.route("/utenti-aziendali/<int:user_id>/riabilita", methods=["POST"])
@operator_admin_required
def enable_user(user_id):
    return _colleague_action(user_id, enable_colleague, "Utente {user.username} riabilitato.")


@bp.route("/utenti-aziendali/<int:user_id>/ruolo", methods=["POST"])
@operator_admin_required
def change_role(user_id):
    return _colleague_action(
        user_id, change_colleague_role, "Ruolo di {user.username} aggiornato: {user.role_label}.", RoleForm
    )


@bp.route("/utenti-aziendali/<int:user_id>/reinvia-invito", methods=["POST"])
@operator_admin_required
def resend_invite(user_id):
    return _colleague_action(user_id, resend_invitation, "Invito inviato di nuovo a {user.email}.")

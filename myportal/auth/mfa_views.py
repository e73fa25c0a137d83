"""Views of the second factor: the code step of log-in, enrolment, the QR code, settings, the company rule."""

from flask import Response, abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from ..errors import DomainError
from ..extensions import limiter
from ..forms import refusals
from ..security.access import operator_admin_required
from ..security.mfa import grouped, mfa_required_for, provisioning_uri, qr_svg
from ..security.redirects import safe_next
from . import bp, login_limit
from .forms import CodeForm, CompanyMfaForm, DisableMfaForm
from .mfa import (
    MfaLocked,
    abandon_second_step,
    confirm_enrolment,
    disable_mfa,
    enrolment_secret,
    finish_login,
    has_pending_state,
    pending_user,
    regenerate_recovery_codes,
    remaining_recovery_codes,
    set_company_requirement,
    start_enrolment,
    verify_second_step,
)

# What a user who must still enrol may open; the half-logged-in state may also open the code step and log-in.
ENROLMENT_ENDPOINTS = frozenset({"auth.mfa_enrol", "auth.mfa_start", "auth.mfa_qr", "auth.logout", "static"})
PENDING_ENDPOINTS = ENROLMENT_ENDPOINTS | {"auth.mfa_verify", "auth.login"}


def _code_key() -> str:
    """Code attempts are throttled per account too (the one logging in, or logged in)."""
    user = current_user if current_user.is_authenticated else pending_user()
    return f"mfa:{user.id}" if user is not None else "mfa:none"


def _no_store(response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


@bp.before_app_request
def _second_factor_gate():
    """The half-logged-in state reaches only the code step; who must enrol reaches only enrolment."""
    endpoint = request.endpoint
    if endpoint == "static":
        return None
    user = current_user._get_current_object()
    if user.is_authenticated:
        if not user.mfa_enabled and endpoint not in ENROLMENT_ENDPOINTS and mfa_required_for(user):
            return redirect(url_for("auth.mfa_enrol"))
        return None
    if has_pending_state() and endpoint not in PENDING_ENDPOINTS:
        return redirect(url_for("auth.mfa_verify"))
    return None


def _start_over():
    abandon_second_step(use_up_token=request.method == "POST")  # nothing written on GET
    flash("La procedura di accesso è scaduta: accedi di nuovo.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/accedi/codice", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
@limiter.limit(login_limit, methods=["POST"], key_func=_code_key)
def mfa_verify():
    if current_user.is_authenticated:
        return redirect(url_for("operators.home"))
    user = pending_user()
    if user is None:
        return _start_over()
    if not user.mfa_enabled:
        return redirect(url_for("auth.mfa_enrol"))
    form = CodeForm()
    if form.validate_on_submit():
        with refusals(form, keep_changes=True) as outcome:  # wrong codes count towards the lock-out
            next_url = verify_second_step(user, form.code.data)
        if isinstance(outcome.error, MfaLocked):
            flash(str(outcome.error), "error")
            return redirect(url_for("auth.login"))
        if not outcome.refused:
            return redirect(safe_next(next_url))
    return render_template("auth/mfa_verify.html", form=form)


def _enrolling_user():
    """(user, half_logged_in): the logged-in user, or the one who must enrol before the session starts."""
    if current_user.is_authenticated:
        return current_user._get_current_object(), False
    user = pending_user()
    if user is not None and not user.mfa_enabled:
        return user, True
    return None, False


@bp.route("/verifica-due-passaggi/attiva", methods=["POST"])
@limiter.limit(login_limit, key_func=_code_key)
def mfa_start():
    user, _pending = _enrolling_user()
    if user is None:
        return _start_over()
    if not FlaskForm().validate_on_submit():
        abort(400)
    with refusals(category="info") as outcome:
        start_enrolment(user)
    if outcome.refused:
        return redirect(url_for("auth.mfa_settings"))
    return redirect(url_for("auth.mfa_enrol"))


@bp.route("/verifica-due-passaggi/configura", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
@limiter.limit(login_limit, methods=["POST"], key_func=_code_key)
def mfa_enrol():
    user, pending = _enrolling_user()
    if user is None:
        return _start_over()
    if user.mfa_enabled:
        return redirect(url_for("auth.mfa_settings"))
    secret = enrolment_secret(user)
    required = mfa_required_for(user)
    if secret is None:
        return render_template("auth/mfa_start.html", form=FlaskForm(), required=required, pending=pending)
    form = CodeForm()
    if form.validate_on_submit():
        with refusals(form, keep_changes=True) as outcome:  # a wrong code stays in the audit log
            codes = confirm_enrolment(user, form.code.data)
        if not outcome.refused:
            next_url = url_for("auth.mfa_settings")
            if pending:
                next_url = safe_next(finish_login(user, "enrolment"))
            page = render_template("auth/mfa_recovery_codes.html", codes=codes, next_url=next_url, first=True)
            return _no_store(make_response(page))
    page = render_template("auth/mfa_enrol.html", form=form, secret=grouped(secret), required=required, pending=pending)
    return _no_store(make_response(page))


@bp.route("/verifica-due-passaggi/qr.svg")
def mfa_qr():
    """The QR code of the secret being set up, only for its own user, never cached."""
    user, _pending = _enrolling_user()
    secret = enrolment_secret(user) if user is not None else None
    if secret is None:
        abort(404)
    return _no_store(Response(qr_svg(provisioning_uri(secret, user.username)), mimetype="image/svg+xml"))


def _render_settings(disable_form=None, regen_form=None):
    user = current_user._get_current_object()
    return render_template(
        "auth/mfa_settings.html",
        user=user,
        required=mfa_required_for(user),
        in_progress=enrolment_secret(user) is not None,
        remaining=remaining_recovery_codes(user) if user.mfa_enabled else 0,
        disable_form=disable_form or DisableMfaForm(formdata=None),
        regen_form=regen_form or CodeForm(formdata=None, prefix="regen"),
        start_form=FlaskForm(formdata=None),
    )


@bp.route("/verifica-due-passaggi")
@login_required
def mfa_settings():
    return _render_settings()


def _code_refused(error: DomainError, form, form_name: str):
    """After ``refusals(form)``: the settings page with the message on its field, or a flash message."""
    if isinstance(error, MfaLocked):  # every session of the user has ended
        flash(str(error), "error")
        return redirect(url_for("auth.login"))
    if error.field is None:
        flash(str(error), "error")
        return redirect(url_for("auth.mfa_settings"))
    return _render_settings(**{form_name: form})


@bp.route("/verifica-due-passaggi/disattiva", methods=["POST"])
@login_required
@limiter.limit(login_limit, key_func=_code_key)
def mfa_disable():
    form = DisableMfaForm()
    if not form.validate_on_submit():
        return _render_settings(disable_form=form)
    with refusals(form, keep_changes=True) as outcome:  # wrong passwords and codes count
        disable_mfa(current_user._get_current_object(), form.password.data, form.code.data)
    if outcome.refused:
        return _code_refused(outcome.error, form, "disable_form")
    flash("Verifica in due passaggi disattivata.", "success")
    return redirect(url_for("auth.mfa_settings"))


@bp.route("/verifica-due-passaggi/codici-di-recupero", methods=["POST"])
@login_required
@limiter.limit(login_limit, key_func=_code_key)
def mfa_recovery_codes():
    form = CodeForm(prefix="regen")
    if not form.validate_on_submit():
        return _render_settings(regen_form=form)
    with refusals(form, keep_changes=True) as outcome:  # wrong codes count towards the lock-out
        codes = regenerate_recovery_codes(current_user._get_current_object(), form.code.data)
    if outcome.refused:
        return _code_refused(outcome.error, form, "regen_form")
    page = render_template(
        "auth/mfa_recovery_codes.html", codes=codes, next_url=url_for("auth.mfa_settings"), first=False
    )
    return _no_store(make_response(page))


@bp.route("/utenti-aziendali/verifica-due-passaggi", methods=["POST"])
@operator_admin_required
def company_mfa():
    form = CompanyMfaForm()
    if not form.validate_on_submit():
        abort(400)
    with refusals(category="error") as outcome:
        set_company_requirement(current_user.operator, current_user._get_current_object(), form.required.data)
    if not outcome.refused:
        flash(
            "La verifica in due passaggi è ora obbligatoria per tutti gli utenti dell'azienda."
            if form.required.data
            else "La verifica in due passaggi è ora facoltativa per gli utenti dell'azienda.",
            "success",
        )
    return redirect(url_for("operators.company_users"))

"""Views of log-in and credentials."""

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from ..extensions import limiter
from ..forms import refusals
from ..operators.models import username_key
from ..security.redirects import safe_next
from ..security.sessions import end_session
from . import bp, login_limit, mfa_views  # noqa: F401  (mfa_views: the second factor's routes)
from .errors import AuthError
from .forms import ChangePasswordForm, ForgotPasswordForm, LoginForm, SetPasswordForm
from .mfa import abandon_second_step, has_pending_state
from .services import change_password, log_in, request_password_reset, set_password_with_token, token_user


def _account_key() -> str:
    return "account:" + username_key(request.form.get("username", ""))[:64]


@bp.route("/accedi", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
@limiter.limit(login_limit, methods=["POST"], key_func=_account_key)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("operators.home"))
    form = LoginForm()
    if form.validate_on_submit():
        next_url = safe_next(request.args.get("next"))
        with refusals(form, keep_changes=True) as outcome:  # a failure counts towards the lock-out
            session_started = log_in(form.username.data, form.password.data, next_url)
        if not outcome.refused:
            return redirect(next_url if session_started else url_for("auth.mfa_verify"))
    return render_template("auth/login.html", form=form)


@bp.route("/esci", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        end_session(current_user._get_current_object())
    elif has_pending_state():
        abandon_second_step()
        session.clear()
    flash("Sei uscito dal portale.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/password-dimenticata", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        request_password_reset(form.username.data)
        return render_template("auth/reset_sent.html")
    return render_template("auth/forgot_password.html", form=form)


def _password_by_token(purpose: str, token: str, template: str, done_message: str):
    try:
        _token, user = token_user(purpose, token)
    except AuthError as error:
        return render_template("auth/link_invalid.html", message=str(error)), 404
    form = SetPasswordForm(username=user.username)
    if form.validate_on_submit():
        with refusals(form) as outcome:
            set_password_with_token(purpose, token, form.password.data)
        if outcome.refused:
            return render_template("auth/link_invalid.html", message=str(outcome.error)), 404
        flash(done_message, "success")
        return redirect(url_for("auth.login"))
    return render_template(template, form=form, user=user)


@bp.route("/attivazione/<token>", methods=["GET", "POST"])
def activate(token):
    return _password_by_token(
        "activation", token, "auth/activate.html", "Account attivato: ora puoi accedere con la nuova password."
    )


@bp.route("/reimposta-password/<token>", methods=["GET", "POST"])
def reset_password(token):
    return _password_by_token(
        "reset", token, "auth/reset_password.html", "Password aggiornata: accedi con la nuova password."
    )


@bp.route("/cambio-password", methods=["GET", "POST"], endpoint="change_password")
@login_required
def change_password_page():
    form = ChangePasswordForm(username=current_user.username)
    if form.validate_on_submit():
        with refusals(form, keep_changes=True) as outcome:  # the failed attempt stays in the audit log
            change_password(current_user, form.current_password.data, form.password.data)
        if not outcome.refused:
            flash("Password modificata. Le altre sessioni aperte sono state chiuse.", "success")
            return redirect(url_for("operators.home"))
    return render_template("auth/change_password.html", form=form)

"""Views of the help desk: search, the account's page and its actions."""

from flask import abort, flash, redirect, render_template, request, url_for

from ..extensions import db
from ..forms import ActionForm, refusals
from ..operators.models import Operator, User
from ..pages import acting_user
from ..registration.models import SECRET_QUESTIONS
from . import bp
from .forms import SearchForm, SecretAnswerForm
from .services import (
    check_secret_answer,
    look_up,
    record_account_view,
    registration_requests_of,
    resend_activation,
    unlock_user,
)


@bp.route("/")
def search():
    form = SearchForm(formdata=request.args if "q" in request.args else None)
    value, operators = None, None
    if "q" in request.args and form.validate():
        value, operators = form.identifier.value, look_up(form.identifier, acting_user())
    return render_template("support/search.html", form=form, value=value, operators=operators)


def _user_of(operator: Operator, user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.operator_id != operator.id:
        abort(404)
    return user


def _render_account(operator: Operator, *, secret_user=None, secret_form=None, secret_result=None):
    return render_template(
        "support/account.html",
        operator=operator,
        users=operator.users,
        requests=registration_requests_of(operator),
        questions=SECRET_QUESTIONS,
        secret_user=secret_user,
        secret_form=secret_form,
        secret_result=secret_result,
    )


@bp.route("/operatori/<int:operator_id>")
def account(operator_id):
    operator = db.get_or_404(Operator, operator_id)
    record_account_view(operator, acting_user())
    return _render_account(operator)


def _user_action(operator_id: int, user_id: int, action, confirmation: str):
    operator = db.get_or_404(Operator, operator_id)
    user = _user_of(operator, user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    with refusals(category="error") as outcome:
        action(user, acting_user())
    if not outcome.refused:
        flash(confirmation.format(username=user.username, email=user.email), "success")
    return redirect(url_for("support.account", operator_id=operator.id))


@bp.route("/operatori/<int:operator_id>/utenti/<int:user_id>/sblocca", methods=["POST"])
def unlock(operator_id, user_id):
    return _user_action(operator_id, user_id, unlock_user, "Utente {username} sbloccato: può accedere di nuovo.")


@bp.route("/operatori/<int:operator_id>/utenti/<int:user_id>/reinvia-attivazione", methods=["POST"])
def resend(operator_id, user_id):
    return _user_action(operator_id, user_id, resend_activation, "Link di attivazione inviato di nuovo a {email}.")


@bp.route("/operatori/<int:operator_id>/utenti/<int:user_id>/verifica-risposta", methods=["POST"])
def check_secret(operator_id, user_id):
    operator = db.get_or_404(Operator, operator_id)
    user = _user_of(operator, user_id)
    form = SecretAnswerForm()
    result = None
    if form.validate_on_submit():
        with refusals(form):
            result = check_secret_answer(user, form.answer.data, acting_user())
    return _render_account(operator, secret_user=user, secret_form=form, secret_result=result)

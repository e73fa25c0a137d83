"""Views of the four registration paths and of the completion of a new-user request."""

import time

from flask import current_app, redirect, render_template, session, url_for

from ..extensions import limiter
from ..forms import refusals
from ..privacy.services import acknowledge_notice
from . import bp
from .forms import (
    AddressDecisionForm,
    ChooseUsernameForm,
    CompleteRequestForm,
    ConfirmRegistrationForm,
    CustomerCodeForm,
    GecoPracticeForm,
    LegacyCredentialsForm,
    NewUserForm,
)
from .joins import JoinError, decide_by_address, join_by_address_token
from .models import SECRET_QUESTIONS
from .services import (
    PATHS,
    RegistrationError,
    choose_username,
    complete_registration_request,
    confirm_registration,
    match_customer_record,
    match_geco_practice,
    match_legacy_credentials,
    matched_summary,
    request_by_info_token,
    request_by_username_token,
    submit_registration_request,
    suggest_usernames,
)

MATCH_KEY = "registration_match"
MATCH_MINUTES = 30


def _registration_limit() -> str:
    return current_app.config["REGISTRATION_RATE_LIMIT"]


throttled = limiter.limit(_registration_limit, methods=["POST"])


def _remember_match(path: str, record_id: int):
    session[MATCH_KEY] = {"path": path, "id": record_id, "at": int(time.time())}
    return redirect(url_for("registration.confirm"))


def _current_match():
    """The summary of the record matched in this browser session, or None (missing or expired)."""
    match = session.get(MATCH_KEY)
    if not isinstance(match, dict) or match.get("path") not in PATHS:
        return None
    if time.time() - match.get("at", 0) > MATCH_MINUTES * 60:
        session.pop(MATCH_KEY, None)
        return None
    return matched_summary(match["path"], match.get("id"))


@bp.route("/")
def choose():
    return render_template("registration/choose.html")


def _match_page(form, template: str, path: str, match):
    if form.validate_on_submit():
        with refusals(form, keep_changes=True) as outcome:  # a mismatch stays in the audit log
            record = match(form)
        if not outcome.refused:
            return _remember_match(path, record.id)
    return render_template(template, form=form)


@bp.route("/credenziali-legacy", methods=["GET", "POST"])
@throttled
def legacy():
    return _match_page(
        LegacyCredentialsForm(),
        "registration/legacy.html",
        "legacy",
        lambda f: match_legacy_credentials(f.vat_number.data, f.login.data, f.password.data),
    )


@bp.route("/pratica-geco", methods=["GET", "POST"])
@throttled
def geco():
    return _match_page(
        GecoPracticeForm(),
        "registration/geco.html",
        "geco",
        lambda f: match_geco_practice(f.vat_number.data, f.practice_id.data, f.fiscal_code.data),
    )


@bp.route("/codice-cliente", methods=["GET", "POST"])
@throttled
def customer():
    return _match_page(
        CustomerCodeForm(),
        "registration/customer.html",
        "customer",
        lambda f: match_customer_record(f.customer_code.data, f.tax_code.data),
    )


@bp.route("/conferma", methods=["GET", "POST"])
@throttled
def confirm():
    summary = _current_match()
    if summary is None:
        return redirect(url_for("registration.choose"))
    form = ConfirmRegistrationForm(choose_username=summary.username is None, data={"email": summary.email})
    if form.validate_on_submit():
        username = form.username.data if "username" in form else None
        with refusals(form) as outcome:
            user = confirm_registration(summary, form.email.data, username)
            if user is not None:  # None: an existing account, whose owner was told (and nothing is disclosed)
                acknowledge_notice("registrazione", user=user)
        if not outcome.refused:
            session.pop(MATCH_KEY, None)
            return redirect(url_for("registration.mail_sent"))
    return render_template("registration/confirm.html", form=form, summary=summary)


@bp.route("/controlla-la-posta")
def mail_sent():
    return render_template("registration/mail_sent.html", hours=current_app.config["ACTIVATION_HOURS"])


@bp.route("/nuovo-utente", methods=["GET", "POST"])
@throttled
def new_user():
    form = NewUserForm()
    if form.validate_on_submit():
        with refusals(form) as outcome:
            application = submit_registration_request(
                username=form.username.data,
                secret_question=form.secret_question.data,
                secret_answer=form.secret_answer.data,
                **form.details(),
            )
            acknowledge_notice("nuovo_utente", registration_request=application)
        if not outcome.refused:
            return redirect(url_for("registration.request_sent"))
    return render_template("registration/new_user.html", form=form)


@bp.route("/richiesta-inviata")
def request_sent():
    return render_template("registration/request_sent.html")


@bp.route("/completa/<token>", methods=["GET", "POST"])
@throttled
def complete(token):
    try:
        _token, application = request_by_info_token(token)
    except RegistrationError as error:
        return render_template("registration/link_invalid.html", message=str(error)), 404
    form = CompleteRequestForm(obj=application)
    if form.validate_on_submit():
        with refusals(form) as outcome:
            complete_registration_request(token, form.reply.data, **form.details())
        if not outcome.refused:
            return redirect(url_for("registration.request_updated"))
    return render_template("registration/complete.html", form=form, application=application, questions=SECRET_QUESTIONS)


@bp.route("/richiesta-aggiornata")
def request_updated():
    return render_template("registration/request_updated.html")


@bp.route("/nome-utente/<token>", methods=["GET", "POST"], endpoint="choose_username")
@throttled
def choose_username_page(token):
    try:
        application = request_by_username_token(token)
    except RegistrationError as error:
        return render_template("registration/link_invalid.html", message=str(error)), 404
    suggestions = suggest_usernames(application.username)
    form = ChooseUsernameForm(data={"username": suggestions[0] if suggestions else ""})
    if form.validate_on_submit():
        with refusals(form) as outcome:
            choose_username(token, form.username.data)
        if not outcome.refused:
            return render_template("registration/username_chosen.html", username=form.username.data)
    return render_template(
        "registration/choose_username.html", form=form, application=application, suggestions=suggestions
    )


@bp.route("/conferma-indirizzo/<token>", methods=["GET", "POST"])
@throttled
def confirm_address(token):
    """The holder of the address on file answers a registration that asked for another address."""
    try:
        join = join_by_address_token(token)
    except JoinError as error:
        return render_template("registration/link_invalid.html", message=str(error)), 404
    form = AddressDecisionForm()
    if form.validate_on_submit():
        with refusals(form) as outcome:
            decide_by_address(token, form.decision.data)
        if not outcome.refused:
            return render_template(
                "registration/address_decided.html", join=join, approved=form.decision.data == "approve"
            )
    return render_template("registration/confirm_address.html", form=form, join=join)

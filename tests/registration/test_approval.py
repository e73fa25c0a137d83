"""The administrators' decisions on new-user requests, and the applicant's completion link."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from myportal.models import utcnow
from myportal.operators.models import Operator, User
from myportal.registration.models import JoinRequest, RegistrationRequest
from myportal.registration.services import (
    RegistrationError,
    approve_registration,
    reject_registration,
    request_more_information,
)
from myportal.security.models import AuditEvent, Token
from myportal.security.passwords import verify_password
from tests.conftest import field_error, login, make_fiscal_code, make_vat, page_text, submit

from . import NEW_PASSWORD, add_request, in_request, wrong_check_digit


@pytest.fixture
def admin(make_user):
    return make_user(role="admin", username="admin.terna", email="admin@terna.example")


def _approve(app, request_id: int, admin_id: int) -> int:
    with in_request(app) as session:
        user = approve_registration(session.get(RegistrationRequest, request_id), session.get(User, admin_id))
        return user.id


def _ask(app, request_id: int, admin_id: int, message: str = "Allega la visura camerale e correggi la PEC."):
    with in_request(app) as session:
        request_more_information(session.get(RegistrationRequest, request_id), session.get(User, admin_id), message)


# --- approve -------------------------------------------------------------------------------------------


def test_approve_legal_person_then_activate_and_log_in(client, app, dbs, mailbox, admin):
    vat = make_vat(71)
    request = add_request(dbs, vat_number=vat, fiscal_code=make_fiscal_code(71), phone="06 123456")
    user_id = _approve(app, request.id, admin.id)

    user = dbs.get(User, user_id)
    assert (user.username, user.status, user.role, user.email) == (
        "nuovo.utente",
        "pending",
        "operator_admin",
        "anna.verdi@example.com",
    )
    assert (user.full_name, user.fiscal_code, user.country, user.company_role) == (
        "Verdi Anna",
        make_fiscal_code(71),
        "IT",
        "Legale rappresentante",
    )
    assert (user.phone, user.mobile, user.secret_question) == ("06 123456", "+39 333 1234567", "pet")
    assert user.secret_answer_hash == request.secret_answer_hash
    operator = dbs.get(Operator, user.operator_id)
    assert (operator.vat_number, operator.name, operator.kind) == (vat, "Verdi Energia S.r.l.", "giuridica")
    decided = dbs.get(RegistrationRequest, request.id)
    assert (decided.status, decided.decided_by_id, decided.user_id, decided.operator_id) == (
        "approved",
        admin.id,
        user.id,
        operator.id,
    )
    assert decided.decided_at is not None
    assert dbs.count(AuditEvent, AuditEvent.event == "registration.approved") == 1

    link = mailbox.link("anna.verdi@example.com", "/attivazione/")
    assert submit(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    assert login(client, "nuovo.utente", NEW_PASSWORD).status_code == 302
    home = page_text(client.get("/"))
    assert "Verdi Energia S.r.l." in home and vat in home


def test_approve_natural_person(app, dbs, admin):
    fiscal_code = make_fiscal_code(72)
    request = add_request(dbs, person_kind="fisica", fiscal_code=fiscal_code, company_name=None)
    user = dbs.get(User, _approve(app, request.id, admin.id))
    operator = dbs.get(Operator, user.operator_id)
    assert (operator.kind, operator.fiscal_code, operator.vat_number, operator.name) == (
        "fisica",
        fiscal_code,
        None,
        "Verdi Anna",
    )


def test_approve_links_the_existing_operator_of_the_same_vat(app, dbs, admin, make_operator, make_user):
    operator = make_operator(vat_number=make_vat(73))
    make_user(operator=operator, status="pending")  # registered, never activated: nobody to ask
    request = add_request(dbs, vat_number=make_vat(73))
    user = dbs.get(User, _approve(app, request.id, admin.id))
    assert (user.operator_id, user.role) == (operator.id, "operator")
    assert dbs.count(Operator) == 1


def test_approve_for_an_operator_with_active_users_asks_its_administrators(
    app, dbs, admin, make_operator, make_user, mailbox
):
    operator = make_operator(vat_number=make_vat(76))
    company_admin = make_user("operator_admin", operator)
    request = add_request(dbs, vat_number=make_vat(76))
    with in_request(app) as session:
        join = approve_registration(session.get(RegistrationRequest, request.id), session.get(User, admin.id))
        join_id = join.id
    assert dbs.count(User, User.operator_id == operator.id) == 1  # nobody joined yet
    assert dbs.get(JoinRequest, join_id).status == "pending"
    decided = dbs.get(RegistrationRequest, request.id)
    assert (decided.status, decided.operator_id, decided.user_id) == ("approved", operator.id, None)
    assert "/utenti-aziendali/adesioni/" in mailbox.body(mailbox.last(company_admin.email))
    assert "/attivazione/" not in mailbox.body(mailbox.last("anna.verdi@example.com"))


def test_approve_refuses_a_username_taken_meanwhile(app, dbs, admin, make_user, mailbox):
    make_user(username="Nuovo.Utente")
    request = add_request(dbs, vat_number=make_vat(74))
    users = dbs.count(User)
    with in_request(app) as session, pytest.raises(RegistrationError) as error:
        approve_registration(session.get(RegistrationRequest, request.id), session.get(User, admin.id))
    assert error.value.field == "username"
    assert dbs.count(User) == users and dbs.count(Operator) == 1
    assert dbs.get(RegistrationRequest, request.id).status == "pending"
    assert len(mailbox) == 0


@pytest.mark.parametrize("status", ["approved", "rejected"])
def test_decided_requests_cannot_be_decided_again(app, dbs, admin, status):
    request = add_request(dbs, vat_number=make_vat(75), status=status)
    with in_request(app) as session:
        loaded, by = session.get(RegistrationRequest, request.id), session.get(User, admin.id)
        for action, args in (
            (approve_registration, ()),
            (reject_registration, ("motivo",)),
            (request_more_information, ("domanda",)),
        ):
            with pytest.raises(RegistrationError, match="già stata trattata"):
                action(loaded, by, *args)
    assert dbs.count(Operator) == 0
    assert dbs.get(RegistrationRequest, request.id).status == status


# --- reject --------------------------------------------------------------------------------------------


def test_reject_needs_a_reason_and_sends_it(app, dbs, admin, mailbox):
    request = add_request(dbs, vat_number=make_vat(76))
    with in_request(app) as session, pytest.raises(RegistrationError) as error:
        reject_registration(session.get(RegistrationRequest, request.id), session.get(User, admin.id), "  ")
    assert error.value.field == "reason"
    assert dbs.get(RegistrationRequest, request.id).status == "pending"

    with in_request(app) as session:
        reject_registration(
            session.get(RegistrationRequest, request.id),
            session.get(User, admin.id),
            "La Partita IVA non risulta attiva.",
        )
    rejected = dbs.get(RegistrationRequest, request.id)
    assert (rejected.status, rejected.decided_by_id) == ("rejected", admin.id)
    assert rejected.decided_at is not None and rejected.user_id is None
    body = mailbox.body(mailbox.last("anna.verdi@example.com"))
    assert "respinta" in body and "La Partita IVA non risulta attiva." in body
    assert dbs.count(AuditEvent, AuditEvent.event == "registration.rejected") == 1
    assert dbs.count(User) == 1  # the administrator only


# --- request more information and the completion link --------------------------------------------------


def test_request_information_needs_a_message(app, dbs, admin, mailbox):
    request = add_request(dbs, vat_number=make_vat(77))
    with in_request(app) as session, pytest.raises(RegistrationError) as error:
        request_more_information(session.get(RegistrationRequest, request.id), session.get(User, admin.id), "")
    assert error.value.field == "message"
    assert dbs.count(Token) == 0 and len(mailbox) == 0


def _completion_form(**changes) -> dict:
    data = {
        "full_name": "Verdi Anna Maria",
        "country": "IT",
        "fiscal_code": make_fiscal_code(78),
        "company_role": "Amministratore delegato",
        "email": "anna.verdi@verdienergia.example",
        "phone": "",
        "mobile": "+39 333 7654321",
        "person_kind": "giuridica",
        "vat_number": make_vat(78),
        "company_name": "Verdi Energia S.r.l.",
        "reply": "Ho corretto l'indirizzo e-mail.",
    }
    data.update(changes)
    return data


def test_request_information_then_the_applicant_completes_the_request(client, app, dbs, admin, mailbox):
    request = add_request(dbs, vat_number=make_vat(78), email="anna@pec.example")
    _ask(app, request.id, admin.id)
    asked = dbs.get(RegistrationRequest, request.id)
    assert (asked.status, asked.admin_message) == ("info_requested", "Allega la visura camerale e correggi la PEC.")
    body = mailbox.body(mailbox.last("anna@pec.example"))
    assert "Allega la visura camerale" in body and "7 giorni" in body
    link = mailbox.link("anna@pec.example", "/registrazione/completa/")
    token = dbs.scalar(select(Token).where(Token.request_id == request.id))
    assert timedelta(days=6, hours=23) < token.expires_at - token.created_at <= timedelta(days=7)

    page = page_text(client.get(link))
    assert "Allega la visura camerale e correggi la PEC." in page
    assert "nuovo.utente" in page and 'value="Verdi Anna"' in page

    response = submit(client, link, _completion_form(), follow_redirects=True)
    assert "di nuovo in attesa di approvazione" in page_text(response)
    completed = dbs.get(RegistrationRequest, request.id)
    assert (completed.status, completed.email, completed.full_name, completed.applicant_reply) == (
        "pending",
        "anna.verdi@verdienergia.example",
        "Verdi Anna Maria",
        "Ho corretto l'indirizzo e-mail.",
    )
    assert completed.username == "nuovo.utente"
    assert dbs.count(AuditEvent, AuditEvent.event == "registration.completed") == 1

    again = client.get(link)
    assert again.status_code == 404 and "non è valido" in page_text(again)

    user = dbs.get(User, _approve(app, request.id, admin.id))
    assert (user.email, user.full_name) == ("anna.verdi@verdienergia.example", "Verdi Anna Maria")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"reply": ""}, "reply", "Scrivi una risposta"),
        ({"email": "anna@pec.example"}, "email", "Non indicare un indirizzo PEC"),
        ({"fiscal_code": wrong_check_digit(make_fiscal_code(79))}, "fiscal_code", "carattere di controllo"),
        ({"vat_number": ""}, "vat_number", "Una persona giuridica deve indicare la Partita IVA"),
    ],
)
def test_completion_bad_inputs_change_nothing(client, app, dbs, admin, mailbox, changes, field, message):
    request = add_request(dbs, vat_number=make_vat(79), email="anna@pec.example")
    _ask(app, request.id, admin.id)
    link = mailbox.link("anna@pec.example", "/registrazione/completa/")
    response = submit(client, link, _completion_form(**{"vat_number": make_vat(79), **changes}))
    assert response.status_code == 200
    assert message in field_error(response, field)
    unchanged = dbs.get(RegistrationRequest, request.id)
    assert (unchanged.status, unchanged.email, unchanged.applicant_reply) == (
        "info_requested",
        "anna@pec.example",
        None,
    )
    assert client.get(link).status_code == 200


def test_completion_link_expired_unknown_or_request_decided(client, app, dbs, admin, mailbox):
    request = add_request(dbs, vat_number=make_vat(80))
    _ask(app, request.id, admin.id)
    link = mailbox.link("anna.verdi@example.com", "/registrazione/completa/")
    with dbs.session() as session:
        session.scalar(select(Token).where(Token.request_id == request.id)).expires_at = utcnow() - timedelta(minutes=1)
    expired = client.get(link)
    assert expired.status_code == 404 and "non è valido" in page_text(expired)
    assert client.get("/registrazione/completa/not-a-token").status_code == 404

    _ask(app, request.id, admin.id)
    link = mailbox.link("anna.verdi@example.com", "/registrazione/completa/")
    with in_request(app) as session:
        reject_registration(
            session.get(RegistrationRequest, request.id), session.get(User, admin.id), "Documentazione incompleta."
        )
    assert client.get(link).status_code == 404


def test_completion_requires_csrf(client, app, dbs, admin, mailbox):
    request = add_request(dbs, vat_number=make_vat(81))
    _ask(app, request.id, admin.id)
    link = mailbox.link("anna.verdi@example.com", "/registrazione/completa/")
    response = client.post(link, data=_completion_form(vat_number=make_vat(81)))
    assert response.status_code == 400
    assert dbs.get(RegistrationRequest, request.id).status == "info_requested"


def test_new_user_request_through_the_form_is_approved(client, app, dbs, admin, mailbox):
    data = {
        "username": "mario.rossi",
        "full_name": "Rossi Mario",
        "fiscal_code": make_fiscal_code(82),
        "country": "IT",
        "company_role": "Titolare",
        "email": "mario.rossi@example.com",
        "mobile": "3331234567",
        "secret_question": "city",
        "secret_answer": "Napoli",
        "person_kind": "fisica",
        "privacy": "y",
    }
    assert submit(client, "/registrazione/nuovo-utente", data).status_code == 302
    request = dbs.scalar(select(RegistrationRequest))
    user = dbs.get(User, _approve(app, request.id, admin.id))
    assert verify_password(user.secret_answer_hash, "napoli")
    link = mailbox.link("mario.rossi@example.com", "/attivazione/")
    submit(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert login(client, "mario.rossi", NEW_PASSWORD).status_code == 302
    assert "Rossi Mario" in page_text(client.get("/"))

"""Path 4: the new-user form ("Non dispongo/ricordo le credenziali...") and its acknowledgement."""

import re

import pytest
from sqlalchemy import select

from myportal.operators.models import Operator, User
from myportal.registration.models import RegistrationRequest
from myportal.security.models import AuditEvent
from myportal.security.passwords import normalise_secret_answer, verify_password
from tests.conftest import field_error, make_fiscal_code, make_vat, page_text, submit

from . import add_request, wrong_check_digit

NEW_USER = "/registrazione/nuovo-utente"


def _form(**changes) -> dict:
    data = {
        "username": "anna.verdi",
        "full_name": "Verdi Anna",
        "fiscal_code": make_fiscal_code(61),
        "country": "IT",
        "company_role": "Legale rappresentante",
        "email": "anna.verdi@example.com",
        "phone": "",
        "mobile": "+39 333 1234567",
        "secret_question": "school",
        "secret_answer": "  Scuola  MANZONI ",
        "person_kind": "giuridica",
        "vat_number": make_vat(61),
        "company_name": "Verdi Energia S.r.l.",
        "privacy": "y",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_form_shows_the_fields_of_the_source_documents(client):
    page = page_text(client.get(NEW_USER))
    for label in (
        "Nome Utente",
        "Cognome e Nome",
        "Codice Fiscale",
        "Nazione",
        "Ruolo Aziendale",
        "Email",
        "Telefono fisso",
        "Cellulare",
        "Domanda segreta",
        "Risposta",
        "Persona Fisica",
        "Persona Giuridica",
        "Partita IVA",
        "Ragione sociale",
    ):
        assert label in page
    assert "Non indicare un indirizzo PEC" in page
    assert page.index('value="IT"') < page.index('value="FR"')
    assert "Qual è il nome del tuo primo animale domestico?" in page


def test_legal_person_request_awaits_approval(client, dbs, mailbox):
    response = submit(client, NEW_USER, _form(phone="06 1234 5678"), follow_redirects=True)
    assert response.status_code == 200
    assert "in attesa di approvazione da parte degli amministratori di Terna" in page_text(response)

    request = dbs.scalar(select(RegistrationRequest))
    assert (request.status, request.username, request.person_kind) == ("pending", "anna.verdi", "giuridica")
    assert (request.vat_number, request.company_name) == (make_vat(61), "Verdi Energia S.r.l.")
    assert (request.fiscal_code, request.country) == (make_fiscal_code(61), "IT")
    assert request.phone == "06 1234 5678"
    assert request.privacy_accepted_at is not None
    assert "MANZONI" not in request.secret_answer_hash
    assert verify_password(request.secret_answer_hash, normalise_secret_answer("scuola manzoni"))
    assert dbs.count(User) == 0 and dbs.count(Operator) == 0
    assert dbs.count(AuditEvent, AuditEvent.event == "registration.requested") == 1

    body = mailbox.body(mailbox.last("anna.verdi@example.com"))
    assert "anna.verdi" in body and "in attesa di approvazione" in body


def test_natural_person_request_keeps_no_company_data(client, dbs):
    submit(client, NEW_USER, _form(person_kind="fisica", vat_number=make_vat(62), company_name="Ignorata"))
    request = dbs.scalar(select(RegistrationRequest))
    assert (request.person_kind, request.vat_number, request.company_name) == ("fisica", None, None)
    assert request.display_name == "Verdi Anna"


def test_foreign_applicant_without_fiscal_code_is_accepted(client, dbs, mailbox):
    response = submit(
        client, NEW_USER, _form(country="FR", fiscal_code="", username="jean.dupont", email="jean.dupont@example.fr")
    )
    assert response.status_code == 302
    request = dbs.scalar(select(RegistrationRequest))
    assert (request.country, request.fiscal_code) == ("FR", None)
    assert mailbox.last("jean.dupont@example.fr")


def test_foreign_fiscal_code_is_not_checked_as_an_italian_one(client, dbs):
    submit(client, NEW_USER, _form(country="DE", fiscal_code="de 12345678901"))
    assert dbs.scalar(select(RegistrationRequest.fiscal_code)) == "DE12345678901"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"vat_number": ""}, "vat_number", "Una persona giuridica deve indicare la Partita IVA"),
        ({"company_name": ""}, "company_name", "Una persona giuridica deve indicare la ragione sociale"),
        ({"vat_number": wrong_check_digit(make_vat(63))}, "vat_number", "cifra di controllo"),
        ({"fiscal_code": ""}, "fiscal_code", "obbligatorio per chi risiede in Italia"),
        ({"fiscal_code": wrong_check_digit(make_fiscal_code(63))}, "fiscal_code", "carattere di controllo"),
        ({"fiscal_code": make_vat(63)}, "fiscal_code", "16 caratteri"),
        ({"country": "FR", "fiscal_code": "", "person_kind": "fisica"}, "fiscal_code", "persona fisica"),
        ({"country": "XX"}, "country", "Scegli una nazione dell'elenco"),
        ({"email": "anna@pec.verdienergia.it"}, "email", "Non indicare un indirizzo PEC"),
        ({"email": "anna@example"}, "email", "Indirizzo e-mail non valido"),
        ({"mobile": ""}, "mobile", "Inserisci il numero di cellulare"),
        ({"mobile": "333-ABC"}, "mobile", "sole cifre, spazi e il segno +"),
        ({"phone": "+39 06 1234 5678 9012 34"}, "phone", "al massimo 20 caratteri"),
        ({"username": "a b"}, "username", "3-64 caratteri"),
        ({"username": "123456"}, "username", "riservati ai codici cliente"),
        ({"username": "u" * 65}, "username", "3-64 caratteri"),
        ({"full_name": ""}, "full_name", "Inserisci cognome e nome"),
        ({"company_role": ""}, "company_role", "ruolo aziendale"),
        ({"secret_question": ""}, "secret_question", "Scegli una delle domande segrete"),
        ({"secret_question": "colour"}, "secret_question", "Scegli una delle domande segrete"),
        ({"secret_answer": ""}, "secret_answer", "Scrivi la risposta"),
        ({"person_kind": None}, "person_kind", "persona fisica o giuridica"),
        ({"privacy": None}, "privacy", "dichiarare di aver letto l'informativa privacy"),
    ],
)
def test_bad_inputs_are_shown_next_to_the_field(client, dbs, mailbox, changes, field, message):
    response = submit(client, NEW_USER, _form(**changes))
    assert response.status_code == 200
    assert message in field_error(response, field)
    assert dbs.count(RegistrationRequest) == 0
    assert len(mailbox) == 0
    assert 'value="Verdi Anna"' in page_text(response) or field == "full_name"  # what was typed is kept


CHOOSE = "/registrazione/nome-utente/"


def _taken_request(client, dbs, mailbox):
    """A request whose user name belongs to someone else: saved all the same, the applicant told by e-mail."""
    response = submit(client, NEW_USER, _form())
    assert response.status_code == 302 and response.headers["Location"].endswith("/registrazione/richiesta-inviata")
    body = mailbox.body(mailbox.last("anna.verdi@example.com"))
    assert "anna.verdi però non è disponibile" in body
    return dbs.scalar(select(RegistrationRequest).order_by(RegistrationRequest.id.desc())), mailbox.link(
        "anna.verdi@example.com", CHOOSE
    )


@pytest.mark.parametrize("status", ["pending", "info_requested"])
def test_username_of_an_open_request_is_accepted_and_a_new_one_asked_by_email(client, dbs, mailbox, status):
    add_request(dbs, username="Anna.Verdi", status=status, vat_number=make_vat(64))
    request, _link = _taken_request(client, dbs, mailbox)
    assert (request.username, request.status) == ("anna.verdi", "pending")
    assert dbs.count(RegistrationRequest) == 2


def test_username_of_a_user_is_accepted_and_a_new_one_chosen_through_the_link(client, dbs, mailbox, make_user):
    make_user(username="ANNA.VERDI")
    request, link = _taken_request(client, dbs, mailbox)
    page = page_text(client.get(link))
    assert "anna.verdi indicato nella tua richiesta di registrazione non è disponibile" in page
    suggested = re.findall(r"<strong>(anna\.verdi\.\d{3})</strong>", page)
    assert len(suggested) == 3

    taken = submit(client, link, {"username": "Anna.Verdi"})
    assert "Nome utente non disponibile" in field_error(taken, "username")  # told to the mailbox's owner only
    response = submit(client, link, {"username": suggested[0]})
    assert response.status_code == 200 and suggested[0] in page_text(response)
    assert dbs.get(RegistrationRequest, request.id).username == suggested[0]
    assert dbs.count(AuditEvent, AuditEvent.event == "registration.username_changed") == 1
    assert client.get(link).status_code == 404  # single use


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("", "Scegli un nome utente"),
        ("ab", "3-64 caratteri"),
        ("a" * 65, "3-64 caratteri"),
        ("nome con spazi", "3-64 caratteri"),
        ("654321", "riservati ai codici cliente"),
        ("anna.verdi", "Nome utente non disponibile"),
    ],
)
def test_choose_username_bad_inputs(client, dbs, mailbox, make_user, username, message):
    make_user(username="anna.verdi")
    request, link = _taken_request(client, dbs, mailbox)
    mails = len(mailbox)
    response = submit(client, link, {"username": username})
    assert response.status_code == 200
    assert message in field_error(response, "username")
    assert dbs.get(RegistrationRequest, request.id).username == "anna.verdi"
    assert len(mailbox) == mails
    assert client.get(link).status_code == 200  # still usable


def test_choose_username_link_is_refused_once_the_request_is_decided(client, dbs, mailbox, make_user):
    make_user(username="anna.verdi")
    request, link = _taken_request(client, dbs, mailbox)
    with dbs.session() as session:
        session.get(RegistrationRequest, request.id).status = "rejected"
    assert client.get(link).status_code == 404
    assert client.get(CHOOSE + "x" * 43).status_code == 404


def test_username_of_a_rejected_request_is_free_again(client, dbs):
    add_request(dbs, username="anna.verdi", status="rejected", vat_number=make_vat(65))
    assert submit(client, NEW_USER, _form()).status_code == 302
    assert dbs.count(RegistrationRequest) == 2


def test_new_user_form_requires_csrf(client, dbs):
    response = client.post(NEW_USER, data=_form())
    assert response.status_code == 400
    assert dbs.count(RegistrationRequest) == 0

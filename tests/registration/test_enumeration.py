"""No anonymous answer tells whether an account, a login or a request exists.

Before this, "Nome utente non disponibile" on the new-user form and on the Ge.Co. confirmation page told any
visitor that ``tirrenica.admin``, a legacy login or a pending applicant existed. Now both forms accept the
submission the same way whatever the name, and the applicant learns the outcome by e-mail."""

import re

import pytest
from sqlalchemy import select

from myportal.registration.models import RegistrationRequest
from tests.conftest import make_fiscal_code, make_vat, submit

from . import CONFIRM, GECO, LEGACY, LEGACY_PASSWORD, add_join, add_legacy, add_practice, add_request

NEW_USER = "/registrazione/nuovo-utente"
FREE = "nome.libero"
# Each kind of existing name the old message disclosed.
TAKEN = ["tirrenica.admin", "TIRRENICA.ADMIN", "tirrenica.legacy", "in.attesa", "aderente.attesa"]

_CSRF = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+(")')
_NONCE = re.compile(r'(nonce=")[^"]+(")')


@pytest.fixture
def existing_names(dbs, make_user, make_operator):
    """A user, a legacy login, an open new-user request and a pending request to join, by name."""
    operator = make_operator()
    make_user("operator_admin", operator, username="tirrenica.admin")
    add_legacy(dbs, vat=make_vat(901), login="tirrenica.legacy")
    add_request(dbs, username="in.attesa", vat_number=make_vat(902))
    add_join(dbs, operator.id, "aderente.attesa")


def answer(client, response) -> tuple:
    """What an anonymous visitor sees: status, redirect, the page it leads to (CSRF token and nonces
    blanked), and which cookies are set."""
    location = response.headers.get("Location")
    page = client.get(location) if location else response

    def text(r):
        return _NONCE.sub(r"\1\2", _CSRF.sub(r"\1\2", r.get_data(as_text=True)))

    cookies = sorted(header.split("=", 1)[0] for header in response.headers.getlist("Set-Cookie"))
    return response.status_code, location, text(response), page.status_code, text(page), cookies


def _new_user_form(username: str) -> dict:
    return {
        "username": username,
        "full_name": "Verdi Anna",
        "fiscal_code": make_fiscal_code(903),
        "country": "IT",
        "company_role": "Referente tecnico",
        "email": "anna.verdi@example.com",
        "mobile": "+39 333 1234567",
        "secret_question": "pet",
        "secret_answer": "Fido",
        "person_kind": "giuridica",
        "vat_number": make_vat(903),
        "company_name": "Verdi Energia S.r.l.",
        "privacy": "y",
    }


@pytest.mark.parametrize("taken", TAKEN)
def test_new_user_form_answers_the_same_for_taken_and_free_names(app, dbs, mailbox, existing_names, taken):
    answers = {}
    for name in (taken, FREE):
        client = app.test_client()
        answers[name] = answer(client, submit(client, NEW_USER, _new_user_form(name)))
    assert answers[taken] == answers[FREE]
    assert answers[FREE][0] == 302 and answers[FREE][1].endswith("/registrazione/richiesta-inviata")

    # both requests are kept; the applicant alone hears, by e-mail, that one name was not free
    names = dbs.scalars(select(RegistrationRequest.username).order_by(RegistrationRequest.id))
    assert names[-2:] == [taken, FREE]
    taken_mail, free_mail = (mailbox.body(m) for m in mailbox.to("anna.verdi@example.com")[-2:])
    assert "non è disponibile" in taken_mail and "/registrazione/nome-utente/" in taken_mail
    assert "non è disponibile" not in free_mail and "/registrazione/nome-utente/" not in free_mail


@pytest.mark.parametrize("taken", TAKEN)
def test_geco_confirmation_answers_the_same_for_taken_and_free_names(app, dbs, mailbox, existing_names, taken):
    vat, requester = make_vat(904), make_fiscal_code(904)
    add_practice(dbs, vat=vat, requester=requester, practice_id="GC-904")
    answers = {}
    for name in (taken, FREE):
        client = app.test_client()
        submit(client, GECO, {"vat_number": vat, "practice_id": "GC-904", "fiscal_code": requester})
        answers[name] = answer(
            client, submit(client, CONFIRM, {"privacy": "y", "username": name, "email": "ops@solare.example"})
        )
    assert answers[taken] == answers[FREE]
    assert answers[FREE][1].endswith("/registrazione/controlla-la-posta")
    taken_mail, free_mail = (mailbox.body(m) for m in mailbox.to("ops@solare.example")[-2:])
    assert "che non è disponibile" in taken_mail and "/attivazione/" in free_mail


def test_legacy_confirmation_answers_the_same_whether_the_account_exists_or_not(
    app, dbs, mailbox, make_user, make_operator
):
    """The login is the user name: an existing account, a company with users and a new one look alike."""
    answers = []
    for seed, existing in ((905, "account"), (906, "company"), (907, None)):
        vat, login_name = make_vat(seed), f"legacy.{seed}"
        add_legacy(dbs, vat=vat, login=login_name, email="uffici@acme.example")
        if existing == "account":
            make_user(username=login_name, email="titolare@acme.example")
        elif existing == "company":
            make_user("operator_admin", make_operator(vat_number=vat))
        client = app.test_client()
        submit(client, LEGACY, {"vat_number": vat, "login": login_name, "password": LEGACY_PASSWORD})
        answers.append(answer(client, submit(client, CONFIRM, {"privacy": "y", "email": "uffici@acme.example"})))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][1].endswith("/registrazione/controlla-la-posta")

"""Registration paths 1-3: legacy credentials, Ge.Co. practice, customer code; confirmation and activation."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from myportal.models import utcnow
from myportal.operators.models import Operator, User
from myportal.registration.models import JoinRequest
from myportal.security.models import AuditEvent, Token
from tests.conftest import csrf_from, field_error, login, make_fiscal_code, make_vat, page_text, submit

from . import (
    GENERIC,
    LEGACY_PASSWORD,
    NEW_PASSWORD,
    add_customer,
    add_legacy,
    add_practice,
    add_request,
    form_error,
    wrong_check_digit,
)

LEGACY = "/registrazione/credenziali-legacy"
GECO = "/registrazione/pratica-geco"
CUSTOMER = "/registrazione/codice-cliente"
CONFIRM = "/registrazione/conferma"


def _activate(client, mailbox, address: str, password: str = NEW_PASSWORD):
    link = mailbox.link(address, "/attivazione/")
    response = submit(client, link, {"password": password, "confirm": password})
    assert response.status_code == 302, page_text(response)
    return link


def _nothing_written(dbs):
    assert dbs.count(User) == 0
    assert dbs.count(Operator) == 0
    assert dbs.count(Token) == 0


def test_choice_page_offers_the_four_paths(client):
    page = page_text(client.get("/registrazione/"))
    for words in (
        "Sono in possesso delle Credenziali di accesso al Portale Procedure Informatiche Terna",
        "Sono titolare di una pratica di Richiesta di Connessione RTN (Ge.Co.)",
        "Sei un cliente e vuoi registrarti?",
        "Non dispongo/ricordo le credenziali di accesso al portale sistemi legacy Terna",
    ):
        assert words in page
    for url in (LEGACY, GECO, CUSTOMER, "/registrazione/nuovo-utente"):
        assert f'href="{url}"' in page
    assert 'href="/registrazione/"' in page_text(client.get("/"))


def test_legacy_credentials_end_to_end(client, dbs, mailbox):
    vat = make_vat(31)
    add_legacy(dbs, vat=vat)
    response = submit(client, LEGACY, {"vat_number": f"IT {vat}", "login": "acme.legacy", "password": LEGACY_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(CONFIRM)

    page = page_text(client.get(CONFIRM))
    assert "Conferma registrazione" in page
    assert "Acme Energia S.p.A." in page and "Via Roma 1, 00100 Roma (RM)" in page
    assert 'value="uffici@acme.example"' in page
    assert "Le credenziali di accesso saranno inviate alla e-mail indicata." in page
    assert 'name="username"' not in page

    # the address on file, as the page proposes it: the activation goes there at once
    response = submit(client, CONFIRM, {"privacy": "y", "email": "uffici@acme.example"}, follow_redirects=True)
    assert "Controlla la posta" in page_text(response)
    assert client.get(CONFIRM).status_code == 302  # the match is used up

    user = dbs.scalar(select(User).where(User.username == "acme.legacy"))
    assert (user.status, user.role, user.email) == ("pending", "operator_admin", "uffici@acme.example")
    operator = dbs.get(Operator, user.operator_id)
    assert (operator.vat_number, operator.name, operator.kind) == (vat, "Acme Energia S.p.A.", "giuridica")
    assert "24 ore" in mailbox.body(mailbox.last("uffici@acme.example"))

    _activate(client, mailbox, "uffici@acme.example")
    assert dbs.get(User, user.id).status == "active"
    assert login(client, "acme.legacy", NEW_PASSWORD).status_code == 302
    home = page_text(client.get("/"))
    assert "Acme Energia S.p.A." in home and vat in home


def test_geco_practice_end_to_end_with_chosen_username(client, dbs, mailbox):
    vat, requester = make_vat(32), make_fiscal_code(102)
    add_practice(dbs, vat=vat, requester=requester)
    response = submit(
        client, GECO, {"vat_number": vat, "practice_id": "gc-2024-0001", "fiscal_code": requester.lower()}
    )
    assert response.headers["Location"].endswith(CONFIRM)
    page = page_text(client.get(CONFIRM))
    assert "Solare Lucano S.r.l." in page and 'name="username"' in page

    response = submit(client, CONFIRM, {"privacy": "y", "username": "solare.admin", "email": "ops@solare.example"})
    assert response.status_code == 302
    user = dbs.scalar(select(User).where(User.username == "solare.admin"))
    assert (user.role, user.fiscal_code) == ("operator_admin", requester)
    assert dbs.get(Operator, user.operator_id).vat_number == vat

    _activate(client, mailbox, "ops@solare.example")
    assert login(client, "solare.admin", NEW_PASSWORD).status_code == 302
    assert "Solare Lucano S.r.l." in page_text(client.get("/"))


def test_customer_code_of_a_natural_person_end_to_end(client, dbs, mailbox):
    fiscal_code = make_fiscal_code(103)
    add_customer(dbs, tax_code=fiscal_code)
    response = submit(client, CUSTOMER, {"customer_code": "005007", "tax_code": fiscal_code.lower()})
    assert response.headers["Location"].endswith(CONFIRM)
    page = page_text(client.get(CONFIRM))
    assert "005007" in page and "Bianchi Mario" in page and "Via Prova 5, 48124 Ravenna (RA)" in page
    assert 'value="mario.bianchi@example.com"' in page

    submit(client, CONFIRM, {"privacy": "y", "email": "mario.bianchi@example.com"})
    user = dbs.scalar(select(User).where(User.username == "005007"))
    operator = dbs.get(Operator, user.operator_id)
    assert (operator.kind, operator.fiscal_code, operator.vat_number, operator.customer_code) == (
        "fisica",
        fiscal_code,
        None,
        "005007",
    )

    _activate(client, mailbox, "mario.bianchi@example.com")
    assert login(client, "005007", NEW_PASSWORD).status_code == 302
    home = page_text(client.get("/"))
    assert "Bianchi Mario" in home and "005007" in home


def test_first_user_is_operator_admin_the_second_of_the_same_vat_asks_to_join(client, app, dbs, mailbox):
    vat = make_vat(34)
    add_legacy(dbs, vat=vat)
    add_customer(dbs, tax_code=vat, customer_code="123456", name="Acme Energia S.p.A.", email=None)
    submit(client, LEGACY, {"vat_number": vat, "login": "acme.legacy", "password": LEGACY_PASSWORD})
    submit(client, CONFIRM, {"privacy": "y", "email": "uffici@acme.example"})
    _activate(client, mailbox, "uffici@acme.example")
    other = app.test_client()
    submit(other, CUSTOMER, {"customer_code": "123456", "tax_code": vat})
    submit(other, CONFIRM, {"privacy": "y", "email": "secondo@acme.example"})
    assert [u.username for u in dbs.scalars(select(User))] == ["acme.legacy"]  # the second one waits
    join = dbs.scalar(select(JoinRequest))
    assert (join.username, join.status) == ("123456", "pending")

    login(client, "acme.legacy", NEW_PASSWORD)
    submit(client, f"/utenti-aziendali/adesioni/{join.id}", {"decision": "approve"})
    users = dbs.scalars(select(User).order_by(User.id))
    roles = [(u.username, u.role) for u in users]
    assert roles == [("acme.legacy", "operator_admin"), ("123456", "operator")]
    assert users[0].operator_id == users[1].operator_id
    assert dbs.count(Operator) == 1
    assert dbs.get(Operator, users[0].operator_id).customer_code == "123456"


# --- bad inputs of the matching forms ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"vat_number": wrong_check_digit(make_vat(7))}, "vat_number", "cifra di controllo"),
        ({"vat_number": "1234"}, "vat_number", "11 cifre"),
        ({"login": ""}, "login", "Inserisci la login"),
        ({"password": "not the legacy password"}, None, GENERIC),
        ({"login": "somebody.else"}, None, GENERIC),
        ({"vat_number": make_vat(99)}, None, GENERIC),
    ],
    ids=["vat-checksum", "vat-length", "login-missing", "wrong-password", "unknown-login", "other-vat"],
)
def test_legacy_bad_inputs(client, dbs, data, field, message):
    add_legacy(dbs, vat=make_vat(35))
    values = {"vat_number": make_vat(35), "login": "acme.legacy", "password": LEGACY_PASSWORD, **data}
    response = submit(client, LEGACY, values)
    assert response.status_code == 200
    if field:
        assert message in field_error(response, field)
        assert dbs.count(AuditEvent, AuditEvent.event == "registration.mismatch") == 0
    else:
        assert message in form_error(response)
        for name in ("vat_number", "login", "password"):
            assert field_error(response, name) == ""
        assert dbs.count(AuditEvent, AuditEvent.event == "registration.mismatch") == 1
    assert 'type="password"' in page_text(response) and LEGACY_PASSWORD not in page_text(response)
    assert client.get(CONFIRM).status_code == 302
    _nothing_written(dbs)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"fiscal_code": wrong_check_digit(make_fiscal_code(106))}, "fiscal_code", "carattere di controllo"),
        ({"vat_number": wrong_check_digit(make_vat(7))}, "vat_number", "cifra di controllo"),
        ({"practice_id": "GC/2024"}, "practice_id", "solo lettere, cifre e trattini"),
        ({"fiscal_code": make_fiscal_code(107)}, None, GENERIC),
        ({"practice_id": "GC-2024-9999"}, None, GENERIC),
        ({"vat_number": make_vat(98)}, None, GENERIC),
    ],
    ids=["cf-checksum", "vat-checksum", "practice-format", "other-requester", "unknown-practice", "other-vat"],
)
def test_geco_bad_inputs(client, dbs, data, field, message):
    add_practice(dbs, vat=make_vat(36), requester=make_fiscal_code(106))
    values = {"vat_number": make_vat(36), "practice_id": "GC-2024-0001", "fiscal_code": make_fiscal_code(106), **data}
    response = submit(client, GECO, values)
    assert response.status_code == 200
    if field:
        assert message in field_error(response, field)
    else:
        assert message in form_error(response)
        assert "800.999.333" in form_error(response)
    assert client.get(CONFIRM).status_code == 302
    _nothing_written(dbs)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"customer_code": "5007"}, "customer_code", "sei cifre"),
        ({"customer_code": "00500A"}, "customer_code", "sei cifre"),
        ({"tax_code": "ABC"}, "tax_code", "Partita IVA di 11 cifre o un codice fiscale"),
        ({"tax_code": wrong_check_digit(make_fiscal_code(108))}, "tax_code", "carattere di controllo"),
        ({"tax_code": make_fiscal_code(109)}, None, GENERIC),
        ({"customer_code": "999999"}, None, GENERIC),
    ],
    ids=["code-short", "code-letters", "tax-code-format", "cf-checksum", "other-tax-code", "unknown-code"],
)
def test_customer_bad_inputs(client, dbs, data, field, message):
    add_customer(dbs, tax_code=make_fiscal_code(108))
    values = {"customer_code": "005007", "tax_code": make_fiscal_code(108), **data}
    response = submit(client, CUSTOMER, values)
    assert response.status_code == 200
    if field:
        assert message in field_error(response, field)
    else:
        assert message in form_error(response)
    _nothing_written(dbs)


def test_mismatch_reveals_neither_the_field_nor_whether_the_vat_is_known(client, dbs):
    known_vat = make_vat(40)
    add_legacy(dbs, vat=known_vat)
    wrong_password = submit(
        client, LEGACY, {"vat_number": known_vat, "login": "acme.legacy", "password": "not the password"}
    )
    unknown_vat = submit(
        client, LEGACY, {"vat_number": make_vat(41), "login": "nobody", "password": "not the password"}
    )
    assert form_error(wrong_password) == form_error(unknown_vat) != ""
    events = dbs.scalars(select(AuditEvent).where(AuditEvent.event == "registration.mismatch"))
    assert [e.details["path"] for e in events] == ["legacy", "legacy"]
    assert all("not the password" not in str(e.details) for e in events)


def test_matching_posts_are_throttled(client, dbs, app):
    limit = int(app.config["REGISTRATION_RATE_LIMIT"].split()[0])
    token = csrf_from(client.get(CUSTOMER).get_data(as_text=True))
    codes = [
        client.post(
            CUSTOMER, data={"csrf_token": token, "customer_code": "999999", "tax_code": make_vat(42)}
        ).status_code
        for _ in range(limit + 1)
    ]
    assert codes[:limit] == [200] * limit
    assert codes[-1] == 429


@pytest.mark.parametrize("url", [LEGACY, GECO, CUSTOMER, CONFIRM])
def test_posts_without_csrf_token_are_refused(client, dbs, url):
    vat = make_vat(43)
    add_legacy(dbs, vat=vat)
    submit(client, LEGACY, {"vat_number": vat, "login": "acme.legacy", "password": LEGACY_PASSWORD})
    data = {"vat_number": vat, "login": "acme.legacy", "password": LEGACY_PASSWORD, "email": "a@acme.example"}
    response = client.post(url, data=data)
    assert response.status_code == 400
    _nothing_written(dbs)


# --- confirmation page ---------------------------------------------------------------------------------


def test_confirmation_without_a_match_goes_back_to_the_choice(client):
    response = client.get(CONFIRM)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/registrazione/")


def test_confirmation_expires_after_a_while(client, dbs):
    vat = make_vat(44)
    add_legacy(dbs, vat=vat)
    submit(client, LEGACY, {"vat_number": vat, "login": "acme.legacy", "password": LEGACY_PASSWORD})
    with client.session_transaction() as session:
        match = session["registration_match"]
        session["registration_match"] = {**match, "at": match["at"] - 31 * 60}
    assert client.get(CONFIRM).status_code == 302


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("amministrazione@pec.acme.it", "Non indicare un indirizzo PEC"),
        ("acme@legalmail.it", "Non indicare un indirizzo PEC"),
        ("not-an-address", "Indirizzo e-mail non valido"),
        ("", "Indica l'indirizzo e-mail"),
    ],
)
def test_confirmation_refuses_pec_and_invalid_addresses(client, dbs, mailbox, email, message):
    vat = make_vat(45)
    add_legacy(dbs, vat=vat)
    submit(client, LEGACY, {"vat_number": vat, "login": "acme.legacy", "password": LEGACY_PASSWORD})
    response = submit(client, CONFIRM, {"privacy": "y", "email": email})
    assert response.status_code == 200
    assert message in field_error(response, "email")
    _nothing_written(dbs)
    assert len(mailbox) == 0
    assert client.get(CONFIRM).status_code == 200  # the match is kept: the user can correct the address


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("123456", "riservati ai codici cliente"),
        ("ab", "3-64 caratteri"),
        ("con spazi", "3-64 caratteri"),
        ("x" * 65, "3-64 caratteri"),
        ("", "Scegli un nome utente"),
    ],
)
def test_geco_username_must_be_well_formed(client, dbs, mailbox, username, message):
    """Rules of the form, the same for every name: saying them tells nothing about who exists."""
    vat, requester = make_vat(47), make_fiscal_code(117)
    add_practice(dbs, vat=vat, requester=requester)
    submit(client, GECO, {"vat_number": vat, "practice_id": "GC-2024-0001", "fiscal_code": requester})
    response = submit(client, CONFIRM, {"privacy": "y", "username": username, "email": "ops@solare.example"})
    assert response.status_code == 200
    assert message in field_error(response, "username")
    _nothing_written(dbs)
    assert len(mailbox) == 0


@pytest.mark.parametrize("username", ["taken.name", "TAKEN.NAME", "requested.name", "reserved.legacy"])
def test_geco_username_not_free_is_said_by_email_only(client, dbs, mailbox, make_user, username):
    existing = make_user(username="taken.name")
    add_request(dbs, username="requested.name", vat_number=make_vat(46))
    add_legacy(dbs, vat=make_vat(46), login="Reserved.Legacy")
    vat, requester = make_vat(47), make_fiscal_code(117)
    add_practice(dbs, vat=vat, requester=requester)
    submit(client, GECO, {"vat_number": vat, "practice_id": "GC-2024-0001", "fiscal_code": requester})
    response = submit(
        client, CONFIRM, {"privacy": "y", "username": username, "email": "ops@solare.example"}, follow_redirects=True
    )
    assert response.status_code == 200 and "Controlla la posta" in page_text(response)
    assert dbs.count(User) == 1 and dbs.count(Operator) == 1  # only the existing user's
    assert dbs.count(Token) == 0
    assert dbs.get(User, existing.id).operator_id is not None
    body = mailbox.body(mailbox.last("ops@solare.example"))
    assert f"nome utente {username}, che non è disponibile" in body
    assert "/registrazione/pratica-geco" in body
    suggestions = re.findall(rf"^  ({re.escape(username)}\.\d{{3}})\s*$", body, re.M)
    assert len(suggestions) == 3, body
    assert client.get(CONFIRM).status_code == 302  # the match is used up, as after any confirmation


# --- an account that already exists --------------------------------------------------------------------


@pytest.mark.parametrize("path", ["legacy", "customer"])
def test_existing_account_is_not_disclosed(client, dbs, mailbox, make_user, path):
    vat = make_vat(48)
    if path == "legacy":
        add_legacy(dbs, vat=vat)
        existing = make_user(username="acme.legacy", email="titolare@acme.example")
        submit(client, LEGACY, {"vat_number": vat, "login": "ACME.legacy", "password": LEGACY_PASSWORD})
    else:
        add_customer(dbs, tax_code=vat)
        existing = make_user(username="005007", email="titolare@acme.example")
        submit(client, CUSTOMER, {"customer_code": "005007", "tax_code": vat})
    users_before, operators_before = dbs.count(User), dbs.count(Operator)

    response = submit(client, CONFIRM, {"privacy": "y", "email": "intruso@example.com"}, follow_redirects=True)
    assert "Controlla la posta" in page_text(response)
    assert dbs.count(User) == users_before and dbs.count(Operator) == operators_before
    assert dbs.count(Token) == 0
    assert mailbox.to("intruso@example.com") == []
    notice = mailbox.body(mailbox.last("titolare@acme.example"))
    assert "esiste già un account" in notice and existing.username in notice
    assert "Hai dimenticato la password?" in notice and "/password-dimenticata" in notice
    assert client.get(CONFIRM).status_code == 302


def test_existing_pending_account_gets_a_new_activation_link(client, dbs, mailbox, make_user):
    vat = make_vat(49)
    add_legacy(dbs, vat=vat)
    existing = make_user(username="acme.legacy", email="titolare@acme.example", status="pending", password_hash=None)
    submit(client, LEGACY, {"vat_number": vat, "login": "acme.legacy", "password": LEGACY_PASSWORD})
    submit(client, CONFIRM, {"privacy": "y", "email": "altro@example.com"})
    assert mailbox.to("altro@example.com") == []
    _activate(client, mailbox, "titolare@acme.example")
    assert dbs.get(User, existing.id).status == "active"
    assert dbs.count(User) == 1


# --- activation link -----------------------------------------------------------------------------------


@pytest.fixture
def registered(client, dbs, mailbox):
    """A user registered by the customer-code path, not yet activated; returns (user, activation link)."""
    vat = make_vat(50)
    add_customer(dbs, tax_code=vat, name="Acme Energia S.p.A.", email="uffici@acme.example")
    submit(client, CUSTOMER, {"customer_code": "005007", "tax_code": vat})
    submit(client, CONFIRM, {"privacy": "y", "email": "uffici@acme.example"})
    user = dbs.scalar(select(User).where(User.username == "005007"))
    return user, mailbox.link("uffici@acme.example", "/attivazione/")


def test_expired_activation_link_is_refused(client, dbs, registered):
    user, link = registered
    with dbs.session() as session:
        token = session.scalar(select(Token).where(Token.user_id == user.id))
        token.expires_at = utcnow() - timedelta(minutes=1)
    response = client.get(link)
    assert response.status_code == 404
    assert "non è valido" in page_text(response)
    assert dbs.get(User, user.id).status == "pending"


def test_activation_link_is_valid_24_hours_and_single_use(client, dbs, registered):
    user, link = registered
    token = dbs.scalar(select(Token).where(Token.user_id == user.id))
    lifetime = token.expires_at - token.created_at
    assert timedelta(hours=23, minutes=59) < lifetime <= timedelta(hours=24)
    assert submit(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    again = client.get(link)
    assert again.status_code == 404
    assert "non è valido" in page_text(again)


@pytest.mark.parametrize(
    ("password", "message"),
    [("password1234", "più diffuse"), ("short", "almeno 12 caratteri"), ("005007", "almeno 12 caratteri")],
)
def test_activation_refuses_weak_passwords(client, dbs, registered, password, message):
    user, link = registered
    response = submit(client, link, {"password": password, "confirm": password})
    assert response.status_code == 200
    assert message in field_error(response, "password")
    stored = dbs.get(User, user.id)
    assert (stored.status, stored.password_hash) == ("pending", None)
    assert client.get(link).status_code == 200  # still usable


def test_activation_requires_csrf(client, dbs, registered):
    user, link = registered
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 400
    assert dbs.get(User, user.id).status == "pending"

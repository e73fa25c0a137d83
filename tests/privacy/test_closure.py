"""Chiedi la chiusura dell'account: the owner asks (password, confirmation), the back office closes or
refuses; closing erases or anonymises the personal data, keeps invoices and the company's records, ends
every way in, and is audited."""

from datetime import date

import pytest
from sqlalchemy import select

from myportal.invoicing.models import Invoice
from myportal.models import utcnow
from myportal.operators.contact_models import PendingEmailChange
from myportal.operators.models import User
from myportal.privacy.models import ClosureRequest, PrivacyAcknowledgement
from myportal.privacy.services import CLOSED_EMAIL_DOMAIN
from myportal.registration.models import RegistrationRequest
from myportal.security.models import AuditEvent, RecoveryCode, Token, UserSession
from myportal.tickets.models import Ticket, TicketMessage
from tests.conftest import DEFAULT_PASSWORD, field_error, login, page_text, submit
from tests.invoicing import make_invoice

CLOSURE = "/i-miei-dati/chiusura-account"
SUPPORT = "assistenza@myportal.localhost"


def _ask(client, **changes):
    data = {"reason": "Ho cambiato lavoro", "understood": "y", "password": DEFAULT_PASSWORD, **changes}
    return submit(client, CLOSURE, {key: value for key, value in data.items() if value is not None})


@pytest.fixture
def owner(make_operator, make_user):
    operator = make_operator()
    make_user("operator_admin", operator)  # another administrator: the company keeps one
    return make_user(
        "operator",
        operator,
        full_name="Gialli Marco",
        email="marco.gialli@example.com",
        fiscal_code="GLLMRC80A01H501U",
        phone="06 5551234",
        mobile="+39 333 1112223",
        fax="06 5554321",
        company_role="Referente tecnico",
        country="IT",
        secret_question="pet",
        secret_answer_hash="$argon2id$segreto",
    )


def test_the_page_says_what_is_kept_and_what_is_erased(client, owner):
    login(client, owner.username)
    page = page_text(client.get(CLOSURE))
    assert "dieci anni, art. 2220 del codice civile" in page
    assert "non potrai più accedere" in page and 'href="/i-miei-dati/scarica"' in page
    assert 'name="password"' in page and 'name="understood"' in page


def test_a_request_is_recorded_audited_and_mailed(client, owner, dbs, mailbox):
    login(client, owner.username)
    response = _ask(client)
    assert response.status_code == 302
    closure = dbs.scalar(select(ClosureRequest).where(ClosureRequest.user_id == owner.id))
    assert (closure.state, closure.reason) == ("in_attesa", "Ho cambiato lavoro")
    assert dbs.count(AuditEvent, AuditEvent.event == "privacy.closure_requested") == 1
    assert "chiudere il tuo account" in mailbox.body(mailbox.last(owner.email))
    assert f"/admin/chiusure-account/{closure.id}" in mailbox.body(mailbox.last(SUPPORT))
    page = page_text(client.get(CLOSURE))
    assert "Ritira la richiesta" in page and 'name="password"' not in page
    assert dbs.get(User, owner.id).status == "active"  # nothing changes until the back office decides


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"password": None}, "password", "Inserisci la tua password"),
        ({"password": ""}, "password", "Inserisci la tua password"),
        ({"password": "una password sbagliata"}, "password", "La password non è corretta."),
        ({"password": "x" * 257}, "password", ""),
        ({"understood": None}, "understood", "la chiusura è definitiva"),
        ({"reason": "r" * 2001}, "reason", "al massimo 2000 caratteri"),
    ],
    ids=["no-password", "empty-password", "wrong-password", "huge-password", "not-understood", "reason-too-long"],
)
def test_bad_inputs_are_shown_next_to_the_field_and_nothing_is_written(
    client, owner, dbs, mailbox, changes, field, message
):
    login(client, owner.username)
    before = dbs.count(AuditEvent)
    response = _ask(client, **changes)
    assert response.status_code == 200
    assert field_error(response, field) and message in field_error(response, field)
    assert dbs.count(ClosureRequest) == 0 and dbs.count(AuditEvent) == before
    assert mailbox.to(SUPPORT) == []


def test_a_reason_of_the_longest_length_and_none_at_all_are_accepted(client, owner, dbs, mailbox):
    login(client, owner.username)
    assert _ask(client, reason="r" * 2000).status_code == 302
    submit(client, f"{CLOSURE}/ritira", {}, page=CLOSURE)
    assert _ask(client, reason="   ").status_code == 302
    reasons = dbs.scalars(select(ClosureRequest.reason).order_by(ClosureRequest.id))
    assert reasons == ["r" * 2000, None]


def test_one_open_request_at_a_time(client, owner, dbs, mailbox, app):
    login(client, owner.username)
    _ask(client)
    response = submit(
        client, CLOSURE, {"reason": "ancora", "understood": "y", "password": DEFAULT_PASSWORD}, page="/i-miei-dati"
    )
    assert response.status_code == 200 and dbs.count(ClosureRequest) == 1
    with app.app_context():  # the database refuses a second open request too
        from sqlalchemy.exc import IntegrityError

        from myportal.extensions import db

        db.session.add(ClosureRequest(user_id=owner.id))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_the_owner_withdraws_the_request(client, owner, dbs, mailbox):
    login(client, owner.username)
    _ask(client)
    response = submit(client, f"{CLOSURE}/ritira", {}, page=CLOSURE, follow_redirects=True)
    assert "ritirata" in page_text(response)
    assert dbs.scalar(select(ClosureRequest.state)) == "ritirata"
    again = submit(client, f"{CLOSURE}/ritira", {}, page=CLOSURE, follow_redirects=True)
    assert "Non hai richieste di chiusura in attesa." in page_text(again)
    assert dbs.count(AuditEvent, AuditEvent.event == "privacy.closure_withdrawn") == 1


def test_the_only_company_administrator_is_warned(client, make_user, mailbox):
    admin = make_user("operator_admin")
    login(client, admin.username)
    assert "Sei l'unico amministratore aziendale attivo" in page_text(client.get(CLOSURE))


# --- the back office --------------------------------------------------------------------------------------


@pytest.fixture
def requested(app, owner, dbs, mailbox, make_user):
    """``owner`` with an open request, a little of everything that closing must treat, and an admin client."""
    browser = app.test_client()
    login(browser, owner.username)
    assert _ask(browser).status_code == 302
    closure = dbs.scalar(select(ClosureRequest).where(ClosureRequest.user_id == owner.id))
    with dbs.session() as session:
        invoice = make_invoice(session, owner.operator_id, "FT-CHIUSURA-1", date(2026, 2, 1))
        ticket = Ticket(operator_id=owner.operator_id, created_by_id=owner.id, category="altro", subject="Fattura")
        session.add(TicketMessage(ticket=ticket, author_id=owner.id, body="Il contatore segna 123"))
        session.add(RecoveryCode(user_id=owner.id, code_hash="c" * 64))
        token = Token(purpose="email", token_hash="d" * 64, user_id=owner.id, expires_at=utcnow())
        session.add(token)
        session.flush()
        session.add(PendingEmailChange(user_id=owner.id, token_id=token.id, new_email="nuovo@example.com"))
        request = RegistrationRequest(
            status="approved",
            username=owner.username,
            full_name="Gialli Marco",
            fiscal_code="GLLMRC80A01H501U",
            country="IT",
            company_role="Referente tecnico",
            email=owner.email,
            mobile="+39 333 1112223",
            secret_question="pet",
            secret_answer_hash="$argon2id$segreto",
            person_kind="fisica",
            privacy_accepted_at=utcnow(),
            applicant_reply="Sono io",
            user_id=owner.id,
        )
        session.add(request)
        session.flush()
        session.add(PrivacyAcknowledgement(registration_request_id=request.id, version="1.0", context="nuovo_utente"))
        ids = {"invoice": invoice.id, "ticket": ticket.id, "request": request.id}
    admin = make_user("admin", False, username="backoffice")
    staff = app.test_client()
    login(staff, admin.username)
    return {"closure": closure, "owner_client": browser, "staff": staff, "admin": admin, **ids}


def test_the_queue_lists_open_requests(requested, owner):
    page = page_text(requested["staff"].get("/admin/chiusure-account"))
    assert owner.username in page and f"/admin/chiusure-account/{requested['closure'].id}" in page
    detail = page_text(requested["staff"].get(f"/admin/chiusure-account/{requested['closure'].id}"))
    assert "Ho cambiato lavoro" in detail and "Chiudi l'account" in detail and "Respingi" in detail


def test_closing_erases_personal_data_keeps_the_law_and_the_company(requested, owner, dbs, mailbox, app):
    closure = requested["closure"]
    response = submit(
        requested["staff"],
        f"/admin/chiusure-account/{closure.id}/chiudi",
        {"note": "Verificata al telefono"},
        page=f"/admin/chiusure-account/{closure.id}",
    )
    assert response.status_code == 302
    user = dbs.get(User, owner.id)
    assert user.username == f"account-chiuso-{owner.id}" and user.email.endswith("@" + CLOSED_EMAIL_DOMAIN)
    assert user.status == "disabled" and user.password_hash is None and user.full_name == ""
    for field in (
        "fiscal_code",
        "phone",
        "mobile",
        "fax",
        "company_role",
        "country",
        "secret_question",
        "secret_answer_hash",
        "mfa_secret",
        "mfa_enabled_at",
        "last_login_at",
    ):
        assert getattr(user, field) is None, field
    assert user.operator_id == owner.operator_id  # the company's records still point at the account
    for model in (UserSession, Token, RecoveryCode, PendingEmailChange):
        assert dbs.count(model, model.user_id == owner.id) == 0, model
    request = dbs.get(RegistrationRequest, requested["request"])
    assert (request.full_name, request.fiscal_code, request.applicant_reply) == ("", None, None)
    assert request.email == user.email and request.secret_answer_hash == ""
    # Kept: the invoice (art. 2220 c.c.), the ticket and its message, the acknowledgement, the audit log.
    assert dbs.get(Invoice, requested["invoice"]).number == "FT-CHIUSURA-1"
    assert dbs.get(Ticket, requested["ticket"]).created_by_id == owner.id
    assert dbs.count(PrivacyAcknowledgement) == 1
    event = dbs.scalar(select(AuditEvent).where(AuditEvent.event == "privacy.account_closed"))
    assert (event.user_id, event.object_id) == (requested["admin"].id, str(owner.id))
    closure = dbs.get(ClosureRequest, closure.id)
    assert (closure.state, closure.decision_note, closure.decided_by_id) == (
        "eseguita",
        "Verificata al telefono",
        requested["admin"].id,
    )
    # A last e-mail to the old address; the ticket page no longer shows the name.
    assert "è stato chiuso" in mailbox.body(mailbox.last("marco.gialli@example.com"))
    colleague = app.test_client()
    admin_of_company = dbs.scalar(
        select(User).where(User.operator_id == owner.operator_id, User.role == "operator_admin")
    )
    login(colleague, admin_of_company.username)
    ticket_page = page_text(colleague.get(f"/ticket/{requested['ticket']}"))
    assert "Gialli Marco" not in ticket_page


def test_nobody_gets_in_with_the_closed_account(requested, owner, app, dbs, mailbox):
    closure = requested["closure"]
    submit(
        requested["staff"],
        f"/admin/chiusure-account/{closure.id}/chiudi",
        {},
        page=f"/admin/chiusure-account/{closure.id}",
    )
    # The open browser session is over, the old credentials fail, a reset sends nothing.
    response = requested["owner_client"].get("/fatture")
    assert response.status_code == 302 and "/accedi" in response.headers["Location"]
    fresh = app.test_client()
    assert login(fresh, owner.username).status_code == 200
    assert login(fresh, f"account-chiuso-{owner.id}", DEFAULT_PASSWORD).status_code == 200
    before = len(mailbox)
    submit(fresh, "/password-dimenticata", {"username": owner.username})
    submit(fresh, "/password-dimenticata", {"username": f"account-chiuso-{owner.id}"})
    assert len(mailbox) == before
    # Neither the back office nor the company can enable it again.
    page = page_text(
        submit(requested["staff"], f"/admin/utenti/{owner.id}/abilita", {}, page="/admin/utenti", follow_redirects=True)
    )
    assert "è stato chiuso su richiesta del titolare" in page
    assert dbs.get(User, owner.id).status == "disabled"
    company_admin = dbs.scalar(select(User).where(User.operator_id == owner.operator_id, User.role == "operator_admin"))
    other = app.test_client()
    login(other, company_admin.username)
    page = page_text(
        submit(other, f"/utenti-aziendali/{owner.id}/riabilita", {}, page="/utenti-aziendali", follow_redirects=True)
    )
    assert "è stato chiuso su richiesta del titolare" in page
    assert dbs.get(User, owner.id).status == "disabled"


def test_a_decided_request_cannot_be_decided_again(requested, dbs):
    closure = requested["closure"]
    url = f"/admin/chiusure-account/{closure.id}"
    submit(requested["staff"], f"{url}/chiudi", {}, page=url)
    again = submit(requested["staff"], f"{url}/respingi", {"reason": "ripensamento"}, page=url, follow_redirects=True)
    assert "già stata trattata (stato: Account chiuso)" in page_text(again)
    assert dbs.get(ClosureRequest, closure.id).state == "eseguita"


def test_rejecting_keeps_the_account_and_tells_the_user(requested, owner, dbs, mailbox):
    closure = requested["closure"]
    url = f"/admin/chiusure-account/{closure.id}"
    response = submit(
        requested["staff"], f"{url}/respingi", {"reason": "Contratti in corso da chiudere prima"}, page=url
    )
    assert response.status_code == 302
    assert dbs.get(ClosureRequest, closure.id).state == "respinta"
    assert dbs.get(User, owner.id).status == "active" and dbs.get(User, owner.id).email == owner.email
    assert "Contratti in corso" in mailbox.body(mailbox.last(owner.email))
    assert dbs.count(AuditEvent, AuditEvent.event == "privacy.closure_rejected") == 1


@pytest.mark.parametrize(
    ("form", "data", "field", "message"),
    [
        ("respingi", {"reason": ""}, "reason", "Indica il motivo"),
        ("respingi", {"reason": "   "}, "reason", "Indica il motivo"),
        ("respingi", {"reason": "m" * 2001}, "reason", "al massimo 2000 caratteri"),
        ("chiudi", {"note": "n" * 2001}, "note", "al massimo 2000 caratteri"),
    ],
    ids=["reject-empty", "reject-blank", "reject-too-long", "close-note-too-long"],
)
def test_back_office_bad_inputs(requested, owner, dbs, mailbox, form, data, field, message):
    closure = requested["closure"]
    url = f"/admin/chiusure-account/{closure.id}"
    before = dbs.count(AuditEvent)
    response = submit(requested["staff"], f"{url}/{form}", data, page=url)
    assert response.status_code == 200
    assert message in field_error(response, field)
    assert dbs.get(ClosureRequest, closure.id).state == "in_attesa"
    assert dbs.get(User, owner.id).email == owner.email
    assert dbs.count(AuditEvent) == before


def test_an_unknown_request_is_not_found(requested):
    assert requested["staff"].get("/admin/chiusure-account/999999").status_code == 404
    assert requested["staff"].get("/admin/chiusure-account/" + "9" * 30).status_code == 404

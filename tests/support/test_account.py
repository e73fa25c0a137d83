"""The account page of the help desk and its actions: unlock, resend activation, secret answer check."""

from datetime import timedelta

from sqlalchemy import select

from myportal.models import utcnow
from myportal.operators.models import User
from myportal.registration.models import RegistrationRequest
from myportal.security.models import AuditEvent, Token
from tests.admin.test_requests import SECRET_ANSWER, new_request, secret_answer_hash
from tests.conftest import login, submit


def _support(login_as, make_user):
    staff = make_user(role="support")
    login_as(staff)
    return staff


def test_account_shows_operator_users_and_requests(client, login_as, make_user, make_operator, dbs):
    staff = _support(login_as, make_user)
    operator = make_operator(name="Accumuli Tirreno S.r.l.", customer_code="123321")
    active = make_user(
        operator=operator,
        role="operator_admin",
        username="tirreno.admin",
        last_login_at=utcnow(),
        secret_question="school",
        secret_answer_hash=secret_answer_hash(),
    )
    locked = make_user(operator=operator, username="tirreno.bloccato", locked_until=utcnow() + timedelta(minutes=9))
    pending = make_user(operator=operator, username="tirreno.nuovo", status="pending", password_hash=None)
    by_vat = new_request(dbs, 7001, vat_number=operator.vat_number, username="tirreno.richiesta")
    by_link = new_request(dbs, 7002, status="approved", operator_id=operator.id, username="tirreno.collegata")
    new_request(dbs, 7003, username="altra.azienda")

    page = client.get(f"/assistenza/operatori/{operator.id}").get_data(as_text=True)
    for value in (
        "Accumuli Tirreno S.r.l.",
        operator.vat_number,
        "123321",
        active.username,
        active.email,
        locked.username,
        pending.username,
        "Amministratore aziendale",
        "In attesa di attivazione",
        by_vat.username,
        by_link.username,
        "scuola elementare",
    ):
        assert value in page, value
    assert "altra.azienda" not in page
    assert "$argon2" not in page
    assert f"/assistenza/operatori/{operator.id}/utenti/{locked.id}/sblocca" in page
    assert f"/assistenza/operatori/{operator.id}/utenti/{active.id}/sblocca" not in page
    assert f"/assistenza/operatori/{operator.id}/utenti/{pending.id}/reinvia-attivazione" in page
    assert f"/assistenza/operatori/{operator.id}/utenti/{active.id}/reinvia-attivazione" not in page
    event = dbs.scalar(select(AuditEvent).where(AuditEvent.event == "support.account_viewed"))
    assert event.user_id == staff.id and event.operator_id == operator.id


def test_unknown_operator_and_foreign_user_give_404(client, login_as, make_user, make_operator):
    _support(login_as, make_user)
    assert client.get("/assistenza/operatori/999999").status_code == 404
    operator = make_operator()
    stranger = make_user(status="pending")
    url = f"/assistenza/operatori/{operator.id}/utenti/{stranger.id}/reinvia-attivazione"
    assert submit(client, url, {}, page=f"/assistenza/operatori/{operator.id}").status_code == 404


def test_resend_activation_sends_a_working_link(client, app, login_as, make_user, make_operator, mailbox, dbs):
    _support(login_as, make_user)
    operator = make_operator()
    user = make_user(operator=operator, status="pending", password_hash=None)
    account = f"/assistenza/operatori/{operator.id}"
    response = submit(client, f"{account}/utenti/{user.id}/reinvia-attivazione", {}, page=account)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(account)
    assert f"Link di attivazione inviato di nuovo a {user.email}" in client.get(account).get_data(as_text=True)
    link = mailbox.link(user.email, "/attivazione/")
    password = "una frase di attivazione lunga"
    other = app.test_client()
    assert submit(other, link, {"password": password, "confirm": password}).status_code == 302
    assert dbs.get(User, user.id).status == "active"
    assert dbs.count(AuditEvent, AuditEvent.event == "user.activation_sent", AuditEvent.object_id == str(user.id)) == 1


def test_resend_activation_refused_for_an_active_user(client, login_as, make_user, make_operator, mailbox, dbs):
    _support(login_as, make_user)
    operator = make_operator()
    user = make_user(operator=operator)
    account = f"/assistenza/operatori/{operator.id}"
    response = submit(
        client, f"{account}/utenti/{user.id}/reinvia-attivazione", {}, page=account, follow_redirects=True
    )
    assert "non è in attesa di attivazione" in response.get_data(as_text=True)
    assert len(mailbox) == 0
    assert dbs.count(Token, Token.user_id == user.id) == 0


def test_unlock(client, login_as, make_user, make_operator, dbs):
    staff = _support(login_as, make_user)
    operator = make_operator()
    user = make_user(operator=operator, locked_until=utcnow() + timedelta(minutes=9), failed_logins=2)
    account = f"/assistenza/operatori/{operator.id}"
    response = submit(client, f"{account}/utenti/{user.id}/sblocca", {}, page=account, follow_redirects=True)
    assert f"Utente {user.username} sbloccato" in response.get_data(as_text=True)
    assert dbs.get(User, user.id).locked_until is None
    event = dbs.scalar(select(AuditEvent).where(AuditEvent.event == "user.unlocked"))
    assert event.user_id == staff.id and event.object_id == str(user.id)
    assert login(client.application.test_client(), user.username).status_code == 302
    again = submit(client, f"{account}/utenti/{user.id}/sblocca", {}, page=account, follow_redirects=True)
    assert "non è bloccato" in again.get_data(as_text=True)


def test_secret_answer_check(client, login_as, make_user, make_operator, dbs):
    staff = _support(login_as, make_user)
    operator = make_operator()
    user = make_user(operator=operator, secret_question="pet", secret_answer_hash=secret_answer_hash())
    account = f"/assistenza/operatori/{operator.id}"
    url = f"{account}/utenti/{user.id}/verifica-risposta"
    before = dbs.get(User, user.id)

    right = submit(client, url, {"answer": f"  {SECRET_ANSWER.upper()} "}, page=account)
    assert right.status_code == 200
    assert "La risposta corrisponde." in right.get_data(as_text=True)
    wrong = submit(client, url, {"answer": "Micio"}, page=account).get_data(as_text=True)
    assert "La risposta non corrisponde." in wrong
    assert "Micio" not in wrong
    empty = submit(client, url, {"answer": ""}, page=account).get_data(as_text=True)
    assert f'id="answer-{user.id}-error"' in empty
    assert "Inserisci la risposta data da chi chiama." in empty

    events = dbs.scalars(select(AuditEvent).where(AuditEvent.event == "support.secret_checked"))
    assert [e.details["matches"] for e in events] == [True, False]
    assert all(e.user_id == staff.id and "answer" not in e.details for e in events)
    after = dbs.get(User, user.id)
    assert (after.password_hash, after.status, after.secret_answer_hash) == (
        before.password_hash,
        before.status,
        before.secret_answer_hash,
    )


def test_secret_check_for_a_user_without_question(client, login_as, make_user, make_operator):
    _support(login_as, make_user)
    operator = make_operator()
    user = make_user(operator=operator)
    account = f"/assistenza/operatori/{operator.id}"
    page = client.get(account).get_data(as_text=True)
    assert "Nessuna domanda segreta" in page
    response = submit(client, f"{account}/utenti/{user.id}/verifica-risposta", {"answer": "x"}, page=account)
    assert response.status_code == 200
    assert "non ha una domanda segreta" in response.get_data(as_text=True)


def test_admin_sees_links_to_the_requests(client, login_as, make_user, make_operator, dbs):
    login_as(make_user(role="admin"))
    operator = make_operator()
    registration = new_request(dbs, 7101, vat_number=operator.vat_number)
    page = client.get(f"/assistenza/operatori/{operator.id}").get_data(as_text=True)
    assert f"/admin/richieste/{registration.id}" in page
    assert dbs.get(RegistrationRequest, registration.id).status == "pending"

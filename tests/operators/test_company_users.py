"""Utenti aziendali: invite, disable, enable, change role, and the limits of an operator_admin."""

import pytest
from sqlalchemy import select

from myportal.operators.models import User
from myportal.security.models import AuditEvent, UserSession
from tests.conftest import counting_queries, login, submit

USERS = "/utenti-aziendali"
INVITE = "/utenti-aziendali/invita"


@pytest.fixture
def company(make_operator, make_user):
    """An operator with its administrator and a plain operator user."""
    operator = make_operator()
    admin = make_user(role="operator_admin", operator=operator, full_name="Amministratore Uno")
    colleague = make_user(role="operator", operator=operator, full_name="Collega Due")
    return operator, admin, colleague


def _action(client, user_id: int, action: str, data=None):
    return submit(client, f"{USERS}/{user_id}/{action}", data or {}, page=USERS, follow_redirects=True)


def test_list_shows_the_company_users(client, company, login_as):
    operator, admin, colleague = company
    login_as(admin)
    page = client.get(USERS).get_data(as_text=True)
    assert operator.name in page
    for user in (admin, colleague):
        assert user.username in page and user.email in page
    assert "Amministratore aziendale" in page and "Attivo" in page and "Ultimo accesso" in page


def test_plain_operator_gets_403(client, company, login_as):
    _operator, _admin, colleague = company
    login_as(colleague)
    assert client.get(USERS).status_code == 403
    assert client.get(INVITE).status_code == 403


def test_invite_creates_a_pending_user_who_activates_and_logs_in(client, app, company, login_as, dbs, mailbox):
    operator, admin, _colleague = company
    login_as(admin)
    response = submit(
        client,
        INVITE,
        {
            "full_name": "Verdi Giulia",
            "email": "giulia.verdi@example.com",
            "role": "operator_admin",
            "username": "giulia.verdi",
        },
        follow_redirects=True,
    )
    assert "Invito inviato a giulia.verdi@example.com" in response.get_data(as_text=True)
    invited = dbs.scalar(select(User).where(User.username == "giulia.verdi"))
    assert (invited.operator_id, invited.status, invited.role) == (operator.id, "pending", "operator_admin")
    assert dbs.count(AuditEvent, AuditEvent.event == "user.invited", AuditEvent.user_id == admin.id) == 1

    message = mailbox.last("giulia.verdi@example.com")
    assert operator.name in message["Subject"]
    assert "giulia.verdi" in mailbox.body(message)
    link = mailbox.link("giulia.verdi@example.com", "/attivazione/")
    newcomer = app.test_client()
    password = "una frase lunga per il portale"
    response = submit(newcomer, link, {"password": password, "confirm": password})
    assert response.status_code == 302
    assert dbs.get(User, invited.id).status == "active"
    assert login(newcomer, "giulia.verdi", password).status_code == 302
    assert newcomer.get(USERS).status_code == 200


def test_invite_bad_input_is_shown_next_to_the_fields(client, company, login_as, dbs, mailbox):
    _operator, admin, colleague = company
    login_as(admin)
    before = dbs.count(User)
    response = submit(
        client,
        INVITE,
        {
            "full_name": "Neri Paolo",
            "email": "paolo@example.com",
            "role": "operator",
            "username": colleague.username,
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="username-error"' in page and "Nome utente non disponibile" in page

    response = submit(
        client, INVITE, {"full_name": "", "email": "paolo@legalmail.it", "role": "admin", "username": "x"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for field in ("full_name", "email", "role", "username"):
        assert f'id="{field}-error"' in page, field
    assert dbs.count(User) == before
    assert len(mailbox) == 0


def test_disable_ends_the_colleagues_sessions_and_enable_restores(client, app, company, login_as, dbs):
    _operator, admin, colleague = company
    other = app.test_client()
    assert login(other, colleague.username).status_code == 302
    assert other.get("/dati-anagrafici").status_code == 200

    login_as(admin)
    response = _action(client, colleague.id, "disabilita")
    assert "disabilitato" in response.get_data(as_text=True)
    assert dbs.get(User, colleague.id).status == "disabled"
    assert dbs.count(UserSession, UserSession.user_id == colleague.id) == 0
    after = other.get("/dati-anagrafici")
    assert after.status_code == 302 and "/accedi" in after.headers["Location"]
    assert dbs.count(AuditEvent, AuditEvent.event == "user.disabled", AuditEvent.object_id == str(colleague.id)) == 1

    response = _action(client, colleague.id, "riabilita")
    assert "riabilitato" in response.get_data(as_text=True)
    assert dbs.get(User, colleague.id).status == "active"
    assert login(other, colleague.username).status_code == 302


def test_change_role_both_ways(client, company, login_as, dbs):
    _operator, admin, colleague = company
    login_as(admin)
    response = _action(client, colleague.id, "ruolo", {"role": "operator_admin"})
    assert "Ruolo di" in response.get_data(as_text=True)
    assert dbs.get(User, colleague.id).role == "operator_admin"
    _action(client, colleague.id, "ruolo", {"role": "operator"})
    assert dbs.get(User, colleague.id).role == "operator"
    response = _action(client, colleague.id, "ruolo", {"role": "admin"})
    assert "Ruolo non valido" in response.get_data(as_text=True)
    assert dbs.get(User, colleague.id).role == "operator"
    events = dbs.scalars(select(AuditEvent.event).where(AuditEvent.event == "user.role_changed"))
    assert len(events) == 2


def test_admin_cannot_disable_or_demote_themself(client, company, login_as, dbs):
    _operator, admin, _colleague = company
    login_as(admin)
    page = _action(client, admin.id, "disabilita").get_data(as_text=True)
    assert "Non puoi disabilitare il tuo stesso account" in page
    page = _action(client, admin.id, "ruolo", {"role": "operator"}).get_data(as_text=True)
    assert "Non puoi togliere a te stesso" in page
    saved = dbs.get(User, admin.id)
    assert (saved.status, saved.role) == ("active", "operator_admin")


def test_users_of_another_operator_get_404_and_are_audited(client, company, make_user, login_as, dbs):
    _operator, admin, _colleague = company
    stranger = make_user(role="operator")
    staff = make_user(role="support")
    login_as(admin)
    for target in (stranger, staff):
        for action, data in (("disabilita", {}), ("riabilita", {}), ("ruolo", {"role": "operator_admin"})):
            response = submit(client, f"{USERS}/{target.id}/{action}", data, page=USERS)
            assert response.status_code == 404
    assert dbs.get(User, stranger.id).status == "active"
    assert dbs.get(User, stranger.id).role == "operator"
    events = dbs.scalars(
        select(AuditEvent).where(AuditEvent.event == "access.cross_operator", AuditEvent.user_id == admin.id)
    )
    assert len(events) == 6
    assert {event.object_id for event in events} == {str(stranger.id), str(staff.id)}


def test_actions_need_the_csrf_token(client, company, login_as, dbs):
    _operator, admin, colleague = company
    login_as(admin)
    assert client.post(f"{USERS}/{colleague.id}/disabilita").status_code == 400
    assert dbs.get(User, colleague.id).status == "active"


# --- queries ----------------------------------------------------------------------------------------


def test_company_users_page_runs_the_same_queries_with_2_and_20_users(client, app, make_operator, make_user, login_as):
    operator = make_operator()
    admin = make_user(role="operator_admin", operator=operator)
    make_user(role="operator", operator=operator)
    login_as(admin)
    client.get(USERS)
    with counting_queries(app) as few:
        assert client.get(USERS).status_code == 200
    for _ in range(18):
        make_user(role="operator", operator=operator, password_hash=None, status="pending")
    with counting_queries(app) as many:
        page = client.get(USERS).get_data(as_text=True)
    assert page.count("/disabilita") == 19
    assert len(few) == len(many), (few, many)


def test_pending_user_invitation_can_be_sent_again(client, company, make_user, login_as, mailbox):
    operator, admin, _colleague = company
    pending = make_user(role="operator", operator=operator, status="pending", password_hash=None)
    login_as(admin)
    response = _action(client, pending.id, "reinvia-invito")
    assert "Invito inviato di nuovo" in response.get_data(as_text=True)
    assert mailbox.link(pending.email, "/attivazione/")

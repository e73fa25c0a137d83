"""Administrators' list of users: search, filters, disable, enable, unlock."""

from datetime import timedelta

from sqlalchemy import select

from myportal.models import utcnow
from myportal.operators.models import User
from myportal.security.models import AuditEvent, RecoveryCode, UserSession
from tests.admin.test_requests import valid_vat
from tests.conftest import login, submit, totp_code


def _admin(login_as, make_user):
    admin = make_user(role="admin", username="amministratore")
    login_as(admin)
    return admin


def test_list_shows_users_with_their_operator(client, login_as, make_user, make_operator):
    _admin(login_as, make_user)
    operator = make_operator(name="Idroelettrica Alpina S.p.A.")
    user = make_user(operator=operator, username="mario.rossi")
    page = client.get("/admin/utenti").get_data(as_text=True)
    assert user.username in page
    assert "Idroelettrica Alpina S.p.A." in page
    assert operator.vat_number in page


def test_search_by_username_email_and_vat(client, login_as, make_user, make_operator):
    _admin(login_as, make_user)
    first = make_operator(name="Eolica Sud S.r.l.", vat_number=valid_vat(821))
    second = make_operator(name="Termica Nord S.p.A.", vat_number=valid_vat(822))
    make_user(operator=first, username="eolico.uno", email="uno@eolicasud.example")
    make_user(operator=second, username="termico.due", email="due@termicanord.example")

    by_name = client.get("/admin/utenti?q=EOLICO").get_data(as_text=True)
    assert "eolico.uno" in by_name and "termico.due" not in by_name
    by_email = client.get("/admin/utenti?q=termicanord").get_data(as_text=True)
    assert "termico.due" in by_email and "eolico.uno" not in by_email
    vat = second.vat_number
    by_vat = client.get(f"/admin/utenti?q=IT {vat}").get_data(as_text=True)
    assert "termico.due" in by_vat and "eolico.uno" not in by_vat
    assert "Nessun utente trovato" in client.get("/admin/utenti?q=nessuno-così").get_data(as_text=True)


def test_filters_by_role_state_and_lock(client, login_as, make_user):
    _admin(login_as, make_user)
    make_user(role="support", username="help.desk")
    make_user(username="in.attesa", status="pending", password_hash=None)
    make_user(username="bloccato", locked_until=utcnow() + timedelta(minutes=10))

    support = client.get("/admin/utenti?role=support").get_data(as_text=True)
    assert "help.desk" in support and "in.attesa" not in support
    pending = client.get("/admin/utenti?state=pending").get_data(as_text=True)
    assert "in.attesa" in pending and "help.desk" not in pending
    locked = client.get("/admin/utenti?locked=yes").get_data(as_text=True)
    assert "bloccato" in locked and "in.attesa" not in locked
    unlocked = client.get("/admin/utenti?locked=no").get_data(as_text=True)
    assert "in.attesa" in unlocked and ">bloccato<" not in unlocked


def test_disable_ends_every_session_of_the_user(client, app, login_as, make_user, dbs):
    admin = _admin(login_as, make_user)
    target = make_user(role="operator_admin")
    other = app.test_client()
    assert login(other, target.username).status_code == 302
    assert other.get("/dati-anagrafici").status_code == 200

    response = submit(client, f"/admin/utenti/{target.id}/disabilita", {}, page="/admin/utenti")
    assert response.status_code == 302
    assert "disabilitato" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert dbs.get(User, target.id).status == "disabled"
    assert dbs.count(UserSession, UserSession.user_id == target.id) == 0
    after = other.get("/dati-anagrafici")
    assert after.status_code == 302 and "/accedi" in after.headers["Location"]
    event = dbs.scalar(select(AuditEvent).where(AuditEvent.event == "user.disabled"))
    assert event.user_id == admin.id and event.object_id == str(target.id)


def test_admin_cannot_disable_themself(client, login_as, make_user, dbs):
    admin = _admin(login_as, make_user)
    response = submit(client, f"/admin/utenti/{admin.id}/disabilita", {}, page="/admin/utenti", follow_redirects=True)
    assert "Non puoi disabilitare il tuo stesso account" in response.get_data(as_text=True)
    assert dbs.get(User, admin.id).status == "active"
    assert client.get("/admin/utenti").status_code == 200


def test_enable_restores_active_or_pending(client, login_as, make_user, dbs):
    _admin(login_as, make_user)
    with_password = make_user(status="disabled")
    without_password = make_user(status="disabled", password_hash=None)
    for user in (with_password, without_password):
        response = submit(client, f"/admin/utenti/{user.id}/abilita", {}, page="/admin/utenti?state=disabled")
        assert response.status_code == 302
    assert dbs.get(User, with_password.id).status == "active"
    assert dbs.get(User, without_password.id).status == "pending"
    assert dbs.count(AuditEvent, AuditEvent.event == "user.enabled") == 2
    again = submit(client, f"/admin/utenti/{with_password.id}/abilita", {}, page="/admin/utenti", follow_redirects=True)
    assert "non è disabilitato" in again.get_data(as_text=True)


def test_unlock(client, login_as, make_user, dbs):
    _admin(login_as, make_user)
    user = make_user(locked_until=utcnow() + timedelta(minutes=10), failed_logins=3)
    page = client.get("/admin/utenti?locked=yes").get_data(as_text=True)
    assert f"/admin/utenti/{user.id}/sblocca" in page
    response = submit(client, f"/admin/utenti/{user.id}/sblocca?locked=yes", {}, page="/admin/utenti?locked=yes")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/utenti?locked=yes")
    unlocked = dbs.get(User, user.id)
    assert unlocked.locked_until is None and unlocked.failed_logins == 0
    assert dbs.count(AuditEvent, AuditEvent.event == "user.unlocked", AuditEvent.object_id == str(user.id)) == 1
    assert login(client.application.test_client(), user.username).status_code == 302


def test_unknown_user_gives_404(client, login_as, make_user):
    _admin(login_as, make_user)
    assert submit(client, "/admin/utenti/999999/disabilita", {}, page="/admin/utenti").status_code == 404


# --- the administrator's reset ---------------------------------------------------------------------------


def test_administrator_resets_a_lost_factor(client, app, dbs, make_user, login_as, enable_mfa):
    operator = make_user()
    enable_mfa(operator)
    other = app.test_client()
    login(other, operator.username)
    submit(other, "/accedi/codice", {"code": totp_code(app, operator.id)})
    assert other.get("/fatture").status_code == 200
    admin = make_user(role="admin", operator=False)
    login_as(admin)
    assert "Azzera verifica in due passaggi" in client.get("/admin/utenti").get_data(as_text=True)
    response = submit(
        client, f"/admin/utenti/{operator.id}/azzera-verifica", {}, page="/admin/utenti", follow_redirects=True
    )
    assert "azzerata" in response.get_data(as_text=True)
    stored = dbs.get(User, operator.id)
    assert stored.mfa_secret is None and stored.mfa_enabled_at is None
    assert dbs.count(RecoveryCode, RecoveryCode.user_id == operator.id) == 0
    assert dbs.count(AuditEvent, AuditEvent.event == "mfa.reset") == 1
    assert other.get("/fatture").status_code == 302  # the user's sessions ended
    again = submit(
        client, f"/admin/utenti/{operator.id}/azzera-verifica", {}, page="/admin/utenti", follow_redirects=True
    )
    assert "non ha la verifica in due passaggi attiva" in again.get_data(as_text=True)
    assert dbs.count(AuditEvent, AuditEvent.event == "mfa.reset") == 1


def test_reset_is_for_administrators_only(client, make_user, login_as, enable_mfa):
    operator = make_user()
    enable_mfa(operator)
    login_as(make_user(role="support", operator=False))
    assert submit(client, f"/admin/utenti/{operator.id}/azzera-verifica", {}, page="/").status_code == 403

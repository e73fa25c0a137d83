"""Log-in, lock-out, log-out, password reset and change."""

from datetime import timedelta

from sqlalchemy import select

from myportal.models import utcnow
from myportal.operators.models import User
from myportal.security.models import AuditEvent, UserSession
from tests.conftest import DEFAULT_PASSWORD, login, submit

GENERIC = "Credenziali non valide"


def test_login_page_renders(client):
    response = client.get("/accedi")
    assert response.status_code == 200
    assert 'for="username"' in response.get_data(as_text=True)


def test_login_success_shows_home_with_last_access(client, make_user):
    user = make_user(role="operator_admin")
    response = login(client, user.username, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Ultimo accesso" in page
    assert "primo accesso" in page
    assert user.username in page


def test_login_with_customer_code_as_username(client, make_user):
    user = make_user(username="005007")
    assert login(client, "005007").status_code == 302
    assert client.get("/").status_code == 200
    assert user.username in client.get("/").get_data(as_text=True)


def test_wrong_password_and_unknown_user_get_same_message(client, make_user, dbs):
    user = make_user()
    wrong = login(client, user.username, "not the right password").get_data(as_text=True)
    unknown = login(client, "nobody-here", "not the right password").get_data(as_text=True)
    assert GENERIC in wrong and GENERIC in unknown
    events = dbs.scalars(select(AuditEvent.event).where(AuditEvent.event == "login.failed"))
    assert len(events) == 2


def test_lockout_refuses_even_the_right_password(client, make_user, dbs, app):
    user = make_user()
    for _ in range(app.config["LOCKOUT_THRESHOLD"]):
        assert GENERIC in login(client, user.username, "wrong password!!").get_data(as_text=True)
    response = login(client, user.username, DEFAULT_PASSWORD)
    assert response.status_code == 200
    assert GENERIC in response.get_data(as_text=True)
    locked = dbs.get(User, user.id)
    assert locked.is_locked()
    events = set(dbs.scalars(select(AuditEvent.event).where(AuditEvent.user_id == user.id)))
    assert {"login.failed", "login.locked", "login.refused_locked"} <= events


def test_lock_expires(client, make_user, dbs):
    user = make_user(locked_until=utcnow() - timedelta(minutes=1))
    assert login(client, user.username).status_code == 302


def test_pending_and_disabled_users_cannot_log_in(client, make_user):
    for status in ("pending", "disabled"):
        user = make_user(status=status)
        assert GENERIC in login(client, user.username).get_data(as_text=True)


def test_login_requires_csrf(client, make_user):
    user = make_user()
    response = client.post("/accedi", data={"username": user.username, "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert client.get("/dati-anagrafici").status_code == 302


def test_login_is_throttled_per_account(client, make_user, app):
    user = make_user()
    limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    codes = [login(client, user.username, "wrong password!!").status_code for _ in range(limit + 1)]
    assert codes[-1] == 429


def test_logout_invalidates_a_copied_cookie(client, app, make_user, dbs):
    user = make_user()
    login(client, user.username)
    cookie = client.get_cookie("myportal_session").value
    copy = app.test_client()
    copy.set_cookie("myportal_session", cookie)
    assert copy.get("/dati-anagrafici").status_code == 200
    submit(client, "/esci", {}, page="/")
    assert copy.get("/dati-anagrafici").status_code == 302
    assert dbs.scalar(select(UserSession).where(UserSession.user_id == user.id)) is None


def test_idle_session_expires(client, make_user, dbs):
    user = make_user()
    login(client, user.username)
    with dbs.session() as session:
        session_row = session.scalar(select(UserSession).where(UserSession.user_id == user.id))
        session_row.last_seen_at = utcnow() - timedelta(minutes=31)
    assert client.get("/dati-anagrafici").status_code == 302


def test_next_parameter_is_local_only(client, make_user):
    user = make_user()
    html = client.get("/accedi?next=https://evil.example/").get_data(as_text=True)
    from tests.conftest import csrf_from

    response = client.post(
        "/accedi?next=https://evil.example/",
        data={"csrf_token": csrf_from(html), "username": user.username, "password": DEFAULT_PASSWORD},
    )
    assert response.headers["Location"] == "/"

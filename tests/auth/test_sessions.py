"""Server-side sessions: a copied cookie dies with log-out, a password change, disabling, and the timeouts."""

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from sqlalchemy import select

from myportal.models import utcnow
from myportal.security.models import UserSession
from tests.auth.conftest import totp_code
from tests.conftest import DEFAULT_PASSWORD, login, submit

NEW_PASSWORD = "a brand new passphrase 42"


def _copy(app, client):
    """Another browser holding a copy of ``client``'s session cookie."""
    copy = app.test_client()
    copy.set_cookie("myportal_session", client.get_cookie("myportal_session").value)
    return copy


def test_logout_after_mfa_invalidates_a_copied_cookie(client, app, make_user, enable_mfa, dbs):
    user = make_user()
    enable_mfa(user)
    login(client, user.username)
    submit(client, "/accedi/codice", {"code": totp_code(app, user.id)})
    copy = _copy(app, client)
    assert copy.get("/dati-anagrafici").status_code == 200
    submit(client, "/esci", {}, page="/")
    assert copy.get("/dati-anagrafici").headers["Location"].startswith("/accedi")
    assert dbs.count(UserSession, UserSession.user_id == user.id) == 0


def test_password_change_ends_every_other_session_even_copies(client, app, make_user, dbs):
    user = make_user()
    elsewhere = app.test_client()
    login(elsewhere, user.username)
    login(client, user.username)
    copy = _copy(app, client)
    other_copy = _copy(app, elsewhere)
    response = submit(
        client,
        "/cambio-password",
        {"current_password": DEFAULT_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert client.get("/dati-anagrafici").status_code == 200
    assert copy.get("/dati-anagrafici").status_code == 200  # the same session as the one that changed it
    assert elsewhere.get("/dati-anagrafici").status_code == 302
    assert other_copy.get("/dati-anagrafici").status_code == 302
    assert dbs.count(UserSession, UserSession.user_id == user.id) == 1


def test_disabling_by_the_operator_admin_ends_every_session(client, app, make_operator, make_user, dbs):
    operator = make_operator()
    boss = make_user(role="operator_admin", operator=operator)
    colleague = make_user(operator=operator)
    theirs = app.test_client()
    login(theirs, colleague.username)
    copy = _copy(app, theirs)
    login(client, boss.username)
    response = submit(client, f"/utenti-aziendali/{colleague.id}/disabilita", {}, page="/utenti-aziendali")
    assert response.status_code == 302
    for browser in (theirs, copy):
        assert browser.get("/dati-anagrafici").headers["Location"].startswith("/accedi")
    assert dbs.count(UserSession, UserSession.user_id == colleague.id) == 0


def test_disabling_by_an_administrator_ends_every_session(client, app, make_user, monkeypatch, dbs):
    monkeypatch.setitem(app.config, "MFA_REQUIRED_ROLES", ())
    admin = make_user(role="admin")
    target = make_user()
    theirs = app.test_client()
    login(theirs, target.username)
    copy = _copy(app, theirs)
    login(client, admin.username)
    submit(client, f"/admin/utenti/{target.id}/disabilita", {}, page="/admin/utenti")
    assert copy.get("/dati-anagrafici").headers["Location"].startswith("/accedi")
    assert theirs.get("/dati-anagrafici").headers["Location"].startswith("/accedi")


def test_absolute_timeout_ends_even_an_active_session(client, make_user, dbs):
    user = make_user()
    login(client, user.username)
    with dbs.session() as session:
        row = session.scalar(select(UserSession).where(UserSession.user_id == user.id))
        row.created_at = utcnow() - timedelta(hours=12, minutes=1)
        row.last_seen_at = utcnow()
    assert client.get("/dati-anagrafici").headers["Location"].startswith("/accedi")
    assert dbs.count(UserSession, UserSession.user_id == user.id) == 0


def test_half_logged_in_state_expires(client, app, make_user, enable_mfa, dbs):
    from myportal.security.models import Token

    user = make_user()
    enable_mfa(user)
    login(client, user.username)
    with dbs.session() as session:
        token = session.scalar(select(Token).where(Token.user_id == user.id, Token.purpose == "mfa_login"))
        token.expires_at = utcnow() - timedelta(seconds=1)
    response = submit(client, "/accedi/codice", {"code": totp_code(app, user.id)}, page="/accedi")
    assert response.headers["Location"] == "/accedi"
    assert client.get("/dati-anagrafici").headers["Location"].startswith("/accedi")
    assert dbs.count(UserSession, UserSession.user_id == user.id) == 0


def _cookie_expires(response, name: str = "myportal_session") -> datetime:
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(name + "="):
            parts = dict(part.strip().partition("=")[::2] for part in header.split(";")[1:])
            return parsedate_to_datetime(parts["Expires"])
    raise AssertionError(f"no {name} cookie set")


def test_the_session_cookie_lives_as_long_as_the_server_keeps_the_session(client, app, make_user):
    """The browser drops the cookie when the absolute time-out ends the session (12 hours), not 31 days on."""
    user = make_user()
    before = datetime.now(UTC)
    response = login(client, user.username)
    lifetime = _cookie_expires(response) - before
    absolute = timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"])
    assert absolute - timedelta(minutes=1) <= lifetime <= absolute + timedelta(minutes=1)


def test_the_cookie_lifetime_follows_the_absolute_timeout_setting(tmp_path):
    from myportal import create_app

    app = create_app({"SESSION_ABSOLUTE_HOURS": 2, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=2)
    assert app.config["SESSION_REFRESH_EACH_REQUEST"] is False  # the cookie is not sent again on every page

"""Password reset ("Hai dimenticato la password?") and change of password."""

from datetime import timedelta

from sqlalchemy import select

from myportal.models import utcnow
from myportal.operators.models import User
from myportal.security.models import Token, UserSession
from myportal.security.passwords import verify_password
from tests.conftest import DEFAULT_PASSWORD, login, submit

NEW_PASSWORD = "una nuova frase segreta lunga"
SAME_ANSWER = "Se il nome utente corrisponde a un account attivo"


def test_reset_answers_the_same_whether_or_not_the_account_exists(client, make_user, mailbox):
    user = make_user()
    known = submit(client, "/password-dimenticata", {"username": user.username}).get_data(as_text=True)
    unknown = submit(client, "/password-dimenticata", {"username": "nobody-at-all"}).get_data(as_text=True)
    assert SAME_ANSWER in known and SAME_ANSWER in unknown
    assert len(mailbox) == 1
    assert mailbox.last()["To"] == user.email


def test_reset_by_customer_code_sets_a_new_password_and_ends_sessions(client, app, make_user, mailbox, dbs):
    user = make_user(username="005007")
    other = app.test_client()
    login(other, "005007")
    submit(client, "/password-dimenticata", {"username": "005007"})
    link = mailbox.link(user.email, "/reimposta-password/")
    response = submit(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert verify_password(dbs.get(User, user.id).password_hash, NEW_PASSWORD)
    assert dbs.count(UserSession, UserSession.user_id == user.id) == 0
    assert other.get("/dati-anagrafici").status_code == 302
    assert login(client, "005007", NEW_PASSWORD).status_code == 302


def test_reset_link_is_single_use(client, make_user, mailbox):
    user = make_user()
    submit(client, "/password-dimenticata", {"username": user.username})
    link = mailbox.link(user.email, "/reimposta-password/")
    submit(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    again = client.get(link)
    assert again.status_code == 404
    assert "non è valido" in again.get_data(as_text=True)


def test_expired_reset_link_is_refused(client, make_user, mailbox, dbs):
    user = make_user()
    submit(client, "/password-dimenticata", {"username": user.username})
    link = mailbox.link(user.email, "/reimposta-password/")
    with dbs.session() as session:
        token = session.scalar(select(Token).where(Token.user_id == user.id, Token.used_at.is_(None)))
        token.expires_at = utcnow() - timedelta(seconds=1)
    assert client.get(link).status_code == 404


def test_a_new_reset_link_replaces_the_previous_one(client, make_user, mailbox):
    user = make_user()
    submit(client, "/password-dimenticata", {"username": user.username})
    first = mailbox.link(user.email, "/reimposta-password/")
    submit(client, "/password-dimenticata", {"username": user.username})
    assert client.get(first).status_code == 404


def test_reset_refuses_weak_and_mismatched_passwords(client, make_user, mailbox, dbs):
    user = make_user()
    submit(client, "/password-dimenticata", {"username": user.username})
    link = mailbox.link(user.email, "/reimposta-password/")
    cases = {
        "corta": "almeno 12 caratteri",
        "password1234": "più diffuse",
        user.username + "": "almeno 12 caratteri",
    }
    for password, message in cases.items():
        page = submit(client, link, {"password": password, "confirm": password}).get_data(as_text=True)
        assert message in page
    page = submit(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"}).get_data(as_text=True)
    assert "non coincidono" in page
    assert dbs.get(User, user.id).password_hash == user.password_hash
    assert client.get(link).status_code == 200


def test_change_password_requires_the_current_one_and_ends_other_sessions(client, app, make_user, dbs):
    user = make_user()
    other = app.test_client()
    login(other, user.username)
    login(client, user.username)
    page = submit(
        client,
        "/cambio-password",
        {"current_password": "wrong one entirely", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    ).get_data(as_text=True)
    assert "La password attuale non è corretta." in page
    assert verify_password(dbs.get(User, user.id).password_hash, DEFAULT_PASSWORD)
    response = submit(
        client,
        "/cambio-password",
        {"current_password": DEFAULT_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert client.get("/dati-anagrafici").status_code == 200
    assert other.get("/dati-anagrafici").status_code == 302
    assert verify_password(dbs.get(User, user.id).password_hash, NEW_PASSWORD)


def test_change_password_needs_login(client):
    response = client.get("/cambio-password")
    assert response.status_code == 302
    assert "/accedi" in response.headers["Location"]

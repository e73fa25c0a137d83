"""Log-in, change of password and log-out in a real browser."""

import itertools

import pytest

from myportal.extensions import db
from myportal.operators.models import Operator, User, username_key
from tests.conftest import DEFAULT_PASSWORD, default_password_hash, make_vat

_numbers = itertools.count(900)


@pytest.fixture
def live_user(live_app):
    number = next(_numbers)
    with live_app.app_context():
        operator = Operator(name=f"Idroelettrica Alpina {number} S.r.l.", vat_number=make_vat(number))
        user = User(
            operator=operator,
            username=f"alpina{number}",
            username_key=username_key(f"alpina{number}"),
            email=f"alpina{number}@example.com",
            full_name="Responsabile Energia",
            role="operator_admin",
            status="active",
            password_hash=default_password_hash(),
        )
        db.session.add(user)
        db.session.commit()
        return user.username


def test_login_change_password_and_logout(page, live_server, live_user):
    page.goto(f"{live_server}/")
    page.get_by_role("link", name="Accedi").first.click()
    page.get_by_label("Nome utente").fill(live_user)
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Accedi").click()
    assert page.get_by_role("alert").inner_text().startswith("Credenziali non valide")

    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Accedi").click()
    assert "Benvenuto" in page.locator("h1").inner_text()
    assert "Idroelettrica Alpina" in page.content()

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Cambio password").click()
    page.get_by_label("Password attuale").fill(DEFAULT_PASSWORD)
    page.get_by_label("Nuova password").fill("short")
    page.get_by_label("Conferma password").fill("short")
    page.get_by_role("button", name="Conferma").click()
    assert "almeno 12 caratteri" in page.locator(".field--error").first.inner_text()

    page.get_by_role("button", name="Esci").click()
    assert "Sei uscito dal portale." in page.content()
    page.goto(f"{live_server}/dati-anagrafici")
    assert "/accedi" in page.url

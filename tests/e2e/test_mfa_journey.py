"""Two-step verification: an administrator must enrol at the first log-in, then logs in with a code.

The authenticator app is played by pyotp, fed with the key the page shows for typing by hand."""

import pyotp
import pytest

from tests.conftest import DEFAULT_PASSWORD
from tests.e2e import assert_accessible


@pytest.fixture
def mfa_for_staff(live_app, monkeypatch):
    """The portal's rule (the other journeys log staff in with a password only)."""
    monkeypatch.setitem(live_app.config, "MFA_REQUIRED_ROLES", ("admin", "support"))


def _password_step(page, username: str) -> None:
    page.goto("/accedi")
    page.get_by_label("Nome utente").fill(username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Accedi").click()


def test_mfa_enrolment_at_first_login_then_codes(page, make_account, mfa_for_staff):
    admin = make_account(role="admin", full_name="Amministratrice di sistema")

    _password_step(page, admin.username)
    assert page.locator("h1").inner_text() == "Attiva la verifica in due passaggi"
    assert "è obbligatoria" in page.locator("main").inner_text()
    assert page.locator("img[src$='qr.svg']").evaluate("img => img.complete && img.naturalWidth > 0")
    assert_accessible(page)
    # Nothing of the portal is reachable before the second step is set up.
    page.goto("/admin/richieste")
    assert "Richieste di registrazione" not in page.locator("h1").inner_text()
    page.go_back()

    page.get_by_label("Codice di verifica").fill("000000")
    page.get_by_role("button", name="Attiva").click()
    assert page.locator(".field--error").count() == 1
    secret = "".join(page.locator("#mfa-secret").inner_text().split())
    app = pyotp.TOTP(secret)
    first_code = app.now()
    page.get_by_label("Codice di verifica").fill(first_code)
    page.get_by_role("button", name="Attiva").click()
    assert "Verifica in due passaggi attivata." in page.get_by_role("status").first.inner_text()
    recovery = page.locator(".recovery-codes code").all_inner_texts()
    assert len(recovery) >= 5
    page.get_by_role("link", name="Li ho conservati, continua").click()
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Richieste di registrazione").click()
    assert page.locator("h1").inner_text() == "Richieste di registrazione"
    page.get_by_role("button", name="Esci").click()

    _password_step(page, admin.username)
    assert page.locator("h1").inner_text() == "Verifica in due passaggi"
    assert_accessible(page)
    page.get_by_label("Codice di verifica").fill(first_code)  # a code is accepted once
    page.get_by_role("button", name="Verifica").click()
    assert "Codice non valido o già usato." in page.locator(".field--error").inner_text()

    page.get_by_label("Codice di verifica").fill(recovery[0])  # the phone is at home
    page.get_by_role("button", name="Verifica").click()
    assert "/accedi" not in page.url
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Richieste di registrazione").click()
    assert page.locator("h1").inner_text() == "Richieste di registrazione"
    page.get_by_role("button", name="Esci").click()

    _password_step(page, admin.username)
    page.get_by_label("Codice di verifica").fill(recovery[0])
    page.get_by_role("button", name="Verifica").click()
    assert "Codice non valido o già usato." in page.locator(".field--error").inner_text()

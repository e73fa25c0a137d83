"""The registration paths, from the home page to the first log-in, in a real browser.

The new-user form, which an administrator approves, is in test_admin_approval_journey.py."""

import re

from myportal.registration.models import CustomerRecord, GecoPractice, LegacyCredential
from myportal.security.passwords import hash_password
from tests.conftest import make_fiscal_code, make_vat
from tests.e2e import activate_and_log_in, assert_accessible


def _choose(page, path_label: str) -> None:
    page.goto("/")
    page.get_by_role("link", name="Registrati").first.click()
    page.get_by_role("link", name=re.compile(re.escape(path_label))).click()


def test_customer_code_registration_to_first_login(page, live_db, mailbox):
    vat = make_vat(4242)
    email = "energia@cartiera.example.com"
    with live_db.session() as session:
        session.add(
            CustomerRecord(
                customer_code="424242",
                tax_code=vat,
                company_name="Cartiera del Brenta S.p.A.",
                registered_address="Via dell'Industria 4, 35010 Padova (PD)",
                email=email,
            )
        )

    _choose(page, "Sei un cliente e vuoi registrarti")
    page.get_by_label("Codice cliente").fill("424242")
    page.get_by_label("Codice fiscale o Partita IVA").fill("IT" + vat)
    page.get_by_role("button", name="Prosegui").click()

    assert "Cartiera del Brenta S.p.A." in page.content()
    assert page.get_by_label("E-mail").input_value() == email
    assert_accessible(page)
    page.get_by_label("Ho letto l'informativa").check()
    page.get_by_role("button", name="Conferma").click()
    assert "Controlla la posta" in page.content()
    assert_accessible(page)

    activate_and_log_in(page, mailbox, email, "424242")
    assert "Cartiera del Brenta S.p.A." in page.content()


def test_legacy_credentials_registration_to_first_login(page, live_db, mailbox):
    vat = make_vat(4343)
    with live_db.session() as session:
        session.add(
            LegacyCredential(
                login="acciaierie.venete",
                vat_number=vat,
                company_name="Acciaierie Venete S.p.A.",
                registered_address="Riviera Francia 9, 35127 Padova (PD)",
                password_hash=hash_password("vecchia-password-ppi"),
                email=None,
            )
        )

    _choose(page, "Sono in possesso delle Credenziali di accesso")
    page.get_by_label("Partita IVA").fill(vat)
    page.get_by_label("Login").fill("acciaierie.venete")
    page.get_by_label("Password").fill("una password sbagliata")
    page.get_by_role("button", name="Prosegui").click()
    assert "Acciaierie Venete" not in page.content()
    assert page.locator(".field--error, [role=alert]").count() > 0
    assert_accessible(page)  # with its errors

    page.get_by_label("Password").fill("vecchia-password-ppi")
    page.get_by_role("button", name="Prosegui").click()
    assert "Conferma registrazione" in page.locator("h1").inner_text()
    assert "Acciaierie Venete S.p.A." in page.content()
    email = "energia@acciaierie-venete.example.com"
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Ho letto l'informativa").check()
    page.get_by_role("button", name="Conferma").click()
    assert "Controlla la posta" in page.content()

    activate_and_log_in(page, mailbox, email, "acciaierie.venete")
    assert "Acciaierie Venete S.p.A." in page.content()


def test_geco_practice_registration_to_first_login(page, live_db, mailbox):
    vat = make_vat(4444)
    requester = make_fiscal_code(44)
    with live_db.session() as session:
        session.add(
            GecoPractice(
                practice_id="GECO-2025-0044",
                vat_number=vat,
                requester_fiscal_code=requester,
                company_name="Parco Eolico Dauno S.r.l.",
                registered_address="Via Foggia 12, 71121 Foggia (FG)",
                status="Connessione realizzata",
            )
        )

    _choose(page, "Sono titolare di una pratica di Richiesta di Connessione")
    page.get_by_label("Partita IVA").fill(vat)
    page.get_by_label("ID pratica").fill("GECO-2025-0044")
    page.get_by_label("Codice fiscale del richiedente").fill(requester.lower())
    page.get_by_role("button", name="Prosegui").click()
    assert "Parco Eolico Dauno S.r.l." in page.content()

    email = "impianti@dauno.example.com"
    page.get_by_label("Nome utente").fill("eolico dauno")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Ho letto l'informativa").check()
    page.get_by_role("button", name="Conferma").click()
    assert "3-64 caratteri" in page.locator(".field--error").first.inner_text()
    assert_accessible(page)

    page.get_by_label("Nome utente").fill("eolico.dauno")
    page.get_by_role("button", name="Conferma").click()
    assert "Controlla la posta" in page.content()

    activate_and_log_in(page, mailbox, email, "eolico.dauno")
    assert "Parco Eolico Dauno S.r.l." in page.content()

"""Registration with the customer code, from the home page to the first log-in, in a real browser."""

import re

from myportal.extensions import db
from myportal.registration.models import CustomerRecord
from tests.conftest import make_vat

PASSWORD = "la mia prima password del portale"
EMAIL = "energia@cartiera.example.com"


def test_customer_code_registration_to_first_login(page, live_server, live_app, mailbox):
    vat = make_vat(4242)
    with live_app.app_context():
        db.session.add(CustomerRecord(
            customer_code="424242", tax_code=vat, company_name="Cartiera del Brenta S.p.A.",
            registered_address="Via dell'Industria 4, 35010 Padova (PD)", email=EMAIL,
        ))
        db.session.commit()

    page.goto(f"{live_server}/")
    page.get_by_role("link", name="Registrati").first.click()
    page.get_by_role("link", name=re.compile("Sei un cliente e vuoi registrarti")).click()
    page.get_by_label("Codice cliente").fill("424242")
    page.get_by_label("Codice fiscale o Partita IVA").fill("IT" + vat)
    page.get_by_role("button", name="Prosegui").click()

    assert "Cartiera del Brenta S.p.A." in page.content()
    assert page.get_by_label("E-mail").input_value() == EMAIL
    page.get_by_role("button", name="Conferma").click()
    assert "Controlla la posta" in page.content()

    link = re.search(r"https?://\S+/attivazione/\S+", mailbox.body(mailbox.last(EMAIL)))
    page.goto(link.group(0))
    page.get_by_label("Nuova password").fill(PASSWORD)
    page.get_by_label("Conferma password").fill(PASSWORD)
    page.get_by_role("button", name="Conferma").click()
    assert "Account attivato" in page.content()

    page.get_by_label("Nome utente").fill("424242")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Accedi").click()
    assert "Cartiera del Brenta S.p.A." in page.content()
    assert "Questo è il tuo primo accesso" in page.content()

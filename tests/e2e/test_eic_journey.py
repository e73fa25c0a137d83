"""EIC codes: an operator asks for a code, an administrator approves the request and the code reaches the user."""

import re

from myportal.operators.models import Operator
from tests.e2e import assert_accessible, log_in

EMAIL = "mercato@trading-ligure.example.com"


def test_eic_request_and_approval(page, make_account, live_db, mailbox):
    user = make_account(role="operator", company="Trading Energetico Ligure S.r.l.", email=EMAIL)
    admin = make_account(role="admin")
    vat = live_db.get(Operator, user.operator_id).vat_number

    log_in(page, user.username)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Codici EIC").click()
    page.get_by_role("link", name="Richiedi un nuovo codice EIC").click()
    assert page.locator("h1").inner_text() == "Richiesta di codice EIC"
    page.get_by_label("Tipo di oggetto").select_option("X")
    page.get_by_label("Display Name").fill("trading ligure!")
    page.get_by_label("Long Name").fill("Trading Energetico Ligure S.r.l.")
    page.get_by_label("Funzione").select_option("Trade Responsible Party")
    page.get_by_label("Indirizzo").fill("Via XX Settembre 41, Genova")
    page.get_by_label("CAP").fill("16121")
    page.get_by_label("Paese").fill("it")
    page.get_by_label("Codice IVA").fill(vat)
    page.get_by_role("button", name="Invia la richiesta").click()
    assert page.locator("#display_name-error").count() == 1  # a space and "!" are not allowed
    assert_accessible(page)

    page.get_by_label("Display Name").fill("trading-ligure")
    page.get_by_role("button", name="Invia la richiesta").click()
    assert "Richiesta di codice EIC per TRADING-LIGURE inviata" in page.get_by_role("status").first.inner_text()
    page.get_by_role("button", name="Esci").click()

    log_in(page, admin.username)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Richieste codici EIC").click()
    row = page.get_by_role("row").filter(has_text="TRADING-LIGURE")
    assert "Trading Energetico Ligure S.r.l." in row.inner_text()
    row.get_by_role("link", name="Apri").click()
    assert_accessible(page)
    page.get_by_role("button", name="Approva e assegna il codice").click()
    status = page.get_by_role("status").first.inner_text()
    code = re.search(r"assegnato il codice EIC ([0-9A-Z-]{16})", status)
    assert code, status
    page.get_by_role("button", name="Esci").click()

    message = mailbox.last(EMAIL)
    assert "TRADING-LIGURE" in message["Subject"] and code.group(1) in mailbox.body(message)
    log_in(page, user.username)
    page.goto(mailbox.link(EMAIL, "/eic/richieste/"))
    assert code.group(1) in page.locator("main").inner_text()
    assert_accessible(page)

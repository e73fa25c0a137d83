"""The new-user form: the applicant asks, an administrator approves, the applicant activates and logs in."""

import re

from tests.conftest import make_vat
from tests.e2e import assert_accessible, log_in

PASSWORD = "una password nuova e lunga"
EMAIL = "amministrazione@solare-salento.example.com"


def _fill_new_user_form(page, vat: str) -> None:
    page.get_by_label("Nome Utente").fill("solare.salento")
    page.get_by_label("Cognome e Nome").fill("Conte Lucia")
    page.get_by_label("Nazione").select_option("IT")
    page.get_by_label("Codice Fiscale").fill("")
    page.get_by_label("Ruolo Aziendale").fill("Legale rappresentante")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Cellulare").fill("+39 333 1234567")
    page.get_by_label("Persona Giuridica").check()
    page.get_by_label("Partita IVA").fill(vat)
    page.get_by_label("Ragione sociale").fill("Solare del Salento S.r.l.")
    page.get_by_label("Domanda segreta").select_option("pet")
    page.get_by_label("Risposta").fill("Argo")


def test_new_user_request_approved_by_an_administrator(page, make_account, mailbox):
    admin = make_account(role="admin", full_name="Amministratore di turno")
    vat = make_vat(4545)

    page.goto("/")
    page.get_by_role("link", name="Registrati").first.click()
    page.get_by_role("link", name="Non dispongo/ricordo le credenziali").click()
    _fill_new_user_form(page, vat)
    page.get_by_role("button", name="Invia la richiesta").click()
    # The fiscal code is required in Italy, the privacy notice must be accepted; nothing is sent yet.
    assert "obbligatorio per chi risiede in Italia" in page.locator("#fiscal_code-error").inner_text()
    assert "informativa privacy" in page.locator("#privacy-error").inner_text()
    assert not mailbox.to(EMAIL)
    assert_accessible(page)  # the form with its errors

    page.get_by_label("Codice Fiscale").fill("CNTLCU80A41D862V")
    page.get_by_label("Ho letto l'informativa").check()
    page.get_by_role("button", name="Invia la richiesta").click()
    assert "Richiesta di registrazione ricevuta" == mailbox.last(EMAIL)["Subject"]
    assert_accessible(page)

    log_in(page, admin.username)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Richieste di registrazione").click()
    row = page.get_by_role("row").filter(has_text="solare.salento")
    assert "In attesa di approvazione" in row.inner_text()
    row.get_by_role("link", name="Apri").click()
    assert "Solare del Salento S.r.l." in page.content()
    page.get_by_role("button", name="Approva").click()
    assert "Richiesta di Solare del Salento S.r.l. approvata" in page.get_by_role("status").first.inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Esci").click()

    link = re.search(r"https?://\S+/attivazione/\S+", mailbox.body(mailbox.last(EMAIL)))
    assert link, mailbox.body(mailbox.last(EMAIL))
    page.goto(link.group(0))
    page.get_by_label("Nuova password").fill(PASSWORD)
    page.get_by_label("Conferma password").fill(PASSWORD)
    page.get_by_role("button", name="Conferma").click()
    assert "Account attivato" in page.content()

    log_in(page, "solare.salento", PASSWORD)
    assert "Solare del Salento S.r.l." in page.content()
    assert "Questo è il tuo primo accesso" in page.content()

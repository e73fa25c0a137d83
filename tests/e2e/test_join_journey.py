"""Joining a company that already uses the portal: the newcomer registers, the company administrator
approves from Utenti aziendali, the newcomer activates and logs in. And a first registration with another
address, confirmed by the address on file."""

import re

from myportal.operators.models import Operator
from myportal.registration.models import GecoPractice, LegacyCredential
from myportal.security.passwords import hash_password
from tests.conftest import make_fiscal_code, make_vat
from tests.e2e import activate_and_log_in, assert_accessible, log_in

NEWCOMER = "nuovo.collega@eolica-sannita.example.com"


def _link(mailbox, address: str, path: str) -> str:
    body = mailbox.body(mailbox.last(address))
    found = re.search(rf"https?://\S+{re.escape(path)}\S+", body)
    assert found, body
    return found.group(0)


def test_company_administrator_approves_a_newcomer(page, live_db, make_account, mailbox):
    admin = make_account(company="Eolica Sannita S.p.A.", email="admin@eolica-sannita.example.com")
    vat = live_db.get(Operator, admin.operator_id).vat_number
    requester = make_fiscal_code(4646)
    with live_db.session() as session:
        session.add(
            GecoPractice(
                practice_id="GECO-2025-0046",
                vat_number=vat,
                requester_fiscal_code=requester,
                company_name="Eolica Sannita S.p.A.",
                registered_address="Via Benevento 3, 82100 Benevento (BN)",
                status="In lavorazione",
            )
        )

    page.goto("/registrazione/pratica-geco")
    page.get_by_label("Partita IVA").fill(vat)
    page.get_by_label("ID pratica").fill("GECO-2025-0046")
    page.get_by_label("Codice fiscale del richiedente").fill(requester)
    page.get_by_role("button", name="Prosegui").click()
    page.get_by_label("Nome utente").fill("nuovo.collega")
    page.get_by_label("E-mail").fill(NEWCOMER)
    page.get_by_label("Ho letto l'informativa").check()
    page.get_by_role("button", name="Conferma").click()
    assert "Controlla la posta" in page.content()
    assert "/attivazione/" not in mailbox.body(mailbox.last(NEWCOMER))

    log_in(page, admin.username)
    page.goto(_link(mailbox, admin.email, "/utenti-aziendali/adesioni/"))
    assert "nuovo.collega" in page.content() and "GECO-2025-0046" in page.content()
    assert_accessible(page)
    page.get_by_label("Messaggio per il richiedente (facoltativo)").fill("Benvenuto in Eolica Sannita.")
    page.get_by_role("button", name="Approva").click()
    assert "Richiesta approvata" in page.get_by_role("status").first.inner_text()
    assert "nuovo.collega" in page.get_by_role("table").last.inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Esci").click()

    activate_and_log_in(page, mailbox, NEWCOMER, "nuovo.collega")
    assert "Eolica Sannita S.p.A." in page.content()


def test_address_on_file_confirms_a_first_registration_with_another_address(page, live_db, mailbox):
    on_file, typed = "uffici@cementi-irpini.example.com", "referente@cementi-irpini.example.com"
    vat = make_vat(4747)
    with live_db.session() as session:
        session.add(
            LegacyCredential(
                login="cementi.irpini",
                vat_number=vat,
                company_name="Cementi Irpini S.p.A.",
                registered_address="Via Avellino 1, 83100 Avellino (AV)",
                password_hash=hash_password("vecchia-password-ppi"),
                email=on_file,
            )
        )

    page.goto("/registrazione/credenziali-legacy")
    page.get_by_label("Partita IVA").fill(vat)
    page.get_by_label("Login").fill("cementi.irpini")
    page.get_by_label("Password").fill("vecchia-password-ppi")
    page.get_by_role("button", name="Prosegui").click()
    assert page.get_by_label("E-mail").input_value() == on_file
    page.get_by_label("E-mail").fill(typed)
    page.get_by_label("Ho letto l'informativa").check()
    page.get_by_role("button", name="Conferma").click()
    assert "Controlla la posta" in page.content()

    page.goto(_link(mailbox, on_file, "/registrazione/conferma-indirizzo/"))
    assert typed in page.content()
    assert_accessible(page)
    page.get_by_role("button", name="Conferma: invia le credenziali").click()
    assert "Registrazione confermata" in page.content()
    assert "/attivazione/" in mailbox.body(mailbox.last(typed))

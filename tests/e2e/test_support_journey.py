"""The help desk finds a caller's company by its VAT number, checks the secret answer, resends an activation."""

import re

from myportal.operators.models import Operator
from myportal.security.passwords import hash_password, normalise_secret_answer
from tests.e2e import log_in


def test_support_looks_up_an_operator_by_vat_number(page, make_account, live_db, mailbox):
    support = make_account(role="support", full_name="Operatore del numero verde")
    caller = make_account(
        company="Molini Riuniti del Po S.p.A.",
        secret_question="city",
        secret_answer_hash=hash_password(normalise_secret_answer("Mantova")),
    )
    newcomer = make_account(
        operator_id=caller.operator_id,
        role="operator",
        status="pending",
        password_hash=None,
        email="nuovo.referente@molini.example.com",
    )
    vat = live_db.get(Operator, caller.operator_id).vat_number

    log_in(page, support.username)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Ricerca operatori").click()
    search = page.get_by_label("Partita IVA, codice fiscale o codice cliente")
    search.fill("12345")
    page.get_by_role("button", name="Cerca").click()
    assert page.locator(".field--error").count() == 1  # neither a VAT number, a fiscal code nor a customer code

    # Callers read the number as printed: with the country prefix, spaces and dots.
    page.get_by_label("Partita IVA, codice fiscale o codice cliente").fill(f"IT {vat[:5]}.{vat[5:8]}.{vat[8:]}")
    page.get_by_role("button", name="Cerca").click()
    page.get_by_role("link", name="Molini Riuniti del Po S.p.A.").click()
    assert page.locator("h1").inner_text() == "Molini Riuniti del Po S.p.A."
    assert caller.username in page.content() and newcomer.username in page.content()

    page.get_by_label("Risposta data da chi chiama").first.fill("Cremona")
    page.get_by_role("button", name="Verifica risposta segreta").first.click()
    assert "La risposta non corrisponde." in page.content()
    page.get_by_label("Risposta data da chi chiama").first.fill("  MANTOVA ")
    page.get_by_role("button", name="Verifica risposta segreta").first.click()
    assert "La risposta corrisponde." in page.content()

    page.get_by_role("row").filter(has_text=newcomer.username).get_by_role("button", name="Reinvia attivazione").click()
    body = mailbox.body(mailbox.last("nuovo.referente@molini.example.com"))
    assert re.search(r"https?://\S+/attivazione/\S+", body), body

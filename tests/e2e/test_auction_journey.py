"""Auctions: an operator enrols in an open procedure with its documents, an administrator approves it."""

import io
from datetime import date, timedelta

from pypdf import PdfWriter

from myportal.auctions.models import Auction
from myportal.models import utcnow
from tests.e2e import assert_accessible, log_in


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_auction_enrolment_approved_by_an_administrator(page, make_account, live_db, mailbox):
    user = make_account(
        role="operator", company="Accumuli Elettrochimici Sardi S.p.A.", email="aste@accumuli-sardi.example.com"
    )
    admin = make_account(role="admin")
    now = utcnow()
    with live_db.session() as session:
        session.add(
            Auction(
                code="MACSE-E2E-01",
                title="Asta MACSE di prova",
                procedure_type="macse",
                product="Capacità di stoccaggio 2028",
                delivery_start=date(2028, 1, 1),
                delivery_end=date(2042, 12, 31),
                opens_at=now - timedelta(days=1),
                closes_at=now + timedelta(days=10),
                declarations="Dichiaro di aver letto il regolamento della procedura.",
                required_documents="Visura camerale",
                published=True,
                published_at=now - timedelta(days=1),
            )
        )

    log_in(page, user.username)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Aste e procedure competitive").click()
    page.get_by_role("link", name="Asta MACSE di prova").click()
    assert "Non sei iscritto a questa procedura." in page.locator("main").inner_text()
    page.get_by_role("link", name="Iscriviti", exact=True).click()

    page.get_by_label("Visura camerale").set_input_files(
        files=[{"name": "visura.txt", "mimeType": "text/plain", "buffer": b"non sono un PDF"}]
    )
    page.get_by_role("button", name="Invia l'iscrizione").click()
    main = page.locator("main").inner_text()
    assert "Per iscriverti devi accettare la dichiarazione." in main
    assert "Sono accettati solo file PDF." in main
    assert_accessible(page)

    page.get_by_label("Dichiaro di aver letto il regolamento").check()
    page.get_by_label("Visura camerale").set_input_files(
        files=[{"name": "visura-camerale.pdf", "mimeType": "application/pdf", "buffer": _pdf()}]
    )
    page.get_by_role("button", name="Invia l'iscrizione").click()
    assert "Iscrizione alla procedura MACSE-E2E-01 inviata" in page.get_by_role("status").first.inner_text()
    assert "Inviata" in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Esci").click()

    log_in(page, admin.username)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Aste e iscrizioni").click()
    page.get_by_role("link", name="Asta MACSE di prova").click()
    page.get_by_role("link", name="Accumuli Elettrochimici Sardi S.p.A.").click()
    assert "visura-camerale.pdf" in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Approva").click()
    page.get_by_role("button", name="Esci").click()

    message = mailbox.last("aste@accumuli-sardi.example.com")
    assert message["Subject"] == "Iscrizione approvata: MACSE-E2E-01"
    log_in(page, user.username)
    page.goto(mailbox.link("aste@accumuli-sardi.example.com", "/aste/"))  # the link of the e-mail
    assert page.locator("h1").inner_text() == "Asta MACSE di prova"
    assert "Approvata" in page.locator("main").inner_text()

"""An operator finds an invoice in the list, opens it and downloads its PDF."""

import io
from datetime import date, timedelta
from pathlib import Path

from pypdf import PdfReader

from tests.conftest import make_supply_point
from tests.e2e import log_in
from tests.invoicing import make_invoice


def test_invoice_pdf_download(page, make_account, live_db):
    user = make_account(role="operator", company="Fonderie del Tirreno S.p.A.")
    issue = date.today().replace(day=1) - timedelta(days=20)
    with live_db.session() as session:
        point = make_supply_point(session, user.operator_id, pod="IT001E33300001")
        make_invoice(session, user.operator_id, f"{issue.year}/004711", issue, point=point, customer_code="733001")
        make_invoice(
            session,
            user.operator_id,
            f"{issue.year}/004712",
            issue + timedelta(days=1),
            point=point,
            customer_code="733001",
            paid=True,
        )
    number = f"{issue.year}/004711"

    log_in(page, user.username)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Elenco fatture").click()
    assert page.locator("h1").inner_text() == "Elenco fatture"
    table = page.get_by_role("table")
    assert number in table.inner_text() and f"{issue.year}/004712" in table.inner_text()

    page.get_by_role("link", name=number, exact=True).click()
    assert page.locator("h1").inner_text() == f"Fattura N. {number}"
    main = page.locator("main").inner_text()
    assert "733001" in main and "305,00" in main  # 250,00 taxable + 55,00 VAT

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Scarica il PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"fattura-{number.replace('/', '-')}.pdf"
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"%PDF-")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert f"FATTURA N. {number}" in text and "Codice Cliente 733001" in text
    assert "305,00 €" in text

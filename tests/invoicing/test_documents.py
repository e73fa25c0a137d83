"""PDF of an invoice, CSV export of the list, ZIP of the PDFs of a period."""

import csv
import io
import zipfile
from datetime import date

import pytest
from pypdf import PdfReader

from tests.conftest import make_supply_point

from . import make_invoice


@pytest.fixture
def operator_user(make_operator, make_user):
    return make_user(operator=make_operator(name="Cartiere Lombarde S.p.A.", customer_code="005007"))


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_pdf_is_generated_from_the_invoice(client, dbs, operator_user, login_as):
    lines = (
        ("Energia fascia F1 – attività più", "1500", "kWh", "0.123456", "22"),
        ("Quota potenza", "42.5", "kW", "2.874100", "22"),
        ("Oneri di sistema e accise", "1500", "kWh", "0.047300", "22"),
    )
    with dbs.session() as session:
        point = make_supply_point(session, operator_user.operator_id, pod="IT001E12345678")
        invoice = make_invoice(
            session,
            operator_user.operator_id,
            "2014/000123",
            date(2014, 9, 16),
            point=point,
            lines=lines,
            period_start=date(2014, 8, 1),
        )
    login_as(operator_user)
    response = client.get(f"/fatture/{invoice.id}/pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment; filename=fattura-2014-000123.pdf" in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    assert "FATTURA N. 2014/000123" in text
    assert "Del 16/09/2014" in text
    assert "Codice Cliente 005007" in text
    # The customer code comes right under number and date.
    assert text.index("FATTURA N.") < text.index("Del 16/09/2014") < text.index("Codice Cliente 005007")
    assert "1-31 AGOSTO 2014" in text
    assert "Consumo del periodo" in text and "1.500 kWh" in text
    assert "attività più" in text  # accented letters survive; the en dash becomes a hyphen
    # 185.18 + 122.15 + 70.95 = 378.28; VAT 83.22; total 461.50
    assert "Da Pagare" in text and "SCADENZA" in text
    assert "461,50 €" in text
    assert "16/10/2014" in text
    assert "IT001E12345678" in text
    assert "Informazioni di pagamento" in text


def _csv_rows(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_csv_export_of_the_filtered_list(client, dbs, operator_user, login_as):
    op = operator_user.operator_id
    with dbs.session() as session:
        point = make_supply_point(session, op, pod="IT001E00000042")
        make_invoice(session, op, "2023/000001", date(2023, 3, 16), point=point, paid=True)
        make_invoice(session, op, "2024/000001", date(2024, 3, 16), point=point)
        make_invoice(
            session,
            op,
            "2024/000002",
            date(2024, 4, 16),
            point=point,
            lines=(("Energia fascia F1", "12345.5", "kWh", "0.100000", "22"),),
        )
    login_as(operator_user)
    response = client.get("/fatture/export.csv?year=2024&sort=date_asc")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == "attachment; filename=fatture-2024.csv"
    rows = _csv_rows(response)
    assert rows[0][:3] == ["Numero fattura", "Data fattura", "Codice cliente"]
    assert len(rows) == 3
    first, second = rows[1], rows[2]
    assert first[0] == "2024/000001" and first[1] == "16/03/2024" and first[3] == "IT001E00000042"
    assert "305,00" in first and "250,00" in first and "Da pagare" in first
    assert "12345,500" in second  # decimal comma, no thousands separator
    assert "1506,15" in second  # 1234.55 + 271.60

    everything = _csv_rows(client.get("/fatture/export.csv"))
    assert len(everything) == 4


def test_csv_export_without_invoices_has_only_the_header(client, operator_user, login_as):
    login_as(operator_user)
    assert len(_csv_rows(client.get("/fatture/export.csv"))) == 1


def test_zip_of_the_pdfs_of_a_period(client, dbs, operator_user, make_user, login_as):
    op = operator_user.operator_id
    other = make_user()
    with dbs.session() as session:
        make_invoice(session, op, "2023/000012", date(2023, 12, 16))
        make_invoice(session, op, "2024/000001", date(2024, 1, 16))
        make_invoice(session, op, "2024/000002", date(2024, 2, 16))
        make_invoice(session, op, "2024/000003", date(2024, 3, 16))
        make_invoice(session, other.operator_id, "2024/000099", date(2024, 2, 16))
    login_as(operator_user)
    html = client.get("/fatture/archivio").get_data(as_text=True)
    assert 'type="month"' in html and 'name="da"' in html
    response = client.get("/fatture/archivio.zip?da=2024-01&a=2024-02")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "fatture-2024-01-2024-02.zip" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert sorted(archive.namelist()) == ["fattura-2024-000001.pdf", "fattura-2024-000002.pdf"]
    assert "FATTURA N. 2024/000002" in pdf_text(archive.read("fattura-2024-000002.pdf"))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("da=2024-05&a=2024-06", "Nessuna fattura emessa nel periodo scelto."),
        ("da=2020-01&a=2022-01", "al massimo di 24 mesi (ne hai scelti 25)"),
        ("da=2024-03&a=2024-01", "Il mese finale precede il mese iniziale."),
        ("da=2024-13&a=2024-01", "Indica il mese nel formato AAAA-MM"),
        ("da=abc&a=2024-01", "Indica il mese nel formato AAAA-MM"),
        ("da=&a=2024-01", "Indica il mese iniziale."),
        ("a=2024-01", "Indica il mese iniziale."),
        ("da=2024-01", "Indica il mese finale."),
        ("da=1999-12&a=2024-01", "Indica un mese tra il 2000 e il 2100."),
        ("da=0001-01&a=9999-12", "Indica un mese tra il 2000 e il 2100."),
    ],
)
def test_zip_refuses_bad_periods_next_to_the_field(client, dbs, operator_user, login_as, query, message):
    with dbs.session() as session:
        make_invoice(session, operator_user.operator_id, "2024/000001", date(2024, 1, 16))
    login_as(operator_user)
    response = client.get(f"/fatture/archivio.zip?{query}")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert 'class="error"' in html
    assert message in html


def test_zip_of_24_months_is_accepted(client, dbs, operator_user, login_as):
    with dbs.session() as session:
        make_invoice(session, operator_user.operator_id, "2022/000001", date(2022, 1, 16))
        make_invoice(session, operator_user.operator_id, "2023/000012", date(2023, 12, 16))
    login_as(operator_user)
    response = client.get("/fatture/archivio.zip?da=2022-01&a=2023-12")
    assert response.mimetype == "application/zip"
    assert len(zipfile.ZipFile(io.BytesIO(response.data)).namelist()) == 2

"""``myportal import invoices FILE``: validated row by row, all or nothing, re-import replaces by number."""

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from myportal.invoicing.imports import COLUMNS, import_invoices_command
from myportal.invoicing.models import Invoice, InvoiceLine
from myportal.security.models import AuditEvent
from tests.conftest import make_supply_point

HEADER = ",".join(COLUMNS)
BASE = {
    "number": "2024/000123",
    "issue_date": "2024-09-16",
    "customer_code": "005007",
    "pod": "IT001E12345678",
    "period_start": "2024-08-01",
    "period_end": "2024-08-31",
    "due_date": "2024-10-16",
    "paid": "false",
    "description": "Energia fascia F1",
    "quantity": "1500",
    "unit": "kWh",
    "unit_price": "0.123456",
    "amount": "185.18",
    "vat_rate": "22",
}


def row(base: dict | None = None, **changes) -> str:
    return ",".join({**BASE, **(base or {}), **changes}[name] for name in COLUMNS)


def csv_text(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


GOOD = csv_text(
    row(),
    row(description="Quota potenza", quantity='"42,5"', unit="kW", unit_price='"2,8741"', amount="122.15"),
    row(description="Oneri di sistema e accise", unit="kwh", unit_price="0.0473", amount="70.95"),
    row(
        number="2024/000124",
        issue_date="2024-10-16",
        pod="",
        period_start="2024-09-01",
        period_end="2024-09-30",
        due_date="2024-11-15",
        paid="si",
        description="Canone mensile",
        quantity="1",
        unit="mese",
        unit_price="25",
        amount="25.00",
        vat_rate="10",
    ),
)


@pytest.fixture
def operator(dbs, make_operator):
    operator = make_operator(customer_code="005007")
    with dbs.session() as session:
        make_supply_point(session, operator.id, pod="IT001E12345678")
    return operator


@pytest.fixture
def run(app, tmp_path):
    def invoke(text: str, name: str = "fatture.csv"):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return app.test_cli_runner().invoke(import_invoices_command, [str(path)])

    return invoke


def test_good_file(run, dbs, operator):
    result = run(GOOD)
    assert result.exit_code == 0, result.output
    assert "2 inserted" in result.output
    invoice = dbs.scalar(select(Invoice).where(Invoice.number == "2024/000123"))
    assert invoice.operator_id == operator.id
    assert invoice.customer_code == "005007"
    assert invoice.supply_point_id is not None
    assert invoice.taxable_amount == Decimal("378.28")
    assert invoice.vat_amount == Decimal("83.22")  # 83.2216 rounded
    assert invoice.total_amount == Decimal("461.50")
    assert invoice.consumption_kwh == Decimal("1500")
    assert invoice.max_power_kw == Decimal("42.5")
    assert invoice.paid is False
    lines = dbs.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id).order_by(InvoiceLine.position))
    assert [(line.position, line.unit) for line in lines] == [(1, "kWh"), (2, "kW"), (3, "kWh")]
    assert lines[1].unit_price == Decimal("2.8741")
    other = dbs.scalar(select(Invoice).where(Invoice.number == "2024/000124"))
    assert other.supply_point_id is None and other.paid is True
    assert other.total_amount == Decimal("27.50")
    assert dbs.count(AuditEvent, AuditEvent.event == "import.invoices") == 1


def test_semicolon_separated_file_with_bom(run, dbs, operator):
    text = "\ufeff" + GOOD.replace(",", ";").replace('"42;5"', "42,5").replace('"2;8741"', "2,8741")
    result = run(text)
    assert result.exit_code == 0, result.output
    assert dbs.count(Invoice) == 2


def test_reimport_replaces_the_lines_by_number(run, dbs, operator):
    assert run(GOOD).exit_code == 0
    again = run(GOOD)
    assert again.exit_code == 0 and "2 unchanged" in again.output
    changed = csv_text(row(paid="true", quantity="1000", unit_price="0.1", amount="100.00"))
    result = run(changed)
    assert result.exit_code == 0, result.output
    assert "1 updated" in result.output
    invoice = dbs.scalar(select(Invoice).where(Invoice.number == "2024/000123"))
    assert invoice.total_amount == Decimal("122.00") and invoice.paid is True
    assert invoice.max_power_kw is None
    assert dbs.count(InvoiceLine, InvoiceLine.invoice_id == invoice.id) == 1
    assert dbs.count(Invoice) == 2


BAD = {"number": "2024/9", "pod": ""}
BAD_ROWS = [
    (row(BAD, customer_code="999999"), "riga 2, colonna customer_code: nessun operatore ha il codice cliente 999999."),
    (row(BAD, pod="IT001E99999999"), "riga 2, colonna pod: punto di fornitura IT001E99999999 sconosciuto."),
    (
        row(BAD, pod="IT001E55555555"),
        "riga 2, colonna pod: il punto di fornitura IT001E55555555 appartiene a un altro operatore.",
    ),
    (row(BAD, issue_date="16/09/2024"), "riga 2, colonna issue_date: data non valida '16/09/2024'"),
    (row(BAD, issue_date="2024-02-30"), "riga 2, colonna issue_date: data non valida"),
    (
        row(BAD, period_start="2024-08-31", period_end="2024-08-01"),
        "riga 2, colonna period_end: la fine del periodo precede il suo inizio.",
    ),
    (row(BAD, due_date="2024-09-01"), "riga 2, colonna due_date: la scadenza precede la data della fattura."),
    (row(BAD, quantity="abc"), "riga 2, colonna quantity: numero non valido 'abc'."),
    (row(BAD, quantity='"1,000.5"'), "riga 2, colonna quantity: numero non valido '1,000.5'"),
    (row(BAD, amount="1.005"), "riga 2, colonna amount: numero ambiguo '1.005'"),
    (row(BAD, amount='"1,005"'), "riga 2, colonna amount: al massimo 2 decimali"),
    (row(BAD, amount="99999999999"), "riga 2, colonna amount: valore troppo grande"),
    (row(BAD, unit="litri"), "riga 2, colonna unit: unità non valida 'litri'"),
    (row(BAD, paid="forse"), "riga 2, colonna paid: valore non valido 'forse'"),
    (row(BAD, vat_rate="122"), "riga 2, colonna vat_rate: l'aliquota IVA va da 0 a 100."),
    (row(BAD, customer_code="5007"), "riga 2, colonna customer_code: Il codice cliente è composto da sei cifre"),
    (row(BAD, description=""), "riga 2, colonna description: campo obbligatorio mancante."),
    (row(BAD, number="numero con spazi"), "riga 2, colonna number: numero non valido 'numero con spazi'"),
    (row(BAD).rsplit(",", 2)[0], "riga 2: trovati 12 campi, attesi 14."),
]


@pytest.mark.parametrize(("row", "message"), BAD_ROWS)
def test_bad_rows_write_nothing(run, dbs, make_operator, operator, row, message):
    stranger = make_operator()
    with dbs.session() as session:
        make_supply_point(session, stranger.id, pod="IT001E55555555")
    good = GOOD.splitlines()
    result = run("\n".join([good[0], row, *good[1:]]) + "\n")
    assert result.exit_code == 1
    assert message in result.output
    assert "nothing imported" in result.output
    assert dbs.count(Invoice) == 0
    assert dbs.count(InvoiceLine) == 0


def test_lines_of_one_invoice_must_agree(run, dbs, operator):
    same = {"number": "2024/000200", "pod": "", "quantity": "10", "unit_price": "0.1", "amount": "1.00"}
    text = csv_text(row(same), row(same, issue_date="2024-09-17", paid="true", description="Energia F2"))
    result = run(text)
    assert result.exit_code == 1
    assert "riga 3, colonna issue_date: diverso dalla riga 2 della stessa fattura 2024/000200." in result.output
    assert "riga 3, colonna paid: diverso dalla riga 2" in result.output
    assert dbs.count(Invoice) == 0


def test_bad_header_and_empty_file(run, dbs, operator):
    result = run("number,issue_date,amount\n")
    assert result.exit_code == 1
    assert "intestazione: colonne mancanti: customer_code" in result.output
    result = run("")
    assert result.exit_code == 1 and "il file è vuoto" in result.output
    result = run(HEADER + "\n")
    assert result.exit_code == 1 and "il file non contiene righe di fatture" in result.output
    assert dbs.count(Invoice) == 0


def test_invoice_number_of_another_operator_is_refused(run, dbs, make_operator, operator):
    make_operator(customer_code="006006")
    assert run(GOOD).exit_code == 0
    stolen = GOOD.replace("005007,IT001E12345678", "006006,").replace("005007,,", "006006,,")
    result = run(stolen)
    assert result.exit_code == 1
    assert "la fattura 2024/000123 esiste già per un altro operatore." in result.output
    assert dbs.scalar(select(Invoice.operator_id).where(Invoice.number == "2024/000123")) == operator.id


def test_not_utf8(app, tmp_path, dbs, operator):
    path = tmp_path / "latin1.csv"
    path.write_bytes(csv_text(row(description="Quantità")).encode("latin-1"))
    result = app.test_cli_runner().invoke(import_invoices_command, [str(path)])
    assert result.exit_code == 1
    assert "UTF-8" in result.output
    assert dbs.count(Invoice) == 0


def test_dry_run_and_standard_input(app, dbs, operator):
    runner = app.test_cli_runner()
    checked = runner.invoke(import_invoices_command, ["-", "--dry-run"], input=GOOD)
    assert checked.exit_code == 0, checked.output
    assert "2 valid rows; nothing written (--dry-run)." in checked.output
    assert dbs.count(Invoice) == 0
    imported = runner.invoke(import_invoices_command, ["-"], input=GOOD)
    assert imported.exit_code == 0, imported.output
    assert "invoices: 2 inserted, 0 updated, 0 unchanged." in imported.output
    assert dbs.count(Invoice) == 2


def test_documented_sample_imports(app, dbs, make_operator):
    sample = Path(__file__).resolve().parents[2] / "docs" / "samples" / "invoices.csv"
    operator = make_operator(customer_code="004512")
    with dbs.session() as session:
        make_supply_point(session, operator.id, pod="IT020E71340331")
    result = app.test_cli_runner().invoke(import_invoices_command, [str(sample)])
    assert result.exit_code == 0, result.output
    assert dbs.count(Invoice, Invoice.operator_id == operator.id) == 2

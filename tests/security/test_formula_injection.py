"""Formula injection (OWASP "CSV injection"): text typed by operators reaches the spreadsheets the portal
writes; a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be run as a
formula by the spreadsheet that opens the file. Every export, found by asking every page of the URL map, is
read back: no text cell may begin with one of them, while numbers (a negative amount) stay numbers."""

import csv
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from myportal.auctions.models import Enrolment
from myportal.contracts.models import SupplyPoint
from myportal.eic.models import EicCode
from myportal.gstat.models import MonthlyReport, Plant
from myportal.invoicing.models import Invoice
from myportal.models import utcnow
from myportal.operators.models import Operator
from tests.contracts import add_measurements, days_ago
from tests.invoicing import make_invoice
from tests.security.conftest import all_rules, client_for, methods_of, url_for_rule

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# What may begin with a sign and still be harmless: a number (-15,25) and a UTC offset (+01:00).
HARMLESS = re.compile(r"[+-]?\d+(?:[.,]\d+)?|[+-]\d{2}:\d{2}")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Every text column that reaches an export, planted with a formula (within the column's length).
PLANTED = {
    "operator name": '=HYPERLINK("http://example.com/x","Clicca")',
    "operator VAT": "@SUM(1+1)",
    "POD": "+IT001E1+A1",
    "invoice number": "\t=1+2",
    "customer code": "=A1+B1",
    "plant name": "+cmd|' /C calc'!A0",
    "GAUDÌ code": "-2+3+cmd|' /C calc'!A0",
    "fuel type": "@A1",
    "EIC code": "=1+1+HYPERLINK()",
    "EIC display name": "=2+3",
    "EIC long name": "@SUM(A1:A9)",
    "EIC parent": "-2-3",
    "EIC responsible party": "+1+1",
    "EIC status": "\r=1",
    "EIC postal code": "=1",
    "EIC country": "=A",
    "EIC VAT code": "-1-1",
    "EIC function list": "@x",
}
# The spreadsheets each role downloads (stored files, sent back as they were uploaded, are not exports).
EXPORTS = {
    "operator_a": {
        "invoicing.export_csv",
        "contracts.measurements_csv_download",
        "contracts.measurements_xlsx_download",
        "gstat.template",
    },
    "admin": {"gstat.admin_export", "eic.admin_register_csv", "auctions.admin_export"},
}
STORED_FILES = {
    "content.download",
    "content.admin_document_download",
    "tickets.attachment",
    "tickets.staff_attachment",
    "auctions.document",
    "auctions.admin_document",
}


def plant_formulas(dbs, world) -> None:
    ids = world.ids
    with dbs.session() as session:
        session.execute(
            update(Operator)
            .where(Operator.id == world.operator_a)
            .values(name=PLANTED["operator name"], vat_number=PLANTED["operator VAT"])
        )
        session.execute(update(SupplyPoint).where(SupplyPoint.id == ids["supply_point"]).values(pod=PLANTED["POD"]))
        session.execute(
            update(Invoice)
            .where(Invoice.id == ids["invoice"])
            .values(number=PLANTED["invoice number"], customer_code=PLANTED["customer code"])
        )
        session.execute(
            update(Plant)
            .where(Plant.id == ids["plant"])
            .values(name=PLANTED["plant name"], gaudi_code=PLANTED["GAUDÌ code"])
        )
        session.execute(
            update(MonthlyReport)
            .where(MonthlyReport.id == ids["report"])
            .values(fuel_type=PLANTED["fuel type"], fuel_quantity=Decimal("1.5"))
        )
        session.execute(update(Enrolment).where(Enrolment.id == ids["enrolment"]).values(state="approvata"))
        session.add(
            EicCode(
                code=PLANTED["EIC code"],
                display_name=PLANTED["EIC display name"],
                long_name=PLANTED["EIC long name"],
                parent=PLANTED["EIC parent"],
                responsible_party=PLANTED["EIC responsible party"],
                status=PLANTED["EIC status"],
                postal_code=PLANTED["EIC postal code"],
                country=PLANTED["EIC country"],
                vat_code=PLANTED["EIC VAT code"],
                function_list=PLANTED["EIC function list"],
                object_type="X",
                issued_at=utcnow(),
                operator_id=world.operator_a,
            )
        )
        # A credit note: its negative amounts are numbers, not text to neutralise.
        point = session.get(SupplyPoint, ids["supply_point"])
        credit = (("Storno conguaglio", "1", "€", "-12.50", "22"),)
        make_invoice(session, world.operator_a, "NC-0001", days_ago(20), point=point, lines=credit)
    add_measurements(dbs, point, days_ago(2), 1)


def spreadsheet_cells(response) -> list | None:
    """The cells of a CSV or XLSX download (text as text, numbers as numbers), or None for anything else."""
    if response.mimetype == "text/csv":
        text = response.get_data().decode("utf-8-sig")
        delimiter = ";" if ";" in text.partition("\n")[0] else ","
        return [value for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) for value in row]
    if response.mimetype == XLSX:
        workbook = load_workbook(io.BytesIO(response.get_data()))
        cells = []
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", f"a formula in {sheet.title}!{cell.coordinate}: {cell.value!r}"
                    cells.append(cell.value)
        return cells
    return None


def runs_as_formula(value) -> bool:
    return isinstance(value, str) and value.startswith(TRIGGERS) and not HARMLESS.fullmatch(value)


@pytest.mark.parametrize("role", sorted(EXPORTS))
def test_no_export_cell_begins_with_a_formula(app, dbs, world, role):
    plant_formulas(dbs, world)
    client = client_for(app, world, role)
    found = {}
    for rule in all_rules(app):
        if "GET" not in methods_of(rule) or rule.endpoint in STORED_FILES or rule.endpoint == "static":
            continue
        response = client.get(url_for_rule(rule, world))
        cells = spreadsheet_cells(response)
        response.close()
        if cells is not None:
            found[rule.endpoint] = cells
    assert set(found) == EXPORTS[role], "the exports found differ from the ones declared in EXPORTS"
    formulas = sorted(
        {f"{endpoint}: {value!r}" for endpoint, cells in found.items() for value in cells if runs_as_formula(value)}
    )
    assert not formulas, "cells a spreadsheet runs as formulas:\n" + "\n".join(formulas)
    every_cell = {value for cells in found.values() for value in cells}
    reached = {name for name, value in PLANTED.items() if "'" + value in every_cell}
    if role == "operator_a":
        assert {"POD", "invoice number", "customer code", "GAUDÌ code"} <= reached
        assert "-15,25" in found["invoicing.export_csv"]  # the credit note's total, a number as it was
        numbers = [value for value in found["contracts.measurements_xlsx_download"] if isinstance(value, float)]
        assert numbers, "the XLSX measurements are numbers"
    else:
        assert reached == set(PLANTED) - {"POD", "invoice number", "customer code"}

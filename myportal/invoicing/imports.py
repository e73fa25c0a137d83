"""``myportal import invoices FILE``: invoices from a CSV file with one row per invoice line.

Columns (header row required, in any order)::

    number,issue_date,customer_code,pod,period_start,period_end,due_date,paid,description,quantity,unit,
    unit_price,amount,vat_rate

The file is read by :mod:`myportal.csvimport`: UTF-8, ',' or ';' by its one rule, figures the Italian way
(``1.234,5``; quote a decimal comma in a comma-separated file; a dot decimal such as ``0.1234`` is read too,
an ambiguous ``1.005`` is refused); dates are ISO (2024-03-31); ``paid`` is true/false (also 1/0, si/no,
yes/no); ``pod`` may be empty; ``unit`` is kWh, kW, mese or € (EUR). The rows of one invoice share its number
and must agree on the invoice's fields. The operator is the one with that customer code.

The whole file is validated first: any error and nothing is written, every error reported with its line.
Re-importing an invoice (same number) replaces its fields and lines; an identical one is left untouched.
Totals are computed from the lines: taxable = sum of amounts, VAT = sum of amount × rate / 100 rounded
half-up to cents.

An invoice spans several rows that must agree and refer to operators and supply points: grouping the rows and
those checks are this module's own; reading, row errors and the upsert loop are :mod:`myportal.csvimport`'s.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..contracts.models import SupplyPoint
from ..csvimport import (
    ImportResult,
    NotANumber,
    RowError,
    Source,
    audit_import,
    import_command,
    open_lines,
    parse_decimal,
    read_table,
    upsert,
)
from ..extensions import db
from ..identifiers import IdentifierError, clean_customer_code
from ..operators.models import Operator
from .models import Invoice, InvoiceLine
from .services import billed_figures, invoice_amounts

COLUMNS = (
    "number",
    "issue_date",
    "customer_code",
    "pod",
    "period_start",
    "period_end",
    "due_date",
    "paid",
    "description",
    "quantity",
    "unit",
    "unit_price",
    "amount",
    "vat_rate",
)
HEADER_FIELDS = ("issue_date", "customer_code", "pod", "period_start", "period_end", "due_date", "paid")
UNITS = {"kwh": "kWh", "kw": "kW", "mese": "mese", "€": "€", "eur": "€", "euro": "€"}
TRUE = {"true", "1", "si", "sì", "yes", "y", "s"}
FALSE = {"false", "0", "no", "n"}
NUMBER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/._-]{0,19}$")
POD_RE = re.compile(r"^[A-Z0-9]{14,15}$")
# (integer digits, decimal places) allowed by each numeric column's database type.
PRECISION = {"quantity": (11, 3), "unit_price": (6, 6), "amount": (10, 2), "vat_rate": (3, 2)}
_CHUNK = 500


class _Problem(Exception):
    pass


LINE_FIELDS = ("description", "quantity", "unit", "unit_price", "amount", "vat_rate")  # as in InvoiceLine


@dataclass
class LineData:
    line: int
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal
    vat_rate: Decimal

    def values(self) -> tuple:
        return tuple(getattr(self, name) for name in LINE_FIELDS)


@dataclass
class InvoiceData:
    """One invoice of the file, from its first row, with its lines."""

    number: str
    line: int
    header: dict
    lines: list[LineData] = field(default_factory=list)
    operator_id: int | None = None
    supply_point_id: int | None = None


# --- cleaning of single values ------------------------------------------------------------------------------


def _date(text: str) -> date:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise _Problem(f"data non valida {text!r}: usa il formato AAAA-MM-GG, per esempio 2024-03-31.") from None


def _decimal(name: str, text: str) -> Decimal:
    try:
        value = parse_decimal(text)
    except NotANumber as error:
        raise _Problem(str(error)) from None
    digits, places = PRECISION[name]
    if value != value.quantize(Decimal(1).scaleb(-places)):
        raise _Problem(f"al massimo {places} decimali ({text!r}).")
    if abs(value) >= Decimal(10) ** digits:
        raise _Problem(f"valore troppo grande ({text!r}).")
    return value


def _paid(text: str) -> bool:
    folded = text.lower()
    if folded in TRUE:
        return True
    if folded in FALSE:
        return False
    raise _Problem(f"valore non valido {text!r}: usa true o false.")


def _clean_header(raw: dict) -> tuple[dict, list[tuple[str, str]]]:
    """The invoice's fields of one row, and (column, message) for each problem."""
    values, problems = {}, []
    cleaners = {
        "issue_date": _date,
        "period_start": _date,
        "period_end": _date,
        "due_date": _date,
        "paid": _paid,
    }
    for name in HEADER_FIELDS:
        text = raw[name]
        try:
            if name == "pod":
                if text and not POD_RE.match(text.upper()):
                    raise _Problem(f"POD non valido {text!r}: 14 o 15 lettere e cifre, per esempio IT001E12345678.")
                values[name] = text.upper() or None
            elif not text:
                raise _Problem("campo obbligatorio mancante.")
            elif name == "customer_code":
                values[name] = clean_customer_code(text)
            else:
                values[name] = cleaners[name](text)
        except (_Problem, IdentifierError) as problem:
            problems.append((name, str(problem)))
    if not problems:
        if values["period_end"] < values["period_start"]:
            problems.append(("period_end", "la fine del periodo precede il suo inizio."))
        if values["due_date"] < values["issue_date"]:
            problems.append(("due_date", "la scadenza precede la data della fattura."))
    return values, problems


def _clean_line(line: int, raw: dict) -> tuple[LineData | None, list[tuple[str, str]]]:
    problems, numbers = [], {}
    description = raw["description"]
    if not description:
        problems.append(("description", "campo obbligatorio mancante."))
    elif len(description) > 200:
        problems.append(("description", f"al massimo 200 caratteri (ne contiene {len(description)})."))
    unit = UNITS.get(raw["unit"].lower())
    if unit is None:
        problems.append(("unit", f"unità non valida {raw['unit']!r}: usa kWh, kW, mese o €."))
    for name in PRECISION:
        try:
            if not raw[name]:
                raise _Problem("campo obbligatorio mancante.")
            numbers[name] = _decimal(name, raw[name])
        except _Problem as problem:
            problems.append((name, str(problem)))
    if "vat_rate" in numbers and not 0 <= numbers["vat_rate"] <= 100:
        problems.append(("vat_rate", "l'aliquota IVA va da 0 a 100."))
    if problems:
        return None, problems
    return LineData(line, description, unit=unit, **numbers), []


# --- reading the file ---------------------------------------------------------------------------------------


def read_invoices(lines: Iterable[str]) -> tuple[list[InvoiceData], list[RowError]]:
    """The invoices of the file grouped by number, and every error found in its rows."""
    errors: list[RowError] = []
    invoices: dict[str, InvoiceData] = {}
    for line, cells in read_table(lines, COLUMNS, errors.append):
        raw = {name: value.strip() for name, value in zip(COLUMNS, cells, strict=True)}
        errors.extend(_read_row(line, raw, invoices))
    if not invoices and not errors:
        errors.append(RowError(None, "il file non contiene righe di fatture."))
    return list(invoices.values()), errors


def _read_row(line: int, raw: dict, invoices: dict[str, InvoiceData]) -> list[RowError]:
    number = raw["number"]
    if not NUMBER_RE.match(number):
        message = (
            "campo obbligatorio mancante."
            if not number
            else (f"numero non valido {number!r}: fino a 20 lettere, cifre e / . - _")
        )
        return [RowError(line, message, "number")]
    header, header_problems = _clean_header(raw)
    data, line_problems = _clean_line(line, raw)
    errors = [RowError(line, message, column) for column, message in header_problems + line_problems]
    invoice = invoices.get(number)
    if invoice is None:
        if header_problems:
            return errors
        invoice = invoices[number] = InvoiceData(number, line, header)
    elif not header_problems:
        for name in HEADER_FIELDS:
            if header[name] != invoice.header[name]:
                errors.append(RowError(line, f"diverso dalla riga {invoice.line} della stessa fattura {number}.", name))
    if data is not None:
        invoice.lines.append(data)
    return errors


# --- checks against the database ----------------------------------------------------------------------------


def _chunks(values: list):
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _resolve(invoices: list[InvoiceData]) -> tuple[dict[str, Invoice], list[RowError]]:
    """Operators and supply points of the invoices, and the invoices already stored (by number)."""
    errors = []
    codes = sorted({invoice.header["customer_code"] for invoice in invoices})
    operators = {}
    for chunk in _chunks(codes):
        for operator_id, code in db.session.execute(
            select(Operator.id, Operator.customer_code).where(Operator.customer_code.in_(chunk))
        ):
            operators[code] = operator_id
    pods = sorted({invoice.header["pod"] for invoice in invoices if invoice.header["pod"]})
    points = {}
    for chunk in _chunks(pods):
        for point_id, pod, operator_id in db.session.execute(
            select(SupplyPoint.id, SupplyPoint.pod, SupplyPoint.operator_id).where(SupplyPoint.pod.in_(chunk))
        ):
            points[pod] = (point_id, operator_id)
    existing = {}
    for chunk in _chunks([invoice.number for invoice in invoices]):
        for stored in db.session.scalars(
            select(Invoice).options(selectinload(Invoice.lines)).where(Invoice.number.in_(chunk))
        ):
            existing[stored.number] = stored

    for invoice in invoices:
        code, pod = invoice.header["customer_code"], invoice.header["pod"]
        invoice.operator_id = operators.get(code)
        if invoice.operator_id is None:
            errors.append(RowError(invoice.line, f"nessun operatore ha il codice cliente {code}.", "customer_code"))
            continue
        if pod:
            point = points.get(pod)
            if point is None:
                errors.append(RowError(invoice.line, f"punto di fornitura {pod} sconosciuto.", "pod"))
            elif point[1] != invoice.operator_id:
                errors.append(
                    RowError(invoice.line, f"il punto di fornitura {pod} appartiene a un altro operatore.", "pod")
                )
            else:
                invoice.supply_point_id = point[0]
        stored = existing.get(invoice.number)
        if stored is not None and stored.operator_id != invoice.operator_id:
            errors.append(
                RowError(invoice.line, f"la fattura {invoice.number} esiste già per un altro operatore.", "number")
            )
    return existing, errors


# --- writing ------------------------------------------------------------------------------------------------


def _invoice_fields(invoice: InvoiceData) -> dict:
    header = invoice.header
    amounts = invoice_amounts((line.amount, line.vat_rate) for line in invoice.lines)
    consumption, power = billed_figures((line.quantity, line.unit, line.description) for line in invoice.lines)
    return {
        "operator_id": invoice.operator_id,
        "supply_point_id": invoice.supply_point_id,
        "issue_date": header["issue_date"],
        "customer_code": header["customer_code"],
        "period_start": header["period_start"],
        "period_end": header["period_end"],
        "due_date": header["due_date"],
        "paid": header["paid"],
        "consumption_kwh": consumption,
        "max_power_kw": power,
        "taxable_amount": amounts.taxable,
        "vat_amount": amounts.vat,
        "total_amount": amounts.total,
    }


def _same(stored: Invoice, fields: dict, lines: list[LineData]) -> bool:
    if any(getattr(stored, name) != value for name, value in fields.items()):
        return False
    stored_lines = [tuple(getattr(line, name) for name in LINE_FIELDS) for line in stored.lines]
    return stored_lines == [line.values() for line in lines]


def _new_lines(lines: list[LineData]) -> list[InvoiceLine]:
    return [
        InvoiceLine(position=position, **dict(zip(LINE_FIELDS, line.values(), strict=True)))
        for position, line in enumerate(lines, start=1)
    ]


def _replace(stored: Invoice, invoice: InvoiceData) -> bool:
    """Give ``stored`` the fields and lines of the file's ``invoice``; whether they differed."""
    fields = _invoice_fields(invoice)
    if _same(stored, fields, invoice.lines):
        return False
    for name, value in fields.items():
        setattr(stored, name, value)
    if not stored.paid:
        stored.paid_at = None
    stored.lines.clear()
    db.session.flush()  # the old lines go before the new ones take their positions
    stored.lines.extend(_new_lines(invoice.lines))
    return True


def _insert(invoice: InvoiceData) -> None:
    db.session.add(Invoice(number=invoice.number, lines=_new_lines(invoice.lines), **_invoice_fields(invoice)))


def import_invoices(source: Source, *, dry_run: bool = False, origin: str | None = None) -> ImportResult:
    """Validate the whole of ``source`` (see :func:`myportal.csvimport.open_lines`); unless it has errors,
    write its invoices.

    Nothing is committed; one audit event records the counts.
    """
    result = ImportResult("invoices")
    with open_lines(source) as lines:
        invoices, result.errors = read_invoices(lines)
    if result.errors:
        return result
    existing, result.errors = _resolve(invoices)
    if result.errors or dry_run:
        result.valid = 0 if result.errors else len(invoices)
        return result
    upsert(result, invoices, existing, key=lambda invoice: invoice.number, insert=_insert, update=_replace)
    db.session.flush()
    audit_import(result, origin)
    return result


import_invoices_command = import_command(
    "invoices",
    import_invoices,
    help="Import invoices from FILE (UTF-8 CSV, ',' or ';' separated, '-' for standard input), one row per "
    "invoice line, with the header row: " + ",".join(COLUMNS) + ". Rows are validated first: any error and "
    "nothing is written; an invoice already imported (same number) has its fields and lines replaced.",
)

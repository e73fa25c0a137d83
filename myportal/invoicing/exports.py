"""Exports of invoices: the list as CSV for Italian spreadsheets, and a ZIP of PDFs."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator
from tempfile import SpooledTemporaryFile

from ..csvimport import csv_chunks
from ..formatting import ITALIAN, number, numeric_date
from ..operators.models import Operator
from .models import Invoice
from .pdf import Issuer, invoice_pdf

BOM = "\ufeff"
CSV_HEADER = (
    "Numero fattura",
    "Data fattura",
    "Codice cliente",
    "POD",
    "Periodo dal",
    "Periodo al",
    "Consumo (kWh)",
    "Potenza (kW)",
    "Imponibile (EUR)",
    "IVA (EUR)",
    "Totale (EUR)",
    "Scadenza",
    "Stato",
    "Data pagamento",
)
SPOOL_BYTES = 8 * 1024 * 1024


def _csv_row(invoice: Invoice, pods: dict[int, str]) -> tuple[str, ...]:
    return (
        invoice.number,
        numeric_date(invoice.issue_date),
        invoice.customer_code,
        pods.get(invoice.supply_point_id, ""),
        numeric_date(invoice.period_start),
        numeric_date(invoice.period_end),
        number(invoice.consumption_kwh, 3, ITALIAN, grouping=False, missing=""),
        number(invoice.max_power_kw, 2, ITALIAN, grouping=False, missing=""),
        number(invoice.taxable_amount, 2, ITALIAN, grouping=False, missing=""),
        number(invoice.vat_amount, 2, ITALIAN, grouping=False, missing=""),
        number(invoice.total_amount, 2, ITALIAN, grouping=False, missing=""),
        numeric_date(invoice.due_date),
        "Pagata" if invoice.paid else "Da pagare",
        numeric_date(invoice.paid_at),
    )


def invoices_csv(invoices: Iterable[Invoice], pods: dict[int, str]) -> Iterator[str]:
    """The CSV text, a row at a time: UTF-8 BOM, ';' separator, decimal commas, dates dd/mm/yyyy."""
    return csv_chunks(CSV_HEADER, (_csv_row(invoice, pods) for invoice in invoices), bom=True)


def invoices_zip(invoices: Iterable[Invoice], operator: Operator, issuer: Issuer | None = None):
    """A ZIP of the PDFs of ``invoices`` (lines loaded), in a spooled temporary file rewound to its start."""
    spool = SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (closed by the response)
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for invoice in invoices:
            archive.writestr(invoice.pdf_filename, invoice_pdf(invoice, operator, issuer))
    spool.seek(0)
    return spool

"""The PDF of an invoice, generated from its data with fpdf2, laid out like the utility's invoice (Fig. 4).

The PDF core fonts (Helvetica) are written in Windows-1252, which has every Italian accented letter and the
euro sign: amounts read ``1.234,56 €`` as on the pages; any other character is replaced by a close one.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from ..formatting import ITALIAN, money, number, numeric_date, period_label
from ..operators.models import Operator
from .models import Invoice

ENCODING = "windows-1252"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Issuer:
    """Who issues the invoices: the "Dettagli fornitore" block."""

    name: str = "Rete Servizi Energia S.p.A."
    address: str = "Via Cristoforo Colombo 112, 00147 Roma (RM)"
    contacts: str = "Assistenza portale 800.999.333 - Pronto intervento 800.999.666"
    market: str = "MERCATO LIBERO"
    payment: str = "Addebito SEPA Direct Debit"


def _drawable_char(char: str) -> bool:
    try:
        char.encode(ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def drawable(text: str) -> str:
    """``text`` with what the core fonts cannot draw (outside Windows-1252) replaced by the nearest letters."""
    text = str(text)
    if all(_drawable_char(char) for char in text):
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char if _drawable_char(char) else "?" for char in decomposed if not unicodedata.combining(char))


class _InvoicePDF(FPDF):
    def __init__(self, invoice: Invoice):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.core_fonts_encoding = ENCODING
        self.invoice = invoice
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(15, 15, 15)

    def footer(self):
        self.set_y(-12)
        self.set_font("Helvetica", "", 8)
        self.set_text_color(110)
        self.cell(0, 5, drawable(f"Fattura N. {self.invoice.number} - pagina {self.page_no()}/{{nb}}"), align="R")

    def fitted(self, text: str, width: float, size: float) -> str:
        """``text`` shortened with "..." to fit ``width`` in the regular font of ``size``."""
        self.set_font("Helvetica", "", size)
        text = drawable(text)
        if self.get_string_width(text) <= width:
            return text
        while text and self.get_string_width(text + "...") > width:
            text = text[:-1]
        return text.rstrip() + "..."

    def text_cell(self, width, height, text, style="", size=10, align="L", border=0, fill=False, newline=False):
        self.set_font("Helvetica", style, size)
        self.cell(
            width,
            height,
            drawable(text),
            border=border,
            align=align,
            fill=fill,
            new_x=XPos.LMARGIN if newline else XPos.RIGHT,
            new_y=YPos.NEXT if newline else YPos.TOP,
        )


LINE_COLUMNS = (
    ("Descrizione", 72, "L"),
    ("Quantità", 24, "R"),
    ("Unità", 13, "L"),
    ("Prezzo unitario", 27, "R"),
    ("Importo", 28, "R"),
    ("IVA %", 16, "R"),
)


def invoice_pdf(invoice: Invoice, operator: Operator, issuer: Issuer | None = None) -> bytes:
    """The invoice as PDF bytes. ``invoice.lines`` and ``invoice.supply_point`` are read."""
    issuer = issuer or Issuer()
    pdf = _InvoicePDF(invoice)
    pdf.set_title(drawable(f"Fattura N. {invoice.number}"))
    pdf.set_author(drawable(issuer.name))
    pdf.alias_nb_pages()
    pdf.add_page()
    width = pdf.epw

    # Supplier block, left; market, right.
    pdf.set_text_color(20, 60, 110)
    pdf.text_cell(width * 0.65, 7, issuer.name, "B", 13)
    pdf.text_cell(width * 0.35, 7, issuer.market, "B", 10, align="R", newline=True)
    pdf.set_text_color(0)
    pdf.text_cell(width, 5, issuer.address, size=9, newline=True)
    pdf.text_cell(width, 5, issuer.contacts, size=9, newline=True)
    pdf.ln(6)

    # Number and date with the customer code right under them; the customer on the right.
    top = pdf.get_y()
    pdf.text_cell(95, 8, f"FATTURA N. {invoice.number}", "B", 15, newline=True)
    pdf.text_cell(95, 6, f"Del {numeric_date(invoice.issue_date)}", size=11, newline=True)
    pdf.text_cell(95, 6, f"Codice Cliente {invoice.customer_code}", "B", 11, newline=True)
    bottom = pdf.get_y()
    pdf.set_xy(pdf.l_margin + 100, top)
    pdf.set_font("Helvetica", "", 10)
    identifier = (
        f"Partita IVA {operator.vat_number}" if operator.vat_number else f"Codice fiscale {operator.fiscal_code}"
    )
    pdf.multi_cell(
        width - 100,
        5,
        drawable(f"{operator.name}\n{operator.registered_address}\n{identifier}"),
        border=1,
        padding=2,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_y(max(bottom, pdf.get_y()) + 5)

    # Service, period and consumption.
    pdf.text_cell(width, 6, "Servizio di fornitura Energia Elettrica", "B", 11, newline=True)
    point = invoice.supply_point
    rows = []
    if point is not None:
        rows.append(
            (
                "Punto di fornitura",
                f"{point.pod} - {point.address}, {point.postal_code} {point.city} ({point.province})",
            )
        )
    rows.append(("Periodo fatturato", period_label(invoice.period_start, invoice.period_end)))
    rows.append(("Consumo del periodo", f"{number(invoice.consumption_kwh, 0, ITALIAN)} kWh"))
    if invoice.max_power_kw is not None:
        rows.append(("Potenza fatturata", f"{number(invoice.max_power_kw, 2, ITALIAN)} kW"))
    for label, value in rows:
        pdf.text_cell(45, 6, label, size=10)
        pdf.set_font("Helvetica", "B", 10)
        pdf.multi_cell(width - 45, 6, drawable(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)

    # What to pay and when.
    pdf.set_fill_color(229, 238, 247)
    box = (width - 4) / 2
    pdf.text_cell(box, 7, "Da Pagare", "B", 10, border="LTR", fill=True)
    pdf.set_x(pdf.get_x() + 4)
    pdf.text_cell(box, 7, "SCADENZA", "B", 10, border="LTR", fill=True, newline=True)
    pdf.text_cell(box, 9, money(invoice.total_amount, locale=ITALIAN), "B", 14, border="LBR", fill=True)
    pdf.set_x(pdf.get_x() + 4)
    pdf.text_cell(box, 9, numeric_date(invoice.due_date), "B", 14, border="LBR", fill=True, newline=True)
    pdf.ln(6)

    # Lines.
    pdf.text_cell(width, 6, "Dettaglio degli importi", "B", 11, newline=True)
    pdf.set_fill_color(238, 242, 246)
    for title, column_width, align in LINE_COLUMNS:
        pdf.text_cell(column_width, 6, title, "B", 8.5, align=align, border="B", fill=True)
    pdf.ln(6)
    for line in invoice.lines:
        values = (
            line.description,
            number(line.quantity, 3, ITALIAN, missing=""),
            line.unit,
            number(line.unit_price, 6, ITALIAN, missing=""),
            number(line.amount, 2, ITALIAN, missing=""),
            number(line.vat_rate, 2, ITALIAN, missing=""),
        )
        for (_, column_width, align), value in zip(LINE_COLUMNS, values, strict=True):
            text = pdf.fitted(value, column_width - 2, 8.5)
            pdf.text_cell(column_width, 6, text, size=8.5, align=align, border="B")
        pdf.ln(6)
    pdf.ln(3)

    # Totals.
    for label, value, style in (
        ("Totale imponibile", invoice.taxable_amount, ""),
        ("Totale IVA", invoice.vat_amount, ""),
        ("Totale fattura - Da pagare", invoice.total_amount, "B"),
    ):
        pdf.set_x(pdf.l_margin + width - 110)
        pdf.text_cell(70, 6, label, style, 10)
        pdf.text_cell(40, 6, money(value, locale=ITALIAN), style, 10, align="R", newline=True)
    pdf.ln(6)

    # Payment.
    pdf.text_cell(width, 6, "Informazioni di pagamento", "B", 11, newline=True)
    pdf.text_cell(width, 5, issuer.payment, size=10, newline=True)
    if invoice.paid:
        paid = f"Fattura pagata il {numeric_date(invoice.paid_at)}." if invoice.paid_at else "Fattura pagata."
        pdf.text_cell(width, 5, paid, size=10, newline=True)
    else:
        pdf.text_cell(width, 5, f"Importo da pagare entro il {numeric_date(invoice.due_date)}.", size=10, newline=True)
    return bytes(pdf.output())


# --- drawn once -----------------------------------------------------------------------------------------------

LAYOUT_VERSION = "1"  # change it with the layout above: every stored PDF is then drawn again


def _columns(row) -> tuple:
    return tuple(getattr(row, column.key) for column in row.__table__.columns) if row is not None else ()


def content_version(invoice: Invoice, operator: Operator, issuer: Issuer) -> str:
    """A digest of everything the PDF shows: the invoice, its lines and supply point, the operator, the issuer
    and the layout. Any change to one of them (a payment, a corrected import) gives another version."""
    parts = (
        LAYOUT_VERSION,
        _columns(invoice),
        [_columns(line) for line in invoice.lines],
        _columns(invoice.supply_point),
        _columns(operator),
        issuer,
    )
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


def stored_invoice_pdf(directory: Path, invoice: Invoice, operator: Operator, issuer: Issuer | None = None) -> bytes:
    """The invoice's PDF, drawn once per content version and kept in ``directory`` (shared by the workers of a
    host): ``<invoice id>-<version>.pdf``, written atomically; an older version of the invoice is removed."""
    issuer = issuer or Issuer()
    path = directory / f"{invoice.id}-{content_version(invoice, operator, issuer)}.pdf"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    content = invoice_pdf(invoice, operator, issuer)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for older in directory.glob(f"{invoice.id}-*.pdf"):
            older.unlink(missing_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, suffix=".tmp", delete=False) as spool:
            spool.write(content)
        os.replace(spool.name, path)
    except OSError:
        log.warning("could not keep the PDF of invoice %s in %s", invoice.id, directory, exc_info=True)
    return content

"""Helpers of the invoicing tests: supply points and invoices arranged directly in the database."""

from datetime import date, timedelta
from decimal import Decimal

from myportal.invoicing.models import Invoice, InvoiceLine
from myportal.invoicing.services import billed_figures, invoice_amounts
from tests.conftest import counting_queries  # noqa: F401 (the invoicing tests count queries)

# (description, quantity, unit, unit price, VAT rate): 100.00 + 150.00 taxable, 55.00 VAT, 305.00 total.
DEFAULT_LINES = (
    ("Energia fascia F1", "1000", "kWh", "0.100000", "22"),
    ("Quota potenza", "50", "kW", "3.000000", "22"),
)


def make_invoice(
    session,
    operator,
    number: str,
    issue: date,
    *,
    point=None,
    paid: bool = False,
    lines=DEFAULT_LINES,
    customer_code: str = "005007",
    period_start: date | None = None,
) -> Invoice:
    """An invoice with ``lines`` (amounts = quantity × price) and totals computed as the import does."""
    period_start = period_start or (issue.replace(day=1) - timedelta(days=1)).replace(day=1)
    period_end = (period_start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    rows = []
    for position, (description, quantity, unit, price, rate) in enumerate(lines, start=1):
        quantity, price, rate = Decimal(quantity), Decimal(price), Decimal(rate)
        rows.append(
            InvoiceLine(
                position=position,
                description=description,
                quantity=quantity,
                unit=unit,
                unit_price=price,
                amount=(quantity * price).quantize(Decimal("0.01")),
                vat_rate=rate,
            )
        )
    amounts = invoice_amounts((line.amount, line.vat_rate) for line in rows)
    consumption, power = billed_figures((line.quantity, line.unit, line.description) for line in rows)
    invoice = Invoice(
        operator_id=getattr(operator, "id", operator),
        supply_point_id=point.id if point else None,
        number=number,
        issue_date=issue,
        customer_code=customer_code,
        period_start=period_start,
        period_end=period_end,
        consumption_kwh=consumption,
        max_power_kw=power,
        taxable_amount=amounts.taxable,
        vat_amount=amounts.vat,
        total_amount=amounts.total,
        due_date=issue + timedelta(days=30),
        paid=paid,
        lines=rows,
    )
    session.add(invoice)
    session.flush()
    return invoice

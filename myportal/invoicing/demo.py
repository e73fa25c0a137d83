"""Demo invoices: one a month since 2014 for every supply point of the given operators.

Idempotent (invoice numbers that exist are skipped) and fast (bulk inserts). Amounts follow the contracted
power of the supply point, the season and a price per year; the last invoice of every supply point (and the
one before it, for an operator's first supply point) is unpaid.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import insert, select

from .. import dates
from ..contracts.models import SupplyPoint
from ..extensions import db
from ..operators.models import Operator
from .models import Invoice, InvoiceLine
from .services import billed_figures, invoice_amounts, money

FIRST_PERIOD = date(2014, 1, 1)
ISSUE_DAY = 16
PAYMENT_DAYS = 30
DEFAULT_POWER_KW = Decimal("30")
# Average energy price of the year (EUR/kWh), before the band factors.
ENERGY_PRICES = {
    2014: "0.078",
    2015: "0.072",
    2016: "0.061",
    2017: "0.066",
    2018: "0.077",
    2019: "0.071",
    2020: "0.055",
    2021: "0.124",
    2022: "0.285",
    2023: "0.148",
    2024: "0.118",
    2025: "0.121",
}
BANDS = (("F1", Decimal("1.15"), 0.46), ("F2", Decimal("1.04"), 0.24), ("F3", Decimal("0.84"), 0.30))
POWER_PRICE = Decimal("2.874100")  # EUR per kW per month
CHARGES_PRICE = Decimal("0.047300")  # system charges and excise, EUR/kWh
_CHUNK = 500


def demo_customer_code(operator: Operator) -> str:
    """The operator's customer code, or a six-digit code derived from its id (kept only on the invoices)."""
    return operator.customer_code or f"{900000 + operator.id % 100000:06d}"


def _periods(today: date) -> list[date]:
    """First days of the billed months whose invoice (issued on the 16th of the next month) is out."""
    months, month = [], FIRST_PERIOD
    while True:
        following = dates.add_months(month, 1)
        if following.replace(day=ISSUE_DAY) > today:
            return months
        months.append(month)
        month = following


def _lines(rng: random.Random, period: date, power_kw: Decimal, vat_rate: Decimal) -> list[dict]:
    season = 1 + 0.18 * math.cos((period.month - 1.5) / 12 * 2 * math.pi) + 0.08 * (period.month in (7, 8))
    energy = float(power_kw) * 720 * rng.uniform(0.22, 0.38) * season
    base = Decimal(ENERGY_PRICES.get(period.year, ENERGY_PRICES[max(ENERGY_PRICES)]))
    lines, total_kwh = [], Decimal(0)
    for band, factor, share in BANDS:
        quantity = Decimal(round(energy * share * rng.uniform(0.93, 1.07)))
        total_kwh += quantity
        price = (base * factor * Decimal(str(round(rng.uniform(0.97, 1.03), 4)))).quantize(Decimal("0.000001"))
        lines.append(("Energia fascia " + band, quantity, "kWh", price))
    billed_power = (power_kw * Decimal(str(round(rng.uniform(0.62, 0.95), 3)))).quantize(Decimal("0.01"))
    lines.append(("Quota potenza", billed_power, "kW", POWER_PRICE))
    lines.append(("Oneri di sistema e accise", total_kwh, "kWh", CHARGES_PRICE))
    return [
        {
            "position": position,
            "description": description,
            "quantity": quantity,
            "unit": unit,
            "unit_price": price,
            "amount": money(quantity * price),
            "vat_rate": vat_rate,
        }
        for position, (description, quantity, unit, price) in enumerate(lines, start=1)
    ]


def _plans(operators: list[Operator]) -> list[tuple[Operator, SupplyPoint | None, int]]:
    points = defaultdict(list)
    for point in db.session.scalars(
        select(SupplyPoint).where(SupplyPoint.operator_id.in_([op.id for op in operators])).order_by(SupplyPoint.pod)
    ):
        points[point.operator_id].append(point)
    plans = []
    for operator in operators:
        plans += [(operator, point, index) for index, point in enumerate(points[operator.id])] or [(operator, None, 0)]
    return plans


def _existing_numbers(numbers: list[str]) -> set[str]:
    found = set()
    for start in range(0, len(numbers), _CHUNK):
        found.update(
            db.session.scalars(select(Invoice.number).where(Invoice.number.in_(numbers[start : start + _CHUNK])))
        )
    return found


def load_demo(operators: Iterable[Operator], today: date | None = None) -> int:
    """Create the missing demo invoices of ``operators``; returns how many. The caller commits."""
    operators = [operator for operator in operators if operator is not None]
    if not operators:
        return 0
    today = today or dates.today()
    periods = _periods(today)
    invoices, lines_by_number = [], {}
    for operator, point, index in _plans(operators):
        power = point.contracted_power_kw if point is not None else DEFAULT_POWER_KW
        vat_rate = Decimal("10.00") if operator.kind == "fisica" else Decimal("22.00")
        unpaid_from = len(periods) - (2 if index == 0 else 1)
        for position, period in enumerate(periods):
            issue = dates.add_months(period, 1).replace(day=ISSUE_DAY)
            number = f"{issue.year}/{operator.id:03d}{index * 12 + period.month:03d}"
            rng = random.Random(f"{operator.id}-{point.id if point else 0}-{period.isoformat()}")
            lines = _lines(rng, period, power, vat_rate)
            amounts = invoice_amounts((line["amount"], line["vat_rate"]) for line in lines)
            consumption, max_power = billed_figures(
                (line["quantity"], line["unit"], line["description"]) for line in lines
            )
            due = issue + timedelta(days=PAYMENT_DAYS)
            paid = position < unpaid_from
            invoices.append(
                {
                    "number": number,
                    "operator_id": operator.id,
                    "supply_point_id": point.id if point else None,
                    "issue_date": issue,
                    "customer_code": demo_customer_code(operator),
                    "period_start": period,
                    "period_end": issue.replace(day=1) - timedelta(days=1),
                    "consumption_kwh": consumption,
                    "max_power_kw": max_power,
                    "taxable_amount": amounts.taxable,
                    "vat_amount": amounts.vat,
                    "total_amount": amounts.total,
                    "due_date": due,
                    "paid": paid,
                    "paid_at": datetime.combine(due - timedelta(days=rng.randint(0, 12)), time(9), UTC)
                    if paid
                    else None,
                }
            )
            lines_by_number[number] = lines
    existing = _existing_numbers(list(lines_by_number))
    invoices = [invoice for invoice in invoices if invoice["number"] not in existing]
    if not invoices:
        return 0
    created = db.session.execute(
        insert(Invoice).returning(Invoice.id, Invoice.number, sort_by_parameter_order=True), invoices
    ).all()
    db.session.execute(
        insert(InvoiceLine),
        [{"invoice_id": invoice_id, **line} for invoice_id, number in created for line in lines_by_number[number]],
    )
    return len(created)

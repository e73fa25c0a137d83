"""Demo invoices: monthly since 2014 for every supply point, idempotent, believable, the last ones unpaid."""

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from myportal.invoicing.demo import load_demo
from myportal.invoicing.models import Invoice, InvoiceLine
from myportal.invoicing.services import unpaid_summary
from myportal.operators.models import Operator
from tests.conftest import make_supply_point

TODAY = date(2025, 3, 1)
MONTHS = 11 * 12 + 1  # January 2014 to January 2025 (issued on 16 February)


def test_demo_invoices(dbs, make_operator, make_user, client, login_as):
    with_points = make_operator(customer_code="004512")
    without = make_operator()
    with dbs.session() as session:
        make_supply_point(session, with_points.id, pod="IT001E00000201", contracted_power_kw=Decimal("250"))
        make_supply_point(session, with_points.id, pod="IT001E00000202", contracted_power_kw=Decimal("15"))
        operators = [session.get(Operator, with_points.id), session.get(Operator, without.id)]
        assert load_demo(operators, today=TODAY) == 3 * MONTHS
    with dbs.session() as session:
        assert load_demo([session.get(Operator, with_points.id)], today=TODAY) == 0  # idempotent

    assert dbs.count(Invoice, Invoice.operator_id == with_points.id) == 2 * MONTHS
    assert dbs.count(Invoice, Invoice.operator_id == without.id, Invoice.supply_point_id.is_(None)) == MONTHS
    codes = set(dbs.scalars(select(Invoice.customer_code).where(Invoice.operator_id == without.id)))
    assert len(codes) == 1 and len(codes.pop()) == 6
    assert set(dbs.scalars(select(Invoice.customer_code).where(Invoice.operator_id == with_points.id))) == {"004512"}
    first = dbs.scalar(select(func.min(Invoice.period_start)))
    assert first == date(2014, 1, 1)
    assert dbs.count(InvoiceLine) == 5 * 3 * MONTHS
    for invoice in dbs.scalars(select(Invoice).where(Invoice.operator_id == with_points.id)):
        assert invoice.total_amount == invoice.taxable_amount + invoice.vat_amount
        assert invoice.total_amount > 0 and invoice.consumption_kwh > 0 and invoice.max_power_kw > 0
        assert invoice.period_end < invoice.issue_date < invoice.due_date

    with dbs.app.app_context():
        summary = unpaid_summary(with_points.id)
    assert summary.count == 3
    assert summary.next_due_date == date(2025, 2, 15)  # December 2024: issued 16/01/2025, 30 days

    user = make_user(operator=with_points)
    login_as(user)
    html = client.get("/fatture?supply_point=all&state=unpaid").get_data(as_text=True)
    assert f"2025/{with_points.id:03d}001" in html  # January 2025 of the first supply point
    assert client.get("/prelievi-fatturati?year=2014&view=table").status_code == 200

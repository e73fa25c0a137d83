"""The pages the benchmark loads run the same number of SQL statements with little and with more data."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import insert

from myportal.contracts.models import Measurement, SupplyPoint
from myportal.extensions import db
from myportal.invoicing.models import Invoice, InvoiceLine
from tests.conftest import counting_queries, make_vat


def _add_data(
    dbs,
    operator_id: int,
    *,
    points: int,
    invoices: int,
    days: int,
    start: int,
    measured: int | None = None,
    days_back: int = 0,
) -> int:
    """Supply points, invoices with lines, and ``days`` of quarter-hours ending ``days_back`` days ago for
    the point ``measured`` (default: the first new one); that point's id."""
    today = date.today()
    with dbs.session() as session:
        created = []
        for number in range(points):
            point = SupplyPoint(
                operator_id=operator_id,
                pod=f"IT001E{start + number:09d}",
                address="Via Prova 1",
                postal_code="00100",
                city="Roma",
                province="RM",
                contracted_power_kw=Decimal("30"),
                available_power_kw=Decimal("30"),
                meter_serial=f"M{start + number}",
            )
            session.add(point)
            created.append(point)
        session.flush()
        for number in range(invoices):
            issue = today - timedelta(days=30 * number + 5)
            session.add(
                Invoice(
                    operator_id=operator_id,
                    supply_point_id=created[number % points].id,
                    number=f"Q{start + number:09d}",
                    issue_date=issue,
                    customer_code="000001",
                    period_start=issue - timedelta(days=30),
                    period_end=issue - timedelta(days=1),
                    consumption_kwh=Decimal("100"),
                    taxable_amount=Decimal("10.00"),
                    vat_amount=Decimal("2.20"),
                    total_amount=Decimal("12.20"),
                    due_date=issue + timedelta(days=30),
                    lines=[
                        InvoiceLine(
                            position=1,
                            description="Energia",
                            quantity=Decimal("100"),
                            unit="kWh",
                            unit_price=Decimal("0.1"),
                            amount=Decimal("10.00"),
                            vat_rate=Decimal("22"),
                        )
                    ],
                )
            )
        measured = measured or created[0].id
        first = datetime.combine(today - timedelta(days=days + days_back), time(), UTC)
        session.execute(
            insert(Measurement),
            [
                {
                    "supply_point_id": measured,
                    "operator_id": operator_id,
                    "start": first + timedelta(minutes=15 * i),
                    "active_energy_kwh": Decimal("1.5"),
                    "reactive_energy_kvarh": Decimal("0.2"),
                    "power_kw": Decimal("6"),
                }
                for i in range(days * 96)
            ],
        )
        return measured


@pytest.fixture
def no_mfa_for_staff(app, monkeypatch):
    monkeypatch.setitem(app.config, "MFA_REQUIRED_ROLES", ())


def _statements(app, client, path: str) -> int:
    client.get(path)  # first request of the session: lazy loads and caches out of the way
    with counting_queries(app) as statements:
        response = client.get(path)
        response.close()
    assert response.status_code == 200, path
    return len(statements)


@pytest.mark.parametrize("path", ["/", "/fatture", "/misure", "/fatture?page=2"])
def test_operator_pages_run_a_constant_number_of_statements(app, client, dbs, make_user, login_as, path):
    user = make_user(role="operator_admin")
    point = _add_data(dbs, user.operator_id, points=2, invoices=30, days=7, start=1000)
    login_as(user)
    few = _statements(app, client, path)
    _add_data(dbs, user.operator_id, points=8, invoices=120, days=60, start=5000, measured=point, days_back=8)
    many = _statements(app, client, path)
    assert many == few, f"{path}: {few} statements with little data, {many} with more"


def test_invoice_pdf_runs_a_constant_number_of_statements(app, client, dbs, make_user, login_as):
    user = make_user(role="operator_admin")
    _add_data(dbs, user.operator_id, points=1, invoices=3, days=1, start=9000)
    login_as(user)
    invoice_id = dbs.scalar(db.select(Invoice.id).where(Invoice.operator_id == user.operator_id).limit(1))
    few = _statements(app, client, f"/fatture/{invoice_id}/pdf")
    _add_data(dbs, user.operator_id, points=5, invoices=100, days=30, start=9100)
    many = _statements(app, client, f"/fatture/{invoice_id}/pdf")
    assert many == few


def test_support_look_up_runs_a_constant_number_of_statements(
    app, client, make_operator, make_user, login_as, no_mfa_for_staff
):
    operator = make_operator(vat_number=make_vat(777_001))
    login_as(make_user(role="support"))
    path = f"/assistenza/?q={operator.vat_number}"
    few = _statements(app, client, path)
    for number in range(30):
        make_user(operator=make_operator(vat_number=make_vat(778_000 + number)))
    many = _statements(app, client, path)
    assert many == few

"""Helpers of the contracts tests: supply points, contracts, measurements and a SQL statement counter."""

import itertools
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import insert

from myportal import dates
from myportal.contracts.models import Contract, Measurement, MeterReading
from myportal.dates import local_midnight

_numbers = itertools.count(1)


def add_contract(dbs, operator, point=None, **fields) -> Contract:
    number = next(_numbers)
    values = {
        "operator_id": operator.id,
        "supply_point_id": point.id if point else None,
        "number": f"CTR-{number:06d}",
        "contract_type": "fornitura",
        "status": "attivo",
        "start_date": date(2022, 1, 1) + timedelta(days=number % 300),
        "offer_name": "Luce Impresa",
        "price_f1_eur_kwh": Decimal("0.123456"),
    }
    values.update(fields)
    with dbs.session() as session:
        contract = Contract(**values)
        session.add(contract)
    return contract


def add_contracts(dbs, operator, point, count: int) -> None:
    for _ in range(count):
        add_contract(dbs, operator, point)


def add_measurements(dbs, point, first: date, days: int, active: str = "1.25") -> int:
    """Quarter hours of ``days`` Italian days from ``first``, each of ``active`` kWh; returns how many."""
    rows = []
    moment, end = local_midnight(first), local_midnight(first + timedelta(days=days))
    while moment < end:
        rows.append(
            {
                "supply_point_id": point.id,
                "operator_id": point.operator_id,
                "start": moment,
                "active_energy_kwh": Decimal(active),
                "reactive_energy_kvarh": Decimal("0.4"),
                "power_kw": Decimal(active) * 4,
            }
        )
        moment += timedelta(minutes=15)
    with dbs.session() as session:
        session.execute(insert(Measurement), rows)
    return len(rows)


def add_reading(dbs, point, reading_date: date, f1, f2, f3, source="distributore", power=None) -> MeterReading:
    with dbs.session() as session:
        reading = MeterReading(
            supply_point_id=point.id,
            operator_id=point.operator_id,
            reading_date=reading_date,
            f1_kwh=Decimal(str(f1)),
            f2_kwh=Decimal(str(f2)),
            f3_kwh=Decimal(str(f3)),
            power_kw=Decimal(str(power)) if power is not None else None,
            source=source,
        )
        session.add(reading)
    return reading


def days_ago(days: int) -> date:
    return dates.today() - timedelta(days=days)

"""The demo supply points: believable, idempotent, and usable through the pages."""

import re
from datetime import date, datetime

from sqlalchemy import func, select

from myportal import dates
from myportal.contracts.demo import band, easter, is_holiday, load_demo
from myportal.contracts.models import Contract, Measurement, MeterReading, SupplyPoint
from myportal.dates import ROME
from tests.conftest import submit


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=ROME)


def test_time_bands_and_holidays():
    assert easter(2025) == date(2025, 4, 20) and easter(2026) == date(2026, 4, 5)
    assert is_holiday(date(2025, 4, 21)) and is_holiday(date(2025, 12, 25))
    assert not is_holiday(date(2025, 4, 22))
    monday = date(2025, 3, 3)
    assert band(at(monday, 10), False) == 1
    assert band(at(monday, 7), False) == 2 and band(at(monday, 20), False) == 2
    assert band(at(monday, 23), False) == 3 and band(at(monday, 3), False) == 3
    assert band(at(date(2025, 3, 8), 10), False) == 2  # Saturday
    assert band(at(date(2025, 3, 9), 10), False) == 3  # Sunday
    assert band(at(monday, 10), True) == 3  # holiday


def test_demo_data_is_believable_and_idempotent(app, client, dbs, make_operator, make_user, login_as):
    operator = make_operator()
    with dbs.session():
        created = load_demo([operator])
    assert len(created) == 2
    points = dbs.scalars(select(SupplyPoint).where(SupplyPoint.operator_id == operator.id))
    assert all(re.fullmatch(r"IT\d{3}E\d{8}", point.pod) for point in points)
    assert {point.remotely_read for point in points} == {True, False}
    assert any(point.needs_power_reading for point in points)
    for point in points:
        count = dbs.count(Measurement, Measurement.supply_point_id == point.id)
        assert 364 * 96 <= count <= 366 * 96
        peak = dbs.scalar(select(func.max(Measurement.power_kw)).where(Measurement.supply_point_id == point.id))
        assert 0 < peak <= point.available_power_kw
    manual = next(point for point in points if not point.remotely_read)
    remote = next(point for point in points if point.remotely_read)
    assert dbs.count(MeterReading, MeterReading.supply_point_id == manual.id) >= 6
    assert dbs.count(MeterReading, MeterReading.supply_point_id == remote.id) == 0
    types = set(dbs.scalars(select(Contract.contract_type).where(Contract.operator_id == operator.id)))
    assert {"fornitura", "connessione", "dispacciamento", "trasmissione"} <= types

    before = dbs.count(Measurement), dbs.count(Contract), dbs.count(MeterReading)
    with dbs.session():
        assert load_demo([operator]) == []
    assert (dbs.count(Measurement), dbs.count(Contract), dbs.count(MeterReading)) == before

    # The demo data works through the pages: measurements of the last days, a plausible self-reading.
    login_as(make_user(operator=operator))
    submit(client, "/punto-fornitura", {"supply_point_id": manual.id}, page="/autolettura")
    assert "intervalli di 15 minuti" in client.get("/misure").get_data(as_text=True)
    last = dbs.scalar(
        select(MeterReading)
        .where(MeterReading.supply_point_id == manual.id)
        .order_by(MeterReading.reading_date.desc())
        .limit(1)
    )
    response = submit(
        client,
        "/autolettura",
        {
            "reading_date": dates.today().isoformat(),
            "f1_kwh": str(last.f1_kwh + 10),
            "f2_kwh": str(last.f2_kwh + 5),
            "f3_kwh": str(last.f3_kwh + 8),
            "power_kw": "21,5",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)

"""Helpers of the GSTAT tests: plants and reports written straight to the database, months relative to today."""

from datetime import UTC, datetime
from decimal import Decimal

from myportal import dates
from myportal.dates import previous_month
from myportal.gstat.calendar import last_ended_month
from myportal.gstat.models import MonthlyReport, Plant
from tests.conftest import counting_queries  # noqa: F401 (re-exported)

_codes = iter(range(1, 1_000_000))


def add_plant(dbs, operator, *, code=None, source="solar", capacity="10", name=None) -> Plant:
    number = next(_codes)
    code = code or f"UP_TEST{number:05d}_1"
    with dbs.session() as session:
        plant = Plant(
            operator_id=operator.id,
            gaudi_code=code,
            name=name or f"Impianto {number}",
            source=source,
            capacity_mw=Decimal(capacity),
        )
        session.add(plant)
    return plant


def add_report(
    dbs,
    plant,
    year,
    month,
    *,
    state="inviato",
    revision=1,
    current=True,
    gross="100",
    net="95",
    submitted_at=None,
    **values,
) -> MonthlyReport:
    if state == "inviato" and submitted_at is None:
        submitted_at = datetime.now(UTC)
    with dbs.session() as session:
        report = MonthlyReport(
            plant_id=plant.id,
            operator_id=plant.operator_id,
            year=year,
            month=month,
            revision=revision,
            state=state,
            is_current=current,
            gross_production_mwh=Decimal(gross),
            net_production_mwh=Decimal(net),
            auxiliary_consumption_mwh=Decimal(values.pop("aux", "1")),
            pumping_consumption_mwh=Decimal(values.pop("pumping", "0")),
            submitted_at=submitted_at,
            **values,
        )
        session.add(report)
    return report


def last_month() -> tuple[int, int]:
    return last_ended_month()


def months_ago(count: int) -> tuple[int, int]:
    year, month = last_ended_month()
    for _ in range(count - 1):
        year, month = previous_month(year, month)
    return year, month


def this_month() -> tuple[int, int]:
    today = dates.today()
    return today.year, today.month

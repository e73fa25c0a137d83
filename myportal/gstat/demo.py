"""Demo GSTAT data: plants of two demo operators with two years of monthly reports.

Most months were submitted on time; a few late, one corrected after submission (two revisions), and for the
last ended month one draft and some reports still to send. Idempotent: plants are looked up by GAUDÌ code and
a plant that has reports already gets none.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert, select

from ..dates import ROME, next_month, previous_month
from ..extensions import db
from ..models import utcnow
from ..operators.models import User
from .calendar import deadline, last_ended_month, month_hours
from .models import MonthlyReport, Plant
from .validation import THOUSANDTH

MONTHS_OF_HISTORY = 24
# (which operator: 0 the first with users, 1 the second; GAUDÌ code, name, source, capacity in MW)
PLANTS = (
    (0, "UP_FGPV0001_1", "Fotovoltaico Foggia 1", "solar", "48.600"),
    (0, "UP_LEEOL001_1", "Parco eolico Lecce 1", "wind", "66.000"),
    (0, "UP_BRCCGT01_2", "Centrale a ciclo combinato Brindisi", "thermal", "380.000"),
    (0, "UP_BABESS01_1", "Sistema di accumulo Bari Sud", "storage", "20.000"),
    (1, "UP_MNIDRO01_2", "Centrale idroelettrica Mincio", "hydro", "12.400"),
    (1, "UP_GRGEO001_1", "Centrale geotermica Amiata", "geothermal", "20.000"),
)
# Monthly capacity factors, January to December.
CAPACITY_FACTORS = {
    "solar": (0.07, 0.09, 0.13, 0.16, 0.19, 0.21, 0.22, 0.20, 0.16, 0.12, 0.08, 0.06),
    "wind": (0.30, 0.28, 0.27, 0.24, 0.20, 0.17, 0.16, 0.17, 0.20, 0.25, 0.29, 0.31),
    "thermal": (0.62, 0.58, 0.50, 0.42, 0.40, 0.48, 0.60, 0.55, 0.47, 0.45, 0.52, 0.60),
    "storage": (0.07, 0.07, 0.08, 0.09, 0.10, 0.11, 0.12, 0.12, 0.10, 0.08, 0.07, 0.07),
    "hydro": (0.30, 0.30, 0.40, 0.55, 0.65, 0.60, 0.45, 0.35, 0.30, 0.32, 0.35, 0.32),
    "geothermal": (0.86, 0.86, 0.85, 0.85, 0.84, 0.83, 0.82, 0.82, 0.84, 0.85, 0.86, 0.86),
}
AUXILIARY_SHARE = {"solar": 0.01, "wind": 0.015, "thermal": 0.035, "storage": 0.02, "hydro": 0.01, "geothermal": 0.06}
GAS_SM3_PER_MWH = 182  # a combined-cycle plant at about 55% efficiency
STORAGE_EFFICIENCY = 0.86  # energy out / energy in
LATE = {("UP_LEEOL001_1", 5), ("UP_MNIDRO01_2", 9), ("UP_BRCCGT01_2", 14)}  # (plant, months ago)
CORRECTED = ("UP_BRCCGT01_2", 3)


def _mwh(value: float) -> Decimal:
    return Decimal(str(value)).quantize(THOUSANDTH)


def _figures(plant: Plant, year: int, month: int, rng: random.Random) -> dict:
    factor = CAPACITY_FACTORS[plant.source][month - 1] * rng.uniform(0.85, 1.12)
    gross = float(plant.capacity_mw) * month_hours(year, month) * min(factor, 0.95)
    auxiliary = gross * AUXILIARY_SHARE[plant.source] * rng.uniform(0.9, 1.1)
    values = {
        "gross_production_mwh": _mwh(gross),
        "net_production_mwh": _mwh(gross - auxiliary),
        "auxiliary_consumption_mwh": _mwh(auxiliary),
        "pumping_consumption_mwh": _mwh(gross / STORAGE_EFFICIENCY if plant.source == "storage" else 0),
        "fuel_type": None,
        "fuel_quantity": None,
    }
    if plant.source == "thermal":
        values["fuel_type"] = "Sm3"
        values["fuel_quantity"] = _mwh(gross * GAS_SM3_PER_MWH * rng.uniform(0.97, 1.03))
    return values


def _submitted_at(year: int, month: int, day: int, now: datetime) -> datetime:
    moment = datetime(*next_month(year, month), day, 10, 30, tzinfo=ROME)
    return min(moment.astimezone(UTC), now - timedelta(hours=1))


def _reports(plant: Plant, user_id: int | None, now: datetime) -> list[dict]:
    rng = random.Random(plant.gaudi_code)
    rows = []
    year, month = last_ended_month()
    for ago in range(1, MONTHS_OF_HISTORY + 1):
        values = _figures(plant, year, month, rng)
        common = {
            "plant_id": plant.id,
            "operator_id": plant.operator_id,
            "year": year,
            "month": month,
            "created_at": now,
            "updated_at": now,
        }
        if ago == 1 and plant.source in ("thermal", "storage", "hydro"):
            pass  # still to send
        elif ago == 1 and plant.source == "wind":
            rows.append(
                {
                    **common,
                    **values,
                    "revision": 1,
                    "state": "bozza",
                    "is_current": True,
                    "submitted_at": None,
                    "submitted_by_id": None,
                }
            )
        else:
            day = deadline(year, month).day + 5 if (plant.gaudi_code, ago) in LATE else rng.randint(3, 12)
            if ago == 1:
                day = min(day, 3)
            sent = {
                "state": "inviato",
                "submitted_at": _submitted_at(year, month, day, now),
                "submitted_by_id": user_id,
            }
            if (plant.gaudi_code, ago) == CORRECTED:
                rows.append({**common, **values, **sent, "revision": 1, "is_current": False})
                values = {
                    **values,
                    "net_production_mwh": values["net_production_mwh"] - Decimal("120.500"),
                    "auxiliary_consumption_mwh": values["auxiliary_consumption_mwh"] + Decimal("120.500"),
                }
                sent = {**sent, "submitted_at": sent["submitted_at"] + timedelta(days=9)}
                rows.append({**common, **values, **sent, "revision": 2, "is_current": True})
            else:
                rows.append({**common, **values, **sent, "revision": 1, "is_current": True})
        year, month = previous_month(year, month)
    return rows


def _with_users_first(operators) -> list:
    """The operators that have users (who can then see the plants), in their order, then the others."""
    staffed = set(
        db.session.scalars(
            select(User.operator_id).where(User.operator_id.in_([operator.id for operator in operators])).distinct()
        )
    )
    return [op for op in operators if op.id in staffed] + [op for op in operators if op.id not in staffed]


def load_demo(operators) -> None:
    """Add the demo plants (and their reports) that are missing; plants are looked up by GAUDÌ code."""
    now = utcnow()
    rows = []
    operators = _with_users_first(operators)
    for index, code, name, source, capacity in PLANTS:
        if index >= len(operators):
            continue
        operator = operators[index]
        plant = db.session.scalar(select(Plant).where(Plant.gaudi_code == code))
        if plant is None:
            plant = Plant(
                operator_id=operator.id, gaudi_code=code, name=name, source=source, capacity_mw=Decimal(capacity)
            )
            db.session.add(plant)
            db.session.flush()
        if db.session.scalar(select(MonthlyReport.id).where(MonthlyReport.plant_id == plant.id).limit(1)):
            continue
        user_id = db.session.scalar(
            select(User.id).where(User.operator_id == plant.operator_id).order_by(User.id).limit(1)
        )
        rows.extend(_reports(plant, user_id, now))
    if rows:
        db.session.execute(insert(MonthlyReport), rows)

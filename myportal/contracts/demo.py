"""Demo supply points, contracts, a year of 15-minute measurements and meter readings for given operators.

``load_demo(operators)`` is idempotent: a supply point whose POD exists already is skipped with everything
that belongs to it. Values are deterministic (seeded by the POD), so two runs on two databases agree.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert, select

from .. import dates
from ..dates import QUARTER, ROME, local_midnight
from ..extensions import db
from ..operators.models import Operator
from .models import VOLTAGE_LEVELS, Contract, Measurement, MeterReading, SupplyPoint

CHUNK = 5000
DAYS = 365


@dataclass(frozen=True)
class Site:
    """What a demo supply point looks like; ``profile`` shapes its load, ``load`` is its typical peak (kW)."""

    distributor_code: str
    distributor: str
    address: str
    postal_code: str
    city: str
    province: str
    voltage_level: str
    voltage_v: int
    phases: int
    contracted_kw: int
    available_kw: int
    remotely_read: bool
    use_type: str
    profile: str
    load: float


# What a supply point takes from its site as it is: the site's fields that are columns of a supply point.
POINT_FIELDS = tuple(field.name for field in fields(Site) if field.name in SupplyPoint.__table__.c)
UNARETI = ("012", "Unareti S.p.A.")
E_DISTRIBUZIONE = ("001", "e-distribuzione S.p.A.")
IRETI = ("020", "Ireti S.p.A.")


def _site(
    distributor, address, postal_code, city, province, voltage, power, remote, profile, load, use_type="Altri usi"
) -> Site:
    """``voltage`` is (level, volts, phases); ``power`` is (contracted, available) in kW."""
    return Site(*distributor, address, postal_code, city, province, *voltage, *power, remote, use_type, profile, load)


BT_MONO, BT_TRI = ("BT", 230, 1), ("BT", 400, 3)
# One list of sites per operator, in the order the operators are given (then again from the start).
SITE_SETS: tuple[tuple[Site, ...], ...] = (
    (
        _site(
            UNARETI, "Via Tortona 31", "20144", "Milano", "MI", ("MT", 15000, 3), (400, 440), True, "industriale", 330.0
        ),
        _site(UNARETI, "Corso Buenos Aires 54", "20124", "Milano", "MI", BT_TRI, (30, 33), False, "ufficio", 22.0),
    ),
    (
        _site(
            E_DISTRIBUZIONE,
            "Strada Cipata 15",
            "46100",
            "Mantova",
            "MN",
            ("MT", 20000, 3),
            (800, 880),
            True,
            "industriale",
            640.0,
        ),
        _site(
            E_DISTRIBUZIONE, "Via Principe Amedeo 30", "46100", "Mantova", "MN", BT_TRI, (50, 55), True, "ufficio", 38.0
        ),
        _site(
            E_DISTRIBUZIONE, "Via Guido Rossa 12", "46029", "Suzzara", "MN", BT_MONO, (6, 6), False, "commerciale", 4.5
        ),
    ),
    (
        _site(
            IRETI,
            "Via Nizza 88",
            "10126",
            "Torino",
            "TO",
            BT_MONO,
            (3, 3),
            False,
            "domestico",
            1.0,
            use_type="Domestico residente",
        ),
    ),
    (
        _site(
            E_DISTRIBUZIONE,
            "Via Giovanni Amendola 172",
            "70126",
            "Bari",
            "BA",
            BT_TRI,
            (25, 27),
            False,
            "ufficio",
            18.0,
        ),
        _site(
            E_DISTRIBUZIONE,
            "Via dei Gladioli 4, Zona Industriale",
            "70026",
            "Modugno",
            "BA",
            ("AT", 132000, 3),
            (5000, 5500),
            True,
            "industriale",
            4100.0,
        ),
    ),
)

# Share of the peak load by hour of the day (0-23) for working days, Saturdays, Sundays and holidays.
PROFILES = {
    "industriale": (
        [0.35] * 6 + [0.75, 0.95] + [1.0] * 10 + [0.95, 0.9, 0.85, 0.8, 0.5, 0.4],
        [0.3] * 6 + [0.6] * 2 + [0.7] * 6 + [0.4] * 10,
        [0.25] * 24,
    ),
    "ufficio": (
        [0.15] * 7 + [0.45, 0.85, 1.0, 1.0, 0.95, 0.8, 0.85, 0.95, 1.0, 0.95, 0.85, 0.6, 0.35] + [0.2] * 4,
        [0.15] * 8 + [0.3] * 5 + [0.15] * 11,
        [0.12] * 24,
    ),
    "commerciale": (
        [0.1] * 8 + [0.4, 0.85, 0.95, 1.0, 0.9, 0.6, 0.7, 0.95, 1.0, 1.0, 0.9, 0.8, 0.3] + [0.1] * 3,
        [0.1] * 8 + [0.5, 0.95, 1.0, 1.0, 1.0, 0.8, 0.8, 1.0, 1.0, 1.0, 0.95, 0.85, 0.3] + [0.1] * 3,
        [0.1] * 24,
    ),
    "domestico": (
        [0.12] * 6 + [0.35, 0.6, 0.4, 0.2, 0.2, 0.2, 0.45, 0.5, 0.25, 0.2, 0.25, 0.35, 0.55, 0.8, 1.0, 0.85, 0.5, 0.25],
        [0.12] * 7 + [0.45, 0.6, 0.5, 0.45, 0.5, 0.7, 0.6, 0.4, 0.35, 0.4, 0.45, 0.6, 0.85, 1.0, 0.8, 0.5, 0.25],
        [0.12] * 8 + [0.5, 0.65, 0.55, 0.55, 0.75, 0.8, 0.55, 0.45, 0.45, 0.5, 0.6, 0.9, 1.0, 0.8, 0.5, 0.25],
    ),
}
TAN_PHI = {"industriale": 0.42, "ufficio": 0.3, "commerciale": 0.35, "domestico": 0.2}
FIXED_HOLIDAYS = {(1, 1), (1, 6), (4, 25), (5, 1), (6, 2), (8, 15), (11, 1), (12, 8), (12, 25), (12, 26)}


def easter(year: int) -> date:
    """Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return date(year, month, day + 1)


def is_holiday(day: date) -> bool:
    """A national holiday (Easter Monday included): all day in band F3, like Sundays."""
    return (day.month, day.day) in FIXED_HOLIDAYS or day == easter(day.year) + timedelta(days=1)


def band(moment: datetime, holiday: bool) -> int:
    """The ARERA time band (1, 2, 3) of a local time: F1 weekdays 8-19; F2 weekdays 7-8 and 19-23 and
    Saturdays 7-23; F3 nights, Sundays and holidays."""
    weekday, hour = moment.weekday(), moment.hour
    if holiday or weekday == 6 or hour < 7 or hour >= 23:
        return 3
    if weekday < 5 and 8 <= hour < 19:
        return 1
    return 2


def demo_pod(operator: Operator, number: int, site: Site) -> str:
    """A POD like IT001E12345678, the same for the same operator on every run."""
    seed = zlib.crc32((operator.vat_number or operator.fiscal_code or str(operator.id)).encode())
    return f"IT{site.distributor_code}E{(seed % 9_000_000 + 1_000_000) * 10 + number:08d}"


def _season(day: date, profile: str) -> float:
    """More load in summer (air conditioning) and winter (light, heating auxiliaries), less in August for
    factories."""
    month = day.month
    factor = {
        1: 1.08,
        2: 1.05,
        3: 0.98,
        4: 0.93,
        5: 0.95,
        6: 1.05,
        7: 1.12,
        8: 1.08,
        9: 1.0,
        10: 0.95,
        11: 1.0,
        12: 1.05,
    }[month]
    if profile == "industriale" and month == 8 and 8 <= day.day <= 24:
        factor *= 0.45
    return factor


def _quarters(site: Site, pod: str, first: date, last: date, rng: random.Random) -> Iterator[tuple]:
    """(UTC start, local start, holiday, kWh, kvarh, kW) of each quarter hour of days ``first``-``last``."""
    working, saturday, sunday = PROFILES[site.profile]
    tan_phi = TAN_PHI[site.profile]
    day = first
    while day <= last:
        holiday = is_holiday(day)
        hours = sunday if holiday or day.weekday() == 6 else saturday if day.weekday() == 5 else working
        level = site.load * _season(day, site.profile) * rng.uniform(0.92, 1.06)
        moment, end = local_midnight(day), local_midnight(day + timedelta(days=1))
        while moment < end:
            local = moment.astimezone(ROME)
            power = min(level * hours[local.hour] * rng.uniform(0.9, 1.1), site.available_kw * 0.98)
            active = round(power / 4, 3)
            reactive = round(active * tan_phi * rng.uniform(0.85, 1.15), 3)
            peak = round(min(power * rng.uniform(1.0, 1.12), site.available_kw), 3)
            yield moment, local, holiday, active, reactive, peak
            moment += QUARTER
        day += timedelta(days=1)


def _add_measurements(
    point: SupplyPoint, site: Site, first: date, last: date, readings: set[date]
) -> tuple[Decimal, list[dict]]:
    """Insert the measurements of ``point`` in chunks; return the energy of the year and, for each date in
    ``readings``, the meter's band registers at the end of that day."""
    rng = random.Random(point.pod)
    registers = [
        0.0,
        float(rng.randint(8_000, 90_000)),
        float(rng.randint(4_000, 50_000)),
        float(rng.randint(6_000, 70_000)),
    ]
    total = 0.0
    max_power = 0.0
    snapshots, rows = [], []
    current_day = None
    for moment, local, holiday, active, reactive, peak in _quarters(site, point.pod, first, last, rng):
        if current_day is not None and local.date() != current_day and current_day in readings:
            snapshots.append(_snapshot(current_day, registers, max_power))
            max_power = 0.0
        current_day = local.date()
        registers[band(local, holiday)] += active
        total += active
        max_power = max(max_power, peak)
        rows.append(
            {
                "supply_point_id": point.id,
                "operator_id": point.operator_id,
                "start": moment,
                "active_energy_kwh": active,
                "reactive_energy_kvarh": reactive,
                "power_kw": peak,
            }
        )
        if len(rows) == CHUNK:
            db.session.execute(insert(Measurement), rows)
            rows = []
    if rows:
        db.session.execute(insert(Measurement), rows)
    if current_day in readings:
        snapshots.append(_snapshot(current_day, registers, max_power))
    return Decimal(str(round(total))), snapshots


def _snapshot(day: date, registers: list[float], max_power: float) -> dict:
    return {
        "reading_date": day,
        "f1_kwh": round(registers[1], 3),
        "f2_kwh": round(registers[2], 3),
        "f3_kwh": round(registers[3], 3),
        "power_kw": round(max_power, 3),
    }


def _reading_dates(first: date, last: date) -> dict[date, str]:
    """Distributor readings at the end of every other month, a self-reading in the months between."""
    readings = {}
    day = dates.first_of_month(first)
    while day <= last:
        end_of_month = dates.last_of_month(day)
        if first <= end_of_month <= last:
            readings[end_of_month] = "distributore" if day.month % 2 == 0 else "autolettura"
        day = end_of_month + dates.ONE_DAY
    return readings


def _contracts(operator: Operator, point: SupplyPoint, site: Site, annual: Decimal, today: date) -> list[Contract]:
    code = point.pod[-8:]
    since = point.active_since
    rng = random.Random(point.pod + "contracts")
    price = Decimal(rng.randint(105_000, 135_000)) / 1_000_000
    iban = f"IT{rng.randint(10, 99)}X0306909606********{rng.randint(1000, 9999)}"
    common = {"operator_id": operator.id, "supply_point_id": point.id}
    supply = dict(
        contract_type="fornitura",
        billing_frequency="Mensile" if site.contracted_kw > 16.5 else "Bimestrale",
        payment_method="Addebito SEPA Direct Debit",
        iban_masked=iban,
        market="Mercato libero",
        annual_consumption_kwh=annual,
        **common,
    )
    offer = "Luce Impresa Prezzo Fisso 24" if site.use_type == "Altri usi" else "Luce Casa Sicura"
    started = date(since.year - 3, 1, 1)
    connection = f"Connessione in {VOLTAGE_LEVELS[site.voltage_level].lower()}"
    network = {"market": "Servizio di rete", "payment_method": "Bonifico bancario", **common}

    def network_contract(prefix, year, kind, offer_name, billing_frequency="Mensile", **columns) -> Contract:
        """A contract of the grid services (connection, dispatching, transmission, interruptibility)."""
        columns = {"status": "attivo", "start_date": since, **columns}
        return Contract(
            number=f"{prefix}-{year}-{code}",
            contract_type=kind,
            offer_name=offer_name,
            billing_frequency=billing_frequency,
            **columns,
            **network,
        )

    contracts = [
        Contract(
            number=f"FOR-{since.year}-{code}",
            status="attivo",
            start_date=since,
            offer_name=offer,
            price_f1_eur_kwh=price,
            price_f2_eur_kwh=price - Decimal("0.0125"),
            price_f3_eur_kwh=price - Decimal("0.0241"),
            **supply,
        ),
        Contract(
            number=f"FOR-{since.year - 3}-{code}",
            status="cessato",
            start_date=started,
            end_date=since - timedelta(days=1),
            offer_name="Luce Impresa Indicizzata PUN",
            price_f1_eur_kwh=price - Decimal("0.018"),
            price_f2_eur_kwh=price - Decimal("0.029"),
            price_f3_eur_kwh=price - Decimal("0.037"),
            **supply,
        ),
        network_contract("CON", since.year - 3, "connessione", connection, "Annuale", start_date=started),
    ]
    if site.voltage_level in ("MT", "AT", "AAT"):
        contracts += [
            network_contract("DSP", since.year, "dispacciamento", "Dispacciamento in prelievo"),
            network_contract("TRA", since.year, "trasmissione", "Trasmissione e distribuzione"),
        ]
    if site.voltage_level in ("AT", "AAT"):
        contracts.append(
            network_contract(
                "INT",
                today.year,
                "interrompibilita",
                "Interrompibilità istantanea",
                status="in_attivazione",
                start_date=date(today.year + 1, 1, 1),
                end_date=date(today.year + 3, 12, 31),
            )
        )
    return contracts


def _add_point(operator: Operator, number: int, site: Site, today: date) -> SupplyPoint:
    pod = demo_pod(operator, number, site)
    rng = random.Random(pod)
    point = SupplyPoint(
        operator_id=operator.id,
        pod=pod,
        **{name: getattr(site, name) for name in POINT_FIELDS},
        contracted_power_kw=Decimal(site.contracted_kw),
        available_power_kw=Decimal(site.available_kw),
        meter_serial=f"{'EGX' if site.remotely_read else 'MEC'}{rng.randint(10**8, 10**9 - 1)}",
        meter_type="Elettronico orario telegestito" if site.remotely_read else "Elettronico multiorario",
        active_since=date(today.year - 2, 1 + rng.randint(0, 11), 1),
    )
    db.session.add(point)
    db.session.flush()
    first, last = today - timedelta(days=DAYS), today - timedelta(days=1)
    dates = {} if site.remotely_read else _reading_dates(first, last)
    annual, snapshots = _add_measurements(point, site, first, last, set(dates))
    for snapshot in snapshots:
        if not point.needs_power_reading:
            snapshot["power_kw"] = None
        db.session.add(
            MeterReading(
                supply_point_id=point.id, operator_id=operator.id, source=dates[snapshot["reading_date"]], **snapshot
            )
        )
    db.session.add_all(_contracts(operator, point, site, annual, today))
    return point


def load_demo(operators: list[Operator]) -> list[SupplyPoint]:
    """Give each operator its demo supply points (with contracts, measurements and readings) unless their
    PODs exist already; returns the supply points created. The caller commits."""
    today = dates.today()
    created = []
    for index, operator in enumerate(operators):
        for number, site in enumerate(SITE_SETS[index % len(SITE_SETS)], start=1):
            pod = demo_pod(operator, number, site)
            if db.session.scalar(select(SupplyPoint.id).where(SupplyPoint.pod == pod)) is not None:
                continue
            created.append(_add_point(operator, number, site, today))
    db.session.flush()
    return created

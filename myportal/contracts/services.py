"""Rules of supply points, contracts, measurements and meter self-readings."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import joinedload

from .. import dates
from ..dates import QUARTER, local_midnight, local_time
from ..errors import DomainError
from ..extensions import db
from ..formatting import local_number
from ..operators.models import User
from ..security.audit import audit
from .models import CONTRACT_STATES, Contract, Measurement, MeterReading, SupplyPoint

DEFAULT_PERIOD_DAYS = 7
MAX_PERIOD_DAYS = 366
# A declared power this many times the available power is taken for a typing error.
POWER_TOLERANCE = Decimal("1.5")


HOUR = timedelta(hours=1)


def offset_text(offset: timedelta) -> str:
    """A UTC offset as +01:00."""
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(offset) // timedelta(minutes=1)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


DAY_QUARTERS = tuple(QUARTER * number for number in range(96))
HOUR_QUARTERS = DAY_QUARTERS[:4]


def _local_quarter(start: datetime) -> tuple[datetime, datetime, str]:
    begin, end = local_time(start), local_time(start + QUARTER)
    return begin.replace(tzinfo=None), end.replace(tzinfo=None), offset_text(begin.utcoffset())


def _steady_quarters(first: datetime, steps, quarters: dict) -> None:
    """Quarters from ``first`` (UTC) over a span in which the UTC offset does not change: the wall clock moves
    with UTC."""
    local = local_time(first)
    wall, text = local.replace(tzinfo=None), offset_text(local.utcoffset())
    for step in steps:
        begin = wall + step
        quarters[first + step] = (begin, begin + QUARTER, text)


def local_quarters(start: datetime) -> dict[datetime, tuple[datetime, datetime, str]]:
    """Italian time of the quarter hours of the UTC day that holds ``start``, keyed by UTC start as given
    (naive on SQLite): wall-clock begin and end (naive) and the UTC offset of the begin as text (+01:00).

    Exports look their rows up here, so the time zone is worked out about once per day, not twice per row.
    Where the offset is the same at both ends of the day the wall clock moves with UTC; on the two days of a
    change each hour is checked the same way, and the quarters of the hour that ends at the change are
    converted one by one, which keeps the repeated autumn hour and the skipped spring hour right. A start
    off the quarter (never stored: imports refuse it) gets its own answer only.
    """
    if start.minute % 15 or start.second or start.microsecond:
        return {start: _local_quarter(start)}
    day = start.replace(hour=0, minute=0)
    quarters: dict = {}
    if local_time(day).utcoffset() == local_time(day + timedelta(days=1)).utcoffset():
        _steady_quarters(day, DAY_QUARTERS, quarters)
        return quarters
    for hour in (day + HOUR * number for number in range(24)):
        if local_time(hour).utcoffset() == local_time(hour + HOUR).utcoffset():
            _steady_quarters(hour, HOUR_QUARTERS, quarters)
        else:
            for step in HOUR_QUARTERS:
                quarters[hour + step] = _local_quarter(hour + step)
    return quarters


def kwh(value: Decimal | int | float, places: int = 3) -> str:
    """A quantity written the Italian way (1.234,567), as Babel's ``format_decimal`` writes it."""
    return local_number(value, places, "it_IT")


# --- supply points and contracts ---------------------------------------------------------------------------


def supply_point_list(operator_id: int) -> Select:
    return select(SupplyPoint).where(SupplyPoint.operator_id == operator_id).order_by(SupplyPoint.pod)


def contract_list(operator_id: int, state: str | None = None) -> Select:
    """The operator's contracts, newest first, with their supply points; ``state`` filters by state."""
    statement = (
        select(Contract)
        .where(Contract.operator_id == operator_id)
        .options(joinedload(Contract.supply_point))
        .order_by(Contract.start_date.desc(), Contract.id.desc())
    )
    if state in CONTRACT_STATES:
        statement = statement.where(Contract.status == state)
    return statement


def contracts_of(point: SupplyPoint) -> list[Contract]:
    """The contracts of a supply point, active ones first."""
    order = {"attivo": 0, "in_attivazione": 1, "cessato": 2}
    contracts = db.session.scalars(
        select(Contract)
        .where(Contract.supply_point_id == point.id, Contract.operator_id == point.operator_id)
        .order_by(Contract.start_date.desc(), Contract.id)
    ).all()
    return sorted(contracts, key=lambda contract: order.get(contract.status, 9))


# --- measurement period ------------------------------------------------------------------------------------


class PeriodError(DomainError):
    """A period that cannot be shown: ``errors`` maps each form field to its message (there may be two)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class Period:
    """Days ``first`` to ``last`` included, in Italian time."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        return local_midnight(self.first)

    @property
    def end(self) -> datetime:
        """The UTC instant just after the period (exclusive)."""
        return local_midnight(self.last + timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def day(self, number: int) -> date:
        """The ``number``-th day of the period (1-based)."""
        return self.first + timedelta(days=number - 1)


def check_period(date_from: date | None, date_to: date | None, today: date | None = None) -> Period:
    """The period to show: by default the last seven days; never in the future nor longer than a year."""
    today = today or dates.today()
    span = timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    if date_from is None and date_to is None:
        date_to = today
    if date_from is None:
        date_from = date_to - span
    if date_to is None:
        date_to = min(date_from + span, today)
    errors = {}
    if date_from > today:
        errors["date_from"] = "La data iniziale non può essere nel futuro."
    if date_to > today:
        errors["date_to"] = "La data finale non può essere nel futuro."
    if date_from > date_to:
        errors.setdefault("date_from", "La data iniziale è successiva alla finale.")
    elif (date_to - date_from).days + 1 > MAX_PERIOD_DAYS:
        errors["date_to"] = (
            f"Il periodo massimo è di un anno ({MAX_PERIOD_DAYS} giorni): il periodo scelto ne conta "
            f"{(date_to - date_from).days + 1}. Scarica i dati un anno alla volta."
        )
    if errors:
        raise PeriodError(errors)
    return Period(date_from, date_to)


# --- measurements ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    count: int
    active_kwh: Decimal
    reactive_kvarh: Decimal
    max_power_kw: Decimal
    first_start: datetime | None = None

    def first_page(self, period: Period) -> int:
        """The page (day of the period) of the first interval with data."""
        if self.first_start is None:
            return 1
        return (local_time(self.first_start).date() - period.first).days + 1


@dataclass(frozen=True)
class DayPage:
    """One day of a period's measurements, with what the pager() macro reads."""

    page: int
    pages: int
    day: date
    items: list

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def _decimal(value) -> Decimal:
    """A sum as three-decimal Decimal (SQLite adds up in floating point)."""
    return Decimal(str(value or 0)).quantize(Decimal("0.001"))


MEASUREMENT_TABLE = Measurement.__table__
# Built once, with bound parameters, so that every request hits SQLAlchemy's compiled cache.
_IN_PERIOD = (
    MEASUREMENT_TABLE.c.supply_point_id == bindparam("supply_point_id"),
    MEASUREMENT_TABLE.c.start >= bindparam("start"),
    MEASUREMENT_TABLE.c.start < bindparam("end"),
)
TOTALS_STATEMENT = select(
    func.count(),
    func.sum(MEASUREMENT_TABLE.c.active_energy_kwh),
    func.sum(MEASUREMENT_TABLE.c.reactive_energy_kvarh),
    func.max(MEASUREMENT_TABLE.c.power_kw),
    func.min(MEASUREMENT_TABLE.c.start),
).where(*_IN_PERIOD)
DAY_STATEMENT = (
    select(
        MEASUREMENT_TABLE.c.start,
        MEASUREMENT_TABLE.c.active_energy_kwh,
        MEASUREMENT_TABLE.c.reactive_energy_kvarh,
        MEASUREMENT_TABLE.c.power_kw,
    )
    .where(*_IN_PERIOD)
    .order_by(MEASUREMENT_TABLE.c.start)
)


def measurement_totals(point: SupplyPoint, period: Period) -> Totals:
    """How many intervals the period holds, its energy and its highest power: one aggregate query."""
    row = db.session.execute(
        TOTALS_STATEMENT, {"supply_point_id": point.id, "start": period.start, "end": period.end}
    ).one()
    return Totals(row[0], _decimal(row[1]), _decimal(row[2]), _decimal(row[3]), row[4])


def measurement_day(point: SupplyPoint, period: Period, page: int) -> DayPage:
    """The intervals of one day of the period (a range scan on the index: keyset pagination by day)."""
    page = min(max(page, 1), period.days)
    day = period.day(page)
    rows = db.session.execute(
        DAY_STATEMENT,
        {
            "supply_point_id": point.id,
            "start": local_midnight(day),
            "end": local_midnight(day + timedelta(days=1)),
        },
    ).all()
    return DayPage(page, period.days, day, rows)


def shown_rows(rows) -> list[tuple[str, str, str, str, str]]:
    """Measurement rows (start in UTC, active, reactive, power) as the table shows them: start and end in
    Italian time (HH:MM) and the quantities written the Italian way; the time zone is worked out once per
    UTC day (``local_quarters``), not twice per row."""
    quarters: dict = {}
    shown = []
    for start, active, reactive, power in rows:
        local = quarters.get(start)
        if local is None:
            quarters.update(local_quarters(start))
            local = quarters[start]
        begin, end, _offset = local
        shown.append((f"{begin:%H:%M}", f"{end:%H:%M}", kwh(active), kwh(reactive), kwh(power)))
    return shown


def iter_measurement_batches(supply_point_id: int, period: Period, batch: int = 1000) -> Iterator[list]:
    """The period's intervals in order, as lists of at most ``batch`` rows (start in UTC, active, reactive,
    power), fetched through Core with a server-side cursor where the database has one: no ORM row processing
    and never the whole period in memory. Takes an id, not a SupplyPoint: a streamed response runs after the
    request's session has been closed."""
    table = MEASUREMENT_TABLE
    result = db.session.connection().execute(
        select(table.c.start, table.c.active_energy_kwh, table.c.reactive_energy_kvarh, table.c.power_kw)
        .where(table.c.supply_point_id == supply_point_id, table.c.start >= period.start, table.c.start < period.end)
        .order_by(table.c.start)
        .execution_options(yield_per=batch)
    )
    try:
        yield from result.partitions()
    finally:
        result.close()


# --- meter readings ----------------------------------------------------------------------------------------


class ReadingError(DomainError):
    """A self-reading that is refused."""


REMOTE_READING_MESSAGE = (
    "Il contatore di questo punto di fornitura è telegestito: il distributore lo legge a distanza, "
    "quindi non serve l'autolettura."
)
BANDS = (("f1_kwh", "F1"), ("f2_kwh", "F2"), ("f3_kwh", "F3"))


def reading_list(point: SupplyPoint) -> Select:
    return (
        select(MeterReading)
        .where(MeterReading.supply_point_id == point.id, MeterReading.operator_id == point.operator_id)
        .order_by(MeterReading.reading_date.desc(), MeterReading.id.desc())
    )


def latest_reading(point: SupplyPoint) -> MeterReading | None:
    return db.session.scalars(reading_list(point).limit(1)).first()


def _dated(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _check_against(previous: MeterReading, reading_date: date, values: dict[str, Decimal], point: SupplyPoint) -> None:
    if reading_date < previous.reading_date:
        raise ReadingError(
            f"La data è precedente all'ultima lettura registrata ({_dated(previous.reading_date)}).",
            "reading_date",
        )
    for name, band in BANDS:
        before = getattr(previous, name)
        if values[name] < before:
            raise ReadingError(
                f"La lettura {band} ({kwh(values[name])} kWh) è inferiore a quella del "
                f"{_dated(previous.reading_date)} ({kwh(before)} kWh): i contatori non tornano indietro.",
                name,
            )
    days = max((reading_date - previous.reading_date).days, 1)
    hours = days * 24
    increases = {name: values[name] - getattr(previous, name) for name, _band in BANDS}
    consumed = sum(increases.values())
    ceiling = point.contracted_power_kw * hours
    if consumed > ceiling:
        field = max(increases, key=increases.get)
        raise ReadingError(
            f"Consumo non plausibile: dal {_dated(previous.reading_date)} risultano {kwh(consumed)} kWh in "
            f"{days} {'giorno' if days == 1 else 'giorni'}, ma con la potenza impegnata di "
            f"{kwh(point.contracted_power_kw, 1)} kW se ne possono prelevare al massimo "
            f"{kwh(ceiling)} kWh ({kwh(point.contracted_power_kw, 1)} kW × {hours} ore). "
            "Controlla le cifre inserite.",
            field,
        )


def record_self_reading(
    point: SupplyPoint,
    user: User,
    *,
    reading_date: date,
    f1_kwh: Decimal,
    f2_kwh: Decimal,
    f3_kwh: Decimal,
    power_kw: Decimal | None = None,
    today: date | None = None,
) -> MeterReading:
    """Record the customer's reading of the meter, after checking it against the previous one."""
    if point.remotely_read:
        raise ReadingError(REMOTE_READING_MESSAGE)
    if reading_date > (today or dates.today()):
        raise ReadingError("La data della lettura non può essere nel futuro.", "reading_date")
    values = {"f1_kwh": f1_kwh, "f2_kwh": f2_kwh, "f3_kwh": f3_kwh}
    for name, band in BANDS:
        if values[name] is None or values[name] < 0:
            raise ReadingError(f"Indica una lettura {band} non negativa.", name)
    if point.needs_power_reading:
        if power_kw is None:
            raise ReadingError(
                "Indica la potenza massima letta sul contatore: è richiesta quando la potenza impegnata "
                "supera 16,5 kW.",
                "power_kw",
            )
        if power_kw > point.available_power_kw * POWER_TOLERANCE:
            raise ReadingError(
                f"La potenza indicata ({kwh(power_kw)} kW) supera di molto la potenza disponibile del punto "
                f"({kwh(point.available_power_kw, 1)} kW): controlla il valore.",
                "power_kw",
            )
    else:
        power_kw = None
    already = db.session.scalar(
        select(MeterReading.id).where(
            MeterReading.supply_point_id == point.id,
            MeterReading.reading_date == reading_date,
            MeterReading.source == "autolettura",
        )
    )
    if already is not None:
        raise ReadingError("Hai già inviato un'autolettura con questa data.", "reading_date")
    previous = latest_reading(point)
    if previous is not None:
        _check_against(previous, reading_date, values, point)
    reading = MeterReading(
        supply_point_id=point.id,
        operator_id=point.operator_id,
        reading_date=reading_date,
        power_kw=power_kw,
        source="autolettura",
        created_by_id=user.id,
        **values,
    )
    db.session.add(reading)
    db.session.flush()
    audit(
        "meter_reading.created",
        reading,
        user=user,
        pod=point.pod,
        reading_date=reading_date.isoformat(),
        f1_kwh=str(f1_kwh),
        f2_kwh=str(f2_kwh),
        f3_kwh=str(f3_kwh),
        power_kw=str(power_kw) if power_kw is not None else None,
    )
    return reading

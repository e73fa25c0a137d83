"""Bench data: operators, users, supply points, invoices, quarter-hour measurements and GSTAT reports.

    python -m bench.generate --size small --database sqlite|postgresql [--url URL]

The schema comes from the models (``create_all`` on an emptied database). Rows go in through each
database's fast path: ``executemany`` on SQLite, ``COPY ... FROM STDIN`` (psycopg) on PostgreSQL. Columns
the generator does not know get their model default (or NULL), so the generator keeps working while the
models grow; a table it cannot fill is skipped with a message.

Layout: operator 1 is the bench company (user ``bench``, operator_admin), its first supply point holds one
full year of quarter-hour data (35,040 rows) and its invoices have lines (for the PDF); the other
measurements are 30-day blocks of other supply points. Every operator has the same number of invoices and
supply points at every size, so a page of one operator is the same page whatever the size: only the tables
around it grow. A separate operator with 100 plants and no reports serves the GSTAT upload micro-benchmark.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Table, text

from .common import (
    GSTAT_BENCH_PLANTS,
    GSTAT_OPERATOR_NAME,
    OPERATOR_USER,
    PASSWORD,
    SIZES,
    SUPPORT_USER,
    Size,
    database_urls,
    make_app,
)

ROME = ZoneInfo("Europe/Rome")
QUARTER = timedelta(minutes=15)
YEAR_ROWS = 365 * 96  # 35,040
BLOCK_DAYS = 30
POINTS_PER_OPERATOR = 5
PLANTS_PER_OPERATOR = 2
INVOICE_LINES = (
    ("Energia attiva F1", "kWh"),
    ("Energia attiva F2", "kWh"),
    ("Energia attiva F3", "kWh"),
    ("Quota potenza", "kW"),
    ("Oneri di sistema", "€"),
    ("Accise", "kWh"),
)
SOURCES = ("solar", "wind", "hydro", "solar", "wind", "thermal")
FUEL_BY_SOURCE = {"thermal": ("Sm3", Decimal("125000.000"))}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def luhn_digit(base: str) -> str:
    total = 0
    for position, char in enumerate(reversed(base)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def vat_number(number: int) -> str:
    """A valid Partita IVA for each number below 10 million (office code 058, Rome)."""
    base = f"{number % 9_999_999 + 1:07d}058"
    return base + luhn_digit(base)


def today_local() -> date:
    return datetime.now(ROME).date()


def last_ended_month(today: date) -> tuple[int, int]:
    return (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)


def months_back(year: int, month: int, count: int) -> Iterator[tuple[int, int]]:
    for _ in range(count):
        yield year, month
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)


# --- loading ------------------------------------------------------------------------------------------------


class Loader:
    """Bulk insert into one table: fills the columns a row does not give with their default or NULL."""

    def __init__(self, connection, table: Table, columns: tuple[str, ...]):
        self.connection = connection
        self.table = table
        self.dialect = connection.dialect.name
        missing = [name for name in columns if name not in table.c]
        if missing:
            raise LookupError(f"{table.name}: no column {', '.join(missing)}")
        self.columns = columns
        self.extra: dict[str, object] = {}
        for column in table.c:
            if column.name in columns or column.server_default is not None:
                continue
            if column.primary_key and column.autoincrement in (True, "auto") and column.name == "id":
                continue
            self.extra[column.name] = self._default(column)
        self.names = (*columns, *self.extra)

    @staticmethod
    def _default(column):
        default = column.default
        if default is None:
            if not column.nullable:
                raise LookupError(f"{column.table.name}.{column.name} is required and has no default")
            return None
        if default.is_callable:
            try:
                return default.arg(None)
            except TypeError:
                return default.arg()
        return default.arg

    def load(self, rows: Iterable[tuple], batch: int = 20_000) -> int:
        extra = tuple(self.extra.values())
        if self.dialect == "postgresql":
            return self._copy(rows, extra)
        return self._executemany(rows, extra, batch)

    def _copy(self, rows, extra) -> int:
        names = ", ".join(f'"{name}"' for name in self.names)
        count = 0
        raw = self.connection.connection.dbapi_connection
        with raw.cursor() as cursor, cursor.copy(f'COPY "{self.table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row + extra)
                count += 1
        return count

    def _executemany(self, rows, extra, batch) -> int:
        dialect = self.connection.dialect
        processors = [self.table.c[name].type._cached_bind_processor(dialect) for name in self.names]
        extra_done = tuple(
            processor(value) if processor and value is not None else value
            for processor, value in zip(processors[len(self.columns) :], extra, strict=True)
        )
        own = [(index, processor) for index, processor in enumerate(processors[: len(self.columns)]) if processor]
        placeholders = ", ".join("?" for _ in self.names)
        names = ", ".join(f'"{name}"' for name in self.names)
        sql = f'INSERT INTO "{self.table.name}" ({names}) VALUES ({placeholders})'
        cursor = self.connection.connection.dbapi_connection.cursor()
        count, chunk = 0, []
        for row in rows:
            values = list(row)
            for index, processor in own:
                if values[index] is not None:
                    values[index] = processor(values[index])
            chunk.append((*values, *extra_done))
            if len(chunk) >= batch:
                cursor.executemany(sql, chunk)
                count += len(chunk)
                chunk = []
        if chunk:
            cursor.executemany(sql, chunk)
            count += len(chunk)
        cursor.close()
        return count


def load(connection, metadata, name: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> int:
    table = metadata.tables.get(name)
    if table is None:
        log(f"  skipped {name}: no such table in the models")
        return 0
    try:
        loader = Loader(connection, table, columns)
    except LookupError as error:
        log(f"  skipped {name}: {error}")
        return 0
    started = time.perf_counter()
    count = loader.load(rows)
    log(f"  {name}: {count:,} rows in {time.perf_counter() - started:.1f} s")
    return count


# --- the data -------------------------------------------------------------------------------------------------


class Generator:
    def __init__(self, size: Size, seed: int = 20261123):
        self.size = size
        self.random = random.Random(seed)
        self.today = today_local()
        self.now = datetime.now(UTC)
        self.ops = size.operators
        self.gstat_operator = self.ops + 1  # the GSTAT upload operator, after the others

    def operators(self) -> Iterator[tuple]:
        for number in range(1, self.ops + 2):
            name = GSTAT_OPERATOR_NAME if number == self.gstat_operator else f"Energia Bench {number} S.p.A."
            yield (
                number,
                "giuridica",
                name,
                vat_number(number),
                f"{number:06d}",
                f"Via dei Mille {number}, 00100 Roma (RM)",
                f"amministrazione{number}@bench.example.it",
                self.now,
                self.now,
            )

    def users(self, password_hash: str) -> Iterator[tuple]:
        """``bench`` (operator_admin of operator 1), then users spread evenly over the operators, then staff."""
        total = self.size.users
        for number in range(1, total + 1):
            operator = (number - 1) % self.ops + 1
            username = OPERATOR_USER if number == 1 else f"utente{number}"
            role = "operator_admin" if number <= self.ops else "operator"
            yield (
                number,
                operator,
                username,
                username.casefold(),
                f"{username}@bench.example.it",
                f"Utente Bench {number}",
                role,
                "active",
                password_hash,
                0,
                self.now,
                self.now,
                self.now,
            )
        gstat = total + 1
        yield (
            gstat,
            self.gstat_operator,
            "bench-gstat",
            "bench-gstat",
            "bench-gstat@bench.example.it",
            "Utente GSTAT",
            "operator_admin",
            "active",
            password_hash,
            0,
            self.now,
            self.now,
            self.now,
        )
        yield (
            gstat + 1,
            None,
            SUPPORT_USER,
            SUPPORT_USER,
            "assistenza@bench.example.it",
            "Assistenza Bench",
            "support",
            "active",
            password_hash,
            0,
            self.now,
            self.now,
            self.now,
        )

    def point_operator(self, point: int) -> int:
        return (point - 1) // POINTS_PER_OPERATOR % self.ops + 1

    def supply_points(self) -> Iterator[tuple]:
        for point in range(1, self.size.supply_points + 1):
            power = Decimal(self.random.choice(("3.00", "6.00", "15.00", "30.00", "100.00", "500.00")))
            yield (
                point,
                self.point_operator(point),
                f"IT001E{point:09d}",
                f"Via Bench {point}",
                "00100",
                "Roma",
                "RM",
                "MT" if power >= 100 else "BT",
                400,
                3,
                power,
                power,
                f"M{point:012d}",
                self.today - timedelta(days=3650),
                self.now,
                self.now,
            )

    def invoices(self) -> Iterator[tuple]:
        per_operator = max(1, self.size.invoices // self.ops)
        points = self.size.supply_points
        number = 0
        for operator in range(1, self.ops + 1):
            first_point = (operator - 1) * POINTS_PER_OPERATOR + 1
            year, month = last_ended_month(self.today)
            for index in range(per_operator):
                number += 1
                if number > self.size.invoices:
                    return
                point = first_point + index % POINTS_PER_OPERATOR
                point = point if point <= points else None
                start = date(year, month, 1)
                end = (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)
                issue = end + timedelta(days=10)
                consumption = Decimal(self.random.randint(500, 90_000))
                taxable = (consumption * Decimal("0.18")).quantize(Decimal("0.01"))
                vat = (taxable * Decimal("0.22")).quantize(Decimal("0.01"))
                paid = index > 1
                yield (
                    number,
                    operator,
                    point,
                    f"FT{number:010d}",
                    issue,
                    f"{operator:06d}",
                    start,
                    end,
                    consumption,
                    Decimal("30.00"),
                    taxable,
                    vat,
                    taxable + vat,
                    issue + timedelta(days=30),
                    paid,
                    datetime.combine(issue + timedelta(days=20), datetime.min.time(), UTC) if paid else None,
                    self.now,
                    self.now,
                )
                year, month = (year, month - 1) if month > 1 else (year - 1, 12)

    def invoice_lines(self, invoice_ids: Iterable[int]) -> Iterator[tuple]:
        number = 0
        for invoice_id in invoice_ids:
            for position, (description, unit) in enumerate(INVOICE_LINES, 1):
                number += 1
                quantity = Decimal(self.random.randint(100, 30_000))
                price = Decimal("0.120000") if unit != "€" else Decimal("1.000000")
                yield (
                    number,
                    invoice_id,
                    position,
                    description,
                    quantity,
                    unit,
                    price,
                    (quantity * price).quantize(Decimal("0.01")),
                    Decimal("22.00"),
                )

    def measurement_blocks(self) -> list[tuple[int, datetime, int]]:
        """(supply point, first quarter-hour in UTC, rows): one year of point 1, then 30-day blocks."""
        first_day = self.today - timedelta(days=365)
        year_start = datetime.combine(first_day, datetime.min.time(), ROME).astimezone(UTC)
        blocks = [(1, year_start, min(YEAR_ROWS, self.size.measurements))]
        left = self.size.measurements - blocks[0][2]
        block_rows = BLOCK_DAYS * 96
        block_start = datetime.combine(self.today - timedelta(days=BLOCK_DAYS), datetime.min.time(), ROME).astimezone(
            UTC
        )
        point = 2
        while left > 0 and point <= self.size.supply_points:
            rows = min(block_rows, left)
            blocks.append((point, block_start, rows))
            left -= rows
            point += 1
        return blocks

    def measurements(self) -> Iterator[tuple]:
        number = 0
        rnd = self.random.random
        for point, start, rows in self.measurement_blocks():
            operator = self.point_operator(point)
            moment = start
            for index in range(rows):
                number += 1
                hour = (index // 4) % 24
                base = 2.0 + (6.0 if 8 <= hour < 19 else 0.0)
                energy = Decimal(f"{base + rnd() * 3:.3f}")
                yield (number, point, operator, moment, energy, Decimal(f"{rnd():.3f}"), energy * 4)
                moment += QUARTER

    def plants(self) -> Iterator[tuple]:
        number = 0
        plants_needed = max(1, -(-self.size.gstat_reports // 10))  # ten months of reports each
        for index in range(plants_needed):
            operator = index // PLANTS_PER_OPERATOR % self.ops + 1
            number += 1
            source = SOURCES[number % len(SOURCES)]
            yield (
                number,
                operator,
                f"UP_BENCH_{number:07d}",
                f"Impianto Bench {number}",
                source,
                Decimal("50.000"),
                self.now,
                self.now,
            )
        for index in range(GSTAT_BENCH_PLANTS):
            number += 1
            yield (
                number,
                self.gstat_operator,
                f"UP_GSTAT_{index + 1:04d}",
                f"Impianto prova {index + 1}",
                "solar",
                Decimal("50.000"),
                self.now,
                self.now,
            )

    def gstat_reports(self, plants: list[tuple]) -> Iterator[tuple]:
        """Ten months of submitted reports per plant, except the bench operator's last three months: drafts."""
        number = 0
        year, month = last_ended_month(self.today)
        for plant_id, operator, _code, _name, source, *_ in plants:
            if operator == self.gstat_operator:
                continue
            fuel_type, fuel_quantity = FUEL_BY_SOURCE.get(source, (None, None))
            for position, (y, m) in enumerate(months_back(year, month, 10)):
                number += 1
                if number > self.size.gstat_reports:
                    return
                draft = operator == 1 and position < 3
                gross = Decimal(f"{self.random.randint(100, 20_000)}.000")
                net = (gross * Decimal("0.97")).quantize(Decimal("0.001"))
                yield (
                    number,
                    plant_id,
                    operator,
                    y,
                    m,
                    1,
                    "bozza" if draft else "inviato",
                    gross,
                    net,
                    (gross - net),
                    Decimal("0.000"),
                    fuel_type,
                    fuel_quantity,
                    None if draft else self.now,
                    None,
                    True,
                    self.now,
                    self.now,
                )


OPERATOR_COLUMNS = (
    "id",
    "kind",
    "name",
    "vat_number",
    "customer_code",
    "registered_address",
    "email",
    "created_at",
    "updated_at",
)
USER_COLUMNS = (
    "id",
    "operator_id",
    "username",
    "username_key",
    "email",
    "full_name",
    "role",
    "status",
    "password_hash",
    "failed_logins",
    "password_changed_at",
    "created_at",
    "updated_at",
)
POINT_COLUMNS = (
    "id",
    "operator_id",
    "pod",
    "address",
    "postal_code",
    "city",
    "province",
    "voltage_level",
    "voltage_v",
    "phases",
    "contracted_power_kw",
    "available_power_kw",
    "meter_serial",
    "active_since",
    "created_at",
    "updated_at",
)
INVOICE_COLUMNS = (
    "id",
    "operator_id",
    "supply_point_id",
    "number",
    "issue_date",
    "customer_code",
    "period_start",
    "period_end",
    "consumption_kwh",
    "max_power_kw",
    "taxable_amount",
    "vat_amount",
    "total_amount",
    "due_date",
    "paid",
    "paid_at",
    "created_at",
    "updated_at",
)
LINE_COLUMNS = ("id", "invoice_id", "position", "description", "quantity", "unit", "unit_price", "amount", "vat_rate")
MEASUREMENT_COLUMNS = (
    "id",
    "supply_point_id",
    "operator_id",
    "start",
    "active_energy_kwh",
    "reactive_energy_kvarh",
    "power_kw",
)
PLANT_COLUMNS = ("id", "operator_id", "gaudi_code", "name", "source", "capacity_mw", "created_at", "updated_at")
REPORT_COLUMNS = (
    "id",
    "plant_id",
    "operator_id",
    "year",
    "month",
    "revision",
    "state",
    "gross_production_mwh",
    "net_production_mwh",
    "auxiliary_consumption_mwh",
    "pumping_consumption_mwh",
    "fuel_type",
    "fuel_quantity",
    "submitted_at",
    "submitted_by_id",
    "is_current",
    "created_at",
    "updated_at",
)


def reset_schema(db) -> None:
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    else:
        db.drop_all()
    db.create_all()


def fix_sequences(connection, metadata) -> None:
    """PostgreSQL: move each id sequence past the ids written by COPY."""
    for table in metadata.sorted_tables:
        if "id" not in table.c or not table.c.id.primary_key:
            continue
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                f'COALESCE((SELECT MAX(id) FROM "{table.name}"), 0) + 1, false)'
            )
        )


def generate(size_name: str, url: str, progress: Callable[[str], None] = log) -> dict:
    from myportal.extensions import db
    from myportal.security.passwords import hash_password

    size = SIZES[size_name]
    app = make_app(url)
    counts: dict[str, int] = {}
    started = time.perf_counter()
    with app.app_context():
        progress(f"schema on {db.engine.dialect.name} ({db.engine.url.render_as_string(hide_password=True)})")
        reset_schema(db)
        metadata = db.metadata
        gen = Generator(size)
        with db.engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                raw = connection.connection.dbapi_connection
                raw.execute("PRAGMA synchronous=OFF")
                raw.execute("PRAGMA foreign_keys=OFF")
            with connection.begin():
                counts["operators"] = load(connection, metadata, "operators", OPERATOR_COLUMNS, gen.operators())
                counts["users"] = load(connection, metadata, "users", USER_COLUMNS, gen.users(hash_password(PASSWORD)))
                counts["supply_points"] = load(
                    connection, metadata, "supply_points", POINT_COLUMNS, gen.supply_points()
                )
                counts["invoices"] = load(connection, metadata, "invoices", INVOICE_COLUMNS, gen.invoices())
                per_operator = max(1, size.invoices // size.operators)
                counts["invoice_lines"] = load(
                    connection, metadata, "invoice_lines", LINE_COLUMNS, gen.invoice_lines(range(1, per_operator + 1))
                )
                counts["measurements"] = load(
                    connection, metadata, "measurements", MEASUREMENT_COLUMNS, gen.measurements()
                )
                plants = list(gen.plants())
                counts["gstat_plants"] = load(connection, metadata, "gstat_plants", PLANT_COLUMNS, iter(plants))
                if counts["gstat_plants"]:
                    counts["gstat_reports"] = load(
                        connection, metadata, "gstat_reports", REPORT_COLUMNS, gen.gstat_reports(plants)
                    )
                if connection.dialect.name == "postgresql":
                    fix_sequences(connection, metadata)
            if connection.dialect.name == "postgresql":
                connection.commit()
                connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
            else:
                connection.exec_driver_sql("ANALYZE")
        db.engine.dispose()
    counts["seconds"] = round(time.perf_counter() - started, 1)
    progress(f"done: {counts}")
    return counts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--url", help="database URL (default: by --database and --size)")
    args = parser.parse_args(argv)
    url = args.url or database_urls(args.size, args.database)[args.database]
    generate(args.size, url)
    return 0


if __name__ == "__main__":
    sys.exit(main())

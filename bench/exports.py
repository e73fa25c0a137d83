"""Micro-benchmark of the measurement downloads: one supply point's year of quarter-hours (35,040 rows).

    python -m bench.exports [--sqlite /tmp/perf.sqlite3] [--postgresql URL] [--repeat 5]

For each database it creates (once) a bench operator and supply point with the 35,040 intervals of 2025,
then times the CSV (every streamed piece consumed) and the XLSX (workbook built and read back), and measures
the peak Python memory (tracemalloc) of each export for one month and for the whole year: flat memory means
the year's peak is about the month's. Prints a small table; writes nothing but the bench rows.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import OperationalError

BENCH_POD = "IT001E99990001"
BENCH_VAT = "09999990001"
YEAR = 2025
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/perf_pg"


def make_app(url: str):
    from myportal import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-exports", "MAIL_OUTBOX": True})


def year_rows(point, first: date, last: date) -> list[dict]:
    """Quarter hours of Italian days ``first`` to ``last`` with believable, varying values."""
    from myportal.contracts.services import local_midnight

    rows = []
    moment, end = local_midnight(first), local_midnight(last + timedelta(days=1))
    step = timedelta(minutes=15)
    number = 0
    while moment < end:
        active = Decimal(number * 7919 % 2500) / 1000
        rows.append(
            {
                "supply_point_id": point.id,
                "operator_id": point.operator_id,
                "start": moment.replace(tzinfo=None) if moment.tzinfo else moment,
                "active_energy_kwh": active,
                "reactive_energy_kvarh": (active * Decimal("0.3")).quantize(Decimal("0.001")),
                "power_kw": active * 4,
            }
        )
        moment += step
        number += 1
    return rows


def prepare(app, period) -> tuple[int, str, int]:
    """The bench supply point (created with its year of measurements if missing): id, POD, row count."""
    from myportal.contracts.models import Measurement, SupplyPoint
    from myportal.extensions import db
    from myportal.operators.models import Operator

    with app.app_context():
        db.create_all()
        operator = db.session.scalar(select(Operator).where(Operator.vat_number == BENCH_VAT))
        if operator is None:
            operator = Operator(
                name="Banco prova export S.r.l.",
                vat_number=BENCH_VAT,
                kind="giuridica",
                registered_address="Via Roma 1, 00100 Roma (RM)",
            )
            db.session.add(operator)
            db.session.flush()
        point = db.session.scalar(select(SupplyPoint).where(SupplyPoint.pod == BENCH_POD))
        if point is None:
            point = SupplyPoint(
                operator_id=operator.id,
                pod=BENCH_POD,
                address="Via Emilia 1",
                postal_code="48121",
                city="Ravenna",
                province="RA",
                voltage_level="BT",
                voltage_v=400,
                contracted_power_kw=Decimal("6"),
                available_power_kw=Decimal("6.6"),
                meter_serial="MEC999990001",
                remotely_read=True,
                distributor="e-distribuzione S.p.A.",
                active_since=date(2020, 1, 1),
            )
            db.session.add(point)
            db.session.flush()
        rows = year_rows(point, period.first, period.last)
        count = db.session.scalar(select(func.count()).where(Measurement.supply_point_id == point.id))
        if count != len(rows):
            db.session.execute(delete(Measurement).where(Measurement.supply_point_id == point.id))
            db.session.execute(insert(Measurement), rows)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE measurements")
        return point.id, point.pod, len(rows)


def run_csv(app, point_id: int, pod: str, period) -> tuple[int, int]:
    from myportal.contracts.exports import csv_rows

    with app.app_context():
        size = pieces = 0
        for piece in csv_rows(point_id, pod, period):
            size += len(piece.encode("utf-8"))
            pieces += 1
        return size, pieces


def run_xlsx(app, point_id: int, period) -> tuple[int, int]:
    from myportal.contracts.exports import measurements_xlsx
    from myportal.contracts.models import SupplyPoint
    from myportal.extensions import db

    with app.test_request_context():
        point = db.session.get(SupplyPoint, point_id)
        response = measurements_xlsx(point, period)
        response.direct_passthrough = False
        try:
            size = pieces = 0
            for piece in response.response:
                size += len(piece)
                pieces += 1
        finally:
            response.close()
        return size, pieces


def timed(function, repeat: int) -> tuple[list[float], list[float], tuple]:
    """Wall-clock and CPU seconds of each run (CPU time of this process: the database server's is not in it,
    and it does not count the time other processes take the cores from this one)."""
    times, cpu, result = [], [], None
    for _ in range(repeat):
        gc.collect()
        began, began_cpu = time.perf_counter(), time.process_time()
        result = function()
        times.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    return times, cpu, result


def peak_kib(function) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1] // 1024
    finally:
        tracemalloc.stop()


def bench(name: str, url: str, repeat: int) -> list[tuple]:
    from myportal.contracts.services import Period

    app = make_app(url)
    period = Period(date(YEAR, 1, 1), date(YEAR, 12, 31))
    month = Period(date(YEAR, 3, 1), date(YEAR, 3, 31))
    point_id, pod, count = prepare(app, period)
    lines = []
    for kind, run in (
        ("CSV", lambda chosen: run_csv(app, point_id, pod, chosen)),
        ("XLSX", lambda chosen: run_xlsx(app, point_id, chosen)),
    ):
        run(period)  # warm up: connections, imports, caches
        times, cpu, (size, pieces) = timed(lambda run=run: run(period), repeat)
        month_peak = peak_kib(lambda run=run: run(month))
        year_peak = peak_kib(lambda run=run: run(period))
        lines.append(
            (name, kind, count, min(times), statistics.median(times), min(cpu), size, pieces, month_peak, year_peak)
        )
    with app.app_context():
        from myportal.extensions import db

        db.engine.dispose()
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite", default="/tmp/perf.sqlite3", help="SQLite file ('' to skip)")
    parser.add_argument(
        "--postgresql",
        default=os.environ.get("BENCH_EXPORTS_PG_URL", DEFAULT_PG_URL),
        help="PostgreSQL URL ('' to skip); a database of the bench's own, never one that others use",
    )
    parser.add_argument("--repeat", type=int, default=5)
    arguments = parser.parse_args(argv)
    targets = []
    if arguments.sqlite:
        targets.append(("SQLite", f"sqlite:///{arguments.sqlite}"))
    if arguments.postgresql:
        targets.append(("PostgreSQL", arguments.postgresql))
    began = datetime.now(UTC)
    lines = []
    for name, url in targets:
        try:
            lines.extend(bench(name, url, arguments.repeat))
        except OperationalError as error:
            print(f"{name} skipped: {str(error.orig).strip().splitlines()[0]}", file=sys.stderr)
    print(
        f"Measurement exports, {began:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.1f}, best and median of {arguments.repeat}"
    )
    header = (
        "database",
        "format",
        "rows",
        "best s",
        "median s",
        "CPU s",
        "KiB",
        "pieces",
        "peak 1 month KiB",
        "peak 1 year KiB",
    )
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for name, kind, count, best, median, cpu, size, pieces, month_peak, year_peak in lines:
        print(
            f"| {name} | {kind} | {count:,} | {best:.3f} | {median:.3f} | {cpu:.3f} | {size // 1024:,} | "
            f"{pieces:,} | {month_peak:,} | {year_peak:,} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Micro-benchmarks, in one process through Flask's test client, on a generated database.

    python -m bench.micro --size small --database sqlite

- page timings (median of repeated requests) and SQL statements per page: invoice list, support look-up,
  measurement filter, home; compared across sizes by bench/report.py (target: large ≤ 1.3 × small);
- CSV export of one supply point's year of quarter-hours (35,040 rows): time, and peak Python memory
  (tracemalloc) against a one-month export (flat memory means the peak does not grow with the rows);
- GSTAT upload of 10,000 rows (validated and stored by the service, ``upload_reports``) against a plain DBAPI
  executemany of the same rows into the same table; best of three each, every try rolled back.

Figures go to bench/results/micro-<database>-<size>.json.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
import tracemalloc
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import event, select

from .common import (
    GSTAT_BENCH_PLANTS,
    OPERATOR_USER,
    PASSWORD,
    RESULTS_DIR,
    SIZES,
    SUPPORT_USER,
    database_urls,
    machine,
    make_app,
)
from .generate import last_ended_month, months_back, today_local, vat_number

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
REPEAT = 30
GSTAT_MONTHS = 100
TRIES = 3  # best of three for both sides of the GSTAT comparison


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class StatementCounter:
    """Counts statements; while ``capture`` is on, keeps them with their parameters for EXPLAIN."""

    def __init__(self, engine):
        self.engine = engine
        self.count = 0
        self.capture = False
        self.captured: list[tuple[str, object]] = []
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany):
        self.count += 1
        if self.capture and not executemany:
            self.captured.append((statement, parameters))

    def scans(self, min_rows: int = 5000) -> list[str]:
        """Full scans in the plans of the captured SELECTs, on tables of at least ``min_rows`` rows: the
        tables read without an index to narrow them (small tables are rightly scanned)."""
        found = []
        with self.engine.connect() as connection:
            raw = connection.connection.dbapi_connection
            for statement, parameters in self.captured:
                if not statement.lstrip().upper().startswith("SELECT"):
                    continue
                cursor = raw.cursor()
                try:
                    if self.engine.dialect.name == "sqlite":
                        cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
                        for row in cursor.fetchall():
                            detail = row[-1]
                            if (
                                detail.startswith("SCAN ")
                                and not detail.startswith("SCAN (")
                                and "CONSTANT" not in detail
                            ):
                                found.append((detail.split()[1], detail))
                    else:
                        cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters)
                        found += _seq_scans(cursor.fetchone()[0][0]["Plan"])
                except Exception as error:  # a plan we cannot ask for is not a result
                    found.append(("", f"(no plan: {type(error).__name__})"))
                    raw.rollback()
                finally:
                    cursor.close()
            big = []
            for table, detail in sorted(set(found)):
                rows = connection.exec_driver_sql(f'SELECT count(*) FROM "{table}"').scalar() if table else 0
                if not table or rows >= min_rows:
                    big.append(f"{detail} [{rows:,} rows]")
            connection.rollback()
        return big


def _seq_scans(plan: dict) -> list[tuple[str, str]]:
    found = []
    if plan.get("Node Type") == "Seq Scan":
        found.append((plan.get("Relation Name"), f"Seq Scan on {plan.get('Relation Name')}"))
    for child in plan.get("Plans", []):
        found += _seq_scans(child)
    return found


def login(client, username: str) -> None:
    html = client.get("/accedi").get_data(as_text=True)
    token = CSRF_RE.search(html).group(1)
    response = client.post("/accedi", data={"csrf_token": token, "username": username, "password": PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"log-in of {username} failed ({response.status_code})")


def fetch(client, path: str) -> tuple[int, int]:
    response = client.get(path)
    size = sum(len(chunk) for chunk in response.response)
    response.close()
    return response.status_code, size


def time_page(client, path: str, counter: StatementCounter, repeat: int = REPEAT) -> dict:
    for _ in range(3):
        status, _ = fetch(client, path)
    if status != 200:
        raise RuntimeError(f"{path} answered {status}")
    before = counter.count
    counter.capture, counter.captured = True, []
    fetch(client, path)
    counter.capture = False
    statements = counter.count - before
    scans = counter.scans()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fetch(client, path)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "path": path,
        "median_ms": round(statistics.median(times), 2),
        "p90_ms": round(times[int(len(times) * 0.9) - 1], 2),
        "statements": statements,
        "full_scans": scans,
    }


def csv_export(client, days: int) -> dict:
    today = today_local()
    path = (
        f"/misure/csv?date_from={(today - timedelta(days=days)).isoformat()}"
        f"&date_to={(today - timedelta(days=1)).isoformat()}"
    )
    fetch(client, path)
    times = []
    for _ in range(3):
        started = time.perf_counter()
        response = client.get(path)
        rows = 0
        for chunk in response.response:
            rows += chunk.count(b"\n") if isinstance(chunk, bytes) else chunk.count("\n")
        response.close()
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    response = client.get(path)
    for _chunk in response.response:
        pass
    response.close()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "path": path,
        "days": days,
        "lines": rows,
        "seconds": round(min(times), 3),
        "python_peak_kib": round(peak / 1024),
    }


def gstat_upload(app) -> dict:
    """10,000 rows: the upload service (parse, validate, store) against a plain executemany of the same rows."""
    from myportal.extensions import db
    from myportal.gstat.models import MonthlyReport, Plant
    from myportal.gstat.upload import CSV_HEADER, upload_reports
    from myportal.models import utcnow
    from myportal.operators.models import User

    year, month = last_ended_month(today_local())
    months = list(months_back(year, month, GSTAT_MONTHS))
    with app.test_request_context("/gstat/carica", method="POST"):
        user = db.session.scalar(select(User).where(User.username == "bench-gstat"))
        plants = list(
            db.session.scalars(select(Plant).where(Plant.operator_id == user.operator_id).order_by(Plant.gaudi_code))
        )[:GSTAT_BENCH_PLANTS]
        # Figures differ from row to row, as in a real file (a parser may not profit from repeated texts).
        reports = []
        for number, (plant, (y, m)) in enumerate((plant, period) for plant in plants for period in months):
            gross = Decimal(600_000 + number * 7 % 600_000) / 1000
            auxiliary = Decimal(number % 50_000) / 1000
            reports.append((plant, y, m, gross, gross - auxiliary, auxiliary))
        lines = [";".join(CSV_HEADER)]
        for plant, y, m, gross, net, auxiliary in reports:
            figures = ";".join(f"{value:.3f}".replace(".", ",") for value in (gross, net, auxiliary))
            lines.append(f"{plant.gaudi_code};{y};{m};{figures};0;;")
        data = ("\n".join(lines) + "\n").encode()
        rows = len(lines) - 1
        db.session.rollback()

        service_times = []
        for _ in range(TRIES):
            started = time.perf_counter()
            result = upload_reports(user, data, submit=True, filename="bench.csv")
            db.session.flush()
            service_times.append(time.perf_counter() - started)
            db.session.rollback()
            if not result.ok:
                raise RuntimeError(f"GSTAT upload refused: {result.problems[:3]}")
        service_seconds = min(service_times)

        table = MonthlyReport.__table__
        now = utcnow()
        columns = (
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
            "submitted_at",
            "submitted_by_id",
            "is_current",
            "created_at",
            "updated_at",
        )
        values = [
            (
                plant.id,
                plant.operator_id,
                y,
                m,
                1,
                "inviato",
                gross,
                net,
                auxiliary,
                Decimal("0.000"),
                now,
                user.id,
                True,
                now,
                now,
            )
            for plant, y, m, gross, net, auxiliary in reports
        ]
        dialect = db.session.connection().dialect
        if dialect.name == "sqlite":
            processors = [table.c[name].type._cached_bind_processor(dialect) for name in columns]
            values = [
                tuple(p(v) if p and v is not None else v for p, v in zip(processors, row, strict=True))
                for row in values
            ]
            marker = "?"
        else:
            marker = "%s"
        sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join(marker for _ in columns)})"
        plain_times = []
        for _ in range(TRIES):
            connection = db.session.connection()
            started = time.perf_counter()
            cursor = connection.connection.dbapi_connection.cursor()
            cursor.executemany(sql, values)
            cursor.close()
            plain_times.append(time.perf_counter() - started)
            db.session.rollback()
        plain_seconds = min(plain_times)
    return {
        "rows": rows,
        "service_seconds": round(service_seconds, 3),
        "service_rows_per_s": round(rows / service_seconds),
        "executemany_seconds": round(plain_seconds, 3),
        "executemany_rows_per_s": round(rows / plain_seconds),
        "ratio": round(plain_seconds / service_seconds, 3),
    }


def run(size: str, database: str, url: str, repeat: int = REPEAT) -> dict:
    from myportal.extensions import db

    log(f"micro-benchmarks: {database}, size {size}")
    app = make_app(url)
    app.config["MFA_REQUIRED_ROLES"] = ()
    result = {
        "size": size,
        "database": database,
        "machine": machine(),
        "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
    }
    with app.app_context():
        counter = StatementCounter(db.engine)
    operator = app.test_client()
    login(operator, OPERATOR_USER)
    support = app.test_client()
    login(support, SUPPORT_USER)
    other_vat = vat_number(max(2, SIZES[size].operators // 2))
    pages = {
        "home": (operator, "/"),
        "invoice list": (operator, "/fatture"),
        "invoice list, page 3": (operator, "/fatture?page=3"),
        "measurement filter": (operator, "/misure"),
        "support look-up": (support, f"/assistenza/?q={other_vat}"),
    }
    result["pages"] = {}
    for name, (client, path) in pages.items():
        figures = time_page(client, path, counter, repeat)
        result["pages"][name] = figures
        log(
            f"  {name:<22} median {figures['median_ms']:7.2f} ms  p90 {figures['p90_ms']:7.2f} ms  "
            f"{figures['statements']} statements; full scans: {', '.join(figures['full_scans']) or 'none'}"
        )
    result["csv_year"] = csv_export(operator, 365)
    result["csv_month"] = csv_export(operator, 30)
    log(
        f"  CSV export year: {result['csv_year']['lines']:,} lines in {result['csv_year']['seconds']} s, "
        f"peak {result['csv_year']['python_peak_kib']} KiB (month: {result['csv_month']['python_peak_kib']} KiB)"
    )
    try:
        result["gstat"] = gstat_upload(app)
        log(f"  GSTAT upload: {result['gstat']}")
    except Exception as error:  # the GSTAT feature is still moving: report, do not stop the run
        result["gstat"] = {"error": f"{type(error).__name__}: {error}"[:500]}
        log(f"  GSTAT upload failed: {result['gstat']['error']}")
    with app.app_context():
        db.engine.dispose()
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"micro-{database}-{size}.json"
    path.write_text(json.dumps(result, indent=2))
    log(f"wrote {path}")
    return result


def compare_sizes(database: str, small: str, large: str, repeat: int = 40) -> dict:
    """The size targets' pages at two sizes, in one process, requests alternating between the two databases
    (so that both see the same load from the rest of the machine); medians in ms."""
    log(f"size comparison: {database}, {small} against {large}, alternating requests")
    sides = {}
    for size in (small, large):
        app = make_app(database_urls(size, database)[database])
        app.config["MFA_REQUIRED_ROLES"] = ()
        operator, support = app.test_client(), app.test_client()
        login(operator, OPERATOR_USER)
        login(support, SUPPORT_USER)
        vat = vat_number(max(2, SIZES[size].operators // 2))
        sides[size] = {
            "invoice list": (operator, "/fatture"),
            "invoice list, page 3": (operator, "/fatture?page=3"),
            "measurement filter": (operator, "/misure"),
            "support look-up": (support, f"/assistenza/?q={vat}"),
        }
    result = {
        "database": database,
        "small": small,
        "large": large,
        "repeat": repeat,
        "pages": {},
        "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
    }
    for name in sides[small]:
        times = {small: [], large: []}
        for size in (small, large):
            client, path = sides[size][name]
            for _ in range(3):
                fetch(client, path)
        for _ in range(repeat):
            for size in (small, large):
                client, path = sides[size][name]
                started = time.perf_counter()
                fetch(client, path)
                times[size].append((time.perf_counter() - started) * 1000)
        small_ms, large_ms = statistics.median(times[small]), statistics.median(times[large])
        result["pages"][name] = {
            "small_ms": round(small_ms, 2),
            "large_ms": round(large_ms, 2),
            "ratio": round(large_ms / small_ms, 3),
        }
        log(f"  {name:<22} {small}: {small_ms:6.2f} ms  {large}: {large_ms:6.2f} ms  ratio {large_ms / small_ms:.2f}")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / f"sizes-{database}.json").write_text(json.dumps(result, indent=2))
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--url")
    parser.add_argument("--repeat", type=int, default=REPEAT)
    parser.add_argument("--compare", help="alternate requests between --size and this size (e.g. large)")
    args = parser.parse_args(argv)
    if args.compare:
        compare_sizes(args.database, args.size, args.compare)
        return 0
    url = args.url or database_urls(args.size, args.database)[args.database]
    run(args.size, args.database, url, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())

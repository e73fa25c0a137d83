"""Everything ``make bench SIZE=...`` runs: generate, micro-benchmarks, load run, on each database; RESULTS.md.

    python -m bench.run --size small [--databases sqlite,postgresql] [--skip-generate] [--skip-load]

PostgreSQL: BENCH_PG_URL + "_<size>" (default postgresql+psycopg://postgres@127.0.0.1:5432/bench_pg_small,
..._large); the database is created when missing and its public schema is replaced.
SQLite: instance/bench/bench-<size>.sqlite3.
"""

from __future__ import annotations

import argparse
import sys
import time

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from . import generate, load, micro, report
from .common import SIZES, database_urls


def ensure_postgres_database(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database})
        if not exists:
            connection.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
    admin.dispose()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--skip-generate", action="store_true")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--skip-micro", action="store_true")
    parser.add_argument("--duration", type=int, default=load.DURATION)
    parser.add_argument("--memory-requests", type=int, default=10_000)
    parser.add_argument("--compare", help="also run the micro-benchmarks at this size right after (e.g. large)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    for database, url in database_urls(args.size, args.databases).items():
        if database == "postgresql":
            ensure_postgres_database(url)
        if not args.skip_generate:
            generate.generate(args.size, url)
        if not args.skip_micro:
            micro.run(args.size, database, url)
        if args.compare:  # the two sizes one after the other, under the same load
            other = database_urls(args.compare, database)[database]
            micro.run(args.compare, database, other)
            micro.compare_sizes(database, args.size, args.compare)
        if not args.skip_load:
            load.run(args.size, database, url, args.duration, args.memory_requests)
    print(f"wrote {report.write()} ({time.perf_counter() - started:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

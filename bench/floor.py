"""The fixed cost of a page, in process: a bare Flask hello against the portal's simplest pages.

    python -m bench.floor [--database sqlite|postgresql] [--size small]

Needs the bench data of that size (``python -m bench.generate``). Prints the best and median of five rounds.
"""

import argparse
import json
import os
import statistics
import time

from flask import Flask

from .common import RESULTS_DIR, SIZES, database_urls
from .micro import OPERATOR_USER, fetch, login, make_app

PAGES = ("/contatti", "/", "/fatture")


def per_request(client, path: str, requests: int) -> tuple[float, float, float]:
    """Best and median milliseconds per request over five rounds, after a warm-up, and the best CPU time of
    this process per request (steadier than the clock on a shared machine)."""
    for _ in range(20):
        fetch(client, path)
    rounds, cpu = [], []
    for _ in range(5):
        started, started_cpu = time.perf_counter(), time.process_time()
        for _ in range(requests // 5):
            fetch(client, path)
        rounds.append((time.perf_counter() - started) / (requests // 5) * 1000)
        cpu.append((time.process_time() - started_cpu) / (requests // 5) * 1000)
    return min(rounds), statistics.median(rounds), min(cpu)


def write_result(database: str, size: str, rows: list) -> None:
    """bench/results/floor-<database>-<size>.json, read by bench/report.py."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    result = {
        "database": database,
        "size": size,
        "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "load_before": os.getloadavg()[0],
        "rows": [
            {"name": name, "best_ms": best, "median_ms": median, "cpu_ms": cpu} for name, (best, median, cpu) in rows
        ],
    }
    (RESULTS_DIR / f"floor-{database}-{size}.json").write_text(json.dumps(result, indent=2))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    args = parser.parse_args(argv)
    hello = Flask("hello")
    hello.add_url_rule("/", "hello", lambda: "hello")
    rows = [("bare Flask hello", per_request(hello.test_client(), "/", 3000))]
    app = make_app(database_urls(args.size, args.database)[args.database])
    app.config["MFA_REQUIRED_ROLES"] = ()
    rows.append(("/healthz", per_request(app.test_client(), "/healthz", 1000)))
    rows.append(("log-in page, anonymous", per_request(app.test_client(), "/accedi", 300)))
    client = app.test_client()
    login(client, OPERATOR_USER)
    rows += [(f"{path}, operator", per_request(client, path, 300)) for path in PAGES]
    write_result(args.database, args.size, rows)
    hello_best, hello_cpu = rows[0][1][0], rows[0][1][2]
    for name, (best, median, cpu) in rows:
        print(
            f"{name:<24} best {best:6.2f} ms   median {median:6.2f} ms   {hello_best / best:6.1%} of hello   "
            f"CPU {cpu:6.2f} ms   {hello_cpu / cpu:6.1%} of hello"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The fixed cost of a page, in process: a bare Flask hello against the portal's simplest pages.

    python -m bench.floor [--database sqlite|postgresql] [--size small]

Needs the bench data of that size (``python -m bench.generate``). Prints the best and median of five rounds.
"""

import argparse
import statistics
import time

from flask import Flask

from .common import SIZES, database_urls
from .micro import OPERATOR_USER, fetch, login, make_app

PAGES = ("/contatti", "/", "/fatture")


def per_request(client, path: str, requests: int) -> tuple[float, float]:
    """Best and median milliseconds per request over five rounds, after a warm-up."""
    for _ in range(20):
        fetch(client, path)
    rounds = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(requests // 5):
            fetch(client, path)
        rounds.append((time.perf_counter() - started) / (requests // 5) * 1000)
    return min(rounds), statistics.median(rounds)


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
    rows.append(("log-in page, anonymous", per_request(app.test_client(), "/accedi", 300)))
    client = app.test_client()
    login(client, OPERATOR_USER)
    rows += [(f"{path}, operator", per_request(client, path, 300)) for path in PAGES]
    for name, (best, median) in rows:
        print(f"{name:<24} best {best:6.2f} ms   median {median:6.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

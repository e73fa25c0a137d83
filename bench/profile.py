"""Where the time of one page goes, in process: cProfile over repeated requests through the test client.

    python -m bench.profile [--database sqlite|postgresql] [--size small] [--sort tottime] PATH [PATH ...]

PATH is a portal path (``/``, ``/fatture``, ``/contatti``, ``/accedi``, ``/healthz``); ``/accedi`` and
``/healthz`` are fetched anonymously, the others as the bench operator.
"""

import argparse
import cProfile
import io
import pstats

from sqlalchemy import event

from .common import SIZES, database_urls
from .micro import OPERATOR_USER, fetch, login, make_app

ANONYMOUS = ("/accedi", "/healthz")


def statements_per_request(app, client, path: str) -> list[str]:
    """The statements (their first words) one request of ``path`` sends, BEGIN and COMMIT included."""
    from myportal.extensions import db

    seen: list[str] = []

    def note(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split()[:3]))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        fetch(client, path)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return seen


def profile(client, path: str, requests: int, sort: str, limit: int) -> str:
    for _ in range(20):
        fetch(client, path)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        fetch(client, path)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    out.write(f"== {path}: {stats.total_calls / requests:,.0f} calls per request\n")
    stats.sort_stats(sort).print_stats(limit)
    return out.getvalue()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--limit", type=int, default=40)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args(argv)
    app = make_app(database_urls(args.size, args.database)[args.database])
    app.config["MFA_REQUIRED_ROLES"] = ()
    anonymous = app.test_client()
    client = app.test_client()
    login(client, OPERATOR_USER)
    for path in args.paths:
        who = anonymous if path in ANONYMOUS else client
        print(profile(who, path, args.requests, args.sort, args.limit))
        statements = statements_per_request(app, who, path)
        print(f"   {path}: {len(statements)} statements: {'; '.join(statements)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

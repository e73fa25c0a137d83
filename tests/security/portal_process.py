"""One portal process for the multi-process checks, configured only through the environment as in production.

    python -m tests.security.portal_process serve PORT [USERNAME PASSWORD ...]

prints "ready" once listening; with users, first creates the tables and those operator users.
"""

import os
import sys

from config import DevelopmentConfig


class Config(DevelopmentConfig):
    """DATABASE_URL, RATELIMIT_STORAGE_URI, LOGIN_RATE_LIMIT and LOCKOUT_* come from the environment; the key
    prefix keeps this run's counters apart from anyone else's on the same Redis."""

    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "")


def create_users(app, credentials: list[str]) -> None:
    from myportal.extensions import db
    from myportal.operators.models import Operator, User, username_key
    from myportal.security.passwords import hash_password

    with app.app_context():
        db.create_all()
        operator = Operator(name="Energia Multiprocesso S.p.A.", vat_number="01234560588", registered_address="Roma")
        db.session.add(operator)
        db.session.flush()
        for username, password in zip(credentials[::2], credentials[1::2], strict=True):
            db.session.add(
                User(
                    username=username,
                    username_key=username_key(username),
                    role="operator",
                    operator_id=operator.id,
                    email=f"{username}@example.com",
                    status="active",
                    password_hash=hash_password(password),
                )
            )
        db.session.commit()


def serve(port: int, credentials: list[str]) -> None:
    from werkzeug.serving import make_server

    from myportal import create_app

    app = create_app(Config)
    if credentials:
        create_users(app, credentials)
    server = make_server("127.0.0.1", port, app, threaded=True)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    if sys.argv[1] != "serve":
        raise SystemExit(f"unknown command {sys.argv[1]}")
    serve(int(sys.argv[2]), sys.argv[3:])

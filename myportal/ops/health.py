"""``GET /healthz`` for load balancers: the database answers ``SELECT 1`` and Redis (when used) a PING.

No authentication, no session cookie, no rate limit; 200 when every check passes, 503 otherwise. The
answer names the failing component but never the error, which goes to the log.
"""

import logging

from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy import text

from ..extensions import db, limiter

log = logging.getLogger(__name__)
bp = Blueprint("ops", __name__)
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
TIMEOUT_SECONDS = 2


def check_database() -> str:
    """A connection from the pool (not the request's session, and outside any transaction) answers ``SELECT 1``."""
    try:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("SELECT 1")).scalar_one()
    except Exception:
        log.warning("healthz: database unreachable", exc_info=True)
        return "error"
    return "ok"


def _redis_client(url: str):
    """One client per process and URL (it keeps a small pool; it reconnects after a fork)."""
    import redis

    clients = current_app.extensions.setdefault("myportal.ops", {}).setdefault("redis", {})
    if url not in clients:
        clients[url] = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS)
    return clients[url]


def check_redis() -> str | None:
    """ "ok" or "error"; None when the rate limits are not kept in Redis."""
    url = current_app.config.get("RATELIMIT_STORAGE_URI") or ""
    if not url.startswith(REDIS_SCHEMES):
        return None
    try:
        _redis_client(url).ping()
    except Exception:
        log.warning("healthz: redis unreachable", exc_info=True)
        return "error"
    return "ok"


@bp.route("/healthz")
@limiter.exempt
def healthz():
    checks = {"database": check_database()}
    redis_state = check_redis()
    if redis_state is not None:
        checks["redis"] = redis_state
    healthy = all(state == "ok" for state in checks.values())
    response = jsonify(status="ok" if healthy else "error", checks=checks)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

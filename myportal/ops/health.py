"""``GET /healthz`` for load balancers: the database answers ``SELECT 1`` and Redis (when used) a PING.

No authentication, no session cookie, no rate limit; 200 when every check passes, 503 otherwise. The
answer names the failing component but never the error, which goes to the log.

A load balancer asks often, so GET and HEAD are answered by :class:`HealthCheck`, a WSGI middleware in
front of Flask's dispatch (no session, user, CSRF, rate limit or transaction to set up); the answer carries
the portal's security headers and its request id, and it is written to the request log like any request.
The Flask route stays for the other methods (405) and for ``url_for``.
"""

import json
import logging
import time
from datetime import UTC, datetime

from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy import text

from ..extensions import db, limiter
from . import requestlog

log = logging.getLogger(__name__)
bp = Blueprint("ops", __name__)
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
TIMEOUT_SECONDS = 2


def check_database(engine=None) -> str:
    """A connection from the pool (not the request's session, and outside any transaction) answers ``SELECT 1``."""
    try:
        with (engine or db.engine).connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("SELECT 1")).scalar_one()
    except Exception:
        log.warning("healthz: database unreachable", exc_info=True)
        return "error"
    return "ok"


def _redis_client(url: str, app: Flask | None = None):
    """One client per process and URL (it keeps a small pool; it reconnects after a fork)."""
    import redis

    clients = (app or current_app).extensions.setdefault("myportal.ops", {}).setdefault("redis", {})
    if url not in clients:
        clients[url] = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS)
    return clients[url]


def check_redis(app: Flask | None = None) -> str | None:
    """ "ok" or "error"; None when the rate limits are not kept in Redis."""
    app = app or current_app
    url = app.config.get("RATELIMIT_STORAGE_URI") or ""
    if not url.startswith(REDIS_SCHEMES):
        return None
    try:
        _redis_client(url, app).ping()
    except Exception:
        log.warning("healthz: redis unreachable", exc_info=True)
        return "error"
    return "ok"


def checks_of(app: Flask, engine) -> dict[str, str]:
    checks = {"database": check_database(engine)}
    redis_state = check_redis(app)
    if redis_state is not None:
        checks["redis"] = redis_state
    return checks


@bp.route("/healthz")
@limiter.exempt
def healthz():
    checks = checks_of(current_app, None)
    healthy = all(state == "ok" for state in checks.values())
    response = jsonify(status="ok" if healthy else "error", checks=checks)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response


class HealthCheck:
    """WSGI middleware answering ``GET``/``HEAD /healthz`` without entering Flask's request handling."""

    def __init__(self, app: Flask, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self.engine = None
        self.log_requests = bool(app.config.get("LOG_REQUESTS", True))

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != "/healthz" or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        if self.engine is None:
            with self.app.app_context():
                self.engine = db.engine
        checks = checks_of(self.app, self.engine)
        healthy = all(state == "ok" for state in checks.values())
        body = json.dumps({"status": "ok" if healthy else "error", "checks": checks}).encode()
        request_id = requestlog.request_id_from(environ.get("HTTP_X_REQUEST_ID"))
        headers = [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
            (requestlog.HEADER, request_id),
            *self.app.extensions.get("myportal.security_headers", ()),
        ]
        status = 200 if healthy else 503
        start_response("200 OK" if healthy else "503 SERVICE UNAVAILABLE", headers)
        if self.log_requests:
            record = {
                "ts": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "request_id": request_id,
                "method": environ["REQUEST_METHOD"],
                "path": "/healthz",
                "status": status,
                "duration_ms": None,
                "user_id": None,
                "remote_addr": environ.get("REMOTE_ADDR"),
            }
            requestlog.emit(record, started)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.wsgi_app = HealthCheck(app, app.wsgi_app)

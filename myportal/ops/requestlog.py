"""One JSON line per request on the ``myportal.requests`` logger, and the request id in ``X-Request-ID``.

The line is written when the server closes the response, so that the duration of a streamed export
counts its whole body; a response replaced by an error page is logged as that page. The id comes from the
``X-Request-ID`` header set by the proxy (when it looks like an id) or is generated; it is kept in
``g.request_id`` and sent back in the response.
"""

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, request

HEADER = "X-Request-ID"
VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
log = logging.getLogger("myportal.requests")


def _configure_logger() -> None:
    """A handler writing the bare JSON line to stderr (gunicorn's error log), not the root's prefixed format."""
    if log.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def request_id_from(value: str | None) -> str:
    value = (value or "").strip()
    return value if VALID_ID.match(value) else uuid.uuid4().hex


def _user_id():
    """The id of the user this request loaded, without loading one (Flask-Login keeps it in ``g``)."""
    user = g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "id", None)


def emit(record: dict, started: float) -> None:
    record["duration_ms"] = round((time.perf_counter() - started) * 1000, 2)
    log.info(json.dumps(record, separators=(",", ":")))


def init_app(app: Flask) -> None:
    enabled = bool(app.config.get("LOG_REQUESTS", True))
    if enabled:
        _configure_logger()

    @app.before_request
    def _start():
        g.ops_started = time.perf_counter()
        g.ops_request_id = g.request_id = request_id_from(request.headers.get(HEADER))

    @app.after_request
    def _tag(response):
        """Send the id back; log when the server closes the response (after a streamed body too)."""
        request_id = g.get("ops_request_id") or request_id_from(request.headers.get(HEADER))
        g.ops_request_id = request_id
        response.headers[HEADER] = request_id
        if enabled:
            record = {
                "ts": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "request_id": request_id,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": None,
                "user_id": _user_id(),
                "remote_addr": request.remote_addr,
            }
            started = g.get("ops_started") or time.perf_counter()
            response.call_on_close(lambda: emit(record, started))
        return response

"""Production plumbing shared by every feature: reverse-proxy headers, ``/healthz`` and request logs.

Not a feature: :func:`init_app` is called once from :func:`myportal.create_app`.
"""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import health, requestlog

EXTENSION_KEY = "myportal.ops"


def init_app(app: Flask) -> None:
    """Install ProxyFix (``PROXY_FIX_HOPS`` trusted proxies), ``/healthz`` and the request log."""
    if EXTENSION_KEY in app.extensions:
        return
    app.extensions[EXTENSION_KEY] = {}
    health.init_app(app)  # inside ProxyFix: the health check sees the client's address as the log does
    hops = int(app.config.get("PROXY_FIX_HOPS", 0) or 0)
    if hops > 0:
        # Each trusted proxy appends one value to X-Forwarded-*; more values than hops are not trusted.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)
    requestlog.init_app(app)

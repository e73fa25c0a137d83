"""gunicorn settings for myportal: ``gunicorn -c gunicorn.conf.py`` (the app is ``wsgi:app``).

Every value can be changed through the environment, so that one file serves every host. Sync workers,
2 × cores + 1 of them: each handles one request at a time and holds at most one database connection
(size the pool and PostgreSQL's ``max_connections`` from that: see docs/deployment.md). Nothing is shared
between workers in memory: sessions live in the database, rate limits in Redis.
"""

import multiprocessing
import os
from pathlib import Path


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


wsgi_app = os.environ.get("GUNICORN_APP", "wsgi:app")
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = _int("GUNICORN_THREADS", 1)
backlog = _int("GUNICORN_BACKLOG", 2048)
timeout = _int("GUNICORN_TIMEOUT", 30)  # a worker silent this long is killed and replaced
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)  # keep it above the load balancer's idle timeout when keep-alive is on
# Recycling workers bounds slow memory growth; 0 (the default) keeps them, so leaks show up in bench/.
max_requests = _int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", max_requests // 10)
limit_request_line = 8190
limit_request_fields = 100
# The app is imported in each worker: every worker opens its own database pool after the fork.
preload_app = False
_SHM = Path("/dev/shm")  # noqa: S108 (gunicorn's worker heartbeat files: RAM-backed, not a temporary file)
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR") or (str(_SHM) if _SHM.is_dir() else None)
# The app writes one JSON line per request (myportal.ops.requestlog); gunicorn's access log would repeat it.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# X-Forwarded-* are interpreted by ProxyFix in the app (PROXY_FIX_HOPS), not by gunicorn.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "myportal"

"""/healthz: 200 when the database (and Redis, when used) answer, 503 otherwise; no cookie, no login."""

import os
import socket
from urllib.parse import urlparse

import pytest

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def _reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1):
            return True
    except OSError:
        return False


def test_healthz_leaves_redis_out_when_rate_limits_are_in_memory(make_ops_app):
    application = make_ops_app()
    application.config["RATELIMIT_STORAGE_URI"] = "memory://"  # read by the check at request time
    response = application.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "checks": {"database": "ok"}}


def test_healthz_reports_database_ok(ops_client):
    response = ops_client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert response.json["checks"]["database"] == "ok"
    assert set(response.json["checks"]) <= {"database", "redis"}  # redis when the rate limits live there
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_healthz_answers_a_logged_in_browser_too(ops_client, make_user):
    from tests.conftest import login

    user = make_user()
    assert login(ops_client, user.username).status_code == 302
    response = ops_client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"


def test_healthz_answers_503_when_the_database_is_unreachable(make_ops_app, tmp_path):
    broken = make_ops_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing-directory/db.sqlite3")
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "error"
    assert response.json["checks"]["database"] == "error"
    assert "Set-Cookie" not in response.headers


def test_healthz_answers_503_when_postgresql_refuses_connections(make_ops_app):
    pytest.importorskip("psycopg")
    broken = make_ops_app(
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://postgres@127.0.0.1:1/none",
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True, "connect_args": {"connect_timeout": 2}},
    )
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["checks"]["database"] == "error"


def test_healthz_pings_redis_when_rate_limits_live_there(make_ops_app):
    if not _reachable(REDIS_URL):
        pytest.skip(f"no Redis server at {REDIS_URL}")
    application = make_ops_app()
    application.config["RATELIMIT_STORAGE_URI"] = REDIS_URL  # read by the check at request time
    response = application.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


def test_healthz_answers_503_when_redis_is_unreachable(make_ops_app):
    application = make_ops_app()
    application.config["RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:1/0"
    response = application.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "error", "checks": {"database": "ok", "redis": "error"}}


def test_healthz_is_get_only(ops_client):
    assert ops_client.post("/healthz").status_code in (400, 405)

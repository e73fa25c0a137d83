"""Log-in throttling and lock-out hold across two application processes sharing Redis and the database.

Two real servers run on loopback, each its own Python process with its own memory, configured through the
environment as in production; failed log-ins are spread over both. Skipped when REDIS_URL is not set."""

import http.cookiejar
import os
import re
import socket
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "una password lunga e corretta"
REDIS_URL = os.environ.get("REDIS_URL")
LIMIT = 6  # log-in attempts per hour, per address and per account
THRESHOLD = 3  # failures before the lock-out

pytestmark = pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL is not set: no shared Redis to test with")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Portals:
    def __init__(self, urls, database, prefix):
        self.urls, self.database, self.prefix = urls, database, prefix

    def reset_limits(self):
        """Forget this run's counters (only keys under its own prefix)."""
        import redis

        connection = redis.Redis.from_url(REDIS_URL)
        for key in connection.scan_iter(f"*{self.prefix}*"):
            connection.delete(key)

    def query(self, sql: str):
        with sqlite3.connect(self.database) as connection:
            return connection.execute(sql).fetchall()


@pytest.fixture(scope="module")
def portals(tmp_path_factory):
    """Two portal processes on one SQLite file and one Redis."""
    database = tmp_path_factory.mktemp("multiprocess") / "shared.sqlite3"
    prefix = f"myportal-test-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": prefix,
        "SECRET_KEY": "a-secret-shared-by-both-processes",
        "MYPORTAL_ENV": "development",
        "LOGIN_RATE_LIMIT": f"{LIMIT} per hour",  # a window no slow machine outlasts
        "LOCKOUT_THRESHOLD": str(THRESHOLD),
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "tests.security.portal_process", "serve"]
    users = ["mario.rossi", PASSWORD, "anna.bianchi", PASSWORD]
    processes, urls = [], []
    try:
        for arguments in (users, []):  # the first creates the tables before it says it is ready
            port = _free_port()
            processes.append(
                subprocess.Popen(
                    [*command, str(port), *arguments],
                    env=env,
                    cwd=ROOT,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                    text=True,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        for process in processes:
            assert process.stdout.readline().strip() == "ready", "a portal process did not start"
        yield Portals(urls, database, prefix)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=10)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A cookie-keeping client that does not follow redirects; the session cookie is valid on both processes
    (same secret key), like a browser behind a load balancer."""

    def __init__(self):
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )

    def open(self, url: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(url, body, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def log_in(self, base: str, username: str, password: str) -> int:
        _, html = self.open(base + "/accedi")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
        status, _ = self.open(base + "/accedi", {"csrf_token": token, "username": username, "password": password})
        return status


def test_the_login_throttle_counts_attempts_on_every_process(portals):
    portals.reset_limits()
    browser = Browser()
    statuses = [
        browser.log_in(portals.urls[attempt % 2], "anna.bianchi", f"sbagliata-{attempt}")
        for attempt in range(LIMIT + 2)
    ]
    # Three refusals on each process, then both refuse: one budget, shared through Redis, not one per process.
    assert statuses == [200] * LIMIT + [429, 429], statuses


def test_the_lock_out_holds_on_every_process(portals):
    portals.reset_limits()
    browser = Browser()
    failures = [browser.log_in(portals.urls[attempt % 2], "mario.rossi", "sbagliata") for attempt in range(THRESHOLD)]
    after_lock = [browser.log_in(url, "mario.rossi", PASSWORD) for url in portals.urls]
    assert failures == [200] * THRESHOLD
    assert after_lock == [200, 200], "the right password logged in during the lock-out"
    assert portals.query("select locked_until from users where username = 'mario.rossi'")[0][0] is not None
    events = [
        row[0]
        for row in portals.query(
            "select event from audit_events where user_id = (select id from users where username = 'mario.rossi')"
        )
    ]
    assert events.count("login.failed") == THRESHOLD and "login.locked" in events
    assert events.count("login.refused_locked") == 2 and "login.success" not in events

"""Browser journeys: the portal served on loopback by a real HTTP server, driven by Debian's Chromium."""

import functools
import os
import shutil
import tempfile
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from config import TestingConfig
from myportal import create_app
from myportal.extensions import db
from tests.conftest import DatabaseAccess, _free_port
from tests.e2e import SCREENSHOTS, create_account

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is not installed", allow_module_level=True)


@pytest.fixture(scope="session")
def live_app(smtp_server):
    """An app with its own database file (no per-test rollback: the server runs in another thread)."""
    folder = tempfile.mkdtemp(prefix="myportal-e2e-")

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder}/e2e.sqlite3"
        MAIL_SERVER = "127.0.0.1"
        MAIL_PORT = smtp_server.port
        WTF_CSRF_ENABLED = True
        # Every journey logs in from the same loopback address: the limits are tested elsewhere.
        LOGIN_RATE_LIMIT = "1000 per minute"
        REGISTRATION_RATE_LIMIT = "1000 per minute"
        # Staff log in with a password only here; the second factor has a journey of its own.
        MFA_REQUIRED_ROLES = ()

    app = create_app(Config)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def live_server(live_app):
    port = _free_port()
    live_app.config["PORTAL_BASE_URL"] = f"http://127.0.0.1:{port}"
    server = make_server("127.0.0.1", port, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, request):
    context = browser.new_context(locale="it-IT", base_url=live_server)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def live_db(live_app):
    """Reads and writes on the live server's database, each in a short app context of its own."""
    return DatabaseAccess(live_app)


@pytest.fixture
def make_account(live_db):
    """An active user (for operator roles, of a new company unless ``operator_id``) in the live database."""
    return functools.partial(create_account, live_db)

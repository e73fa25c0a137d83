"""SQLite takes the write lock only where a request writes: reads run side by side, writes wait their turn."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import request
from sqlalchemy import func, insert, select

from config import TestingConfig
from myportal import create_app
from myportal.extensions import db
from myportal.security.models import AuditEvent
from myportal.transaction import after_reads


@pytest.fixture
def file_app(tmp_path):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path}/locking.sqlite3"
        WTF_CSRF_ENABLED = False  # the routes below are the test's own
        SQLALCHEMY_ENGINE_OPTIONS = {"connect_args": {"timeout": 5, "check_same_thread": False}}

    application = create_app(Config)
    bound = db.session  # the suite's session on its rolled-back connection: these tests need real ones
    db.session = db._make_scoped_session({})
    with application.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite only")
        db.create_all()

    def audit_row(action: str) -> dict:
        return {"event": action, "ip": request.remote_addr, "details": {}}

    @application.get("/_read")
    def _read():
        count = db.session.scalar(select(func.count()).select_from(AuditEvent))
        if request.args.get("touch"):  # a write a read request defers, as the session touch does
            after_reads(lambda: db.session.execute(insert(AuditEvent).values(audit_row("touch"))))
        return str(count)

    @application.post("/_write")
    def _write():
        db.session.scalar(select(func.count()).select_from(AuditEvent))  # read, then write: the risky order
        db.session.execute(insert(AuditEvent).values(audit_row("write")))
        return "ok"

    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
    db.session = bound


def test_a_read_transaction_does_not_block_another_read(file_app):
    with file_app.test_request_context("/", method="GET"), file_app.app_context():
        db.session.scalar(select(func.count()).select_from(AuditEvent))  # holds a read transaction open
        done = threading.Event()

        def other_read():
            with file_app.test_request_context("/", method="GET"):
                db.session.scalar(select(func.count()).select_from(AuditEvent))
                db.session.rollback()
                done.set()

        thread = threading.Thread(target=other_read)
        thread.start()
        thread.join(timeout=3)
        assert done.is_set(), "a second read waited for the first (both took the write lock)"
        db.session.rollback()


def test_a_read_runs_while_a_write_holds_the_lock(file_app):
    with file_app.test_request_context("/", method="POST"), file_app.app_context():
        db.session.execute(insert(AuditEvent).values(event="holding", details={}))  # BEGIN IMMEDIATE: the write lock
        answered = []

        def read():
            answered.append(file_app.test_client().get("/_read").status_code)

        thread = threading.Thread(target=read)
        thread.start()
        thread.join(timeout=3)
        assert answered == [200]
        db.session.rollback()


def test_concurrent_reads_and_writes_never_fail_with_database_is_locked(file_app):
    def browse(number: int) -> list[int]:
        client = file_app.test_client()
        statuses = []
        for step in range(15):
            if step % 3 == 0:
                statuses.append(client.post("/_write").status_code)
            else:
                statuses.append(client.get("/_read" + ("?touch=1" if step % 3 == 1 else "")).status_code)
        return statuses

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = [status for result in pool.map(browse, range(8)) for status in result]
    assert statuses == [200] * len(statuses)
    with file_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 8 * 10

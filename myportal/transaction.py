"""One commit per request: committed after the view unless it failed or asked to discard its changes.

On SQLite a transaction takes the write lock only where the request writes: a POST/PUT/PATCH/DELETE, and the
writes a read request defers with :func:`after_reads` (the session's last-seen touch, audit records), begin
``BEGIN IMMEDIATE`` (they wait their turn for the lock instead of failing with "database is locked"); a
GET/HEAD begins a plain deferred ``BEGIN`` and reads alongside the others (WAL). A request that wrote nothing
ends without a commit (the pool's reset ends its read transaction).
"""

import logging
import os
from collections.abc import Callable

from flask import Flask, g, has_app_context, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db
from .notifications.services import deliver_pending, drop_pending

log = logging.getLogger(__name__)

READ_METHODS = frozenset(("GET", "HEAD", "OPTIONS"))
# Statements that do not change data (the test harness's savepoints included).
READ_PREFIXES = ("SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "PRAGMA", "SHOW")


def after_reads(write: Callable[[], None]) -> None:
    """Run ``write`` at the end of this request in a transaction of its own that takes the write lock, so that a
    read request (which holds no write lock) never upgrades its read transaction (SQLITE_BUSY_SNAPSHOT)."""
    g.setdefault("deferred_writes", []).append(write)


def request_writes() -> bool:
    """Whether the current transaction needs the write lock: outside a request always (commands), else when the
    method writes or the request runs its deferred writes."""
    return not has_request_context() or request.method not in READ_METHODS or g.get("write_lock", False)


def defers_writes() -> bool:
    """Whether a write must wait for :func:`after_reads`: in a read request on SQLite (PostgreSQL writes in any
    transaction: its rows are locked one by one)."""
    return not request_writes() and db.engine.dialect.name == "sqlite"


def add_record(row) -> None:
    """Add ``row``, a record only ever appended (an audit event): at once where the request may write, after
    the reads on a read request on SQLite (a GET that looks something up still leaves its trace)."""
    if defers_writes():
        after_reads(lambda: db.session.add(row))
    else:
        db.session.add(row)


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection):
    """SQLite: ``BEGIN IMMEDIATE`` where the transaction may write, a deferred ``BEGIN`` for reads. A deferred
    transaction that reads and then writes fails with "database is locked" when another connection committed in
    between, whatever the busy timeout; IMMEDIATE waits for the lock instead. PostgreSQL needs none of this.
    Connections opened with ``isolation_level="AUTOCOMMIT"`` only read and take no lock."""
    if connection.dialect.name != "sqlite":
        return
    if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return
    connection.exec_driver_sql("BEGIN IMMEDIATE" if request_writes() else "BEGIN")


@event.listens_for(Engine, "before_cursor_execute")
def _note_writes(conn, cursor, statement, parameters, context, executemany):
    """Remember that this request sent a statement that may change data (so that its end commits)."""
    if not statement.lstrip()[:9].upper().startswith(READ_PREFIXES) and has_app_context():
        g.database_written = True
        if conn.dialect.name == "sqlite" and has_request_context() and not request_writes():
            log.warning("%s %s writes in a read transaction (defer it: after_reads)", request.method, request.path)
            if os.environ.get("MYPORTAL_STRICT_WRITES"):
                raise RuntimeError(f"write on a read request: {request.endpoint}: {statement[:80]}")


def has_changes() -> bool:
    """Whether the request's session holds or sent anything to commit."""
    session = db.session
    return bool(g.get("database_written") or session.new or session.dirty or session.deleted)


def discard_changes() -> None:
    """Throw away what this request wrote so far, and commit nothing at its end."""
    db.session.rollback()
    drop_pending()
    g.discard_changes = True


def commit() -> None:
    """Commit the session (when it wrote), then send the e-mails queued while it was open."""
    try:
        if not has_request_context() or has_changes():
            db.session.commit()
            g.pop("database_written", None)
    except Exception:
        db.session.rollback()
        drop_pending()
        raise
    deliver_pending()


def _run_deferred_writes() -> None:
    deferred = g.pop("deferred_writes", None)
    if not deferred:
        return
    db.session.rollback()  # end the read transaction; the next one begins IMMEDIATE
    g.write_lock = True
    try:
        for write in deferred:
            write()
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("deferred write failed")
    finally:
        g.write_lock = False  # a streamed body read after this takes no write lock


def init_app(app: Flask) -> None:
    @app.after_request
    def _finish(response):
        if g.pop("discard_changes", False) or response.status_code >= 500:
            db.session.rollback()
            drop_pending()
        else:
            commit()
        _run_deferred_writes()
        return response

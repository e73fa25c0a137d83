"""Server-side log-in sessions: the cookie holds a random key; deleting the row ends the session."""

import secrets
from datetime import timedelta

from flask import current_app, has_request_context, request, session
from flask_login import login_user, logout_user
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import joinedload

from ..extensions import db, login_manager
from ..models import as_utc, utcnow
from ..operators.models import User
from ..transaction import after_reads, defers_writes
from .models import UserSession
from .tokens import digest

# last_seen_at is refreshed at most this often, so that browsing does not write on every request.
TOUCH_INTERVAL = timedelta(seconds=60)


# Built once (bound parameter): SQLAlchemy's compiled cache is then hit without building the statement again.
SESSION_WITH_USER = (
    select(UserSession)
    .options(joinedload(UserSession.user).joinedload(User.operator))
    .where(UserSession.key_hash == bindparam("key_hash"))
)


def start_session(user: User) -> None:
    """Log ``user`` in under a fresh session (new cookie contents, new server-side key)."""
    raw = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(key_hash=digest(raw), user_id=user.id, ip=request.remote_addr if has_request_context() else None)
    )
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    user.session_key = raw
    login_user(user)
    session.permanent = True


def end_session(user: User) -> None:
    """Log out and delete this browser's server-side session."""
    if user.session_key:
        db.session.execute(delete(UserSession).where(UserSession.key_hash == digest(user.session_key)))
    logout_user()
    session.clear()


def end_other_sessions(user: User, keep_current: bool = True) -> int:
    """End every session of ``user`` except (optionally) the current one; return how many ended."""
    statement = delete(UserSession).where(UserSession.user_id == user.id)
    if keep_current and user.session_key:
        statement = statement.where(UserSession.key_hash != digest(user.session_key))
    return db.session.execute(statement).rowcount


def _write(statement) -> None:
    """Run ``statement`` now, or after the reads of a read request on SQLite (see :mod:`myportal.transaction`)."""
    if defers_writes():
        after_reads(lambda: db.session.execute(statement))
    else:
        db.session.execute(statement)


@login_manager.user_loader
def load_user(key: str) -> User | None:
    """The user of a live session key, or None when the session ended, idled out or expired."""
    if not key or len(key) > 100:
        return None
    # The operator comes in the same statement: every page shows it, and the second-factor gate reads its rule.
    row = db.session.scalar(SESSION_WITH_USER, {"key_hash": digest(key)})
    if row is None:
        return None
    now = utcnow()
    idle = timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    absolute = timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"])
    if now - as_utc(row.last_seen_at) > idle or now - as_utc(row.created_at) > absolute:
        _write(delete(UserSession).where(UserSession.id == row.id))
        return None
    if not row.user.is_active:
        return None
    if now - as_utc(row.last_seen_at) > TOUCH_INTERVAL:
        _write(update(UserSession).where(UserSession.id == row.id).values(last_seen_at=now))
    row.user.session_key = key
    return row.user

"""Retention: what ``myportal purge`` removes once it is older than its period (``LOGIN_HISTORY_RETENTION_DAYS``,
``AUDIT_RETENTION_DAYS``), and the sessions and links that can no longer be used.

Each kind is removed a batch at a time by id, so that a first purge of a large audit log does not hold one long
transaction; running it again removes nothing more (it is idempotent).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, not_, or_, select

from ..extensions import db
from ..registration.models import RegistrationRequest
from ..security.models import AuditEvent, Token, UserSession

# Audit events that make up the log-in history (the rest is the audit log).
LOGIN_HISTORY_EVENTS = ("mfa.failed", "password.reset_unknown")


def login_history():
    return or_(AuditEvent.event.like("login.%"), AuditEvent.event.in_(LOGIN_HISTORY_EVENTS))


@dataclass(frozen=True)
class Retention:
    label: str
    model: type
    expired: Callable[[datetime], object]  # the condition of the rows to remove, given the current time


def retentions() -> list[Retention]:
    config = current_app.config
    login_days = config["LOGIN_HISTORY_RETENTION_DAYS"]
    audit_days = config["AUDIT_RETENTION_DAYS"]
    idle = timedelta(minutes=config["SESSION_IDLE_MINUTES"])
    absolute = timedelta(hours=config["SESSION_ABSOLUTE_HOURS"])
    return [
        Retention(
            f"Storico degli accessi più vecchio di {login_days} giorni (LOGIN_HISTORY_RETENTION_DAYS)",
            AuditEvent,
            lambda now: login_history() & (AuditEvent.created_at < now - timedelta(days=login_days)),
        ),
        Retention(
            f"Registro attività più vecchio di {audit_days} giorni (AUDIT_RETENTION_DAYS)",
            AuditEvent,
            lambda now: not_(login_history()) & (AuditEvent.created_at < now - timedelta(days=audit_days)),
        ),
        Retention(
            f"Richieste di registrazione respinte da più di {audit_days} giorni",
            RegistrationRequest,
            lambda now: (
                (RegistrationRequest.status == "rejected")
                & (RegistrationRequest.decided_at < now - timedelta(days=audit_days))
            ),
        ),
        Retention(
            "Sessioni scadute",
            UserSession,
            lambda now: (UserSession.last_seen_at < now - idle) | (UserSession.created_at < now - absolute),
        ),
        Retention("Link scaduti (attivazione, reimpostazione, conferma)", Token, lambda now: Token.expires_at < now),
    ]


def count_expired(retention: Retention, now: datetime) -> int:
    return db.session.scalar(select(func.count()).select_from(retention.model).where(retention.expired(now)))


def remove_expired_batch(retention: Retention, now: datetime, limit: int) -> int:
    """Remove up to ``limit`` expired rows of ``retention``; return how many (0: nothing left)."""
    ids = db.session.scalars(select(retention.model.id).where(retention.expired(now)).limit(limit)).all()
    if ids:
        db.session.execute(delete(retention.model).where(retention.model.id.in_(ids)))
    return len(ids)

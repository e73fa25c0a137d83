"""Rules of log-in and credentials: authentication, lock-out, activation, reset, change."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import utcnow
from ..notifications.services import portal_url, send_email
from ..operators.models import User, username_key
from ..security.audit import audit
from ..security.passwords import hash_password, needs_rehash, verify_password
from ..security.sessions import end_other_sessions, start_session
from ..security.tokens import consume_token, find_valid_token, issue_token
from .errors import AuthError
from .mfa import begin_second_step, needs_second_step

GENERIC_LOGIN_ERROR = "Credenziali non valide. Dopo ripetuti tentativi errati l'accesso viene bloccato temporaneamente."


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username_key == username_key(username)))


def log_in(username: str, password: str, next_url: str = "") -> bool:
    """Check the credentials and apply the lock-out rule; raise AuthError if refused. Return True when the
    session started, False when the second factor comes next (a code, or enrolment for those who must)."""
    user = find_user(username)
    password_ok = verify_password(user.password_hash if user else None, password)
    if user is None:
        audit("login.failed", user=None, attempted_username=username[:64])
        raise AuthError(GENERIC_LOGIN_ERROR)
    now = utcnow()
    if user.is_locked(now):
        audit("login.refused_locked", user, user=user)
        raise AuthError(GENERIC_LOGIN_ERROR)
    if not password_ok or user.status != "active":
        _record_failure(user, now, password_ok)
        raise AuthError(GENERIC_LOGIN_ERROR)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if needs_second_step(user):
        begin_second_step(user, next_url)
        return False
    user.failed_logins = 0
    user.locked_until = None
    user.previous_login_at = user.last_login_at
    user.last_login_at = now
    audit("login.success", user, user=user)
    start_session(user)
    return True


def _record_failure(user: User, now, password_ok: bool) -> None:
    if not password_ok:
        user.failed_logins += 1
    audit("login.failed", user, user=user, status=user.status, failures=user.failed_logins)
    threshold = current_app.config["LOCKOUT_THRESHOLD"]
    if user.failed_logins >= threshold:
        user.locked_until = now + timedelta(minutes=current_app.config["LOCKOUT_MINUTES"])
        user.failed_logins = 0
        audit("login.locked", user, user=user, minutes=current_app.config["LOCKOUT_MINUTES"])


def unlock(user: User, actor: User) -> None:
    """Lift the temporary lock-out of ``user`` (``actor``: the administrator or help-desk user)."""
    user.locked_until = None
    user.failed_logins = 0
    audit("user.unlocked", user, user=actor, operator_id=user.operator_id)


def send_activation(
    user: User,
    *,
    actor: User | None,
    template: str = "activation",
    subject: str = "Attiva il tuo account MyPortal",
    **context,
) -> None:
    """E-mail ``user`` a single-use link, valid ACTIVATION_HOURS, to choose a password; ``actor`` asked for it
    (None: the visitor registering). ``template`` and ``subject`` word a message that says more (an approval)."""
    raw = issue_token("activation", timedelta(hours=current_app.config["ACTIVATION_HOURS"]), user=user)
    send_email(
        user.email,
        subject,
        template,
        user=user,
        link=portal_url("auth.activate", token=raw),
        hours=current_app.config["ACTIVATION_HOURS"],
        **context,
    )
    audit("user.activation_sent", user, user=actor, operator_id=user.operator_id)


def request_password_reset(username: str) -> None:
    """Send a reset link if an active account has that user name; say nothing either way."""
    user = find_user(username)
    if user is None or user.status != "active":
        audit("password.reset_unknown", user=None, attempted_username=username[:64])
        return
    raw = issue_token("reset", timedelta(minutes=current_app.config["RESET_MINUTES"]), user=user)
    send_email(
        user.email,
        "Reimposta la password di MyPortal",
        "reset",
        user=user,
        link=portal_url("auth.reset_password", token=raw),
        minutes=current_app.config["RESET_MINUTES"],
    )
    audit("password.reset_requested", user, user=user)


def token_user(purpose: str, raw: str) -> tuple:
    """(token, user) of a valid token, or raise AuthError."""
    token = find_valid_token(purpose, raw)
    if token is None or token.user_id is None:
        raise AuthError("Il link non è valido, è già stato usato oppure è scaduto.")
    return token, db.session.get(User, token.user_id)


def set_password_with_token(purpose: str, raw: str, password: str) -> User:
    """Activation or reset: set the password, use up the token, end every session of the user."""
    token, user = token_user(purpose, raw)
    if purpose == "activation" and user.status == "disabled":
        raise AuthError("L'account è disabilitato: contatta l'assistenza.")
    consume_token(token)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.failed_logins = 0
    user.locked_until = None
    if purpose == "activation":
        user.status = "active"
        audit("user.activated", user, user=user)
    else:
        audit("password.reset", user, user=user)
    end_other_sessions(user, keep_current=False)
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Change the password of the logged-in user; every other session of the user ends."""
    if not verify_password(user.password_hash, current):
        audit("password.change_failed", user, user=user)
        raise AuthError("La password attuale non è corretta.", field="current_password")
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    ended = end_other_sessions(user, keep_current=True)
    audit("password.changed", user, user=user, other_sessions_ended=ended)

"""Rules of the second factor: the half-logged-in step after the password, enrolment, codes, disabling."""

from datetime import timedelta

from flask import current_app, g, session
from sqlalchemy import delete, func, select

from ..extensions import db
from ..models import utcnow
from ..operators.models import Operator, User
from ..security.audit import audit
from ..security.mfa import (
    SecretError,
    accepted_counter,
    decrypt_secret,
    encrypt_secret,
    looks_like_recovery_code,
    mfa_required_for,
    new_recovery_codes,
    new_secret,
    recovery_hash,
)
from ..security.models import RecoveryCode
from ..security.passwords import verify_password
from ..security.sessions import end_other_sessions, start_session
from ..security.tokens import consume_token, find_valid_token, issue_token
from .errors import AuthError

PENDING_KEY = "mfa_pending"  # the Flask session holds a single-use token, the server the rest
NEXT_KEY = "mfa_next"
PENDING_PURPOSE = "mfa_login"
PENDING_MINUTES = 10
WRONG_CODE = "Codice non valido o già usato."
LOCKED = "Troppi codici errati: l'accesso è bloccato temporaneamente. Riprova più tardi."


class MfaLocked(AuthError):
    """Too many wrong codes: the account is locked for a while."""

    def __init__(self):
        super().__init__(LOCKED)


def needs_second_step(user: User) -> bool:
    return user.mfa_enabled or mfa_required_for(user)


# --- the half-logged-in state ------------------------------------------------------------------------------


def begin_second_step(user: User, next_url: str) -> None:
    """After a right password: remember who is logging in (server-side), and nothing else."""
    raw = issue_token(PENDING_PURPOSE, timedelta(minutes=PENDING_MINUTES), user=user)
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session[PENDING_KEY] = raw
    session[NEXT_KEY] = next_url
    if not user.mfa_enabled:
        start_enrolment(user)
    audit("login.second_step", user, user=user, step="code" if user.mfa_enabled else "enrolment")


def pending_user() -> User | None:
    """The user between password and code in this browser, or None (no such state, expired, locked)."""
    if "pending_user" in g:
        return g.pending_user
    user = None
    raw = session.get(PENDING_KEY)
    token = find_valid_token(PENDING_PURPOSE, raw) if isinstance(raw, str) else None
    if token is not None and token.user_id is not None:
        candidate = db.session.get(User, token.user_id)
        if candidate is not None and candidate.is_active and not candidate.is_locked():
            user = candidate
    g.pending_user = user
    return user


def has_pending_state() -> bool:
    return PENDING_KEY in session


def abandon_second_step(use_up_token: bool = True) -> None:
    """Forget the half-logged-in state of this browser and (unless told otherwise) use up its token."""
    raw = session.pop(PENDING_KEY, None)
    session.pop(NEXT_KEY, None)
    token = find_valid_token(PENDING_PURPOSE, raw) if use_up_token and isinstance(raw, str) else None
    if token is not None:
        consume_token(token)
    g.pending_user = None


def finish_login(user: User, method: str) -> str:
    """The second step succeeded: start the real session; return where to go next."""
    next_url = session.get(NEXT_KEY) or ""
    abandon_second_step()
    now = utcnow()
    user.failed_logins = 0
    user.locked_until = None
    user.previous_login_at = user.last_login_at
    user.last_login_at = now
    audit("login.success", user, user=user, mfa=method)
    start_session(user)
    return next_url


# --- codes ----------------------------------------------------------------------------------------------


def _secret(user: User) -> str:
    try:
        return decrypt_secret(user.mfa_secret or "")
    except SecretError as error:
        raise AuthError(
            "La verifica in due passaggi non è configurata correttamente: contatta l'assistenza.", field="code"
        ) from error


def _failure(user: User, stage: str) -> None:
    """A wrong code: counted with the password failures, locking the account at the same threshold."""
    user.failed_logins += 1
    audit("mfa.failed", user, user=user, stage=stage, failures=user.failed_logins)
    if user.failed_logins >= current_app.config["LOCKOUT_THRESHOLD"]:
        minutes = current_app.config["LOCKOUT_MINUTES"]
        user.locked_until = utcnow() + timedelta(minutes=minutes)
        user.failed_logins = 0
        audit("login.locked", user, user=user, minutes=minutes, reason="mfa")
        raise MfaLocked()
    raise AuthError(WRONG_CODE, field="code")


def _use_recovery_code(user: User, code: str) -> bool:
    row = db.session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == recovery_hash(user.id, code),
            RecoveryCode.used_at.is_(None),
        )
    )
    if row is None:
        return False
    row.used_at = utcnow()
    audit("mfa.recovery_used", user, user=user, remaining=remaining_recovery_codes(user))
    return True


def check_code(user: User, code: str, stage: str) -> str:
    """Accept a TOTP code (once) or an unused recovery code; return which one. Wrong codes count as failures."""
    if user.is_locked():
        audit("login.refused_locked", user, user=user, stage=stage)
        raise MfaLocked()
    code = code or ""
    if looks_like_recovery_code(code):
        if _use_recovery_code(user, code):
            return "recovery"
        _failure(user, stage)
    counter = accepted_counter(_secret(user), code, user.mfa_last_counter)
    if counter is None:
        _failure(user, stage)
    user.mfa_last_counter = counter
    return "totp"


def verify_second_step(user: User, code: str) -> str:
    """The code step of log-in; on success the session starts. Return where to go next."""
    try:
        method = check_code(user, code, "login")
    except MfaLocked:
        abandon_second_step()  # the half-logged-in state ends
        raise
    return finish_login(user, method)


# --- enrolment ------------------------------------------------------------------------------------------


def start_enrolment(user: User) -> None:
    """Give ``user`` a new secret to confirm; any earlier unconfirmed one is replaced."""
    if user.mfa_enabled:
        raise AuthError("La verifica in due passaggi è già attiva.")
    user.mfa_secret = encrypt_secret(new_secret())
    user.mfa_last_counter = None


def enrolment_secret(user: User) -> str | None:
    """The secret being set up (shown only until confirmed), or None."""
    if user.mfa_enabled or not user.mfa_secret:
        return None
    try:
        return decrypt_secret(user.mfa_secret)
    except SecretError:
        return None


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Turn the factor on with a first code from the app; return the recovery codes, shown only now."""
    secret = enrolment_secret(user)
    if secret is None:
        raise AuthError("Nessuna attivazione in corso: ricomincia la procedura.")
    counter = accepted_counter(secret, code or "", None)
    if counter is None:
        audit("mfa.failed", user, user=user, stage="enrolment")
        raise AuthError("Codice non valido: controlla l'ora del telefono e inserisci il codice attuale.", field="code")
    user.mfa_enabled_at = utcnow()
    user.mfa_last_counter = counter
    codes = replace_recovery_codes(user)
    audit("mfa.enabled", user, user=user)
    return codes


def replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = new_recovery_codes()
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=recovery_hash(user.id, code)) for code in codes)
    return codes


def remaining_recovery_codes(user: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def regenerate_recovery_codes(user: User, code: str) -> list[str]:
    """New recovery codes (the old ones stop working), after a code from the app."""
    if not user.mfa_enabled:
        raise AuthError("La verifica in due passaggi non è attiva.")
    _checked(user, code, "recovery_codes")
    codes = replace_recovery_codes(user)
    audit("mfa.recovery_regenerated", user, user=user)
    return codes


def _checked(user: User, code: str, stage: str) -> None:
    """check_code for a logged-in user: a lock-out there ends every session of theirs."""
    try:
        check_code(user, code, stage)
    except MfaLocked:
        end_other_sessions(user, keep_current=False)
        raise


def disable_mfa(user: User, password: str, code: str) -> None:
    """Turn the factor off, with the password and a code; not for those who must use it."""
    if not user.mfa_enabled:
        raise AuthError("La verifica in due passaggi non è attiva.")
    if mfa_required_for(user):
        raise AuthError("La verifica in due passaggi è obbligatoria per il tuo account: non si può disattivare.")
    if not verify_password(user.password_hash, password or ""):
        audit("mfa.disable_refused", user, user=user, reason="password")
        raise AuthError("La password non è corretta.", field="password")
    _checked(user, code, "disable")
    _clear_factor(user)
    audit("mfa.disabled", user, user=user)


def reset_mfa(user: User, admin: User) -> int:
    """An administrator's reset for a user who lost both the device and the recovery codes: the factor is
    removed and every session of the user ends (those who must use it enrol again at the next log-in).
    Returns how many sessions ended."""
    if not user.mfa_enabled:
        raise AuthError(f"L'utente {user.username} non ha la verifica in due passaggi attiva.")
    if user.id == admin.id:
        raise AuthError("Non puoi azzerare la tua stessa verifica in due passaggi.")
    _clear_factor(user)
    ended = end_other_sessions(user, keep_current=False)
    audit("mfa.reset", user, user=admin, operator_id=user.operator_id, sessions_ended=ended)
    return ended


def _clear_factor(user: User) -> None:
    user.mfa_secret = None
    user.mfa_enabled_at = None
    user.mfa_last_counter = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


# --- the company's rule ---------------------------------------------------------------------------------


def set_company_requirement(operator: Operator, admin: User, required: bool) -> None:
    """An operator_admin requires (or stops requiring) the second factor of every user of the company."""
    if required and not admin.mfa_enabled:
        raise AuthError(
            "Attiva prima la verifica in due passaggi sul tuo account, poi richiedila ai colleghi.",
            field="required",
        )
    if operator.mfa_required == required:
        return
    operator.mfa_required = required
    audit("mfa.company_required" if required else "mfa.company_optional", operator, user=admin, operator_id=operator.id)

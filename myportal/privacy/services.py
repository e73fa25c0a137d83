"""Rules of privacy: acknowledgements of the notice, and the closure of an account on its owner's request.

Closing an account keeps what the law or the company needs and erases or anonymises the rest:

- kept: the operator's invoices (ten years, art. 2220 c.c.) and every other record of the company (contracts,
  tickets, enrolments, EIC requests, GSTAT reports), which now name an anonymous account; the audit log and the
  log-in history until ``myportal purge`` removes them at the end of their retention; the acknowledgements of the
  privacy notice (the proof that it was given) and the closure request itself;
- erased: the user's name, e-mail, telephone numbers, fax, fiscal code, country, company role, secret question
  and answer, password, second factor and recovery codes, sessions, tokens, pending e-mail changes, and the
  development outbox's copies of the e-mails sent to them; the same personal data in their registration requests.

The user row stays (disabled, with neither password nor e-mail), so that the records above keep pointing at it;
nobody can log in with it again, and it cannot be enabled again.
"""

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.orm import joinedload

from ..errors import DomainError
from ..extensions import db
from ..models import utcnow
from ..notifications.models import OutboxMessage
from ..notifications.services import portal_url, send_email
from ..operators.contact_models import PendingEmailChange
from ..operators.models import User, username_key
from ..registration.models import RegistrationRequest
from ..security.audit import audit
from ..security.models import RecoveryCode, Token, UserSession
from ..security.passwords import verify_password
from .models import ClosureRequest, PrivacyAcknowledgement

CLOSED_EMAIL_DOMAIN = "account-chiuso.invalid"  # RFC 2606: never delivered


class PrivacyError(DomainError):
    """A refused privacy request."""


# --- acknowledgements of the privacy notice -------------------------------------------------------


def notice_version() -> str:
    return current_app.config["PRIVACY_NOTICE_VERSION"]


def acknowledge_notice(
    context: str, *, user: User | None = None, registration_request: RegistrationRequest | None = None
) -> PrivacyAcknowledgement:
    """Record that ``user`` (or the applicant of ``registration_request``) read the current notice, in the form
    named by ``context``; part of the transaction of the form that asked."""
    if user is None and registration_request is None:
        raise ValueError("an acknowledgement needs a user or a registration request")
    row = PrivacyAcknowledgement(
        user_id=user.id if user is not None else None,
        registration_request_id=registration_request.id if registration_request is not None else None,
        document="informativa",
        version=notice_version(),
        context=context,
        accepted_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    return row


def acknowledgements_of(user: User):
    """The statement of every acknowledgement of ``user``, those of their registration requests included."""
    requests = select(RegistrationRequest.id).where(RegistrationRequest.user_id == user.id)
    return select(PrivacyAcknowledgement).where(
        (PrivacyAcknowledgement.user_id == user.id) | PrivacyAcknowledgement.registration_request_id.in_(requests)
    )


def latest_acknowledgement(user: User) -> PrivacyAcknowledgement | None:
    statement = acknowledgements_of(user).order_by(
        PrivacyAcknowledgement.accepted_at.desc(), PrivacyAcknowledgement.id.desc()
    )
    return db.session.scalars(statement.limit(1)).first()


def acknowledge_current_notice(user: User) -> PrivacyAcknowledgement:
    """The "I have read it" of a user who has not yet acknowledged the current version."""
    latest = latest_acknowledgement(user)
    if latest is not None and latest.version == notice_version():
        raise PrivacyError("Hai già preso visione della versione attuale dell'informativa.")
    row = acknowledge_notice("area_personale", user=user)
    audit("privacy.notice_acknowledged", user, user=user, version=row.version)
    return row


# --- closure requests -----------------------------------------------------------------------------


def open_closure(user: User) -> ClosureRequest | None:
    return db.session.scalars(
        select(ClosureRequest).where(ClosureRequest.user_id == user.id, ClosureRequest.state == "in_attesa")
    ).first()


def account_closed(user: User) -> bool:
    """Whether ``user`` was closed on request (it can never be enabled again)."""
    statement = select(ClosureRequest.id).where(ClosureRequest.user_id == user.id, ClosureRequest.state == "eseguita")
    return db.session.scalar(statement.limit(1)) is not None


def refuse_if_closed(user: User, error=DomainError) -> None:
    if account_closed(user):
        raise error(f"L'account {user.username} è stato chiuso su richiesta del titolare: non può essere riattivato.")


def request_closure(user: User, *, password: str, reason: str | None) -> ClosureRequest:
    """The owner asks for the account to be closed (their password confirms it); the back office decides."""
    if not verify_password(user.password_hash, password):
        raise PrivacyError("La password non è corretta.", field="password")
    if open_closure(user) is not None:
        raise PrivacyError("Hai già una richiesta di chiusura in attesa.")
    closure = ClosureRequest(user_id=user.id, state="in_attesa", reason=(reason or "").strip() or None)
    db.session.add(closure)
    db.session.flush()
    audit("privacy.closure_requested", closure, user=user, operator_id=user.operator_id)
    send_email(
        user.email,
        "Richiesta di chiusura dell'account ricevuta",
        "privacy_closure_received",
        user=user,
        link=portal_url("privacy.closure"),
    )
    send_email(
        current_app.config["SUPPORT_EMAIL"],
        f"Richiesta di chiusura dell'account {user.username}",
        "privacy_closure_requested",
        user=user,
        closure=closure,
        link=portal_url("privacy.admin_closure", closure_id=closure.id),
    )
    return closure


def withdraw_closure(user: User) -> ClosureRequest:
    closure = open_closure(user)
    if closure is None:
        raise PrivacyError("Non hai richieste di chiusura in attesa.")
    closure.state = "ritirata"
    closure.decided_at = utcnow()
    audit("privacy.closure_withdrawn", closure, user=user, operator_id=user.operator_id)
    return closure


def ensure_open(closure: ClosureRequest) -> None:
    if not closure.is_open:
        raise PrivacyError(f"La richiesta è già stata trattata (stato: {closure.state_label}).")


def _decide(closure: ClosureRequest, admin: User, state: str, note: str | None) -> None:
    closure.state = state
    closure.decided_at = utcnow()
    closure.decided_by_id = admin.id
    closure.decision_note = (note or "").strip() or None


def reject_closure(closure: ClosureRequest, admin: User, reason: str) -> None:
    """The back office keeps the account open (for instance, the company's only administrator)."""
    ensure_open(closure)
    if not (reason or "").strip():
        raise PrivacyError("Indica il motivo: sarà comunicato all'utente.", field="reason")
    _decide(closure, admin, "respinta", reason)
    user = closure.user
    audit("privacy.closure_rejected", closure, user=admin, operator_id=user.operator_id)
    send_email(
        user.email,
        "Richiesta di chiusura dell'account respinta",
        "privacy_closure_rejected",
        user=user,
        reason=closure.decision_note,
    )


def close_account(closure: ClosureRequest, admin: User, note: str | None = None) -> User:
    """Close the account of ``closure``: what the module docstring says is erased goes, the rest stays."""
    ensure_open(closure)
    user = closure.user
    if user.id == admin.id:
        raise PrivacyError("Non puoi chiudere il tuo stesso account.")
    old_email = user.email
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.recipient == old_email))
    send_email(old_email, "Il tuo account MyPortal è stato chiuso", "privacy_account_closed", user=user)
    for model in (UserSession, Token, RecoveryCode, PendingEmailChange):
        db.session.execute(delete(model).where(model.user_id == user.id))
    _anonymise(user)
    _decide(closure, admin, "eseguita", note)
    audit("privacy.account_closed", user, user=admin, operator_id=user.operator_id, closure_id=closure.id)
    return user


def _anonymise(user: User) -> None:
    name = f"account-chiuso-{user.id}"
    email = f"{name}@{CLOSED_EMAIL_DOMAIN}"
    user.username = name
    user.username_key = username_key(name)
    user.email = email
    user.full_name = ""
    for field in ("fiscal_code", "country", "company_role", "phone", "mobile", "fax", "secret_question"):
        setattr(user, field, None)
    user.secret_answer_hash = None
    user.password_hash = None
    user.mfa_secret = None
    user.mfa_enabled_at = None
    user.mfa_last_counter = None
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = None
    user.previous_login_at = None
    user.password_changed_at = None
    user.status = "disabled"
    db.session.execute(
        update(RegistrationRequest)
        .where(RegistrationRequest.user_id == user.id)
        .values(
            username=name,
            full_name="",
            fiscal_code=None,
            email=email,
            phone=None,
            mobile="",
            company_role="",
            secret_answer_hash="",
            admin_message=None,
            applicant_reply=None,
        )
    )
    db.session.flush()


def closure_queue(state: str | None = "in_attesa"):
    """The closure requests in ``state`` (None: all), oldest open first, with their users."""
    statement = select(ClosureRequest).options(joinedload(ClosureRequest.user).joinedload(User.operator))
    if state:
        statement = statement.where(ClosureRequest.state == state)
    order = ClosureRequest.created_at.asc() if state == "in_attesa" else ClosureRequest.created_at.desc()
    return statement.order_by(order, ClosureRequest.id)


def last_company_admin(user: User) -> bool:
    """Whether ``user`` is the only active administrator of their company (closing leaves it without one)."""
    if user.role != "operator_admin" or user.operator_id is None:
        return False
    others = db.session.scalar(
        select(User.id)
        .where(
            User.operator_id == user.operator_id,
            User.role == "operator_admin",
            User.status == "active",
            User.id != user.id,
        )
        .limit(1)
    )
    return others is None

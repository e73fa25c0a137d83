"""Rules of the back office: the registration queue, users, the audit log and the outbox."""

from datetime import date, datetime, timedelta

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from ..auth.services import unlock
from ..dates import local_midnight
from ..errors import DomainError
from ..extensions import db
from ..identifiers import IdentifierError, clean_vat
from ..models import utcnow
from ..notifications.models import OutboxMessage
from ..operators.models import Operator, User, username_key
from ..registration.models import REQUEST_STATES, RegistrationRequest
from ..security.accounts import disable_account, enable_account
from ..security.models import AuditEvent

QUEUE_FILTERS = (*REQUEST_STATES, "all")
OPEN_STATES = ("pending", "info_requested")


class AdminError(DomainError):
    """A refused back-office action."""


def _like(value: str) -> str:
    """A LIKE pattern matching ``value`` anywhere, its wildcards escaped."""
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# --- registration queue ---------------------------------------------------------------------------


def registration_queue(state: str = "pending") -> Select:
    """The new-user requests in ``state`` ("all" for every state), newest first."""
    statement = select(RegistrationRequest).order_by(
        RegistrationRequest.created_at.desc(), RegistrationRequest.id.desc()
    )
    if state != "all":
        statement = statement.where(RegistrationRequest.status == state)
    return statement


def ensure_open(registration: RegistrationRequest) -> None:
    """Refuse any decision on a request that was already approved or rejected."""
    if registration.status not in OPEN_STATES:
        raise AdminError(
            f"La richiesta è già stata {registration.status_label.lower()}: nessuna modifica è stata fatta."
        )


# --- users ----------------------------------------------------------------------------------------


def user_list(
    *, search: str = "", role: str = "", state: str = "", locked: str = "", now: datetime | None = None
) -> Select:
    """Every user, with their operator loaded in the same query, filtered and ordered by user name."""
    statement = select(User).outerjoin(User.operator).options(contains_eager(User.operator)).order_by(User.username_key)
    search = (search or "").strip()
    if search:
        conditions = [
            User.username_key.like(_like(username_key(search)), escape="\\"),
            User.email.ilike(_like(search), escape="\\"),
            Operator.vat_number.like(_like(search), escape="\\"),
        ]
        try:
            conditions.append(Operator.vat_number == clean_vat(search))
        except IdentifierError:
            pass
        statement = statement.where(or_(*conditions))
    if role:
        statement = statement.where(User.role == role)
    if state:
        statement = statement.where(User.status == state)
    now = now or utcnow()
    if locked == "yes":
        statement = statement.where(User.locked_until > now)
    elif locked == "no":
        statement = statement.where(or_(User.locked_until.is_(None), User.locked_until <= now))
    return statement


def disable_user(user: User, admin: User) -> int:
    """Disable ``user`` and end every session of theirs; return how many sessions ended."""
    return disable_account(user, admin)


def enable_user(user: User, admin: User) -> None:
    """Enable a disabled user: active if they have a password, else pending activation."""
    enable_account(user, admin)


def unlock_user(user: User, admin: User) -> None:
    """Lift a temporary lock-out after failed log-ins."""
    if not user.is_locked():
        raise AdminError(f"L'utente {user.username} non è bloccato.")
    unlock(user, admin)


# --- audit log ------------------------------------------------------------------------------------


def audit_events(
    *,
    username: str = "",
    vat_number: str = "",
    operator_name: str = "",
    event: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> Select:
    """Audit events, newest first; the operator by exact VAT number or a part of its name; dates are Italian
    calendar days, both ends included."""
    statement = (
        select(AuditEvent)
        .options(joinedload(AuditEvent.user))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    )
    if username:
        statement = statement.where(
            AuditEvent.user_id.in_(select(User.id).where(User.username_key == username_key(username)))
        )
    if vat_number:
        statement = statement.where(
            AuditEvent.operator_id.in_(select(Operator.id).where(Operator.vat_number == vat_number))
        )
    if operator_name:
        statement = statement.where(
            AuditEvent.operator_id.in_(
                select(Operator.id).where(Operator.name.ilike(_like(operator_name.strip()), escape="\\"))
            )
        )
    if event:
        statement = statement.where(AuditEvent.event.startswith(event.strip(), autoescape=True))
    if date_from:
        statement = statement.where(AuditEvent.created_at >= local_midnight(date_from))
    if date_to:
        statement = statement.where(AuditEvent.created_at < local_midnight(date_to + timedelta(days=1)))
    return statement


def audit_event_names() -> list[str]:
    """The distinct events recorded so far, for the filter's suggestions."""
    return list(db.session.scalars(select(AuditEvent.event).distinct().order_by(AuditEvent.event)))


def operators_by_id(ids) -> dict[int, Operator]:
    """The operators with those ids, in one query."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {op.id: op for op in db.session.scalars(select(Operator).where(Operator.id.in_(ids)))}


# --- outbox ---------------------------------------------------------------------------------------


def outbox_messages(recipient: str = "") -> Select:
    """Messages kept in the development outbox, newest first."""
    statement = select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    recipient = (recipient or "").strip()
    if recipient:
        statement = statement.where(OutboxMessage.recipient.ilike(_like(recipient), escape="\\"))
    return statement

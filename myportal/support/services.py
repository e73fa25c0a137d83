"""Rules of the help desk: recognise what the caller quotes, find the account, the few actions allowed."""

from sqlalchemy import Row, bindparam, or_, select

from ..auth.services import send_activation, unlock
from ..errors import DomainError
from ..extensions import db
from ..identifiers import CUSTOMER_CODE, FISCAL_CODE, VAT, Identifier
from ..operators.models import Operator, User
from ..registration.models import RegistrationRequest
from ..security.audit import audit
from ..security.passwords import normalise_secret_answer, verify_password

MAX_RESULTS = 50


class SupportError(DomainError):
    """A refused help-desk action."""


# The look-up's statements, built once with a bound parameter so that every search hits SQLAlchemy's compiled
# cache; they read the columns of the results table as plain rows, without loading Operator entities.
OPERATORS = Operator.__table__
USERS = User.__table__
RESULT_COLUMNS = tuple(
    OPERATORS.c[name] for name in ("id", "name", "vat_number", "fiscal_code", "customer_code", "registered_address")
)
_VALUE = bindparam("value")
_MATCHES = {
    CUSTOMER_CODE: OPERATORS.c.customer_code == _VALUE,
    VAT: or_(OPERATORS.c.vat_number == _VALUE, OPERATORS.c.fiscal_code == _VALUE),
    FISCAL_CODE: or_(
        OPERATORS.c.fiscal_code == _VALUE,
        OPERATORS.c.id.in_(select(USERS.c.operator_id).where(USERS.c.fiscal_code == _VALUE)),
    ),
}
_SEARCHES = {
    kind: select(*RESULT_COLUMNS).where(condition).order_by(OPERATORS.c.name, OPERATORS.c.id).limit(MAX_RESULTS)
    for kind, condition in _MATCHES.items()
}


def find_operators(kind: str, value: str) -> list[Row]:
    """Operators matching a normalised identifier (a codice fiscale also matches their users'), as rows of
    ``RESULT_COLUMNS``."""
    statement = _SEARCHES.get(kind, _SEARCHES[FISCAL_CODE])
    return list(db.session.execute(statement, {"value": value}))


def look_up(identifier: Identifier, staff: User) -> list[Row]:
    """The operators an identifier the caller quoted (parsed by the search form) points to; audited."""
    operators = find_operators(identifier.kind, identifier.value)
    audit("support.lookup", user=staff, query=identifier.value, kind=identifier.kind, results=len(operators))
    return operators


def registration_requests_of(operator: Operator) -> list[RegistrationRequest]:
    """The new-user requests linked to ``operator`` or quoting its Partita IVA, newest first."""
    condition = RegistrationRequest.operator_id == operator.id
    if operator.vat_number:
        condition = or_(condition, RegistrationRequest.vat_number == operator.vat_number)
    statement = (
        select(RegistrationRequest)
        .where(condition)
        .order_by(RegistrationRequest.created_at.desc(), RegistrationRequest.id.desc())
    )
    return list(db.session.scalars(statement))


def record_account_view(operator: Operator, staff: User) -> None:
    audit("support.account_viewed", operator, user=staff, operator_id=operator.id)


def unlock_user(user: User, staff: User) -> None:
    """Lift the temporary lock-out of ``user``."""
    if not user.is_locked():
        raise SupportError(f"L'utente {user.username} non è bloccato.")
    unlock(user, staff)


def resend_activation(user: User, staff: User) -> None:
    """Send a fresh activation link to a user who has not activated the account yet."""
    if user.status != "pending":
        raise SupportError(f"L'utente {user.username} non è in attesa di attivazione: nessun link inviato.")
    send_activation(user, actor=staff)


def check_secret_answer(user: User, answer: str, staff: User) -> bool:
    """Whether the answer the caller gives matches the stored one; audited, and it never changes anything."""
    if not user.secret_answer_hash:
        raise SupportError(f"L'utente {user.username} non ha una domanda segreta.", field="answer")
    matches = verify_password(user.secret_answer_hash, normalise_secret_answer(answer))
    audit("support.secret_checked", user, user=staff, operator_id=user.operator_id, matches=matches)
    return matches

"""Rules of the help desk: recognise what the caller quotes, find the account, the few actions allowed."""

import re

from sqlalchemy import Row, bindparam, or_, select

from ..auth.services import send_activation, unlock
from ..extensions import db
from ..identifiers import IdentifierError, clean_customer_code, clean_fiscal_code, clean_vat
from ..operators.models import Operator, User
from ..registration.models import RegistrationRequest
from ..security.audit import audit
from ..security.passwords import normalise_secret_answer, verify_password

MAX_RESULTS = 50
UNRECOGNISED = (
    "Inserisci una Partita IVA (11 cifre, anche preceduta da IT), un codice fiscale (16 caratteri) "
    "o un codice cliente (6 cifre)."
)


class SupportError(Exception):
    """A refused help-desk action; ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def recognise_query(value: str) -> tuple[str, str]:
    """("vat" | "fiscal_code" | "customer_code", normalised value) of what the caller quoted."""
    compact = re.sub(r"[\s.\-]", "", value or "").upper()
    try:
        if len(compact) == 6 and compact.isdigit():
            return "customer_code", clean_customer_code(compact)
        if len(compact) == 16:
            return "fiscal_code", clean_fiscal_code(compact)
        digits = compact[2:] if compact.startswith("IT") else compact
        if len(digits) == 11 and digits.isdigit():
            return "vat", clean_vat(digits)
    except IdentifierError as error:
        raise SupportError(str(error), field="q") from error
    raise SupportError(UNRECOGNISED, field="q")


# The look-up's statements, built once with a bound parameter so that every search hits SQLAlchemy's compiled
# cache; they read the columns of the results table as plain rows, without loading Operator entities.
OPERATORS = Operator.__table__
USERS = User.__table__
RESULT_COLUMNS = tuple(
    OPERATORS.c[name] for name in ("id", "name", "vat_number", "fiscal_code", "customer_code", "registered_address")
)
_VALUE = bindparam("value")
_MATCHES = {
    "customer_code": OPERATORS.c.customer_code == _VALUE,
    "vat": or_(OPERATORS.c.vat_number == _VALUE, OPERATORS.c.fiscal_code == _VALUE),
    "fiscal_code": or_(
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
    statement = _SEARCHES.get(kind, _SEARCHES["fiscal_code"])
    return list(db.session.execute(statement, {"value": value}))


def look_up(query: str) -> tuple[str, list[Row]]:
    """Recognise ``query``, find the operators and audit the look-up; return (value, operators)."""
    kind, value = recognise_query(query)
    operators = find_operators(kind, value)
    audit("support.lookup", query=value, kind=kind, results=len(operators))
    return value, operators


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


def record_account_view(operator: Operator) -> None:
    audit("support.account_viewed", operator, operator_id=operator.id)


def unlock_user(user: User) -> None:
    """Lift the temporary lock-out of ``user``."""
    if not user.is_locked():
        raise SupportError(f"L'utente {user.username} non è bloccato.")
    unlock(user)


def resend_activation(user: User) -> None:
    """Send a fresh activation link to a user who has not activated the account yet."""
    if user.status != "pending":
        raise SupportError(f"L'utente {user.username} non è in attesa di attivazione: nessun link inviato.")
    send_activation(user)


def check_secret_answer(user: User, answer: str) -> bool:
    """Whether the answer the caller gives matches the stored one; audited, and it never changes anything."""
    if not user.secret_answer_hash:
        raise SupportError(f"L'utente {user.username} non ha una domanda segreta.", field="answer")
    matches = verify_password(user.secret_answer_hash, normalise_secret_answer(answer))
    audit("support.secret_checked", user, operator_id=user.operator_id, matches=matches)
    return matches

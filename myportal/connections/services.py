"""Ge.Co. practices of an operator (matched by VAT number) and the link to Terna's new-request section."""

from sqlalchemy import select

from ..operators.models import Operator
from ..registration.models import GecoPractice

SISTEMA_ELETTRICO_URL = "https://www.terna.it/it/sistema-elettrico"

# Ge.Co. states that end a practice (compared in lower case); any other state is an open practice.
CLOSED_STATES = (
    "conclusa",
    "chiusa",
    "archiviata",
    "annullata",
    "respinta",
    "rinunciata",
    "decaduta",
    "connessione realizzata",
)


def is_open(status: str) -> bool:
    return (status or "").strip().lower() not in CLOSED_STATES


def _of_operator(statement, operator_id: int):
    """Restrict ``statement`` to the practices whose VAT number is the operator's (none without one)."""
    return statement.join(Operator, Operator.vat_number == GecoPractice.vat_number).where(Operator.id == operator_id)


def practices_of(operator_id: int):
    """The operator's practices, newest first."""
    return _of_operator(select(GecoPractice), operator_id).order_by(
        GecoPractice.created_at.desc(), GecoPractice.id.desc()
    )

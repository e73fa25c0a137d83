"""Disabling and enabling a user's account: the one rule for the back office and for a company's administrators."""

from collections.abc import Callable

from ..errors import DomainError
from ..operators.models import User
from ..privacy.services import refuse_if_closed
from .audit import audit
from .sessions import end_other_sessions


def disable_account(user: User, by: User, *, rule: Callable[[User], None] | None = None) -> int:
    """Disable ``user`` and end every session of theirs; return how many sessions ended.

    Nobody disables their own account or one already disabled; ``rule(user)`` may refuse further (a company
    keeps an active administrator) by raising a :class:`DomainError`.
    """
    if user.id == by.id:
        raise DomainError("Non puoi disabilitare il tuo stesso account.")
    if user.status == "disabled":
        raise DomainError(f"L'utente {user.username} è già disabilitato.")
    if rule is not None:
        rule(user)
    previous = user.status
    user.status = "disabled"
    ended = end_other_sessions(user, keep_current=False)
    audit(
        "user.disabled",
        user,
        user=by,
        operator_id=user.operator_id,
        previous=previous,
        sessions_ended=ended,
    )
    return ended


def enable_account(user: User, by: User) -> None:
    """Enable a disabled account (never one closed on its owner's request): active if it has a password,
    otherwise pending activation."""
    if user.status != "disabled":
        raise DomainError(f"L'utente {user.username} non è disabilitato.")
    refuse_if_closed(user)
    user.status = "active" if user.password_hash else "pending"
    audit("user.enabled", user, user=by, operator_id=user.operator_id, status=user.status)

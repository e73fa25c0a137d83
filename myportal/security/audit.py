"""The audit log: one call records who did what to which object, when and from where."""

from flask import has_request_context, request

from ..transaction import add_record
from .models import AuditEvent


def audit(event: str, obj=None, *, user, operator_id: int | None = None, **details) -> AuditEvent:
    """Record ``event`` done by ``user``, the acting user (None: a visitor who is not logged in, or a command);
    ``operator_id`` defaults to the object's, then to the user's."""
    if operator_id is None:
        operator_id = getattr(obj, "operator_id", None) or (getattr(user, "operator_id", None) if user else None)
    entry = AuditEvent(
        event=event,
        user_id=user.id if user is not None else None,
        operator_id=operator_id,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=str(obj.id) if obj is not None and getattr(obj, "id", None) is not None else None,
        ip=request.remote_addr if has_request_context() else None,
        details={key: value for key, value in details.items() if value is not None},
    )
    add_record(entry)
    return entry

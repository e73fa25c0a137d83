"""Access control: roles at the route level, operator ownership at the object level."""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from ..extensions import db
from .audit import audit
from .input_guard import is_valid_id


def role_required(*roles: str):
    """Log-in required, then one of ``roles``; other roles get 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def operator_required(view):
    """Pages of an operator's own area: users of an operator only."""
    return role_required("operator", "operator_admin")(view)


def get_owned_or_404(model, object_id):
    """Load ``model`` by id only if it belongs to the current user's operator; audit any other attempt."""
    obj = db.session.get(model, object_id) if is_valid_id(object_id) else None
    if obj is None:
        abort(404)
    owner_id = obj.id if model.__tablename__ == "operators" else obj.operator_id
    if current_user.operator_id is None or owner_id != current_user.operator_id:
        audit(
            "access.cross_operator",
            obj,
            user=current_user._get_current_object(),
            operator_id=current_user.operator_id,
            owner_operator_id=owner_id,
        )
        abort(404)
    return obj

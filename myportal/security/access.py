"""Access control: the one role vocabulary, route and blueprint guards, operator ownership at the object level.

Roles (``User.role``): ``operator`` (a user of a company), ``operator_admin`` (also manages the company's
users), ``support`` and ``admin`` (Terna-side staff). The groups below are the only spelling of who may do what.
"""

from functools import wraps

from flask import abort, current_app, request
from flask_login import current_user
from flask_login.config import EXEMPT_METHODS

from ..extensions import db
from .audit import audit
from .input_guard import is_valid_id

OPERATOR = ("operator", "operator_admin")  # anyone acting for a company
OPERATOR_ADMIN = ("operator_admin",)  # manages the company's users
STAFF = ("support", "admin")  # Terna-side support desk and back office
ADMIN = ("admin",)  # Terna-side back office


def refusal(roles: tuple[str, ...]):
    """The response for a request the current user may not make: log-in page, 403, or None when allowed."""
    if request.method in EXEMPT_METHODS or current_app.config.get("LOGIN_DISABLED"):
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if current_user.role not in roles:
        abort(403)
    return None


def _requiring(roles: tuple[str, ...]):
    """A route decorator: log-in required, then one of ``roles``; other roles get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            return refusal(roles) or view(*args, **kwargs)

        return wrapped

    return decorator


operator_required = _requiring(OPERATOR)
operator_admin_required = _requiring(OPERATOR_ADMIN)
staff_required = _requiring(STAFF)
admin_required = _requiring(ADMIN)


def guard_blueprint(blueprint, roles: tuple[str, ...]) -> None:
    """Every route of ``blueprint`` needs one of ``roles`` (checked before the view runs)."""
    blueprint.before_request(lambda: refusal(roles))


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

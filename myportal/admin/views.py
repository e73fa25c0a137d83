from ..security.access import role_required
from . import bp


@bp.route("/richieste")
@role_required("admin")
def requests():
    return ""


@bp.route("/utenti")
@role_required("admin")
def users():
    return ""


@bp.route("/registro")
@role_required("admin")
def audit_log():
    return ""


@bp.route("/posta")
@role_required("admin")
def outbox():
    return ""

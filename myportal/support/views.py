from ..security.access import role_required
from . import bp


@bp.route("/")
@role_required("admin", "support")
def search():
    return ""

"""Connection requests: the operator's Ge.Co. practices and the way to file a new one."""

from flask import render_template
from flask_login import current_user

from ..pages import paginate
from . import bp
from .services import SISTEMA_ELETTRICO_URL, is_open, practices_of


@bp.route("/connessioni")
def index():
    page = paginate(practices_of(current_user.operator_id))
    return render_template(
        "connections/index.html", page=page, is_open=is_open, sistema_elettrico_url=SISTEMA_ELETTRICO_URL
    )

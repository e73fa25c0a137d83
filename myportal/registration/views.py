from . import bp


@bp.route("/")
def choose():
    return ""

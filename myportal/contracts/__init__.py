"""Supply points, contracts with their technical and contract data, measurements and self-readings."""

from flask import Blueprint

from ..security.access import OPERATOR, guard_blueprint

bp = Blueprint("contracts", __name__)
guard_blueprint(bp, OPERATOR)

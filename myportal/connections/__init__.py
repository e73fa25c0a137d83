"""Connection requests to the national transmission grid (RTN): the operator's Ge.Co. practices."""

from flask import Blueprint

from ..security.access import OPERATOR, guard_blueprint

bp = Blueprint("connections", __name__)
guard_blueprint(bp, OPERATOR)

"""Connection requests to the national transmission grid (RTN): the operator's Ge.Co. practices."""

from flask import Blueprint

bp = Blueprint("connections", __name__)

"""GSTAT: monthly production and consumption statistics per plant."""

from flask import Blueprint

bp = Blueprint("gstat", __name__)

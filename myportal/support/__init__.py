"""Support staff: look-up of accounts by Partita IVA, codice fiscale or customer code."""

from flask import Blueprint

from ..security.access import STAFF, guard_blueprint

bp = Blueprint("support", __name__, url_prefix="/assistenza")
guard_blueprint(bp, STAFF)

"""The four registration paths and the new-user requests."""

from flask import Blueprint

bp = Blueprint("registration", __name__, url_prefix="/registrazione")

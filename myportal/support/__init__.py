"""Support staff: look-up of accounts by Partita IVA, codice fiscale or customer code."""

from flask import Blueprint

bp = Blueprint("support", __name__, url_prefix="/assistenza")
